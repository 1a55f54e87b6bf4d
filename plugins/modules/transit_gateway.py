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
  - Check mode is exact - it reports the same actions a real run would take and writes nothing.
author:
  - refarch.network developers (@refarch)
options:
  owner:
    description:
      - Owner (environment) of the Transit Gateway, its route tables and attachments, written to
        their C(refarch:owner) tag.
    type: str
    required: true
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
  tags:
    description: Extra tags for every resource the module creates.
    type: dict
    default: {}
  state:
    description: V(present) converges; V(absent) removes everything this module owns.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description: Seconds to wait for the TGW and each attachment to become available or deleted.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - amazon.aws.boto3
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

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, Connection, new_module, owned_subnets_by_tier, owned_tags, owner_filter, tag_dict, tag_list, tag_spec)
from ansible_collections.refarch.network.plugins.module_utils.connectivity import (
    apply_routes, chosen_tables, lookup_vpc, owned_route_tables, table_names, tagged, vpc_cidrs, wait_until)
from ansible_collections.refarch.network.plugins.module_utils.peering_plan import (
    check_no_overlap, plan_routes, routes_view)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

LIVE_TGW = ("pending", "available", "modifying")
LIVE_ATTACHMENT = ("initiatingRequest", "pendingAcceptance", "pending", "available", "modifying")
TGW_KEY = "tgw"
NEW = "new"
TARGET = "TransitGatewayId"


def attachment_key(owner):
    return "tgw-attach/%s" % owner


def table_key(owner):
    return "tgw-rtb/%s" % owner


def check_peers(specs):
    """Peers must name attachments and be mutual (one-way propagation routes only one way)."""
    owners = [s["owner"] for s in specs]
    for i, spec in enumerate(specs):
        if owners.count(spec["owner"]) > 1:
            raise InputError("attachments[%d].owner" % i, "%s is attached twice" % spec["owner"])
        for peer in spec["peers"]:
            if peer not in owners or peer == spec["owner"]:
                raise InputError("attachments[%d].peers" % i, "%r is not another attachment's owner" % peer)
            if spec["owner"] not in specs[owners.index(peer)]["peers"]:
                raise InputError("attachments[%d].peers" % owners.index(peer),
                                 "%s lists %s but %s does not list %s" % (spec["owner"], peer, peer, spec["owner"]))


class TransitGateway(object):
    def __init__(self, module, ec2):
        self.module = module
        self.p = module.params
        self.ec2 = ec2
        self.owner = self.p["owner"]
        self.actions = []
        self.tgw = None
        self.attachments = {}   # owner -> attachment description
        self.tables = {}        # owner -> TGW route table description
        self.associations = {}  # TGW route table id -> set of attachment ids
        self.propagations = {}  # TGW route table id -> set of attachment ids
        self.vpcs = {}          # owner -> dict(vpc, subnets, tables, chosen)

    def act(self, text, func=None, *args, **kwargs):
        self.actions.append(text)
        if func is not None and not self.module.check_mode:
            return func(*args, **kwargs)
        return None

    def tags(self, key, name=None):
        return owned_tags(self.owner, key, name or "%s-%s" % (self.owner, key.replace("/", "-")), self.p["tags"])

    # -- read -------------------------------------------------------------------------------
    def read(self, specs):
        found = [t for t in self.ec2.describe_transit_gateways(
            Filters=owner_filter(self.owner, TGW_KEY))["TransitGateways"] if t["State"] in LIVE_TGW and tagged(t, self.owner, TGW_KEY)]
        if len(found) > 1:
            self.module.fail_json(msg="owner: %s owns %d transit gateways tagged %s=%s: %s" % (
                self.owner, len(found), KEY_TAG, TGW_KEY, ", ".join(t["TransitGatewayId"] for t in found)))
        self.tgw = found[0] if found else None
        for i, spec in enumerate(specs):
            self.read_vpc(spec, "attachments[%d].owner" % i)
        if not self.tgw:
            return
        tgw_filter = [{"Name": "transit-gateway-id", "Values": [self.tgw["TransitGatewayId"]]}]
        by_vpc = dict((v["vpc"]["VpcId"], o) for o, v in self.vpcs.items() if v["vpc"])
        pages = self.ec2.get_paginator("describe_transit_gateway_vpc_attachments").paginate(Filters=tgw_filter)
        live = [a for page in pages for a in page["TransitGatewayVpcAttachments"] if a["State"] in LIVE_ATTACHMENT]
        live_ids = set(a["TransitGatewayAttachmentId"] for a in live)
        for att in live:
            # found by VPC first: the emulator (and an interrupted run) can leave it untagged
            key = tag_dict(att.get("Tags")).get(KEY_TAG, "")
            owner = by_vpc.get(att["VpcId"]) or (key.split("/", 1)[1] if key.startswith("tgw-attach/") else None)
            if owner and (att["VpcId"] in by_vpc or tag_dict(att.get("Tags")).get("refarch:owner") == self.owner):
                self.attachments[owner] = att
        tables = self.ec2.describe_transit_gateway_route_tables(Filters=tgw_filter + owner_filter(self.owner))
        for table in tables["TransitGatewayRouteTables"]:
            key = tag_dict(table.get("Tags")).get(KEY_TAG, "")
            if table["State"] in ("pending", "available") and key.startswith("tgw-rtb/") and tagged(table, self.owner):
                rtb = table["TransitGatewayRouteTableId"]
                self.tables[key.split("/", 1)[1]] = table
                # links of deleted attachments can linger in the emulator: only live ones count
                self.associations[rtb] = set(a["TransitGatewayAttachmentId"] for a in self.ec2.get_transit_gateway_route_table_associations(
                    TransitGatewayRouteTableId=rtb)["Associations"] if a.get("State") in ("associating", "associated")) & live_ids
                self.propagations[rtb] = set(a["TransitGatewayAttachmentId"] for a in self.ec2.get_transit_gateway_route_table_propagations(
                    TransitGatewayRouteTableId=rtb)["TransitGatewayRouteTablePropagations"] if a.get("State") in ("enabling", "enabled")) & live_ids
        for owner in set(self.attachments) - set(self.vpcs):
            self.read_vpc(dict(owner=owner, vpc_id=self.attachments[owner]["VpcId"], subnet_tier=None, route_tiers=[]), None)

    def read_vpc(self, spec, field):
        owner = spec["owner"]
        vpc = lookup_vpc(self.module, self.ec2, owner, spec.get("vpc_id"), field or "owner")
        entry = dict(vpc=vpc, subnets=[], tables=[], chosen=set(), spec=spec)
        if vpc:
            by_tier = owned_subnets_by_tier(self.ec2, owner, vpc["VpcId"])
            per_az = {}
            for subnet in by_tier.get(spec["subnet_tier"], []):
                per_az.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
            entry["subnets"] = [per_az[az] for az in sorted(per_az)]
            entry["tables"] = owned_route_tables(self.ec2, owner, vpc["VpcId"])
            entry["chosen"] = chosen_tables(entry["tables"], by_tier, spec["route_tiers"])
        self.vpcs[owner] = entry

    # -- present ----------------------------------------------------------------------------
    def present(self, specs):
        for i, spec in enumerate(specs):
            entry = self.vpcs[spec["owner"]]
            if entry["vpc"] is None:
                raise InputError("attachments[%d].owner" % i, "no VPC found for %s (tags refarch:owner=%s, refarch:key=vpc)" % (
                    spec["owner"], spec["owner"]))
            if not entry["subnets"]:
                raise InputError("attachments[%d].subnet_tier" % i, "%s has no owned subnets in tier %r" % (
                    spec["owner"], spec["subnet_tier"]))
            for peer in spec["peers"]:
                check_no_overlap(vpc_cidrs(entry["vpc"]), vpc_cidrs(self.vpcs[peer]["vpc"]),
                                 field="attachments[%d].peers" % i)
        tgw_id = self.tgw["TransitGatewayId"] if self.tgw else None
        route_plans = self.route_plans(specs, tgw_id, True)
        for owner, plan in sorted(route_plans.items()):
            for rtb, cidr, target in plan["conflicts"]:
                raise InputError("attachments.route_tiers", "%s route table %s already routes %s to %s, which is not "
                                 "this transit gateway; refusing to replace a route we do not own" % (owner, rtb, cidr, target))
        before = self.view(route_plans, "before")
        wanted = set(s["owner"] for s in specs)
        if self.tgw is None:
            self.create_tgw()
        tgw_id = self.tgw["TransitGatewayId"] if self.tgw else "tgw-" + NEW
        for spec in specs:
            self.converge_table(spec["owner"], tgw_id)
        for spec in specs:
            self.converge_attachment(spec, tgw_id)
        for owner in sorted(set(self.attachments) - wanted):
            self.remove_routes(owner, route_plans)
        for owner in sorted(set(self.attachments) - wanted):
            self.remove_attachment(owner)
        for spec in specs:
            self.converge_links(spec)
        for owner in sorted(set(self.tables) - wanted):
            self.remove_table(owner)
        self.wait_attachments(sorted(wanted))
        for spec in specs:
            self.apply_routes(spec["owner"], route_plans[spec["owner"]], tgw_id)
        return before, self.view(route_plans, "after", tgw_id)

    def create_tgw(self):
        self.act("create transit gateway %s" % TGW_KEY)
        if self.module.check_mode:
            return
        options = dict(DefaultRouteTableAssociation="disable", DefaultRouteTablePropagation="disable",
                       AutoAcceptSharedAttachments="disable", DnsSupport="enable")
        if self.p["amazon_side_asn"]:
            options["AmazonSideAsn"] = self.p["amazon_side_asn"]
        tgw = self.ec2.create_transit_gateway(
            Description="refarch %s" % self.owner, Options=options,
            TagSpecifications=tag_spec("transit-gateway", self.tags(TGW_KEY, self.p["name"] or "%s-tgw" % self.owner)),
        )["TransitGateway"]
        self.tgw = self.wait_state("describe_transit_gateways", "TransitGatewayIds", "TransitGateways",
                                   tgw["TransitGatewayId"], "available")

    def converge_table(self, owner, tgw_id):
        if owner in self.tables:
            return
        key = table_key(owner)
        self.act("create tgw route table %s" % key)
        if self.module.check_mode:
            self.tables[owner] = dict(TransitGatewayRouteTableId="tgw-rtb-%s-%s" % (NEW, owner))
        else:
            table = self.ec2.create_transit_gateway_route_table(
                TransitGatewayId=tgw_id, TagSpecifications=tag_spec("transit-gateway-route-table", self.tags(key)),
            )["TransitGatewayRouteTable"]
            self.tables[owner] = self.wait_state("describe_transit_gateway_route_tables", "TransitGatewayRouteTableIds",
                                                 "TransitGatewayRouteTables", table["TransitGatewayRouteTableId"], "available")
        rtb = self.tables[owner]["TransitGatewayRouteTableId"]
        self.associations[rtb], self.propagations[rtb] = set(), set()

    def converge_attachment(self, spec, tgw_id):
        owner = spec["owner"]
        entry = self.vpcs[owner]
        key = attachment_key(owner)
        att = self.attachments.get(owner)
        if att is None:
            self.act("create tgw attachment %s %s (%s)" % (key, entry["vpc"]["VpcId"], ", ".join(entry["subnets"])))
            if self.module.check_mode:
                self.attachments[owner] = dict(TransitGatewayAttachmentId="tgw-attach-%s-%s" % (NEW, owner),
                                               SubnetIds=entry["subnets"], Tags=tag_list(self.tags(key)))
                return
            att = self.ec2.create_transit_gateway_vpc_attachment(
                TransitGatewayId=tgw_id, VpcId=entry["vpc"]["VpcId"], SubnetIds=entry["subnets"],
                Options=dict(DnsSupport="enable"),
                TagSpecifications=tag_spec("transit-gateway-attachment", self.tags(key)),
            )["TransitGatewayVpcAttachment"]
            self.attachments[owner] = att
        att_id = att["TransitGatewayAttachmentId"]
        have = tag_dict(att.get("Tags"))
        missing = dict((k, v) for k, v in self.tags(key).items() if have.get(k) != v)
        if missing:  # TagSpecifications may be ignored at create (the emulator does): tag afterwards
            self.act("tag tgw attachment %s %s (%s)" % (key, att_id, ", ".join(sorted(missing))),
                     self.ec2.create_tags, Resources=[att_id], Tags=tag_list(missing))
        add = sorted(set(entry["subnets"]) - set(att.get("SubnetIds", [])))
        remove = sorted(set(att.get("SubnetIds", [])) - set(entry["subnets"]))
        if add or remove:
            self.act("modify tgw attachment %s subnets +[%s] -[%s]" % (key, ", ".join(add), ", ".join(remove)),
                     self.ec2.modify_transit_gateway_vpc_attachment, TransitGatewayAttachmentId=att_id,
                     AddSubnetIds=add, RemoveSubnetIds=remove)

    def converge_links(self, spec):
        """Associate the attachment with its own table; propagate exactly its peers into it."""
        owner = spec["owner"]
        rtb = self.tables[owner]["TransitGatewayRouteTableId"]
        att_id = self.attachments[owner]["TransitGatewayAttachmentId"]
        for other, table in sorted(self.tables.items()):
            other_rtb = table["TransitGatewayRouteTableId"]
            if other != owner and att_id in self.associations.get(other_rtb, ()):
                self.act("disassociate %s from %s" % (attachment_key(owner), table_key(other)),
                         self.ec2.disassociate_transit_gateway_route_table,
                         TransitGatewayRouteTableId=other_rtb, TransitGatewayAttachmentId=att_id)
        if att_id not in self.associations[rtb]:
            self.act("associate %s with %s" % (attachment_key(owner), table_key(owner)))
            if not self.module.check_mode:
                self.wait_attachments([owner])
                self.ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att_id)
        want = dict((self.attachments[p]["TransitGatewayAttachmentId"], p) for p in spec["peers"])
        names = dict((a["TransitGatewayAttachmentId"], o) for o, a in self.attachments.items())
        for peer_att in sorted(self.propagations[rtb] - set(want)):
            self.act("disable propagation %s -> %s" % (attachment_key(names.get(peer_att, peer_att)), table_key(owner)),
                     self.ec2.disable_transit_gateway_route_table_propagation,
                     TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=peer_att)
        for peer_att, peer in sorted(want.items(), key=lambda kv: kv[1]):
            if peer_att not in self.propagations[rtb]:
                self.act("enable propagation %s -> %s" % (attachment_key(peer), table_key(owner)))
                if not self.module.check_mode:
                    self.wait_attachments([peer])
                    self.ec2.enable_transit_gateway_route_table_propagation(
                        TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=peer_att)

    # -- routes in the VPCs -----------------------------------------------------------------
    def route_plans(self, specs, tgw_id, present):
        plans = {}
        for owner, entry in sorted(self.vpcs.items()):
            spec = next((s for s in specs if s["owner"] == owner), None) if present else None
            destinations = []
            if spec:
                destinations = sorted(set(c for p in spec["peers"] for c in vpc_cidrs(self.vpcs[p]["vpc"])))
            chosen = entry["chosen"] if spec else set()
            adds, deletes, conflicts = plan_routes(entry["tables"], chosen, destinations, TARGET, tgw_id)
            before, after = routes_view(entry["tables"], chosen, destinations, TARGET, tgw_id, table_names(entry["tables"]))
            plans[owner] = dict(adds=adds, deletes=deletes, conflicts=conflicts, before=before, after=after)
        return plans

    def apply_routes(self, owner, plan, tgw_id):
        names = table_names(self.vpcs[owner]["tables"])
        for rtb, cidr in plan["deletes"]:
            self.act("delete route %s %s %s -> %s" % (owner, names[rtb], cidr, tgw_id))
        for rtb, cidr in plan["adds"]:
            self.act("create route %s %s %s -> %s" % (owner, names[rtb], cidr, tgw_id))
        if not self.module.check_mode:
            apply_routes(self.ec2, plan["adds"], plan["deletes"], TARGET, tgw_id)

    def remove_routes(self, owner, plans):
        self.apply_routes(owner, dict(adds=[], deletes=plans[owner]["deletes"]), self.tgw["TransitGatewayId"])

    # -- removal ----------------------------------------------------------------------------
    def remove_attachment(self, owner):
        att_id = self.attachments[owner]["TransitGatewayAttachmentId"]
        for other, table in sorted(self.tables.items()):
            rtb = table["TransitGatewayRouteTableId"]
            # deleting the attachment withdraws its propagations; disabling them one by one first
            # also breaks the emulator (it keys propagations by attachment only)
            self.propagations.get(rtb, set()).discard(att_id)
            if att_id in self.associations.get(rtb, ()):
                self.act("disassociate %s from %s" % (attachment_key(owner), table_key(other)),
                         self.ec2.disassociate_transit_gateway_route_table,
                         TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att_id)
                self.associations[rtb].discard(att_id)
        self.act("delete tgw attachment %s %s" % (attachment_key(owner), att_id),
                 self.ec2.delete_transit_gateway_vpc_attachment, TransitGatewayAttachmentId=att_id)
        if not self.module.check_mode:
            self.wait_gone("describe_transit_gateway_vpc_attachments", "TransitGatewayAttachmentIds",
                           "TransitGatewayVpcAttachments", att_id)
        del self.attachments[owner]

    def remove_table(self, owner):
        table = self.tables.pop(owner)
        rtb = table["TransitGatewayRouteTableId"]
        for att_id in sorted(self.propagations.get(rtb, ())):
            self.act("disable propagation %s -> %s" % (att_id, table_key(owner)),
                     self.ec2.disable_transit_gateway_route_table_propagation,
                     TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att_id)
        for att_id in sorted(self.associations.get(rtb, ())):
            self.act("disassociate %s from %s" % (att_id, table_key(owner)),
                     self.ec2.disassociate_transit_gateway_route_table,
                     TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att_id)
        self.act("delete tgw route table %s %s" % (table_key(owner), rtb),
                 self.ec2.delete_transit_gateway_route_table, TransitGatewayRouteTableId=rtb)

    def absent(self):
        if self.tgw is None:
            return self.view({}, "before"), self.view({}, "after")
        tgw_id = self.tgw["TransitGatewayId"]
        plans = self.route_plans([], tgw_id, False)
        before = self.view(plans, "before")
        for owner in sorted(self.vpcs):
            self.remove_routes(owner, plans)
        for owner in sorted(self.attachments):
            self.remove_attachment(owner)
        for owner in sorted(self.tables):
            self.remove_table(owner)
        self.act("delete transit gateway %s %s" % (TGW_KEY, tgw_id),
                 self.ec2.delete_transit_gateway, TransitGatewayId=tgw_id)
        self.tgw = None
        return before, self.view(plans, "after")

    # -- waits ------------------------------------------------------------------------------
    def wait_state(self, describe, id_param, list_key, resource_id, state):
        def check():
            found = getattr(self.ec2, describe)(**{id_param: [resource_id]})[list_key]
            return found[0] if found and found[0]["State"] == state else None
        return wait_until(self.module, check, self.p["wait_timeout"], "%s to be %s" % (resource_id, state))

    def wait_gone(self, describe, id_param, list_key, resource_id):
        def check():
            try:
                found = getattr(self.ec2, describe)(**{id_param: [resource_id]})[list_key]
            except ClientError as e:
                if "NotFound" in e.response.get("Error", {}).get("Code", ""):
                    return True
                raise
            return not found or found[0]["State"] in ("deleted", "failed")
        wait_until(self.module, check, self.p["wait_timeout"], "%s to be deleted" % resource_id)

    def wait_attachments(self, owners):
        if self.module.check_mode:
            return
        for owner in owners:
            att = self.attachments[owner]
            if att.get("State") != "available":
                self.attachments[owner] = self.wait_state(
                    "describe_transit_gateway_vpc_attachments", "TransitGatewayAttachmentIds",
                    "TransitGatewayVpcAttachments", att["TransitGatewayAttachmentId"], "available")

    # -- results ----------------------------------------------------------------------------
    def view(self, plans, when, tgw_id=None):
        tgw = None
        if when == "before" and self.tgw:
            tgw = dict(id=self.tgw["TransitGatewayId"], attachments=self.summary())
        elif when == "after" and tgw_id:
            tgw = dict(id=tgw_id, attachments=self.summary(self.p["attachments"]))
        return dict(transit_gateway=tgw, routes=dict((o, plans[o][when]) for o in sorted(plans) if plans[o][when]))

    def summary(self, specs=None):
        """Owner -> attachment as it is (specs None) or as it will be."""
        result = {}
        if specs is None:
            by_id = dict((a["TransitGatewayAttachmentId"], o) for o, a in self.attachments.items())
            for owner, att in sorted(self.attachments.items()):
                att_id = att["TransitGatewayAttachmentId"]
                table = self.tables.get(owner, {}).get("TransitGatewayRouteTableId")
                result[owner] = dict(id=att_id, vpc_id=att.get("VpcId"), subnets=sorted(att.get("SubnetIds", [])),
                                     associated=bool(table and att_id in self.associations.get(table, ())),
                                     peers=sorted(by_id.get(a, a) for a in self.propagations.get(table, ())))
            return result
        for spec in specs:
            owner = spec["owner"]
            result[owner] = dict(id=self.attachments.get(owner, {}).get("TransitGatewayAttachmentId"),
                                 vpc_id=self.vpcs[owner]["vpc"]["VpcId"], subnets=sorted(self.vpcs[owner]["subnets"]),
                                 associated=True, peers=sorted(spec["peers"]))
        return result


def main():
    module = new_module(
        argument_spec=dict(
            owner=dict(type="str", required=True),
            name=dict(type="str"),
            amazon_side_asn=dict(type="int"),
            attachments=dict(type="list", elements="dict", default=[], options=dict(
                owner=dict(type="str", required=True),
                vpc_id=dict(type="str"),
                subnet_tier=dict(type="str", default="private"),
                route_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
                peers=dict(type="list", elements="str", default=[]),
            )),
            tags=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            wait_timeout=dict(type="int", default=900),
        ),
        supports_check_mode=True,
    )
    p = module.params
    specs = p["attachments"] if p["state"] == "present" else []
    try:
        check_peers(specs)
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)
    tgw = TransitGateway(module, Connection(module).client("ec2"))
    try:
        tgw.read(specs)
        if p["state"] == "present":
            before, after = tgw.present(specs)
        else:
            before, after = tgw.absent()
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason, actions=tgw.actions)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="transit_gateway %s failed" % p["owner"], actions=tgw.actions)
    result = dict(changed=bool(tgw.actions), actions=tgw.actions,
                  transit_gateway=after["transit_gateway"] or {}, routes=after["routes"])
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
