#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_peering
short_description: Converge one VPC peering between two environments, with routes on both sides
version_added: 0.1.0
description:
  - Converges one VPC peering connection between the VPC of O(requester_owner) and the VPC of
    O(accepter_owner) in one call - request, accept, wait until active, tag both sides, set
    C(AllowDnsResolutionFromRemoteVpc) on both sides, and add routes to the peer's CIDRs in
    the owned route tables of the chosen tiers on both sides.
  - The two VPCs may be in different accounts and regions. The requester side uses the
    module's credentials (and O(assume_role_arn)); the accepter side uses
    O(accepter_assume_role_arn), O(accepter_region), or a second set of credentials.
  - Overlapping CIDRs are refused before any write (AWS refuses them too).
  - A route is ours when its target is our peering connection; routes are only added to or
    removed from route tables carrying our owner tag, and every other route is left alone.
    A destination already routed elsewhere in a chosen table is refused, not overwritten.
  - The connection is found by its tags C(refarch:owner=<requester_owner>) and
    C(refarch:key=pcx/<requester_owner>--<accepter_owner>) on the requester side.
  - O(state=absent) removes our routes on both sides, then the connection.
  - A route in an owned table that points at a peering connection deleted out of band is
    dangling; it is replaced by a route through our connection (or removed).
  - Each side's tiers are recorded on the connection (tags C(refarch:tiers/requester),
    C(refarch:tiers/accepter)), so a run of one environment alone (O(absent_side)) converges
    the link with the other side's choice.
options:
  requester_owner:
    description:
      - Owner (environment) of the requester VPC; the VPC tagged C(refarch:owner) with this
        value and C(refarch:key=vpc), unless O(requester_vpc_id) is given.
      - Also the owner tag of the connection on the requester side.
    type: str
    required: true
  accepter_owner:
    description:
      - Owner (environment) of the accepter VPC, looked up in the accepter account and region.
    type: str
    required: true
  requester_vpc_id:
    description: Use this VPC instead of looking it up by O(requester_owner).
    type: str
  accepter_vpc_id:
    description: Use this VPC instead of looking it up by O(accepter_owner).
    type: str
  accepter_region:
    description: Region of the accepter VPC. Defaults to the requester's region.
    type: str
  accepter_assume_role_arn:
    description:
      - Role to assume for every call on the accepter side (for example the accepter
        account's C(OrganizationAccountAccessRole)).
      - When omitted, the accepter side uses the same account as the requester side (the
        module's O(assume_role_arn) too); an empty string uses the base credentials without
        assuming any role (the caller's own account).
    type: str
  accepter_access_key:
    description: Access key of a second set of credentials for the accepter side.
    type: str
  accepter_secret_key:
    description: Secret key going with O(accepter_access_key).
    type: str
  accepter_session_token:
    description: Session token going with O(accepter_access_key).
    type: str
  accepter_profile:
    description: A named profile to use for the accepter side.
    type: str
  requester_tiers:
    description: Tiers whose owned route tables on the requester side get routes to the accepter.
    type: list
    elements: str
    default: [private, persistence]
  accepter_tiers:
    description: Tiers whose owned route tables on the accepter side get routes to the requester.
    type: list
    elements: str
    default: [private, persistence]
  allow_dns_resolution:
    description:
      - Value of C(AllowDnsResolutionFromRemoteVpc) on both sides, so each VPC resolves the
        other's private DNS host names to private addresses.
    type: bool
    default: false
  name:
    description: C(Name) tag of the connection. Defaults to C(<requester_owner>--<accepter_owner>).
    type: str
  tags:
    description: Extra tags for the connection (both sides).
    type: dict
    default: {}
  state:
    description:
      - V(present) converges; V(absent) removes our routes on both sides, then the connection.
    type: str
    choices: [present, absent]
    default: present
  absent_side:
    description:
      - The side whose environment is not in this run (its inventory was not given). Its tiers
        and DNS option are those the connection records, its O(requester_tiers) or
        O(accepter_tiers) is ignored, and a connection that does not exist is not created (that
        side's consent is unknown) - the link is reported in RV(deferred) instead, and the run
        does not fail. O(state=absent) removes the link and the routes of both sides as usual.
    type: str
    choices: [requester, accepter]
  wait_timeout:
    description: Seconds to wait for the connection to become visible to the accepter and active.
    type: int
    default: 300
notes:
  - Tags of a peering connection are per account; in a cross-account or cross-region peering
    the accepter's view is tagged with O(accepter_owner) and the same key.
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Peer management with production (production in another account)
  refarch.network.vpc_peering:
    requester_owner: management
    accepter_owner: production
    accepter_assume_role_arn: arn:aws:iam::333333333333:role/OrganizationAccountAccessRole
    requester_tiers: [private, persistence]
    accepter_tiers: [private]
    allow_dns_resolution: true

- name: Peer across regions, VPCs given by id, same account
  refarch.network.vpc_peering:
    requester_owner: management
    accepter_owner: dr
    requester_vpc_id: vpc-0123456789abcdef0
    accepter_vpc_id: vpc-0fedcba9876543210
    accepter_region: eu-west-1

- name: Remove the peering and its routes
  refarch.network.vpc_peering:
    requester_owner: management
    accepter_owner: production
    accepter_assume_role_arn: arn:aws:iam::333333333333:role/OrganizationAccountAccessRole
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did, or would do in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: ["create peering pcx/management--production vpc-1 (10.120.0.0/16) -> vpc-2 (10.130.0.0/16)"]
peering:
  description: The connection after the run (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: Peering connection id (C(pcx-new) in check mode before creation).
      type: str
    key:
      description: Logical key of the connection.
      type: str
    status:
      description: Status code of the connection.
      type: str
    requester_vpc_id:
      description: Requester VPC.
      type: str
    accepter_vpc_id:
      description: Accepter VPC.
      type: str
    allow_dns_resolution:
      description: C(AllowDnsResolutionFromRemoteVpc) on the requester and accepter sides.
      type: dict
deferred:
  description: Why the link was left as it is in a run of one side alone (O(absent_side)); empty otherwise.
  returned: always
  type: list
  elements: str
  sample: ["pcx/development--management: deferred, development is not in this run and the link does not exist"]
routes:
  description: Route table key -> CIDRs routed through the connection, per side, after the run.
  returned: always
  type: dict
  sample: {"requester": {"rtb/private/us-east-1a": ["10.130.0.0/16"]}, "accepter": {}}
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.connectivity import credentials_connection, execute_named
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, on_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.peering_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import (
    deferral, diff_absent, diff_present, known_ids, placeholders, plan_peering, resolve, result_of)
from ansible_collections.refarch.network.plugins.module_utils.peering_read import read_peering

ARGUMENT_SPEC = dict(
    requester_owner=dict(type="str", required=True),
    accepter_owner=dict(type="str", required=True),
    requester_vpc_id=dict(type="str"),
    accepter_vpc_id=dict(type="str"),
    accepter_region=dict(type="str"),
    accepter_assume_role_arn=dict(type="str"),
    accepter_access_key=dict(type="str", no_log=False),
    accepter_secret_key=dict(type="str", no_log=True),
    accepter_session_token=dict(type="str", no_log=True),
    accepter_profile=dict(type="str"),
    requester_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
    accepter_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
    allow_dns_resolution=dict(type="bool", default=False),
    name=dict(type="str"),
    tags=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    absent_side=dict(type="str", choices=["requester", "accepter"]),
    wait_timeout=dict(type="int", default=300),
)


def converge(module):
    p = module.params
    want = plan_peering(p)
    present = p["state"] == "present"
    req_ec2 = Connection(module).client("ec2")
    acc_ec2 = credentials_connection(
        module, p["accepter_assume_role_arn"], p["accepter_region"] or req_ec2.meta.region_name,
        p["accepter_access_key"], p["accepter_secret_key"], p["accepter_session_token"], p["accepter_profile"],
    ).client("ec2")
    want, snap = read_peering(req_ec2, acc_ec2, want, present,
                              dict(requester=p["requester_vpc_id"], accepter=p["accepter_vpc_id"]))
    deferred = deferral(want, snap) if present else None
    if deferred:
        module.warn(deferred)
        return dict(changed=False, actions=[], deferred=[deferred], peering={}, routes={})
    if present:
        # --check on new environments: their VPCs are only planned, so is the link
        actions, before, after = diff_present(want, snap, on_missing(module))
    else:
        actions, before, after = diff_absent(want, snap)
    run = Run({"ec2": req_ec2, "peer_ec2": acc_ec2}, ids=Ids(known_ids(want, snap)), owner=want["owners"]["requester"])
    made = execute_named(module, actions, HANDLERS, run, placeholders(want), p["wait_timeout"])
    after = resolve(after, made)
    return converged(module, actions, before, after, texts=[resolve(a.text, made) for a in actions], deferred=[],
                     **result_of(want, snap, after))


def main():
    module, ok, result = run_module("vpc_peering", converge, ARGUMENT_SPEC,
                                    required_together=[("accepter_access_key", "accepter_secret_key")],
                                    mutually_exclusive=[("accepter_profile", "accepter_access_key")])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
