# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff layer of vpc_peering (and the route diff transit_gateway shares): plan + snapshot ->
ordered ``Action`` list, and the before/after models of ``--diff``.

Pure: no AWS calls. A snapshot is what ``peering_read.read_peering`` returns::

    {"requester": side, "accepter": side, "connection": VpcPeeringConnection or None,
     "duplicates": [VpcPeeringConnection...], "accepter_tags": [Tag...] or None}
    side = {"role", "owner", "region", "vpc": Vpc or None, "tables": [RouteTable...],
            "chosen": {route table ids serving the chosen tiers}}

The connection is named by its logical key (``pcx/<requester>--<accepter>``); a connection
made in this run is ``pcx-new`` in texts until ``resolve`` puts its id in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, owned_tags, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import route_target, tag_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, refuse
from ansible_collections.refarch.network.plugins.module_utils.peering_plan import check_no_overlap, peering_key

LIVE = ["initiating-request", "pending-acceptance", "provisioning", "active"]
FAILED = ("failed", "rejected", "expired", "deleted")
NEW_ID = "pcx-new"
DNS_OPTION = "AllowDnsResolutionFromRemoteVpc"
TARGET = "VpcPeeringConnectionId"
LIVE_CIDR_STATES = ("associated", "associating")
ROLES = ("requester", "accepter")
OPTIONS = dict(requester="RequesterPeeringConnectionOptions", accepter="AccepterPeeringConnectionOptions")
CLIENTS = dict(requester="ec2", accepter="peer_ec2")
# Each side records its consent on its own VPC: ``refarch:peering/<other owner>`` =
# ``tiers=private,persistence dns=true``. A run of one environment alone reads the other side's
# record to converge (or recreate) the link exactly as when both inventories are given.
CONSENT_TAG = "refarch:peering/%s"


# -- routes (shared with transit_gateway) ---------------------------------------------------

def vpc_cidrs(vpc):
    cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])
             if a.get("CidrBlockState", {}).get("State", "associated") in LIVE_CIDR_STATES]
    return sorted(set(cidrs or [vpc["CidrBlock"]]))


def table_names(tables):
    """{route table id: its logical key} for readable actions and diffs."""
    return dict((t["RouteTableId"], tag_dict(t.get("Tags")).get(KEY_TAG, t["RouteTableId"])) for t in tables)


def plan_routes(tables, chosen_ids, destinations, target_key, target_id, stale=()):
    """Route changes in ``tables`` (RouteTables from DescribeRouteTables, all owned).

    Desired: a route to every CIDR of ``destinations`` via ``target_id`` in each table of
    ``chosen_ids``. A route is ours when ``route[target_key] == target_id``; ours in other
    tables or to other CIDRs are removed, every other route is left alone. ``target_id``
    None means the target does not exist yet (nothing can be ours). A route to a wanted CIDR
    whose target is in ``stale`` (a connection deleted out of band) is replaced, not refused.

    Returns ``(adds, deletes, conflicts, replaces)``: lists of ``(route_table_id, cidr)`` and
    of ``(route_table_id, cidr, other_target)`` for a destination another target holds.
    """
    adds, deletes, conflicts, replaces = [], [], [], []
    for table in sorted(tables, key=lambda t: t["RouteTableId"]):
        rtb = table["RouteTableId"]
        chosen = rtb in chosen_ids
        by_cidr = dict((r.get("DestinationCidrBlock"), r) for r in table.get("Routes", [])
                       if r.get("DestinationCidrBlock"))
        for cidr, route in sorted(by_cidr.items()):
            ours = target_id is not None and route.get(target_key) == target_id
            dangling = route.get(target_key) in stale   # its connection is gone
            if (ours or dangling) and not (chosen and cidr in destinations):
                deletes.append((rtb, cidr))
        if not chosen:
            continue
        for cidr in destinations:
            route = by_cidr.get(cidr)
            if route is None:
                adds.append((rtb, cidr))
            elif route.get(target_key) in stale:
                replaces.append((rtb, cidr, route[target_key]))
            elif target_id is None or route.get(target_key) != target_id:
                conflicts.append((rtb, cidr, route_target(route) or "unknown"))
    return adds, deletes, conflicts, replaces


def routes_view(tables, chosen_ids, destinations, target_key, target_id, names, stale=()):
    """{table name: sorted CIDRs via the target}: the before/after shown by --diff."""
    adds, deletes, _kept, replaces = plan_routes(tables, chosen_ids, destinations, target_key, target_id, stale)
    adds = adds + [(rtb, cidr) for rtb, cidr, _old in replaces]
    before, after = {}, {}
    for table in tables:
        rtb = table["RouteTableId"]
        have = sorted(r["DestinationCidrBlock"] for r in table.get("Routes", [])
                      if target_id is not None and r.get(target_key) == target_id and r.get("DestinationCidrBlock"))
        want = sorted(set(have) - set(c for t, c in deletes if t == rtb) | set(c for t, c in adds if t == rtb))
        if have:
            before[names.get(rtb, rtb)] = have
        if want:
            after[names.get(rtb, rtb)] = want
    return before, after


def route_plan(tables, chosen, destinations, target_key, target_id, stale=()):
    """adds/deletes/conflicts/replaces and the before/after views of one VPC's routes to one target."""
    adds, deletes, conflicts, replaces = plan_routes(tables, chosen, destinations, target_key, target_id, stale)
    before, after = routes_view(tables, chosen, destinations, target_key, target_id, table_names(tables), stale)
    return dict(adds=adds, deletes=deletes, conflicts=conflicts, replaces=replaces, before=before, after=after)


def route_actions(owner, tables, plan, target_text, target, param, client="ec2", deletes_only=False):
    """Deletes then adds of one VPC's routes; ``target`` is the logical key (or id) of the target."""
    names = table_names(tables)
    actions = [Action("delete_route", names[rtb], "delete route %s %s %s -> %s" % (owner, names[rtb], cidr, target_text),
                      table=rtb, destination=cidr, client=client)
               for rtb, cidr in plan["deletes"]]
    if not deletes_only:
        actions += [Action("replace_route", names[rtb], "replace route %s %s %s -> %s (was %s, deleted)" % (
                           owner, names[rtb], cidr, target_text, old), table=rtb, destination=cidr, param=param,
                           target=target, client=client)
                    for rtb, cidr, old in plan.get("replaces", [])]
        actions += [Action("create_route", names[rtb], "create route %s %s %s -> %s" % (owner, names[rtb], cidr, target_text),
                           table=rtb, destination=cidr, param=param, target=target, client=client)
                    for rtb, cidr in plan["adds"]]
    return actions


def resolve(value, names):
    """``value`` (a text, or a model of lists and dicts) with each placeholder word of
    ``names`` replaced by the id a run gave it: what a real run reports."""
    if isinstance(value, dict):
        return dict((k, resolve(v, names)) for k, v in value.items())
    if isinstance(value, list):
        return [resolve(v, names) for v in value]
    if isinstance(value, str):
        return " ".join(names.get(word, word) for word in value.split(" "))
    return value


# -- the peering ------------------------------------------------------------------------------

def plan_peering(params):
    """What the module wants, from its parameters (pure); refuses a peering with itself."""
    if params["requester_owner"] == params["accepter_owner"] and not (
            params["requester_vpc_id"] and params["accepter_vpc_id"]):
        raise InputError("accepter_owner", "must differ from requester_owner")
    key = peering_key(params["requester_owner"], params["accepter_owner"])
    name = params["name"] or "%s--%s" % (params["requester_owner"], params["accepter_owner"])
    owners = dict(requester=params["requester_owner"], accepter=params["accepter_owner"])
    absent = params.get("absent_side")
    tiers = dict((role, None if role == absent else params["%s_tiers" % role]) for role in ROLES)
    dns = bool(params["allow_dns_resolution"])
    return dict(key=key, owners=owners, absent_side=absent, tiers=tiers, dns=None if absent else dns,
                consent=dict((role, None if role == absent else consent_value(tiers[role], dns)) for role in ROLES),
                tags=dict((role, owned_tags(owner, key, name, params["tags"])) for role, owner in owners.items()))


def consent_value(tiers, dns):
    return "tiers=%s dns=%s" % (",".join(tiers), str(dns).lower())


def parse_consent(value):
    """(tiers, dns) from a consent tag's value; None when there is none or it is unreadable."""
    fields = dict(word.split("=", 1) for word in (value or "").split() if "=" in word)
    if "tiers" not in fields or fields.get("dns") not in ("true", "false"):
        return None
    return [t for t in fields["tiers"].split(",") if t], fields["dns"] == "true"


def consent_of(want, vpc, role):
    """What the VPC of ``role`` records of its consent to this link, or None."""
    other = want["owners"]["accepter" if role == "requester" else "requester"]
    return tag_dict((vpc or {}).get("Tags")).get(CONSENT_TAG % other)


def complete(want, vpcs):
    """``want`` with the absent side's tiers and DNS wish from the consent its VPC records
    (``vpcs``: {role: Vpc or None}); unchanged when that side is in the run or recorded none."""
    absent = want["absent_side"]
    recorded = parse_consent(consent_of(want, vpcs.get(absent), absent)) if absent else None
    if not recorded:
        return want
    tiers, dns = recorded
    present = "accepter" if absent == "requester" else "requester"
    ours = parse_consent(want["consent"][present])
    return dict(want, tiers=dict(want["tiers"], **{absent: tiers}), dns=ours[1] and dns)


def deferral(want, snap):
    """Why a run of one environment alone leaves the link as it is (None: it converges it).
    The absent side's consent, tiers and DNS wish are only known from its VPC's record."""
    absent = want["absent_side"]
    if not absent:
        return None
    missing = [snap[role]["owner"] for role in ROLES if snap[role]["vpc"] is None]
    if missing:
        return "%s: deferred, no VPC for %s" % (want["key"], ", ".join(missing))
    if want["tiers"][absent] is None:
        return "%s: deferred, %s is not in this run and its VPC records no consent to this link (tag %s); " \
               "a run with both inventories makes it" % (
                   want["key"], want["owners"][absent], CONSENT_TAG % want["owners"][
                       "accepter" if absent == "requester" else "requester"])
    return None


def consent_actions(want, snap, present=True):
    """Record (or, on removal, erase) each side's consent on its own VPC; never the absent side's."""
    actions = []
    for role in ROLES:
        vpc = snap[role]["vpc"]
        if role == want["absent_side"] or vpc is None:
            continue
        other = want["owners"]["accepter" if role == "requester" else "requester"]
        have, tag = consent_of(want, vpc, role), CONSENT_TAG % other
        if present and have != want["consent"][role]:
            actions.append(Action("tag_vpc", want["key"], "record on %s (%s): peering with %s, %s" % (
                vpc["VpcId"], snap[role]["owner"], other, want["consent"][role]), client=CLIENTS[role],
                vpc=vpc["VpcId"], tags={tag: want["consent"][role]}))
        elif not present and have is not None:
            actions.append(Action("untag_vpc", want["key"], "erase on %s (%s) the consent to peer with %s" % (
                vpc["VpcId"], snap[role]["owner"], other), client=CLIENTS[role], vpc=vpc["VpcId"], tag=tag))
    return actions


def dns_of(conn):
    if not conn:
        return dict(requester=False, accepter=False)
    return dict(requester=bool(conn["RequesterVpcInfo"].get("PeeringOptions", {}).get(DNS_OPTION)),
                accepter=bool(conn["AccepterVpcInfo"].get("PeeringOptions", {}).get(DNS_OPTION)))


def distinct_views(snap):
    """True when the accepter sees the connection through its own tags (account or region)."""
    req, acc = snap["requester"], snap["accepter"]
    return req["vpc"]["OwnerId"] != acc["vpc"]["OwnerId"] or req["region"] != acc["region"]


def known_ids(want, snap):
    return {want["key"]: snap["connection"]["VpcPeeringConnectionId"]} if snap["connection"] else {}


def placeholders(want):
    """{placeholder: id} of a run's ids ({key: id}): the connection made stands for ``pcx-new``."""
    return lambda ids: {NEW_ID: ids[want["key"]]} if want["key"] in ids else {}


def _side_plan(side, other, pcx_id, present):
    if side["vpc"] is None:
        return dict(adds=[], deletes=[], conflicts=[], before={}, after={})
    destinations = vpc_cidrs(other["vpc"]) if (present and other["vpc"]) else []
    return route_plan(side["tables"], side["chosen"] if present else set(), destinations, TARGET, pcx_id,
                      side.get("stale", ()))


def _plans(snap, pcx_id, present):
    req, acc = snap["requester"], snap["accepter"]
    return dict(requester=_side_plan(req, acc, pcx_id, present), accepter=_side_plan(acc, req, pcx_id, present))


def view(snap, plans, when, pcx_id=None, dns=None):
    conn = None
    if when == "before" and snap["connection"]:
        c = snap["connection"]
        conn = dict(id=c["VpcPeeringConnectionId"], status=c["Status"]["Code"], allow_dns_resolution=dns_of(c))
    elif when == "after" and pcx_id:
        conn = dict(id=pcx_id, status="active", allow_dns_resolution=dns)
    return dict(peering=conn, routes=dict((role, plans[role][when]) for role in sorted(plans)))


def _check(want, snap, missing):
    """Refusals before any write: a missing VPC (answered by ``missing``), overlap, a connection
    joining other VPCs. Returns False when a VPC is only planned (check mode on a new build)."""
    absent = [role for role in ROLES if snap[role]["vpc"] is None]
    for role in absent:
        side = snap[role]
        missing(InputError("%s_owner" % role, "no VPC found for %s (tags refarch:owner=%s, refarch:key=vpc) in %s" % (
            side["owner"], side["owner"], side["region"])))
    if absent:
        return False
    req, acc, conn = snap["requester"]["vpc"], snap["accepter"]["vpc"], snap["connection"]
    check_no_overlap(vpc_cidrs(req), vpc_cidrs(acc))
    if conn and (conn["RequesterVpcInfo"]["VpcId"] != req["VpcId"] or conn["AccepterVpcInfo"]["VpcId"] != acc["VpcId"]):
        raise InputError("requester_owner", "peering %s (%s) joins %s and %s, not %s and %s; remove it first "
                         "with state=absent" % (want["key"], conn["VpcPeeringConnectionId"],
                                                conn["RequesterVpcInfo"]["VpcId"], conn["AccepterVpcInfo"]["VpcId"],
                                                req["VpcId"], acc["VpcId"]))
    return True


def diff_present(want, snap, missing=refuse):
    """(actions, before, after) that make the peering of ``want`` exist, active, tagged on
    both sides, with the wanted DNS option and routes. A missing VPC is answered by
    ``missing(error)``: refused, or in check mode on new environments (``engine.on_missing``)
    only planned, reported as one request."""
    key = want["key"]
    if not _check(want, snap, missing):
        missing = [snap[role]["owner"] for role in ROLES if snap[role]["vpc"] is None]
        return [Action("request_peering", key, "request peering %s (VPCs of %s not built yet)" % (key, ", ".join(missing)))], \
            {}, dict(peering=None, routes={})
    req, acc, conn = snap["requester"], snap["accepter"], snap["connection"]
    plans = _plans(snap, conn["VpcPeeringConnectionId"] if conn else None, True)
    for role in sorted(plans):
        for rtb, cidr, target in plans[role]["conflicts"]:
            raise InputError("%s_tiers" % role, "route table %s already routes %s to %s, which is not this peering; "
                             "refusing to replace a route we do not own" % (rtb, cidr, target))
    actions = [Action("delete_peering", key, "delete duplicate peering %s" % d["VpcPeeringConnectionId"],
                      pcx=d["VpcPeeringConnectionId"]) for d in snap["duplicates"]]
    if conn is None:
        actions.append(Action("create_peering", key, "create peering %s %s (%s) -> %s (%s) in %s/%s" % (
            key, req["vpc"]["VpcId"], ",".join(vpc_cidrs(req["vpc"])), acc["vpc"]["VpcId"],
            ",".join(vpc_cidrs(acc["vpc"])), acc["vpc"]["OwnerId"], acc["region"]),
            vpc=req["vpc"]["VpcId"], peer_vpc=acc["vpc"]["VpcId"], peer_owner=acc["vpc"]["OwnerId"],
            peer_region=acc["region"], tags=want["tags"]["requester"]))
    pcx = conn["VpcPeeringConnectionId"] if conn else NEW_ID
    status = conn["Status"]["Code"] if conn else "initiating-request"
    if status in ("initiating-request", "pending-acceptance"):
        actions.append(Action("wait_peering", key, "wait for peering %s to be visible to the accepter" % pcx,
                              client="peer_ec2", statuses=["pending-acceptance", "provisioning", "active"]))
        actions.append(Action("accept_peering", key, "accept peering %s as %s" % (pcx, acc["owner"])))
    if status != "active":
        actions.append(Action("wait_peering", key, "wait for peering %s to be active" % pcx, client="ec2",
                              statuses=["active"]))
    if conn:
        missing = tag_changes(conn.get("Tags") or [], want["tags"]["requester"])
        if missing:
            actions.append(Action("tag_peering", key, "tag peering %s as %s (%s)" % (pcx, req["owner"], ", ".join(sorted(missing))),
                                  tags=missing, client="ec2"))
    if distinct_views(snap):
        missing = tag_changes(snap.get("accepter_tags") or [], want["tags"]["accepter"])
        if missing:
            actions.append(Action("tag_peering", key, "tag peering %s as %s (%s)" % (pcx, acc["owner"], ", ".join(sorted(missing))),
                                  tags=missing, client="peer_ec2"))
    have = dns_of(conn)
    for role in ROLES:
        if want["dns"] is not None and have[role] != want["dns"]:
            actions.append(Action("set_dns", key, "set %s=%s on the %s side of %s" % (
                DNS_OPTION, str(want["dns"]).lower(), role, pcx), client=CLIENTS[role], option=OPTIONS[role],
                value=want["dns"]))
    actions += consent_actions(want, snap)
    for role in ROLES:
        actions += route_actions(snap[role]["owner"], snap[role]["tables"], plans[role], pcx, key, TARGET, CLIENTS[role])
    dns = have if want["dns"] is None else dict(requester=want["dns"], accepter=want["dns"])
    return actions, view(snap, plans, "before"), view(snap, plans, "after", pcx, dns)


def diff_absent(want, snap):
    """(actions, before, after) removing our routes on both sides, then the connection(s)."""
    conn = snap["connection"]
    pcx_id = conn["VpcPeeringConnectionId"] if conn else None
    plans = _plans(snap, pcx_id, False)
    actions = []
    for role in ROLES:
        actions += route_actions(snap[role]["owner"], snap[role]["tables"], plans[role], pcx_id or "a deleted peering",
                                 want["key"], TARGET, CLIENTS[role], deletes_only=True)
    actions += consent_actions(want, snap, present=False)
    for c in ([conn] if conn else []) + snap["duplicates"]:
        actions.append(Action("delete_peering", want["key"], "delete peering %s %s" % (want["key"], c["VpcPeeringConnectionId"]),
                              pcx=c["VpcPeeringConnectionId"]))
    return actions, view(snap, plans, "before"), view(snap, plans, "after")


def result_of(want, snap, after):
    """The module's ``peering`` and ``routes`` from the after model."""
    peering = {}
    if after.get("peering"):
        peering = dict(after["peering"], key=want["key"], requester_vpc_id=snap["requester"]["vpc"]["VpcId"],
                       accepter_vpc_id=snap["accepter"]["vpc"]["VpcId"])
    return dict(peering=peering, routes=after.get("routes", {}))
