# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff layer of transit_gateway: plan + snapshot -> ordered ``Action`` list, and the models
of ``--diff``.

Pure: no AWS calls. A snapshot is what ``tgw_read.read_tgw`` returns::

    {"tgw": TransitGateway or None,
     "vpcs": {owner: {"vpc": Vpc or None, "subnets": [one subnet id per zone],
                      "tables": [RouteTable...], "chosen": {route table ids}}},
     "attachments": {owner: TransitGatewayVpcAttachment},
     "tables": {owner: TransitGatewayRouteTable},
     "associations": {tgw route table id: {attachment ids}},
     "propagations": {tgw route table id: {attachment ids}}}

Resources are named by logical key (``tgw``, ``tgw-rtb/<owner>``, ``tgw-attach/<owner>``),
which the handlers resolve to ids (known from the snapshot, or made in the run). Order:
the gateway and its wait, route tables and attachments, removals of dropped attachments,
then every wait together, then associations and propagations, dropped route tables, and
the routes in the VPCs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import tag_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import route_actions, route_plan, vpc_cidrs
from ansible_collections.refarch.network.plugins.module_utils.peering_plan import check_no_overlap

LIVE_TGW = ("pending", "available", "modifying")
LIVE_ATTACHMENT = ("initiatingRequest", "pendingAcceptance", "pending", "available", "modifying")
TGW_KEY = "tgw"
NEW_TGW = "tgw-new"
TARGET = "TransitGatewayId"
ATTACHMENT_PREFIX = "tgw-attach/"
TABLE_PREFIX = "tgw-rtb/"


def attachment_key(owner):
    return ATTACHMENT_PREFIX + owner


def table_key(owner):
    return TABLE_PREFIX + owner


def new_attachment_id(owner):
    """What stands for the id of an attachment the run makes, in check mode and models."""
    return "tgw-attach-new-%s" % owner


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


def plan_tgw(params):
    """What the module wants, from its parameters (pure, validated)."""
    specs = [dict(s) for s in params["attachments"] or []] if params["state"] == "present" else []
    check_peers(specs)
    return dict(owner=params["owner"], name=params["name"], tags=params["tags"] or {},
                amazon_side_asn=params["amazon_side_asn"], attachments=specs)


def tags_for(want, key):
    owner = want["owner"]
    name = (want["name"] or "%s-tgw" % owner) if key == TGW_KEY else "%s-%s" % (owner, key.replace("/", "-"))
    return owned_tags(owner, key, name, want["tags"])


def known_ids(snap):
    ids = {}
    if snap["tgw"]:
        ids[TGW_KEY] = snap["tgw"]["TransitGatewayId"]
    for owner, table in snap["tables"].items():
        ids[table_key(owner)] = table["TransitGatewayRouteTableId"]
    for owner, att in snap["attachments"].items():
        ids[attachment_key(owner)] = att["TransitGatewayAttachmentId"]
    return ids


def placeholders(ids):
    """{placeholder: id} for what ``ids`` ({key: id}) holds: ``resolve`` puts them in texts and models."""
    names = dict((new_attachment_id(k[len(ATTACHMENT_PREFIX):]), v) for k, v in ids.items() if k.startswith(ATTACHMENT_PREFIX))
    if TGW_KEY in ids:
        names[NEW_TGW] = ids[TGW_KEY]
    return names


# -- routes in the VPCs -----------------------------------------------------------------------

def route_plans(specs, snap, tgw_id):
    """{owner: route plan} for every VPC of the snapshot; a VPC without a spec loses our routes."""
    plans = {}
    for owner, entry in sorted(snap["vpcs"].items()):
        spec = next((s for s in specs if s["owner"] == owner), None)
        destinations = sorted(set(c for p in spec["peers"] for c in vpc_cidrs(snap["vpcs"][p]["vpc"]))) if spec else []
        plans[owner] = route_plan(entry["tables"], entry["chosen"] if spec else set(), destinations, TARGET, tgw_id)
    return plans


def _routes(owner, snap, plan, tgw_text, deletes_only=False):
    return route_actions(owner, snap["vpcs"][owner]["tables"], plan, tgw_text, TGW_KEY, TARGET, deletes_only=deletes_only)


# -- links (associations and propagations), as refs: attachment keys, or ids of foreign ones ---

class Links(object):
    """The associations and propagations of the snapshot, by route table owner, as the diff
    changes them; an attachment is its key when it is ours, else its id."""

    def __init__(self, snap):
        self.ref = dict((a["TransitGatewayAttachmentId"], attachment_key(o)) for o, a in snap["attachments"].items())
        self.id_of = dict((r, i) for i, r in self.ref.items())
        self.tables = dict((o, t["TransitGatewayRouteTableId"]) for o, t in snap["tables"].items())
        self.assoc = dict((o, set(self.ref.get(a, a) for a in snap["associations"].get(rtb, ())))
                          for o, rtb in self.tables.items())
        self.props = dict((o, set(self.ref.get(a, a) for a in snap["propagations"].get(rtb, ())))
                          for o, rtb in self.tables.items())

    def add_table(self, owner):
        self.assoc[owner], self.props[owner] = set(), set()

    @staticmethod
    def shown(ref):
        """How an attachment is named in a text: its key when ours, ``tgw-attach/<id>`` else."""
        return ref if ref.startswith(ATTACHMENT_PREFIX) else attachment_key(ref)


def _link(op, owner, ref, text):
    return Action(op, table_key(owner), text, table=table_key(owner), attachment=ref)


def _converge_links(spec, links):
    """Associate the attachment with its own table; propagate exactly its peers into it."""
    owner, att = spec["owner"], attachment_key(spec["owner"])
    actions = []
    for other in sorted(links.assoc):
        if other != owner and att in links.assoc[other]:
            actions.append(_link("disassociate", other, att, "disassociate %s from %s" % (att, table_key(other))))
    if att not in links.assoc[owner]:
        actions.append(_link("associate", owner, att, "associate %s with %s" % (att, table_key(owner))))
    wanted = dict((attachment_key(p), p) for p in spec["peers"])
    for ref in sorted(links.props[owner] - set(wanted)):
        actions.append(_link("disable_propagation", owner, ref, "disable propagation %s -> %s" % (
            links.shown(ref), table_key(owner))))
    for ref, peer in sorted(wanted.items(), key=lambda kv: kv[1]):
        if ref not in links.props[owner]:
            actions.append(_link("enable_propagation", owner, ref, "enable propagation %s -> %s" % (ref, table_key(owner))))
    return actions


def _remove_attachment(owner, snap, links):
    """Disassociate it wherever it is associated, then delete it (which withdraws its
    propagations; disabling them one by one first also breaks the emulator)."""
    att, att_id = attachment_key(owner), snap["attachments"][owner]["TransitGatewayAttachmentId"]
    actions = []
    for other in sorted(links.assoc):
        links.props[other].discard(att)
        if att in links.assoc[other]:
            actions.append(_link("disassociate", other, att, "disassociate %s from %s" % (att, table_key(other))))
            links.assoc[other].discard(att)
    actions.append(Action("delete_tgw_attachment", att, "delete tgw attachment %s %s" % (att, att_id)))
    return actions


def _remove_table(owner, links):
    rtb = links.tables[owner]
    actions = [_link("disable_propagation", owner, ref, "disable propagation %s -> %s" % (links.id_of.get(ref, ref), table_key(owner)))
               for ref in sorted(links.props.get(owner, ()), key=lambda r: links.id_of.get(r, r))]
    actions += [_link("disassociate", owner, ref, "disassociate %s from %s" % (links.id_of.get(ref, ref), table_key(owner)))
                for ref in sorted(links.assoc.get(owner, ()), key=lambda r: links.id_of.get(r, r))]
    actions.append(Action("delete_tgw_route_table", table_key(owner), "delete tgw route table %s %s" % (table_key(owner), rtb)))
    return actions


def _wait_deleted(owners, snap):
    if not owners:
        return []
    return [Action("wait_tgw_attachments_deleted", ATTACHMENT_PREFIX, "wait for tgw attachments %s to be deleted" % ", ".join(
        attachment_key(o) for o in owners), ids=[snap["attachments"][o]["TransitGatewayAttachmentId"] for o in owners])]


# -- present and absent -----------------------------------------------------------------------

def _check(specs, snap):
    for i, spec in enumerate(specs):
        entry = snap["vpcs"][spec["owner"]]
        if entry["vpc"] is None:
            raise InputError("attachments[%d].owner" % i, "no VPC found for %s (tags refarch:owner=%s, refarch:key=vpc)" % (
                spec["owner"], spec["owner"]))
        if not entry["subnets"]:
            raise InputError("attachments[%d].subnet_tier" % i, "%s has no owned subnets in tier %r" % (
                spec["owner"], spec["subnet_tier"]))
    for i, spec in enumerate(specs):
        for peer in spec["peers"]:
            check_no_overlap(vpc_cidrs(snap["vpcs"][spec["owner"]]["vpc"]), vpc_cidrs(snap["vpcs"][peer]["vpc"]),
                             field="attachments[%d].peers" % i)


def _attachment(want, spec, snap):
    """Create, or tag and resize, the attachment of ``spec``; True when it must be waited for."""
    owner, key = spec["owner"], attachment_key(spec["owner"])
    entry, att = snap["vpcs"][owner], snap["attachments"].get(owner)
    if att is None:
        return [Action("create_tgw_attachment", key, "create tgw attachment %s %s (%s)" % (
            key, entry["vpc"]["VpcId"], ", ".join(entry["subnets"])),
            vpc=entry["vpc"]["VpcId"], subnets=entry["subnets"], tags=tags_for(want, key))], True
    actions = []
    missing = tag_changes(att.get("Tags"), tags_for(want, key))
    if missing:  # TagSpecifications may be ignored at create (the emulator does): tag afterwards
        actions.append(Action("tag", key, "tag tgw attachment %s %s (%s)" % (
            key, att["TransitGatewayAttachmentId"], ", ".join(sorted(missing))), tags=missing))
    add = sorted(set(entry["subnets"]) - set(att.get("SubnetIds", [])))
    remove = sorted(set(att.get("SubnetIds", [])) - set(entry["subnets"]))
    if add or remove:
        actions.append(Action("modify_tgw_attachment", key, "modify tgw attachment %s subnets +[%s] -[%s]" % (
            key, ", ".join(add), ", ".join(remove)), add=add, remove=remove))
    return actions, bool(add or remove) or att.get("State") != "available"


def diff_present(want, snap):
    """(actions, before, after) converging the gateway, one route table and attachment per
    spec, their links, and the routes in the VPCs; dropped attachments and tables removed."""
    specs = want["attachments"]
    _check(specs, snap)
    tgw = snap["tgw"]
    plans = route_plans(specs, snap, tgw["TransitGatewayId"] if tgw else None)
    for owner, plan in sorted(plans.items()):
        for rtb, cidr, target in plan["conflicts"]:
            raise InputError("attachments.route_tiers", "%s route table %s already routes %s to %s, which is not "
                             "this transit gateway; refusing to replace a route we do not own" % (owner, rtb, cidr, target))
    tgw_text = tgw["TransitGatewayId"] if tgw else NEW_TGW
    wanted = [s["owner"] for s in specs]
    dropped = sorted(set(snap["attachments"]) - set(wanted))
    links = Links(snap)
    actions = []
    if tgw is None:
        options = dict(DefaultRouteTableAssociation="disable", DefaultRouteTablePropagation="disable",
                       AutoAcceptSharedAttachments="disable", DnsSupport="enable")
        if want["amazon_side_asn"]:
            options["AmazonSideAsn"] = want["amazon_side_asn"]
        actions.append(Action("create_tgw", TGW_KEY, "create transit gateway %s" % TGW_KEY,
                              description="refarch %s" % want["owner"], options=options, tags=tags_for(want, TGW_KEY)))
    if tgw is None or tgw["State"] != "available":
        # AWS refuses (IncorrectState) a VPC attachment to a transit gateway still pending
        actions.append(Action("wait_tgw", TGW_KEY, "wait for transit gateway %s to be available" % TGW_KEY))
    new_tables = [o for o in wanted if o not in snap["tables"]]
    for owner in new_tables:
        actions.append(Action("create_tgw_route_table", table_key(owner), "create tgw route table %s" % table_key(owner),
                              tags=tags_for(want, table_key(owner))))
        links.add_table(owner)
    pending_tables = new_tables + [o for o in wanted if o in snap["tables"] and snap["tables"][o]["State"] != "available"]
    waited = []
    for spec in specs:
        more, wait = _attachment(want, spec, snap)
        actions += more
        if wait:
            waited.append(spec["owner"])
    for owner in dropped:
        actions += _routes(owner, snap, plans[owner], tgw_text, deletes_only=True)
    for owner in dropped:
        actions += _remove_attachment(owner, snap, links)
    if pending_tables:
        actions.append(Action("wait_tgw_route_tables", TABLE_PREFIX, "wait for tgw route tables %s to be available" % ", ".join(
            table_key(o) for o in pending_tables), keys=[table_key(o) for o in pending_tables]))
    if waited:
        actions.append(Action("wait_tgw_attachments", ATTACHMENT_PREFIX, "wait for tgw attachments %s to be available" % ", ".join(
            attachment_key(o) for o in waited), keys=[attachment_key(o) for o in waited]))
    actions += _wait_deleted(dropped, snap)
    for spec in specs:
        actions += _converge_links(spec, links)
    for owner in sorted(set(snap["tables"]) - set(wanted)):
        actions += _remove_table(owner, links)
    for spec in specs:
        actions += _routes(spec["owner"], snap, plans[spec["owner"]], tgw_text)
    return actions, view(snap, plans, "before"), view(snap, plans, "after", tgw_text, specs)


def diff_absent(want, snap):
    """(actions, before, after) removing our VPC routes, attachments, route tables and the gateway."""
    tgw = snap["tgw"]
    if tgw is None:
        return [], view(snap, {}, "before"), view(snap, {}, "after")
    plans = route_plans([], snap, tgw["TransitGatewayId"])
    links = Links(snap)
    actions = []
    for owner in sorted(snap["vpcs"]):
        actions += _routes(owner, snap, plans[owner], tgw["TransitGatewayId"], deletes_only=True)
    for owner in sorted(snap["attachments"]):
        actions += _remove_attachment(owner, snap, links)
    actions += _wait_deleted(sorted(snap["attachments"]), snap)
    for owner in sorted(snap["tables"]):
        actions += _remove_table(owner, links)
    actions.append(Action("delete_tgw", TGW_KEY, "delete transit gateway %s %s" % (TGW_KEY, tgw["TransitGatewayId"])))
    return actions, view(snap, plans, "before"), view(snap, plans, "after")


# -- models -----------------------------------------------------------------------------------

def view(snap, plans, when, tgw_id=None, specs=None):
    tgw = None
    if when == "before" and snap["tgw"]:
        tgw = dict(id=snap["tgw"]["TransitGatewayId"], attachments=_current(snap))
    elif when == "after" and tgw_id:
        tgw = dict(id=tgw_id, attachments=_planned(snap, specs))
    return dict(transit_gateway=tgw, routes=dict((o, plans[o][when]) for o in sorted(plans) if plans[o][when]))


def _current(snap):
    """Owner -> attachment as it is."""
    by_id = dict((a["TransitGatewayAttachmentId"], o) for o, a in snap["attachments"].items())
    result = {}
    for owner, att in sorted(snap["attachments"].items()):
        att_id = att["TransitGatewayAttachmentId"]
        table = snap["tables"].get(owner, {}).get("TransitGatewayRouteTableId")
        result[owner] = dict(id=att_id, vpc_id=att.get("VpcId"), subnets=sorted(att.get("SubnetIds", [])),
                             associated=bool(table and att_id in snap["associations"].get(table, ())),
                             peers=sorted(by_id.get(a, a) for a in snap["propagations"].get(table, ())))
    return result


def _planned(snap, specs):
    """Owner -> attachment as it will be (``tgw-attach-new-<owner>`` for one the run makes)."""
    result = {}
    for spec in specs or []:
        owner = spec["owner"]
        att = snap["attachments"].get(owner)
        result[owner] = dict(id=att["TransitGatewayAttachmentId"] if att else new_attachment_id(owner),
                             vpc_id=snap["vpcs"][owner]["vpc"]["VpcId"], subnets=sorted(snap["vpcs"][owner]["subnets"]),
                             associated=True, peers=sorted(spec["peers"]))
    return result
