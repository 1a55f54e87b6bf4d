#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_zone_associations
short_description: Make other environments' private zones resolve from one environment's VPC
version_added: 0.1.0
description:
  - Associates the private hosted zone of each listed environment (the zone
    M(refarch.network.dns_zones) made, tagged C(refarch:owner=<owner>) and C(refarch:key=zone/private))
    with this environment's VPC, so the VPC's resolver (its base address + 2) answers their names.
    The VPN environment uses it for the environments its clients reach.
  - A zone in another account is associated as AWS requires - C(CreateVPCAssociationAuthorization)
    with that account's role, C(AssociateVPCWithHostedZone) from the VPC's account, then
    C(DeleteVPCAssociationAuthorization).
  - The associations the module made are recorded as tags of the VPC,
    C(refarch:zone/<zone-id>=<owner>). A zone left out of O(zones) (or O(state=absent)) is
    disassociated from the VPC's account, which AWS allows for cross-account associations too,
    so an environment no longer listed needs no role. Associations the module did not make (the
    zone's own VPC, those of the zone's M(refarch.network.dns_zones) call) are never touched.
  - Returns the VPC's resolver and the zones' names, the search domains a VPN pushes.
  - An environment whose private zone does not exist (not built yet, or destroyed on its own) is
    skipped with a warning and gets no search domain, so one environment's life never fails the
    VPN's runs; its zone is associated by the first run that finds it.
options:
  owner:
    description: The environment whose VPC resolves the zones.
    type: str
    required: true
  vpc_id:
    description:
      - The VPC. Without it the VPC tagged C(refarch:owner=<owner>) and C(refarch:key=vpc) is used.
    type: str
  zones:
    description: The environments whose private zone the VPC resolves. Exactly these are kept.
    type: list
    elements: dict
    default: []
    suboptions:
      owner:
        description: The zone's environment (its C(refarch:owner) tag).
        type: str
        required: true
      name:
        description:
          - The zone's name, needed only when the environment has several private zones (for
            example while it moves to a split-horizon zone).
        type: str
      assume_role_arn:
        description:
          - A role in the zone's account. Omitted or empty, the zone is in the VPC's account.
        type: str
  recorded_only:
    description:
      - Associate only the listed zones whose environment the VPC already records (it served
        that environment before), and touch no other association. An environment's own
        C(playbooks/dns.yml) uses it to restore the association of a zone it rebuilt, when the
        VPN's environment is not in the run.
    type: bool
    default: false
  state:
    description: V(absent) removes every association the module made.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: VPN clients in management resolve development's and production's private names
  refarch.network.vpc_zone_associations:
    owner: management
    zones:
      - owner: management
      - owner: development
        assume_role_arn: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole
      - owner: production
        assume_role_arn: arn:aws:iam::333333333333:role/OrganizationAccountAccessRole
  register: served

- name: The resolver and search domains to push to clients
  ansible.builtin.debug:
    msg: "{{ served.resolver }} {{ served.search_domains | join(',') }}"
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["tag vpc-0abc: refarch:zone/Z0PRD=production", "associate vpc-0abc with production.internal. (cross-account)"]
vpc_id:
  description: The VPC.
  returned: always
  type: str
resolver:
  description: The VPC's Amazon-provided DNS resolver (base address + 2); null before the VPC exists.
  returned: always
  type: str
  sample: 10.120.0.2
zones:
  description: The zones resolved from the VPC (id and name null for an environment whose zone does not exist).
  returned: always
  type: list
  elements: dict
  sample: [{owner: production, id: Z0PRD, name: production.internal.}]
search_domains:
  description: The zones' names without the final dot, in the order of O(zones).
  returned: always
  type: list
  elements: str
  sample: [management.internal, production.internal]
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Run, converged, execute, on_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.zone_assoc_aws import HANDLERS, read_associations
from ansible_collections.refarch.network.plugins.module_utils.zone_assoc_diff import (
    diff_associations, plan_associations, summarise,
)

ARGUMENT_SPEC = dict(
    owner=dict(type="str", required=True),
    vpc_id=dict(type="str"),
    zones=dict(type="list", elements="dict", default=[], options=dict(
        owner=dict(type="str", required=True), name=dict(type="str"), assume_role_arn=dict(type="str"))),
    recorded_only=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def converge(module):
    plan = plan_associations(module.params)
    snap, clients, warnings = read_associations(plan, Connection(module), lambda **kw: Connection(module, **kw),
                                                on_missing(module))
    actions, before, after = diff_associations(plan, snap)
    execute(module, actions, HANDLERS, Run(clients, owner=plan["owner"]))
    return converged(module, actions, before, after, warnings=warnings, **summarise(plan, snap))


def main():
    module, ok, result = run_module("vpc_zone_associations", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
