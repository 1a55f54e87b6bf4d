#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: transit_gateway
short_description: Converge a Transit Gateway joining environments' VPCs, with per-VPC isolation
version_added: 0.1.0
description:
  - The Transit Gateway alternative to M(refarch.network.vpc_peering). One call converges a
    Transit Gateway owned by O(owner), one VPC attachment per environment (one subnet per
    availability zone, from the owned subnets of a tier), one TGW route table per attachment
    (associated with it, with propagations from the attachments of its peers only), and routes
    to the peers' CIDRs through the TGW in the owned route tables of the chosen tiers of each VPC.
  - Isolation follows the peers lists - an attachment's route table learns only its peers'
    routes, so two environments that are not peers (development and production) have no path.
    Peers must be listed on both sides.
  - The TGW is created with default route table association and propagation disabled, so
    nothing is routed unless this module says so.
  - Attachments are found by Transit Gateway and VPC, then tagged (C(refarch:key=tgw-attach/<owner>))
    after creation, so a run interrupted before tagging never creates a second attachment.
  - A route is ours when its target is our Transit Gateway; only route tables carrying the
    VPC owner's tag are touched, and a destination already routed elsewhere is refused.
  - All VPCs must be in the module's account and region (cross-account attachments need the
    TGW shared through AWS RAM, which this module does not do).
  - O(state=absent) removes our VPC routes, associations, attachments (which withdraws their
    propagations), route tables and the Transit Gateway, in that order.
options:
  owner:
    description:
      - Owner (environment) of the Transit Gateway, its route tables and attachments, written to
        their C(refarch:owner) tag.
  name:
    description: C(Name) tag of the Transit Gateway. Defaults to C(<owner>-tgw).
    type: str
  amazon_side_asn:
    description: Private ASN of the Amazon side; only used at creation.
    type: int
  attachments:
    description: The VPCs to attach. Required when O(state=present).
    type: list
    elements: dict
    default: []
    suboptions:
      owner:
        description: Owner of the VPC (tag C(refarch:owner)); its logical name in keys.
        type: str
        required: true
      vpc_id:
        description: Use this VPC instead of the one found by O(attachments[].owner).
        type: str
      subnet_tier:
        description: Tier whose owned subnets (one per availability zone) carry the attachment.
        type: str
        default: private
      route_tiers:
        description: Tiers whose owned route tables get routes to the peers through the TGW.
        type: list
        elements: str
        default: [private, persistence]
      peers:
        description: Owners of the other attachments this VPC may reach; must be mutual.
        type: list
        elements: str
        default: []
  state:
    description: V(present) converges; V(absent) removes everything this module owns.
  wait_timeout:
    description: Seconds to wait for the TGW and each attachment to become available or deleted.
    type: int
    default: 900
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Hub and spokes, no development <-> production path
  refarch.network.transit_gateway:
    owner: management
    attachments:
      - {owner: management, peers: [development, production]}
      - {owner: development, peers: [management], route_tiers: [private]}
      - {owner: production, peers: [management]}

- name: Remove the Transit Gateway and everything attached to it
  refarch.network.transit_gateway:
    owner: management
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did, or would do in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: ["create transit gateway tgw", "create tgw attachment tgw-attach/development vpc-1 (subnet-1, subnet-2)"]
transit_gateway:
  description: The Transit Gateway after the run (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: Transit Gateway id (C(tgw-new) in check mode before creation).
      type: str
    attachments:
      description: Owner -> attachment id, VPC, subnets, route table and peers.
      type: dict
routes:
  description: VPC owner -> route table key -> CIDRs routed through the TGW, after the run.
  returned: always
  type: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.connectivity import execute_named
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, run_module
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import resolve
from ansible_collections.refarch.network.plugins.module_utils.tgw_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.tgw_diff import (
    diff_absent, diff_present, known_ids, placeholders, plan_tgw)
from ansible_collections.refarch.network.plugins.module_utils.tgw_read import read_tgw

ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    name=dict(type="str"),
    amazon_side_asn=dict(type="int"),
    attachments=dict(type="list", elements="dict", default=[], options=dict(
        owner=dict(type="str", required=True),
        vpc_id=dict(type="str"),
        subnet_tier=dict(type="str", default="private"),
        route_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
        peers=dict(type="list", elements="str", default=[]),
    )),
    wait_timeout=dict(type="int", default=900),
)


def converge(module):
    p = module.params
    want = plan_tgw(p)
    ec2 = Connection(module).client("ec2")
    snap = read_tgw(ec2, want["owner"], want["attachments"])
    if p["state"] == "present":
        actions, before, after = diff_present(want, snap)
    else:
        actions, before, after = diff_absent(want, snap)
    run = Run({"ec2": ec2}, ids=Ids(known_ids(snap)), owner=want["owner"])
    made = execute_named(module, actions, HANDLERS, run, placeholders, p["wait_timeout"])
    after = resolve(after, made)
    return converged(module, actions, before, after, texts=[resolve(a.text, made) for a in actions],
                     transit_gateway=after["transit_gateway"] or {}, routes=after["routes"])


def main():
    module, ok, result = run_module("transit_gateway", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
