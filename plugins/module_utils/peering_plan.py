# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for connectivity between environments (VPC peering and Transit Gateway).

No boto3 here: which environment pairs are linked, from inventory data (``plan_pairs``,
``plan_transit``), and the CIDR overlap check AWS applies to peering (the emulator does not).
Which routes to add or remove in route tables is the diff's work (``peering_diff``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.refarch.network.plugins.module_utils import vpn_reach
from ansible_collections.refarch.network.plugins.module_utils.environments import linked, names_account
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import parse_cidr

CONNECTIVITY = ("peering", "transit_gateway")
DEFAULT_TIERS = ["private", "persistence"]


def peering_key(requester, accepter):
    return "pcx/%s--%s" % (requester, accepter)


def overlapping(left, right):
    """Pairs (a, b) of CIDR strings from ``left`` x ``right`` that overlap."""
    found = []
    for a in left:
        for b in right:
            if ipaddress.IPv4Network(a).overlaps(ipaddress.IPv4Network(b)):
                found.append((a, b))
    return found


def check_no_overlap(requester_cidrs, accepter_cidrs, field="accepter_owner"):
    """AWS refuses to peer overlapping VPCs; say so before any write."""
    clashes = overlapping(requester_cidrs, accepter_cidrs)
    if clashes:
        raise InputError(field, "the VPCs overlap (%s); AWS cannot peer overlapping CIDRs" % ", ".join(
            "%s overlaps %s" % pair for pair in clashes))


# --- pairs from inventory data -------------------------------------------------------------

INVENTORY_KEYS = ("peers", "peering_tiers", "peering_dns_resolution", "connectivity", "owner", "vpc_cidr",
                  "aws_region", "refarch_role_arn", "transit_gateway_hub", "transit_gateway_subnet_tier",
                  "vpn_enabled", "pritunl_vpn_serves", "pritunl_vpn_tier_groups", "pritunl_vpn_subnet_tier")


def inventory_environments(hostvars, present):
    """{name: the connectivity variables of that host} for the hosts in ``present``."""
    environments = {}
    for name in present:
        data = hostvars[name]
        environments[name] = dict((k, data[k]) for k in INVENTORY_KEYS if k in data)
    return environments


def absent_peers(hostvars, present):
    """{name: {owner, role_arn, region, account_missing}} for the peers the hosts in
    ``present`` name that are not in the run: the other end of a link a run of one environment
    still manages. The role is the one account_context resolved by name
    (``refarch_environment_roles``); owner and region come from the peer's own inventory when
    loaded, else ``environment_accounts[<peer>]``, else its name and the referring region."""
    absent = {}
    for name in sorted(present):
        data = hostvars[name]
        roles = data.get("refarch_environment_roles") or {}
        multi_account = names_account(data)
        for peer in data.get("peers") or []:
            if peer in present or peer in absent or not isinstance(peer, str):
                continue
            owner, region = linked(hostvars, data, peer)[1:]
            absent[peer] = dict(owner=owner, role_arn=roles.get(peer) or None, region=region,
                                account_missing=multi_account and not roles.get(peer))
    return absent


def _env(name, data):
    """One environment's connectivity intent, validated; ``data`` is its host vars."""
    field = "%s.peers" % name
    peers = data.get("peers") or []
    if not isinstance(peers, list) or not all(isinstance(p, str) and p for p in peers):
        raise InputError(field, "expected a list of environment names, got %r" % (peers,))
    if name in peers:
        raise InputError(field, "an environment cannot peer with itself")
    tiers = data.get("peering_tiers", DEFAULT_TIERS)
    if not isinstance(tiers, list) or not all(isinstance(t, str) and t for t in tiers):
        raise InputError("%s.peering_tiers" % name, "expected a list of tier names, got %r" % (tiers,))
    connectivity = data.get("connectivity") or "peering"
    if connectivity not in CONNECTIVITY:
        raise InputError("%s.connectivity" % name, "must be one of %s, got %r" % (
            ", ".join(CONNECTIVITY), connectivity))
    cidr = data.get("vpc_cidr")
    if cidr is not None:
        parse_cidr(cidr, "%s.vpc_cidr" % name)
    for flag in ("peering_dns_resolution", "transit_gateway_hub"):
        if data.get(flag) is not None and not isinstance(data[flag], bool):
            raise InputError("%s.%s" % (name, flag), "expected true or false (unquoted), got %r"
                             % (data[flag],))
    try:
        served = vpn_reach.from_hostvars(data, name)
    except InputError as e:
        raise InputError("%s.%s" % (name, e.field), e.reason)
    return dict(
        name=name,
        owner=data.get("owner") or name,
        peers=sorted(set(peers)),
        tiers=list(tiers),
        dns=bool(data.get("peering_dns_resolution", True)),
        connectivity=connectivity,
        role_arn=data.get("refarch_role_arn") or None,
        region=data.get("aws_region") or None,
        cidr=cidr,
        hub=bool(data.get("transit_gateway_hub", False)),
        subnet_tier=data.get("transit_gateway_subnet_tier") or "private",
        # the VPN's subnet tier routes to the environments the VPN serves (vpn_reach)
        vpn_tier=(data.get("pritunl_vpn_subnet_tier") or "public") if served else None,
        served=dict((e["environment"], e) for e in served if e["served"]),
    )


def _tiers(env, peers):
    return vpn_reach.tiers_toward(env["tiers"], env["vpn_tier"], env["served"], peers)


def _alone_pair(env, peer, other):
    """The link between ``env`` (in the run) and ``peer`` (not in it): ``env`` converges the
    existing link, the absent side's tiers and DNS option are those the link records."""
    first, second = sorted([env["name"], peer])
    sides = {env["name"]: dict(owner=env["owner"], tiers=_tiers(env, [peer]), role_arn=env["role_arn"],
                               region=env["region"]),
             peer: dict(owner=other["owner"], tiers=None, role_arn=other["role_arn"], region=other["region"])}
    return dict(
        requester=first, accepter=second, converger=env["name"],
        absent_side="requester" if first == peer else "accepter",
        requester_owner=sides[first]["owner"], accepter_owner=sides[second]["owner"],
        requester_tiers=sides[first]["tiers"], accepter_tiers=sides[second]["tiers"],
        allow_dns_resolution=env["dns"], connectivity=env["connectivity"],
        requester_role_arn=sides[first]["role_arn"] or "", requester_region=sides[first]["region"],
        accepter_role_arn=sides[second]["role_arn"] or "", accepter_region=sides[second]["region"],
        key=peering_key(first, second),
    )


def plan_pairs(environments, present=None, absent=None):
    """Links between environments, each once, from their inventory data.

    ``environments``: {name: host vars (peers, peering_tiers, peering_dns_resolution,
    connectivity, owner, refarch_role_arn, aws_region, vpc_cidr)}; ``present``: the names in
    this run (default: all). A link needs both sides to list each other (each environment
    consents); the side whose name sorts first is the requester, so exactly one host
    converges it. Returns ``{"pairs": [...], "skipped": [messages]}``; pairs are sorted.

    ``absent``: peers not in the run that can still be reached (``absent_peers``); a link to
    one is converged by the side in the run (``converger``, ``absent_side``): its existing
    connection is kept or removed, never created, since the absent side's consent is unknown.
    """
    present = set(environments if present is None else present)
    envs = dict((name, _env(name, data)) for name, data in sorted(environments.items()) if name in present)
    pairs, skipped = [], []
    for name in sorted(envs):
        env = envs[name]
        for peer in env["peers"]:
            if peer not in envs:
                other = (absent or {}).get(peer)
                if other is None or other["account_missing"]:
                    skipped.append("%s <-> %s: %s is not in this run (add its inventory with -i)%s" % (
                        min(name, peer), max(name, peer), peer,
                        "; no account named %s was found" % peer if other else ""))
                elif env["connectivity"] == "peering":
                    pairs.append(_alone_pair(env, peer, other))
                else:
                    skipped.append("%s <-> %s: deferred, a transit gateway link is converged with both "
                                   "inventories" % (min(name, peer), max(name, peer)))
                continue
            other = envs[peer]
            if name not in other["peers"]:
                skipped.append("%s <-> %s: %s lists %s but %s does not list %s in peers" % (
                    min(name, peer), max(name, peer), name, peer, peer, name))
                continue
            if name > peer:
                continue  # the pair is planned once, from the side that sorts first
            if env["connectivity"] != other["connectivity"]:
                raise InputError("%s.connectivity" % peer, "is %r but %s uses %r; both ends of a link must agree" % (
                    other["connectivity"], name, env["connectivity"]))
            if env["cidr"] and other["cidr"]:
                check_no_overlap([env["cidr"]], [other["cidr"]], field="%s.vpc_cidr" % peer)
            pairs.append(dict(
                requester=name, accepter=peer,
                requester_owner=env["owner"], accepter_owner=other["owner"],
                requester_tiers=_tiers(env, [peer]), accepter_tiers=_tiers(other, [name]),
                allow_dns_resolution=env["dns"] and other["dns"],
                connectivity=env["connectivity"],
                requester_role_arn=env["role_arn"] or "", requester_region=env["region"],
                accepter_role_arn=other["role_arn"] or "", accepter_region=other["region"],
                key=peering_key(name, peer),
            ))
    return dict(pairs=pairs, skipped=sorted(set(skipped)))


def pairs_for(environments, host, present=None, absent=None):
    """The pairs ``host`` converges (it is their requester, or the only side in the run) and
    the skip messages it reports."""
    plan = plan_pairs(environments, present, absent)
    mine = [p for p in plan["pairs"] if p.get("converger", p["requester"]) == host]
    skipped = [m for m in plan["skipped"] if host in m.split(":")[0].split(" <-> ")]
    return dict(pairs=mine, skipped=skipped)


def plan_transit(environments, present=None):
    """The Transit Gateway hub and its attachments, from the same inventory data as peering.

    Links come from ``plan_pairs`` (only those with ``connectivity: transit_gateway``); the
    environment with ``transit_gateway_hub: true`` owns the TGW and converges every attachment.
    Each attachment reaches exactly its linked peers (its own TGW route table), so the
    isolation of the peering layout holds: no link, no route. Attachments must be in the hub's
    account and region (cross-account attachments need a RAM share, not done here).
    Returns ``{"hub": name or None, "attachments": [...], "skipped": [...]}``.
    """
    plan = plan_pairs(environments, present)
    present = set(environments if present is None else present)
    envs = dict((name, _env(name, data)) for name, data in environments.items() if name in present)
    links = [p for p in plan["pairs"] if p["connectivity"] == "transit_gateway"]
    members = sorted(set(p["requester"] for p in links) | set(p["accepter"] for p in links))
    hubs = sorted(name for name, env in envs.items() if env["hub"] and env["connectivity"] == "transit_gateway")
    if len(hubs) > 1:
        raise InputError("%s.transit_gateway_hub" % hubs[1], "only one environment may own the Transit Gateway (%s)" % (
            ", ".join(hubs)))
    skipped = list(plan["skipped"])
    if members and not hubs:
        skipped.append("transit gateway: no environment with transit_gateway_hub: true in this run; "
                       "links %s skipped" % ", ".join("%s <-> %s" % (p["requester"], p["accepter"]) for p in links))
        return dict(hub=None, attachments=[], skipped=sorted(skipped))
    if not hubs:
        return dict(hub=None, attachments=[], skipped=sorted(skipped))
    hub = envs[hubs[0]]
    attachments = []
    for name in members:
        env = envs[name]
        if (env["role_arn"] or "") != (hub["role_arn"] or "") or (env["region"] or "") != (hub["region"] or ""):
            raise InputError("%s.connectivity" % name, "transit_gateway attachments must be in the hub's (%s) account "
                             "and region; use connectivity: peering for %s" % (hub["name"], name))
        peers = sorted(set([p["accepter"] for p in links if p["requester"] == name]
                           + [p["requester"] for p in links if p["accepter"] == name]))
        attachments.append(dict(owner=env["owner"], subnet_tier=env["subnet_tier"], route_tiers=_tiers(env, peers),
                                peers=[envs[p]["owner"] for p in peers]))
    return dict(hub=hub["name"], attachments=attachments, skipped=sorted(skipped))
