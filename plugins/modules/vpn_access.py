#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpn_access
short_description: Admit another environment's VPN in this environment's security groups, from its record
version_added: 0.1.0
description:
  - The half of M(refarch.network.vpn_instance)'s O(refarch.network.vpn_instance#module:reach) that a run of a
    served environment alone converges (the VPN's environment is not in the run). The VPN records what it
    serves on its instance (tag C(refarch:reach/<environment>) = C(<groups>:<ports>)); this module reads that
    record and the instance's private address in the VPN's account, and converges the rules admitting that
    address in this environment's groups exactly as M(refarch.network.vpn_instance) would - the same keys,
    tagged with the VPN's owner, so either run sees them as the VPN's.
  - Without a VPN instance in O(vpn_owner)'s account, or without a record for O(environment), the VPN's rules
    in this VPC are revoked (nothing is served any more); without a VPC of O(owner) nothing is done.
options:
  owner:
    description: Owner tag of this environment's VPC and security groups (made by M(refarch.network.security_groups)).
    type: str
    required: true
  environment:
    description: This environment's name, as the VPN's environment names it (in C(pritunl_vpn_serves)).
    type: str
    required: true
  vpn_owner:
    description: Owner tag of the VPN's environment (its instance is C(refarch:key=instance/vpn)).
    type: str
    required: true
  vpn_assume_role_arn:
    description: Role in the VPN's account; empty - the caller's own account.
    type: str
  vpn_region:
    description: Region of the VPN. Defaults to O(region).
    type: str
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Development alone - admit management's VPN as management recorded it
  refarch.network.vpn_access:
    owner: development
    environment: development
    vpn_owner: management
    vpn_assume_role_arn: arn:aws:iam::111111111111:role/OrganizationAccountAccessRole
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode).
  returned: always
  type: list
  elements: str
  sample: ["allow development app tcp/443 from 10.120.0.10/32"]
rules:
  description: The VPN's rules in this environment's groups after the run.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.refarch.network.plugins.module_utils import vpn_reach
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_dict
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.vpn import MODULE
from ansible_collections.refarch.network.plugins.module_utils.vpn_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.vpn_diff import reach_rules
from ansible_collections.refarch.network.plugins.module_utils.vpn_read import owned_instances, read_reach

ARGUMENT_SPEC = dict(
    owner=dict(type="str", required=True), environment=dict(type="str", required=True),
    vpn_owner=dict(type="str", required=True), vpn_assume_role_arn=dict(type="str"), vpn_region=dict(type="str"),
)


def converge(module):
    p = module.params
    names = dict(owner=p["vpn_owner"], name="%s-vpn" % p["vpn_owner"], module=MODULE, instance="instance/vpn")
    vpn_ec2 = Connection(module, p["vpn_assume_role_arn"], p["vpn_region"]).client("ec2")
    instances = owned_instances(vpn_ec2, p["vpn_owner"], names["instance"])
    if len(instances) > 1:
        raise InputError("vpn_owner", "%d VPN instances carry owner %s; remove the extra ones" % (len(instances), p["vpn_owner"]))
    record = tag_dict(instances[0].get("Tags")).get(vpn_reach.RECORD_TAG % p["environment"]) if instances else None
    source = instances[0].get("PrivateIpAddress") if instances else None
    entry = dict(vpn_reach.parse_record(p["environment"], record), owner=p["owner"])
    ec2 = Connection(module).client("ec2")
    snap = dict(reach=[read_reach(ec2, names, entry, "ec2")])
    out = dict(actions=[], before={}, after={}, warnings=[])
    reach_rules(dict(tags={}), names, snap, "%s/32" % source if source else None, bool(source), out)
    execute(module, out["actions"], HANDLERS, Run(dict(ec2=ec2), ids=Ids({}), owner=p["vpn_owner"]))
    return converged(module, out["actions"], out["before"], out["after"], rules=out["after"]["reach"])


def main():
    module, ok, result = run_module("vpn_access", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
