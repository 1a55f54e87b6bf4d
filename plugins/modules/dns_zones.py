#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dns_zones
short_description: Converge an environment's Route53 zones, delegation and records in one call
version_added: 0.1.0
description:
  - Converges the DNS of one environment - a private hosted zone for internal names associated
    with the environment's VPC (and, when asked, with other VPCs for split-horizon DNS), a public
    hosted zone for the environment's subdomain with its NS delegation written into the parent
    zone (which may live in another account), and the records it is asked for.
  - Returns the DNS reference of the environment - the VPC resolver address (the VPC base + 2),
    the zone ids and names and the public zone's name servers.
  - Zones are found by name and type and are ours when they carry the tag C(refarch:owner=<owner>)
    (key C(zone/private) or C(zone/public)). A zone of the same name without our tag is never
    touched.
  - Route53 records carry no tags. The records this module manages in a zone are listed in a TXT
    record C(_refarch-owner-<owner>.<zone>), changed in the same atomic change batch as the records
    themselves. A record not listed there is never modified or deleted, and a requested record
    that already exists without being listed makes the module fail before any write.
  - VPC associations the module made are recorded as zone tags C(refarch:vpc/<vpc-id>=<region>);
    only those are ever removed.
  - Cross-account private zone association uses C(CreateVPCAssociationAuthorization) in the zone's
    account, then C(AssociateVPCWithHostedZone) in the VPC's account, then
    C(DeleteVPCAssociationAuthorization). Endpoints that lack the authorization call (bare moto;
    the project's C(tools/emulator.py) serves it) make the module fail with a message saying so.
  - With O(state=absent) the module removes the delegation it wrote into the parent zone, the
    records it owns and then its zones; a zone that still holds records it does not own is kept
    and reported in a warning.
options:
  vpc_id:
    description:
      - The environment's VPC. Without it the VPC tagged C(refarch:owner=<owner>) and
        C(refarch:key=vpc) (built by M(refarch.network.vpc_tiers)) is used.
    type: str
  private_zone:
    description:
      - The private hosted zone for internal names.
    type: dict
    default: {}
    suboptions:
      enabled:
        description:
          - V(false) makes this call manage no private zone; an existing one is left alone.
        type: bool
        default: true
      name:
        description:
          - Zone name. Defaults to C(<owner>.internal). Giving it the public zone's name makes
            split-horizon DNS - the same names resolve privately inside the VPCs.
        type: str
      comment:
        description: Zone comment, used at creation.
        type: str
      vpcs:
        description:
          - Other VPCs to associate with the zone (peered environments), besides the
            environment's own VPC.
        type: list
        elements: dict
        default: []
        suboptions:
          vpc_id:
            description: The VPC. One of O(private_zone.vpcs[].vpc_id) and O(private_zone.vpcs[].owner) is required.
            type: str
          owner:
            description: Find the VPC tagged C(refarch:owner=<owner>), C(refarch:key=vpc).
            type: str
          region:
            description: The VPC's region. Defaults to O(region).
            type: str
          assume_role_arn:
            description:
              - A role in the VPC's account, when it is not the zone's account. A different
                account triggers the association authorization flow.
            type: str
  public_zone:
    description:
      - The public hosted zone for the environment's subdomain. Omitted, no public zone is managed.
    type: dict
    suboptions:
      name:
        description: Zone name, for example C(prod.example.com).
        type: str
        required: true
      comment:
        description: Zone comment, used at creation.
        type: str
      parent_zone:
        description:
          - The public zone to write the NS delegation into. Omitted, no delegation is written
            (the zone is the domain's own zone, as C(example.com) in the management environment).
        type: dict
        suboptions:
          name:
            description: Parent zone name, for example C(example.com).
            type: str
            required: true
          id:
            description: Parent zone id, needed only when several public zones have that name.
            type: str
          assume_role_arn:
            description:
              - A role in the account that holds the parent zone. Omitted or empty, the parent
                zone is looked up in the environment's own account.
            type: str
          ttl:
            description: TTL of the delegation NS record.
            type: int
            default: 3600
  records:
    description:
      - Records the module owns. Records not listed that it created earlier are deleted.
    type: list
    elements: dict
    default: []
    suboptions:
      zone:
        description: The zone the record belongs in.
        type: str
        choices: [private, public]
        default: private
      name:
        description:
          - Record name, relative to the zone (V(vpn), V(@) for the apex) or absolute
            (V(vpn.prod.example.com)).
        type: str
        required: true
      type:
        description: Record type.
        type: str
        required: true
        choices: [A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, TXT]
      ttl:
        description: TTL in seconds.
        type: int
        default: 300
      values:
        description: Record values. TXT values are quoted when they are not already.
        type: list
        elements: str
        required: true
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.aws.known_zones
  - refarch.network.common.converge
notes:
  - Zone tags are added or updated, never purged, except C(refarch:vpc/) tags of associations
    the module removes.
  - Renaming a zone creates a new zone; the old one stays until a call with its name and
    O(state=absent).
"""

EXAMPLES = r"""
- name: The management environment owns the domain's zone
  refarch.network.dns_zones:
    owner: management
    private_zone:
      enabled: false
    public_zone:
      name: example.com

- name: Production's zones, delegated from the management account
  refarch.network.dns_zones:
    owner: production
    region: us-east-1
    private_zone:
      name: production.internal
    public_zone:
      name: prod.example.com
      parent_zone:
        name: example.com
        assume_role_arn: arn:aws:iam::111111111111:role/OrganizationAccountAccessRole
    records:
      - zone: public
        name: vpn
        type: A
        values: [203.0.113.10]
  register: dns

- name: Show the resolver
  ansible.builtin.debug:
    msg: "{{ dns.reference.resolver }}"
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create public zone prod.example.com.", "delegate prod.example.com. in example.com. (4 name servers)"]
private_zone:
  description: The private zone, or null when none is managed or it was removed.
  returned: always
  type: dict
  contains:
    id: {description: Zone id (null in check mode before creation)., type: str}
    name: {description: Zone name with the final dot., type: str}
    vpcs: {description: Associated VPCs., type: list, elements: dict}
public_zone:
  description: The public zone, or null when none is managed or it was removed.
  returned: always
  type: dict
  contains:
    id: {description: Zone id., type: str}
    name: {description: Zone name with the final dot., type: str}
    name_servers: {description: The zone's name servers., type: list, elements: str}
    parent_zone_id: {description: The parent zone the delegation is in., type: str}
known_zones:
  description:
    - When the call changed nothing, each zone of ours it read whole - C(id), C(name), C(private) and
      C(records), its record sets as ListResourceRecordSets gave them, in JSON text (a string is handed
      from task to task at the cost of one value, a list at the cost of every value in it); otherwise empty.
      A private zone of only its SOA and NS record sets (as ListHostedZones counts them) with no record asked
      of it is not read, nor listed here.
    - Later calls of the run take them through the filter P(refarch.network.known_zones#filter) instead of
      reading the zones again (the domain zone, for the delegations into it; the VPN's zone).
  returned: always
  type: list
  elements: dict
reference:
  description: The environment's DNS reference.
  returned: always
  type: dict
  sample:
    environment: production
    vpc_id: vpc-0abc
    vpc_cidr: 10.130.0.0/16
    resolver: 10.130.0.2
    private_zone_id: Z0PRIV
    private_zone_name: production.internal.
    public_zone_id: Z0PUB
    public_zone_name: prod.example.com.
    name_servers: [ns-1.awsdns-01.org]
"""

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.dns_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import diff_dns, plan_dns, summarise
from ansible_collections.refarch.network.plugins.module_utils.dns_read import known_ids, known_zones, read_dns
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute, on_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC

RECORD_SPEC = dict(zone=dict(type="str", choices=["private", "public"], default="private"),
                   name=dict(type="str", required=True),
                   type=dict(type="str", required=True, choices=list(dns.RECORD_TYPES)),
                   ttl=dict(type="int", default=300),
                   values=dict(type="list", elements="str", required=True))
VPC_SPEC = dict(vpc_id=dict(type="str"), owner=dict(type="str"), region=dict(type="str"), assume_role_arn=dict(type="str"))
PARENT_SPEC = dict(name=dict(type="str", required=True), id=dict(type="str"), assume_role_arn=dict(type="str"),
                   ttl=dict(type="int", default=3600))
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    vpc_id=dict(type="str"),
    private_zone=dict(type="dict", default={}, apply_defaults=True, options=dict(
        enabled=dict(type="bool", default=True), name=dict(type="str"), comment=dict(type="str"),
        vpcs=dict(type="list", elements="dict", default=[], options=VPC_SPEC))),
    public_zone=dict(type="dict", options=dict(
        name=dict(type="str", required=True), comment=dict(type="str"),
        parent_zone=dict(type="dict", options=PARENT_SPEC))),
    records=dict(type="list", elements="dict", default=[], options=RECORD_SPEC),
    **dns.KNOWN_ZONES_SPEC
)


def converge(module):
    plan = plan_dns(module.params)
    snap, clients = read_dns(plan, Connection(module), lambda **kw: Connection(module, **kw), on_missing(module),
                             dns.known_records(module.params["known_zones"]))
    actions, before, after, warnings = diff_dns(plan, snap)
    run = Run(clients, ids=Ids(known_ids(snap)), owner=plan["owner"], name_servers={})
    execute(module, actions, HANDLERS, run)
    return converged(module, actions, before, after, warnings=snap["warnings"] + warnings,
                     known_zones=[] if actions else known_zones(snap), **summarise(plan, snap, run.ids, run.data["name_servers"]))


def main():
    module, ok, result = run_module("dns_zones", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
