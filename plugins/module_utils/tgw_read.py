# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of transit_gateway: one snapshot (see ``tgw_diff`` for its shape).

The Transit Gateway is found by its owner and key tags; its attachments by the gateway and
then by VPC (the emulator, and a run interrupted before tagging, leave them untagged); its
route tables by owner and ``tgw-rtb/<owner>`` key, with their live associations and
propagations; and each attached or planned VPC with its routing (``connectivity``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, owner_filter, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.connectivity import read_vpc_routing
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import find_vpc, paginate, tagged
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.tgw_diff import (
    ATTACHMENT_PREFIX, LIVE_ATTACHMENT, LIVE_TGW, TABLE_PREFIX, TGW_KEY)


def _vpc(ec2, spec, field):
    vpc = find_vpc(ec2, spec["owner"], spec.get("vpc_id"), field=field)
    entry = dict(vpc=vpc, subnets=[], tables=[], chosen=set())
    if vpc:
        entry.update(read_vpc_routing(ec2, spec["owner"], vpc["VpcId"], spec.get("route_tiers"), spec.get("subnet_tier")))
    return entry


def _links(ec2, rtb, live_ids):
    """(associated, propagating) attachment ids of a TGW route table; links of deleted
    attachments can linger in the emulator: only live ones count."""
    associations = paginate(ec2, "get_transit_gateway_route_table_associations", "Associations",
                            TransitGatewayRouteTableId=rtb)
    propagations = paginate(ec2, "get_transit_gateway_route_table_propagations", "TransitGatewayRouteTablePropagations",
                            TransitGatewayRouteTableId=rtb)
    return (set(a["TransitGatewayAttachmentId"] for a in associations if a.get("State") in ("associating", "associated")) & live_ids,
            set(a["TransitGatewayAttachmentId"] for a in propagations if a.get("State") in ("enabling", "enabled")) & live_ids)


def read_tgw(ec2, owner, specs):
    """The snapshot for ``owner``'s Transit Gateway and the VPCs of ``specs`` (and of every
    attachment it has). Two owned gateways are an ``InputError`` on ``owner``."""
    found = [t for t in paginate(ec2, "describe_transit_gateways", "TransitGateways", Filters=owner_filter(owner, TGW_KEY))
             if t["State"] in LIVE_TGW and tagged(t, owner, TGW_KEY)]
    if len(found) > 1:
        raise InputError("owner", "%s owns %d transit gateways tagged %s=%s: %s" % (
            owner, len(found), KEY_TAG, TGW_KEY, ", ".join(t["TransitGatewayId"] for t in found)))
    snap = dict(tgw=found[0] if found else None, vpcs={}, attachments={}, tables={}, associations={}, propagations={})
    for i, spec in enumerate(specs):
        snap["vpcs"][spec["owner"]] = _vpc(ec2, spec, "attachments[%d].owner" % i)
    if not snap["tgw"]:
        return snap
    tgw_filter = [{"Name": "transit-gateway-id", "Values": [snap["tgw"]["TransitGatewayId"]]}]
    by_vpc = dict((v["vpc"]["VpcId"], o) for o, v in snap["vpcs"].items() if v["vpc"])
    live = [a for a in paginate(ec2, "describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments",
                                Filters=tgw_filter) if a["State"] in LIVE_ATTACHMENT]
    for att in live:
        # found by VPC first: the emulator (and an interrupted run) can leave it untagged
        tags = tag_dict(att.get("Tags"))
        key = tags.get(KEY_TAG, "")
        name = by_vpc.get(att["VpcId"]) or (key[len(ATTACHMENT_PREFIX):] if key.startswith(ATTACHMENT_PREFIX) else None)
        if name and (att["VpcId"] in by_vpc or tags.get(OWNER_TAG) == owner):
            snap["attachments"][name] = att
    live_ids = set(a["TransitGatewayAttachmentId"] for a in live)
    for table in paginate(ec2, "describe_transit_gateway_route_tables", "TransitGatewayRouteTables",
                          Filters=tgw_filter + owner_filter(owner)):
        key = tag_dict(table.get("Tags")).get(KEY_TAG, "")
        if table["State"] in ("pending", "available") and key.startswith(TABLE_PREFIX) and tagged(table, owner):
            rtb = table["TransitGatewayRouteTableId"]
            snap["tables"][key[len(TABLE_PREFIX):]] = table
            snap["associations"][rtb], snap["propagations"][rtb] = _links(ec2, rtb, live_ids)
    for name in sorted(set(snap["attachments"]) - set(snap["vpcs"])):
        snap["vpcs"][name] = _vpc(ec2, dict(owner=name, vpc_id=snap["attachments"][name]["VpcId"]), "owner")
    return snap
