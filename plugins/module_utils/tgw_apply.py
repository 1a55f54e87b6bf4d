# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of transit_gateway's actions, run by ``engine.execute``.

``run.ec2`` is guarded by the engine: the gateway and its route tables are tagged at create,
so a lost create reply is deduplicated by owner and key there. Two things the engine cannot
know are done here:

- an attachment's identity is its gateway and VPC, not its tags (AWS refuses a second
  attachment of one VPC with ``DuplicateTransitGatewayAttachment``; the emulator ignores the
  tags given at create): a retried create refused that way adopts the attachment of the VPC,
  one that made a twin removes it, and the tags are set after create when they are missing;
- the links and deletes of transit gateway objects have no "already done" error code the
  engine knows: a retried one that fails is success when a read shows the work done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from collections import namedtuple

from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.connectivity import ROUTE_HANDLERS, ref_id
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate, tag_changes
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried
from ansible_collections.refarch.network.plugins.module_utils.tgw_diff import LIVE_ATTACHMENT, TGW_KEY

BROKEN = ("failed", "failing", "rejected", "rejecting", "deleted", "deleting")


def _confirmed(call, verify, **kwargs):
    """``call(**kwargs)``; an error of a retried call is success when ``verify()`` shows the
    work done (the lost attempt did it)."""
    try:
        return call(**kwargs)
    except ClientError as e:
        if retried(e.response) and verify():
            return {}
        raise


# How to list each kind of resource by id, and what a message calls it
Kind = namedtuple("Kind", "describe id_param list_key id_field what")
GATEWAY = Kind("describe_transit_gateways", "TransitGatewayIds", "TransitGateways", "TransitGatewayId", "transit gateway")
TABLE = Kind("describe_transit_gateway_route_tables", "TransitGatewayRouteTableIds", "TransitGatewayRouteTables",
             "TransitGatewayRouteTableId", "tgw route table")
ATTACHMENT = Kind("describe_transit_gateway_vpc_attachments", "TransitGatewayAttachmentIds",
                  "TransitGatewayVpcAttachments", "TransitGatewayAttachmentId", "tgw attachment")


def _states(run, kind, ids):
    """{id: state} of the resources named, as AWS lists them now (gone ones left out)."""
    try:
        found = getattr(run.ec2, kind.describe)(**{kind.id_param: ids})[kind.list_key]
    except ClientError as e:
        if "NotFound" not in error_code(e):
            raise
        return {}
    return dict((r[kind.id_field], r["State"]) for r in found)


def _gone(run, kind, resource_id):
    return _states(run, kind, [resource_id]).get(resource_id, "deleted") in ("deleting", "deleted")


def _available(run, kind, ids):
    def ready():
        states = _states(run, kind, ids)
        broken = sorted(i for i, s in states.items() if s in BROKEN)
        if broken:
            raise RuntimeError("%s %s: %s" % (kind.what, ", ".join(broken), ", ".join(states[i] for i in broken)))
        return len(states) == len(ids) and all(s == "available" for s in states.values())
    return ready


# -- the gateway and its route tables --------------------------------------------------------

def _create_tgw(run, a):
    answer = run.ec2.create_transit_gateway(Description=a["description"], Options=a["options"],
                                            TagSpecifications=tag_spec("transit-gateway", a["tags"]))
    run.ids[a.key] = answer["TransitGateway"]["TransitGatewayId"]


def _wait_tgw(run, a):
    return _available(run, GATEWAY, [run.ids[TGW_KEY]])


def _create_table(run, a):
    answer = run.ec2.create_transit_gateway_route_table(
        TransitGatewayId=run.ids[TGW_KEY], TagSpecifications=tag_spec("transit-gateway-route-table", a["tags"]))
    run.ids[a.key] = answer["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]


def _wait_tables(run, a):
    return _available(run, TABLE, [run.ids[k] for k in a["keys"]])


def _delete_table(run, a):
    rtb = run.ids[a.key]
    _confirmed(run.ec2.delete_transit_gateway_route_table, lambda: _gone(run, TABLE, rtb), TransitGatewayRouteTableId=rtb)


def _delete_tgw(run, a):
    tgw = run.ids[TGW_KEY]
    _confirmed(run.ec2.delete_transit_gateway, lambda: _gone(run, GATEWAY, tgw), TransitGatewayId=tgw)


# -- attachments --------------------------------------------------------------------------------

def _of_vpc(run, vpc_id):
    """Live attachments of the gateway for ``vpc_id``."""
    filters = [{"Name": "transit-gateway-id", "Values": [run.ids[TGW_KEY]]}, {"Name": "vpc-id", "Values": [vpc_id]}]
    return [t for t in paginate(run.ec2, "describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments",
                                Filters=filters)
            if t["VpcId"] == vpc_id and t["State"] in LIVE_ATTACHMENT]  # checked here too: filters may be ignored


def _create_attachment(run, a):
    try:
        answer = run.ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=run.ids[TGW_KEY], VpcId=a["vpc"], SubnetIds=a["subnets"], Options=dict(DnsSupport="enable"),
            TagSpecifications=tag_spec("transit-gateway-attachment", a["tags"]))
        att = answer["TransitGatewayVpcAttachment"]
    except ClientError as e:
        found = _of_vpc(run, a["vpc"]) if retried(e.response) and error_code(e) == "DuplicateTransitGatewayAttachment" else []
        if len(found) != 1:
            raise
        answer, att = {}, found[0]  # the lost attempt made it: ours
    run.ids[a.key] = att["TransitGatewayAttachmentId"]
    if retried(answer):
        for twin in _of_vpc(run, a["vpc"]):
            if twin["TransitGatewayAttachmentId"] != att["TransitGatewayAttachmentId"]:
                run.ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=twin["TransitGatewayAttachmentId"])
    missing = tag_changes(att.get("Tags"), a["tags"])
    if missing:
        run.ec2.create_tags(Resources=[att["TransitGatewayAttachmentId"]], Tags=tag_list(missing))


def _tag(run, a):
    run.ec2.create_tags(Resources=[run.ids[a.key]], Tags=tag_list(a["tags"]))


def _modify_attachment(run, a):
    run.ec2.modify_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=run.ids[a.key],
                                                  AddSubnetIds=a["add"], RemoveSubnetIds=a["remove"])


def _wait_attachments(run, a):
    return _available(run, ATTACHMENT, [run.ids[k] for k in a["keys"]])


def _delete_attachment(run, a):
    att_id = run.ids[a.key]
    _confirmed(run.ec2.delete_transit_gateway_vpc_attachment, lambda: _gone(run, ATTACHMENT, att_id),
               TransitGatewayAttachmentId=att_id)


def _wait_deleted(run, a):
    return lambda: all(s in ("deleted", "failed") for s in _states(run, ATTACHMENT, a["ids"]).values())


# -- links ---------------------------------------------------------------------------------------

def _linked(run, kind, rtb, att_id):
    """The attachment's association with (or propagation into) ``rtb`` is on or coming."""
    if kind == "association":
        items = paginate(run.ec2, "get_transit_gateway_route_table_associations", "Associations",
                         TransitGatewayRouteTableId=rtb)
        return any(i["TransitGatewayAttachmentId"] == att_id and i.get("State") in ("associating", "associated")
                   for i in items)
    items = paginate(run.ec2, "get_transit_gateway_route_table_propagations", "TransitGatewayRouteTablePropagations",
                     TransitGatewayRouteTableId=rtb)
    return any(i["TransitGatewayAttachmentId"] == att_id and i.get("State") in ("enabling", "enabled") for i in items)


def _link(method, kind, linked):
    def handler(run, a):
        rtb, att_id = ref_id(run, a["table"]), ref_id(run, a["attachment"])
        _confirmed(getattr(run.ec2, method), lambda: _linked(run, kind, rtb, att_id) is linked,
                   TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att_id)
    return handler


HANDLERS = dict(
    ROUTE_HANDLERS,
    create_tgw=_create_tgw, wait_tgw=_wait_tgw, create_tgw_route_table=_create_table, wait_tgw_route_tables=_wait_tables,
    delete_tgw_route_table=_delete_table, delete_tgw=_delete_tgw,
    create_tgw_attachment=_create_attachment, tag=_tag, modify_tgw_attachment=_modify_attachment,
    wait_tgw_attachments=_wait_attachments, delete_tgw_attachment=_delete_attachment,
    wait_tgw_attachments_deleted=_wait_deleted,
    associate=_link("associate_transit_gateway_route_table", "association", True),
    disassociate=_link("disassociate_transit_gateway_route_table", "association", False),
    enable_propagation=_link("enable_transit_gateway_route_table_propagation", "propagation", True),
    disable_propagation=_link("disable_transit_gateway_route_table_propagation", "propagation", False),
)
