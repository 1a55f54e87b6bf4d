# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which environments the VPN serves, and what that means for the far side. Pure, no boto3.

The VPN's environment lists what it serves (``pritunl_vpn_serves``: environment, tiers,
ports, groups); by default every environment it is linked to (``peers``, by peering or
transit gateway), its private tier, on 443 and 22. From that:

- ``plan_served``: the validated served list, plus the linked environments that are *not*
  served (``served: false``), so their rules are removed again;
- ``tiers_toward``: the VPN's subnet tier joins the tiers its environment routes over the link
  to a served peer (the VPN subnet's table gets the route; peering and transit gateway own
  routes to their targets, so they make it);
- ``diff_rules``: the far side's security group rules admitting the VPN's address, ours by tag;
- ``intents``: the default verify intents (private allow, persistence deny unless served).

Both Pritunl modes reach a served environment from the VPN instance's own address: in NAT
mode because Pritunl NATs every route, in routed mode because Pritunl NATs the routes to other
VPCs (``nat_routes``): AWS drops traffic over a VPC peering whose source is outside the two
VPCs (no edge-to-edge routing), so the client network cannot cross one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.names import unknown_option

DEFAULT_TIERS = ["private"]
DEFAULT_PORTS = [443, 22]
# The security groups that guard a tier's workloads, as the demo inventories name them.
DEFAULT_TIER_GROUPS = {"private": ["app"], "persistence": ["persistence"]}
ENTRY_KEYS = ("environment", "tiers", "ports", "groups")
RULE_KEY = "reach/%s/%s/tcp/%d"   # environment, group, port
RULE_PREFIX = "reach/"
# What the VPN serves, recorded on its instance, per environment: "<group>,...:<port>,...". A run of
# that environment alone converges the rules from it (module vpn_access), as peering's consent tags.
RECORD_TAG = "refarch:reach/%s"


def _names(value, field, what):
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(field, "expected a list of %s names, got %r" % (what, value))
    if len(set(value)) != len(value):
        raise InputError(field, "names a %s twice" % what)
    return list(value)


def _ports(value, field):
    if not isinstance(value, list):
        raise InputError(field, "expected a list of TCP ports, got %r" % (value,))
    for index, port in enumerate(value):
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise InputError("%s[%d]" % (field, index), "%r is not a TCP port (1-65535)" % (port,))
    return sorted(set(value))


def plan_served(vpn_env, linked, serves=None, tier_groups=None, field="pritunl_vpn_serves"):
    """[{environment, served, tiers, ports, groups}] sorted by environment: one entry for every
    environment in ``linked`` (the VPN environment's peers); ``serves`` (None: all linked) says
    which are served and how. Refused, naming the field: an environment that is not linked (no
    path to it), named twice, or the VPN's own; a tier, port or group that is not a name/port."""
    tier_groups = DEFAULT_TIER_GROUPS if tier_groups is None else tier_groups
    linked = sorted(set(linked or []))
    if serves is None:
        serves = [{"environment": name} for name in linked]
    if not isinstance(serves, list):
        raise InputError(field, "expected a list of {environment, tiers, ports, groups}, got %r" % (serves,))
    chosen = {}
    for index, entry in enumerate(serves):
        where = "%s[%d]" % (field, index)
        if isinstance(entry, str):
            entry = {"environment": entry}
        if not isinstance(entry, dict):
            raise InputError(where, "expected {environment, tiers, ports, groups}, got %r" % (entry,))
        unknown = sorted(set(entry) - set(ENTRY_KEYS))
        if unknown:
            raise InputError("%s.%s" % (where, unknown[0]), unknown_option(unknown[0], ENTRY_KEYS))
        name = entry.get("environment")
        if not isinstance(name, str) or not name:
            raise InputError(where + ".environment", "expected an environment name, got %r" % (name,))
        if name == vpn_env:
            raise InputError(where + ".environment", "%s is the VPN's own environment (its VPC is always reached)" % name)
        if name not in linked:
            raise InputError(where + ".environment", "%s is not linked to %s (peers: %s): no peering or transit "
                             "gateway carries the traffic" % (name, vpn_env, ", ".join(linked) or "none"))
        if name in chosen:
            raise InputError(where + ".environment", "%s is served twice" % name)
        tiers = _names(entry.get("tiers", DEFAULT_TIERS), where + ".tiers", "tier")
        ports = _ports(entry.get("ports", DEFAULT_PORTS), where + ".ports")
        if "groups" in entry:
            groups = _names(entry["groups"], where + ".groups", "security group")
        else:
            groups = sorted(set(g for t in tiers for g in tier_groups.get(t, [])))
        chosen[name] = dict(environment=name, served=bool(tiers and ports), tiers=tiers, ports=ports, groups=groups)
    off = dict(served=False, tiers=[], ports=[], groups=[])
    return [chosen.get(name) or dict(off, environment=name) for name in linked]


def served_names(plan):
    return [entry["environment"] for entry in plan if entry["served"]]


def tiers_toward(tiers, vpn_tier, served, peers):
    """The tiers an environment routes over its link(s) to ``peers``: its own, plus the VPN's
    subnet tier when one of them is served (the route the VPN subnet's table needs)."""
    if vpn_tier and set(served or ()) & set(peers) and vpn_tier not in tiers:
        return list(tiers) + [vpn_tier]
    return list(tiers)


# -- far-side security group rules --------------------------------------------------------------

def desired_rules(entry, group_ids, source):
    """{rule key: (group id, port, source cidr)} for one served environment; ``group_ids`` is
    {group logical name: id} of the far VPC; ``source`` the VPN's address (None while unknown:
    the instance is launched in this run). A group the VPC lacks is refused, naming it."""
    rules = {}
    if not entry["served"]:
        return rules
    for group in entry["groups"]:
        if group not in group_ids:
            raise InputError("reach", "%s has no security group %r (ours: %s); give the groups that guard tiers %s "
                             "in groups" % (entry["environment"], group, ", ".join(sorted(group_ids)) or "none",
                                            ", ".join(entry["tiers"])))
        for port in entry["ports"]:
            rules[RULE_KEY % (entry["environment"], group, port)] = (group_ids[group], port, source)
    return rules


def diff_rules(desired, have):
    """(authorize, revoke): ``desired`` from ``desired_rules``; ``have`` {rule key: (group id,
    port, cidr, rule id)} of the rules we own. A rule whose group, port or source changed (a
    replaced instance has a new address) is revoked and authorized again."""
    authorize, revoke = [], []
    for key in sorted(have):
        group_id, port, cidr, rule_id = have[key]
        want = desired.get(key)
        # a source of None is the address of an instance launched in this run: never the old one
        if want is None or want[0] != group_id or want[1] != port or want[2] != cidr:
            revoke.append((key, group_id, port, cidr, rule_id))
    revoked = set(r[0] for r in revoke)
    for key in sorted(desired):
        if key not in have or key in revoked:
            authorize.append((key,) + desired[key])
    return authorize, revoke


def record_tags(reach):
    """{tag: record} for the served entries of vpn_instance's ``reach`` option."""
    return dict((RECORD_TAG % e["environment"], "%s:%s" % (",".join(e["groups"]), ",".join(str(p) for p in sorted(e["ports"]))))
                for e in reach or [] if e.get("served", True) and e["ports"] and e["groups"])


def parse_record(environment, value):
    """The served entry a record tag stands for (not served without a record)."""
    groups, _sep, ports = (value or "").partition(":")
    groups = [g for g in groups.split(",") if g]
    ports = [int(p) for p in ports.split(",") if p.isdigit()]
    return dict(environment=environment, served=bool(groups and ports), tiers=[], ports=ports, groups=groups)


def rule_text(environment, group, port, cidr):
    return "%s %s tcp/%d from %s" % (environment, group, port, cidr or "the VPN's address")


# -- verify intents ---------------------------------------------------------------------------

def intents(vpn_env, plan, tier_groups=None, deny_port=5432):
    """Default intents for every linked environment: "VPN clients reach <env> private" (allow
    on each served port when served, else deny on 443) and "... persistence" (deny on
    ``deny_port``, the database's, unless persistence is served). The far end names its tier's first group, so the security
    groups are evaluated, not only the routes."""
    tier_groups = DEFAULT_TIER_GROUPS if tier_groups is None else tier_groups
    out = []
    for entry in plan:
        env = entry["environment"]
        for tier in ("private", "persistence"):
            served = entry["served"] and tier in entry["tiers"]
            groups = [g for g in entry["groups"] if g in tier_groups.get(tier, [])] if served else []
            group = (groups or tier_groups.get(tier) or [None])[0]
            to = "%s/%s/%s" % (env, tier, group) if group else "%s/%s" % (env, tier)
            if served:
                out += [{"name": "VPN clients reach %s %s (tcp/%d)" % (env, tier, port), "from": "%s/vpn" % vpn_env,
                         "to": to, "port": port, "expect": "allow"} for port in entry["ports"]]
            else:
                port = deny_port if tier == "persistence" else DEFAULT_PORTS[0]
                out.append({"name": "VPN clients reach %s %s (tcp/%d)" % (env, tier, port),
                            "from": "%s/vpn" % vpn_env, "to": to, "port": port, "expect": "deny"})
    return out


def from_hostvars(data, name):
    """``plan_served`` from one environment's host vars (empty unless it runs the VPN)."""
    if data.get("vpn_enabled") is not True:
        return []
    return plan_served(name, data.get("peers") or [], data.get("pritunl_vpn_serves"),
                       data.get("pritunl_vpn_tier_groups"))
