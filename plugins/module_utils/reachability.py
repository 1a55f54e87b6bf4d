# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline reachability over network facts (see network_facts.py), like Reachability Analyzer.

Pure Python, no boto3. ``analyze(facts_by_env, source, destination, protocol, port)`` follows
route tables (longest prefix match: local, internet gateway, NAT, peering, transit gateway,
gateway endpoint), network ACLs (both directions, ordered rules, return traffic on an
ephemeral port) and security groups (stateful: source egress and destination ingress; CIDRs,
group references including self, prefix lists) and returns, for every (source subnet,
destination subnet) pair, either the path or the first component that blocks it.

Addresses travel as sets of IPv4 networks and are narrowed by each component, so a NACL that
allows one range and a group that allows another do not add up to a path.

Endpoints (``from``/``to``) are strings or dicts:

- ``internet``: any public address (0.0.0.0/0 without RFC 1918 and 100.64/10);
- ``<env>/<tier>`` or ``<env>/<tier>/<group>``: every subnet of the tier; with a group, the
  traffic is from/to an interface in that group (without one, security groups at that end are
  not evaluated: the network layer only);
- ``<env>/subnet:<key-or-id>`` (dict form for a group too); ``<env>/sg:<group>`` (where the group's interfaces are);
- ``<env>/vpn``: the VPN instance; VPN clients are source-NATed behind it, as Pritunl does;
- ``<env>/endpoint:<service-suffix|key|id>``: a VPC endpoint (interface: its subnets and
  groups; gateway: its prefix list via the route tables).

Groups are named by id, logical name (``sg/<name>`` key), key, group name or Name tag.
Components that are not in the facts raise ``Unresolvable`` (the intent is unverifiable).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import ipaddress

EPHEMERAL_PORT = 49152  # inside the Linux, Windows, NAT gateway and ELB ephemeral ranges
NOT_INTERNET = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8")
PROTOCOLS = ("tcp", "udp", "icmp", "all")


class Unresolvable(ValueError):
    """An endpoint names something the facts do not contain."""


class Blocked(Exception):
    def __init__(self, component, reason, direction="forward"):
        self.component = dict(component, reason=reason, direction=direction)
        super(Blocked, self).__init__(reason)


# --- address sets ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def network(text):
    """One parsed CIDR (immutable, so shared): the walk parses the same few hundred again and again."""
    return ipaddress.ip_network(text, strict=False)


def nets(values):
    out = []
    for v in values:
        net = network(v)
        if net.version == 4:
            out.append(net)
    return out


def collapse(addrs):
    return list(ipaddress.collapse_addresses(addrs))


def intersect(a, b):
    out = []
    for x in a:
        for y in b:
            if x.overlaps(y):
                out.append(x if x.prefixlen >= y.prefixlen else y)
    return collapse(out)


def subtract(a, b):
    pieces = list(a)
    for y in b:
        rest = []
        for p in pieces:
            if not p.overlaps(y):
                rest.append(p)
            elif not p.subnet_of(y):
                rest.extend(p.address_exclude(y))
        pieces = rest
    return collapse(pieces)


_INTERNET = []


def internet():
    """Public IPv4 space (computed once; callers get a copy)."""
    if not _INTERNET:
        _INTERNET.extend(subtract(nets(["0.0.0.0/0"]), nets(NOT_INTERNET)))
    return list(_INTERNET)


def show(addrs):
    addrs = collapse(addrs)
    if addrs == internet():
        return "the internet"
    text = ", ".join(str(a) for a in addrs[:3])
    return text + (" and %d more" % (len(addrs) - 3) if len(addrs) > 3 else "")


def flow(protocol, port):
    return protocol if protocol in ("icmp", "all") else "%s/%s" % (protocol, port)


# --- rule matching --------------------------------------------------------------------------

def port_match(rule, protocol, port):
    if rule["protocol"] == "all":
        return True
    if rule["protocol"] != protocol:
        return False
    if protocol not in ("tcp", "udp") or rule.get("from_port") is None:
        return True
    return rule["from_port"] <= port <= rule["to_port"]


def acl_filter(acl, direction, protocol, port, peer):
    """(allowed part of ``peer``, first deny entry hit) under the ACL's ordered entries."""
    remaining, allowed, denied_by = list(peer), [], None
    for entry in sorted(acl[direction], key=lambda e: e["rule"]):
        if not port_match(entry, protocol, port) or not entry.get("cidr") or ":" in entry["cidr"]:
            continue
        cidr = nets([entry["cidr"]])
        hit = intersect(remaining, cidr)
        if hit:
            if entry["action"] == "allow":
                allowed.extend(hit)
            elif denied_by is None:
                denied_by = entry
            remaining = subtract(remaining, cidr)
        if not remaining:
            break
    return collapse(allowed), denied_by


def sg_filter(groups, direction, protocol, port, peer, peer_groups, peer_prefix_list=None):
    """Part of ``peer`` the groups allow (any rule of any group; stateful)."""
    allowed = []
    for group in groups:
        for rule in group[direction]:
            if not port_match(rule, protocol, port):
                continue
            allowed.extend(intersect(peer, nets(rule["cidrs"])))
            if peer_groups and set(rule["groups"]) & set(peer_groups):
                allowed.extend(peer)
            if peer_prefix_list and peer_prefix_list in rule["prefix_lists"]:
                allowed.extend(peer)
    return collapse(allowed)


# --- the topology index ---------------------------------------------------------------------

def component(kind, item, env):
    return {"kind": kind, "id": item.get("id") if item else None, "key": item.get("key") if item else None,
            "env": env}


class Topology:
    def __init__(self, facts_by_env):
        self.envs = dict((e, f) for e, f in facts_by_env.items() if f and f.get("vpc"))
        self.vpc_env = dict((f["vpc"]["id"], e) for e, f in self.envs.items())
        self.tgw_tables = {}
        self.tgw_attachments = {}
        # acl_filter's answers: every pair of every intent asks the same few ACLs the same questions
        self.acl_answers = {}
        for f in self.envs.values():
            self.tgw_tables.update(f.get("transit_gateway_route_tables") or {})
            self.tgw_attachments.update(f.get("transit_gateway_attachments") or {})

    def acl_filter(self, acl, direction, protocol, port, peer):
        """acl_filter, asked once per question (the ACLs live as long as this topology)."""
        key = (id(acl), direction, protocol, port, tuple(peer))
        if key not in self.acl_answers:
            self.acl_answers[key] = acl_filter(acl, direction, protocol, port, peer)
        allowed, denied_by = self.acl_answers[key]
        return list(allowed), denied_by

    def facts(self, env):
        if env not in self.envs:
            raise Unresolvable("environment %r has no network facts in this run" % env)
        return self.envs[env]

    def group(self, env, name):
        for g in self.facts(env)["security_groups"].values():
            if name in (g["id"], g.get("logical_name"), g.get("key"), g.get("name"), g.get("tags", {}).get("Name")):
                return g
        raise Unresolvable("%s has no security group %r" % (env, name))

    def groups_by_id(self, ids):
        found = []
        for f in self.envs.values():
            found.extend(f["security_groups"][i] for i in ids if i in f["security_groups"])
        return found


def parse_endpoint(spec):
    """A dict form of a string endpoint (see the module docstring)."""
    if isinstance(spec, dict):
        return dict(spec)
    text = str(spec).strip()
    if text == "internet":
        return {"internet": True}
    parts = text.split("/")
    if len(parts) < 2 or not all(parts):
        raise Unresolvable("cannot parse endpoint %r (expected internet, <env>/<tier>[/<group>], <env>/vpn, "
                           "<env>/sg:<group>, <env>/subnet:<key>, <env>/endpoint:<service>)" % text)
    env, rest = parts[0], "/".join(parts[1:])
    if rest == "vpn":
        return {"env": env, "vpn": True}
    for prefix in ("sg:", "endpoint:"):
        if rest.startswith(prefix):
            return {"env": env, prefix[:-1].replace("sg", "group"): rest[len(prefix):]}
    if rest.startswith("subnet:"):
        return {"env": env, "subnet": rest[len("subnet:"):]}
    tier = parts[1]
    return {"env": env, "tier": tier, "group": parts[2] if len(parts) > 2 else None}


def label(spec):
    if isinstance(spec, dict):
        return ", ".join("%s=%s" % (k, v) for k, v in sorted(spec.items()) if v is not None)
    return str(spec)


def resolve(topo, spec):
    """The concrete points of an endpoint: [{kind, env, subnet, groups, addrs, name, origin}]."""
    spec = parse_endpoint(spec)
    if spec.get("internet"):
        return [{"kind": "internet", "env": None, "subnet": None, "groups": None, "addrs": internet(),
                 "name": "internet", "origin": {"kind": "internet", "id": None, "key": None, "env": None}}]
    env = spec.get("env")
    facts = topo.facts(env)
    subnets = facts["subnets"]

    def point(subnet, groups, addrs=None, origin=None):
        return {"kind": "subnet", "env": env, "subnet": subnet["id"], "groups": groups,
                "addrs": nets(addrs or [subnet["cidr"]]), "name": "%s/%s" % (env, subnet.get("key") or subnet["id"]),
                "origin": origin}

    if spec.get("vpn"):
        vpn = facts.get("vpn")
        if not vpn:
            raise Unresolvable("%s has no VPN instance (tag refarch:key=instance/vpn)" % env)
        if vpn.get("subnet") not in subnets or not vpn.get("private_ip"):
            raise Unresolvable("%s VPN instance %s has no subnet or address in the facts" % (env, vpn["id"]))
        return [point(subnets[vpn["subnet"]], vpn["security_groups"], [vpn["private_ip"] + "/32"],
                      dict(component("instance", vpn, env), state=vpn.get("state")))]
    if spec.get("endpoint"):
        return resolve_endpoint(topo, env, spec["endpoint"], point)
    groups = None
    if spec.get("group"):
        groups = [topo.group(env, spec["group"])["id"]]
    if spec.get("tier"):
        chosen = sorted((s for s in subnets.values() if s.get("tier") == spec["tier"]), key=lambda s: s["cidr"])
        if not chosen:
            raise Unresolvable("%s has no subnets of tier %r" % (env, spec["tier"]))
    elif spec.get("subnet"):
        chosen = [s for s in subnets.values() if spec["subnet"] in (s["id"], s.get("key"))]
        if not chosen:
            raise Unresolvable("%s has no subnet %r" % (env, spec["subnet"]))
    elif groups:
        used = sorted(set(u["subnet"] for u in topo.group(env, spec["group"])["used_by"] if u.get("subnet")))
        chosen = [subnets[s] for s in used if s in subnets]
        if not chosen:
            raise Unresolvable("%s group %r is used by no network interface; name a tier too" % (env, spec["group"]))
    else:
        raise Unresolvable("endpoint %s names no tier, subnet, group, vpn or endpoint" % label(spec))
    return [point(s, groups) for s in chosen]


def resolve_endpoint(topo, env, name, point):
    facts = topo.facts(env)
    for ep in sorted(facts["endpoints"].values(), key=lambda e: e["id"]):
        if name in (ep["id"], ep.get("key")) or (ep.get("service") or "").endswith("." + name):
            origin = component("vpc-endpoint", ep, env)
            if ep["type"] == "gateway":
                return [{"kind": "gateway-endpoint", "env": env, "subnet": None, "groups": None,
                         "addrs": internet(), "endpoint": ep, "name": "%s/endpoint:%s" % (env, name),
                         "origin": origin}]
            points = [point(facts["subnets"][s], ep["security_groups"], origin=origin)
                      for s in ep["subnets"] if s in facts["subnets"]]
            if points:
                return points
            raise Unresolvable("%s endpoint %s has no subnet in the facts" % (env, ep["id"]))
    raise Unresolvable("%s has no VPC endpoint %r" % (env, name))


# --- tracing one pair -----------------------------------------------------------------------

class Trace:
    def __init__(self, topo, src, dst, protocol, port):
        self.topo, self.src, self.dst = topo, src, dst
        self.protocol, self.port = protocol, port
        self.src_addrs, self.dst_addrs = list(src["addrs"]), list(dst["addrs"])
        self.path = []

    # components
    def subnet(self, point):
        facts = self.topo.facts(point["env"])
        return facts["subnets"][point["subnet"]]

    def hop(self, kind, item, env, note=None):
        h = component(kind, item, env)
        if note:
            h["note"] = note
        self.path.append(h)

    def table(self, env, subnet):
        table = self.topo.facts(env)["route_tables"].get(subnet.get("route_table"))
        if table is None:
            raise Blocked(component("subnet", subnet, env), "subnet has no route table")
        return table

    def acl(self, env, subnet):
        acl = self.topo.facts(env)["network_acls"].get(subnet.get("network_acl"))
        if acl is None:
            raise Blocked(component("subnet", subnet, env), "subnet has no network ACL in the facts")
        return acl

    def check_acl(self, env, subnet, direction, peer, port, returning=False):
        acl = self.acl(env, subnet)
        allowed, denied_by = self.topo.acl_filter(acl, direction, self.protocol, port, peer)
        if not allowed:
            word = "to" if direction == "egress" else "from"
            what = "%s %s %s" % (flow(self.protocol, port), word, show(peer))
            reason = ("%s rule %d denies %s" % (direction, denied_by["rule"], what) if denied_by
                      else "no %s rule allows %s" % (direction, what))
            raise Blocked(component("network-acl", acl, env), reason, "return" if returning else "forward")
        if not returning:
            self.hop("network-acl", acl, env, direction)
        return allowed

    def lookup(self, env, table, addrs):
        best = None
        for route in table["routes"]:
            dest = route.get("destination") or ""
            if dest.startswith("pl-") or ":" in dest:
                continue
            net = nets([dest])[0]
            if all(a.subnet_of(net) for a in addrs) and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, route)
        return best[1] if best else None

    def route(self, env, subnet, addrs, returning=False):
        table = self.table(env, subnet)
        route = self.lookup(env, table, addrs)
        direction = "return" if returning else "forward"
        if route is None:
            raise Blocked(component("route-table", table, env), "no route to %s" % show(addrs), direction)
        if route.get("state") == "blackhole":
            raise Blocked(component("route-table", table, env),
                          "route %s -> %s is a blackhole" % (route["destination"], route["target"]), direction)
        if not returning:
            self.hop("route-table", table, env, "%s -> %s" % (route["destination"], route["target"]))
        return table, route

    def check_sg(self, point, direction, peer_addrs, peer_point):
        if point["groups"] is None:
            return peer_addrs
        groups = self.topo.groups_by_id(point["groups"])
        peer_pl = peer_point.get("endpoint", {}).get("prefix_list") if peer_point["kind"] == "gateway-endpoint" else None
        allowed = sg_filter(groups, direction, self.protocol, self.port, peer_addrs, peer_point["groups"], peer_pl)
        if not allowed:
            word = "to" if direction == "egress" else "from"
            first = groups[0] if groups else {"id": point["groups"][0], "key": None}
            raise Blocked(component("security-group", first, point["env"]),
                          "no %s rule allows %s %s %s" % (direction, flow(self.protocol, self.port), word,
                                                          show(peer_addrs)))
        for g in groups:
            self.hop("security-group", g, point["env"], direction)
        return allowed

    # the walk
    def run(self):
        src, dst = self.src, self.dst
        if src.get("origin"):
            self.path.append(dict(src["origin"]))
            if src["origin"].get("state") not in (None, "running"):
                raise Blocked(src["origin"], "instance is %s" % src["origin"]["state"])
        if src["kind"] == "internet":
            return self.from_internet()
        if src["kind"] != "subnet":
            raise Unresolvable("a gateway endpoint cannot be a source")
        self.path.append(component("subnet", self.subnet(src), src["env"]))
        if dst["kind"] == "gateway-endpoint" and dst["env"] != src["env"]:
            raise Blocked(component("vpc-endpoint", dst["endpoint"], dst["env"]),
                          "a gateway endpoint serves only its own VPC")
        self.dst_addrs = self.check_sg(src, "egress", self.dst_addrs, dst)
        if dst["kind"] == "subnet" and dst["subnet"] == src["subnet"] and dst["env"] == src["env"]:
            return self.arrive(local=True)
        subnet = self.subnet(src)
        if dst["kind"] == "gateway-endpoint":
            return self.to_gateway_endpoint(subnet)
        table, route = self.route(src["env"], subnet, self.dst_addrs)
        self.dst_addrs = self.check_acl(src["env"], subnet, "egress", self.dst_addrs, self.port)
        kind = route["target_type"]
        if kind in ("internet-gateway", "nat-gateway") and self.dst["kind"] != "internet":
            # a private address that only matches the default route goes to the internet: dropped
            raise Blocked(component("route-table", table, src["env"]),
                          "no route to %s (only %s -> %s, towards the internet)"
                          % (show(self.dst_addrs), route["destination"], route["target"]))
        if kind == "local":
            return self.via_local(table)
        if kind == "internet-gateway":
            return self.via_igw(table, route)
        if kind == "nat-gateway":
            return self.via_nat(table, route)
        if kind == "peering-connection":
            return self.via_peering(table, route)
        if kind == "transit-gateway":
            return self.via_tgw(table, route)
        raise Blocked(component("route-table", table, src["env"]),
                      "route %s -> %s (%s) is not followed by the engine" % (route["destination"], route["target"], kind))

    def from_internet(self):
        dst = self.dst
        if dst["kind"] != "subnet":
            raise Unresolvable("from the internet, name a subnet, tier, group or interface endpoint")
        facts = self.topo.facts(dst["env"])
        igw = facts.get("internet_gateway")
        if not igw:
            raise Blocked(component("vpc", facts["vpc"], dst["env"]), "VPC has no internet gateway")
        self.hop("internet-gateway", igw, dst["env"])
        subnet = self.subnet(dst)
        table = self.table(dst["env"], subnet)
        route = self.lookup(dst["env"], table, self.src_addrs)
        if not route or route["target"] != igw["id"] or route.get("state") == "blackhole":
            raise Blocked(component("route-table", table, dst["env"]),
                          "no route from the subnet to internet gateway %s: not a public subnet, "
                          "replies cannot leave" % igw["id"])
        self.hop("route-table", table, dst["env"], "%s -> %s" % (route["destination"], route["target"]))
        self.src_addrs = self.check_acl(dst["env"], subnet, "ingress", self.src_addrs, self.port)
        self.hop("subnet", subnet, dst["env"])
        self.src_addrs = self.check_sg(dst, "ingress", self.src_addrs, self.src)
        self.check_acl(dst["env"], subnet, "egress", self.src_addrs, EPHEMERAL_PORT, returning=True)
        self.end()

    def end(self):
        if self.dst.get("origin") and self.dst["origin"] not in self.path:
            self.path.append(dict(self.dst["origin"]))

    def arrive(self, local=False, return_via=None):
        """Deliver into the destination subnet, then check the stateless return."""
        src, dst = self.src, self.dst
        dst_subnet = self.subnet(dst)
        if not local:
            if return_via:
                return_via(dst_subnet)
            self.src_addrs = self.check_acl(dst["env"], dst_subnet, "ingress", self.src_addrs, self.port)
            self.hop("subnet", dst_subnet, dst["env"])
        self.src_addrs = self.check_sg(dst, "ingress", self.src_addrs, src)
        if not local:
            self.check_acl(dst["env"], dst_subnet, "egress", self.src_addrs, EPHEMERAL_PORT, returning=True)
            self.check_acl(src["env"], self.subnet(src), "ingress", self.dst_addrs, EPHEMERAL_PORT, returning=True)
        self.end()

    def via_local(self, table):
        if self.dst["kind"] != "subnet" or self.dst["env"] != self.src["env"]:
            raise Blocked(component("route-table", table, self.src["env"]),
                          "the local route covers %s but it is not a subnet of this VPC" % show(self.dst_addrs))
        self.arrive()

    def via_igw(self, table, route):
        env = self.src["env"]
        igw = self.topo.facts(env).get("internet_gateway")
        if not igw or igw["id"] != route["target"]:
            raise Blocked(component("route-table", table, env),
                          "route target %s is not this VPC's internet gateway" % route["target"])
        self.hop("internet-gateway", igw, env)
        self.check_acl(env, self.subnet(self.src), "ingress", self.dst_addrs, EPHEMERAL_PORT, returning=True)
        self.path.append({"kind": "internet", "id": None, "key": None, "env": None})

    def via_nat(self, table, route):
        env = self.src["env"]
        facts = self.topo.facts(env)
        nat = facts["nat_gateways"].get(route["target"])
        if nat is None or nat.get("state") != "available":
            raise Blocked(component("nat-gateway", nat or {"id": route["target"]}, env),
                          "NAT gateway is %s" % (nat.get("state") if nat else "missing"))
        nat_subnet = facts["subnets"].get(nat["subnet"])
        if nat_subnet is None:
            raise Blocked(component("nat-gateway", nat, env), "NAT subnet %s is not in the facts" % nat["subnet"])
        src_addrs = self.check_acl(env, nat_subnet, "ingress", self.src_addrs, self.port)
        self.hop("nat-gateway", nat, env)
        nat_table, nat_route = self.route(env, nat_subnet, self.dst_addrs)
        if nat_route["target_type"] != "internet-gateway":
            raise Blocked(component("route-table", nat_table, env),
                          "the NAT subnet routes %s to %s, not to an internet gateway"
                          % (show(self.dst_addrs), nat_route["target"]))
        self.dst_addrs = self.check_acl(env, nat_subnet, "egress", self.dst_addrs, self.port)
        self.hop("internet-gateway", facts.get("internet_gateway") or {"id": nat_route["target"]}, env)
        self.path.append({"kind": "internet", "id": None, "key": None, "env": None})
        # replies: internet -> NAT subnet -> source subnet
        self.check_acl(env, nat_subnet, "ingress", self.dst_addrs, EPHEMERAL_PORT, returning=True)
        self.check_acl(env, nat_subnet, "egress", src_addrs, EPHEMERAL_PORT, returning=True)
        self.check_acl(env, self.subnet(self.src), "ingress", self.dst_addrs, EPHEMERAL_PORT, returning=True)

    def via_peering(self, table, route):
        env = self.src["env"]
        pcx = self.topo.facts(env)["peerings"].get(route["target"])
        if pcx is None or pcx.get("status") != "active":
            raise Blocked(component("peering-connection", pcx or {"id": route["target"]}, env),
                          "peering connection is %s" % (pcx.get("status") if pcx else "not in the facts"))
        here = self.topo.facts(env)["vpc"]["id"]
        other = pcx["accepter"] if pcx["requester"]["vpc"] == here else pcx["requester"]
        self.hop("peering-connection", pcx, env)
        dst_env = self.topo.vpc_env.get(other["vpc"])
        if self.dst["kind"] != "subnet" or dst_env != self.dst["env"]:
            raise Blocked(component("peering-connection", pcx, env),
                          "leads to %s (%s), not to %s" % (dst_env or "an unknown VPC", other["vpc"], show(self.dst_addrs)))

        def return_route(dst_subnet):
            dst_table = self.table(dst_env, dst_subnet)
            back = self.lookup(dst_env, dst_table, self.src_addrs)
            if not back or back["target"] != pcx["id"] or back.get("state") == "blackhole":
                raise Blocked(component("route-table", dst_table, dst_env),
                              "no return route to %s via %s" % (show(self.src_addrs), pcx["id"]), "return")

        self.arrive(return_via=return_route)

    def via_tgw(self, table, route):
        env = self.src["env"]
        here = self.topo.facts(env)["vpc"]["id"]
        tgw = route["target"]
        src_att = self.attachment(tgw, here, env, table)
        self.hop("transit-gateway-attachment", src_att, env)
        tgw_table, target = self.tgw_route(tgw, src_att, self.dst_addrs, env)
        self.hop("transit-gateway-route-table", tgw_table, None, "-> %s" % target)
        dst_att = self.topo.tgw_attachments.get(target)
        dst_env = self.topo.vpc_env.get(dst_att["vpc"]) if dst_att else None
        if self.dst["kind"] != "subnet" or dst_env != self.dst["env"]:
            raise Blocked(component("transit-gateway-route-table", tgw_table, None),
                          "routes %s to %s, not to %s" % (show(self.dst_addrs), target, self.dst["env"]))
        self.hop("transit-gateway-attachment", dst_att, dst_env)

        def return_route(dst_subnet):
            dst_table = self.table(dst_env, dst_subnet)
            back = self.lookup(dst_env, dst_table, self.src_addrs)
            if not back or back["target"] != tgw or back.get("state") == "blackhole":
                raise Blocked(component("route-table", dst_table, dst_env),
                              "no return route to %s via %s" % (show(self.src_addrs), tgw), "return")
            back_table, back_target = self.tgw_route(tgw, dst_att, self.src_addrs, dst_env, "return")
            if back_target != src_att["id"]:
                raise Blocked(component("transit-gateway-route-table", back_table, None),
                              "returns %s to %s, not to %s" % (show(self.src_addrs), back_target, src_att["id"]),
                              "return")

        self.arrive(return_via=return_route)

    def attachment(self, tgw, vpc, env, table):
        for att in self.topo.tgw_attachments.values():
            if att["tgw"] == tgw and att["vpc"] == vpc and att.get("state") in (None, "available"):
                return att
        raise Blocked(component("route-table", table, env), "routes to %s but the VPC has no available attachment" % tgw)

    def tgw_route(self, tgw, att, addrs, env, direction="forward"):
        tables = [t for t in self.topo.tgw_tables.values() if t["tgw"] == tgw and att["id"] in t["associations"]]
        if not tables:
            raise Blocked(component("transit-gateway-attachment", att, env),
                          "no transit gateway route table is associated (or readable)", direction)
        tgw_table = tables[0]
        best = None
        for r in tgw_table["routes"]:
            net = nets([r["destination"]]) if r.get("destination") else []
            if net and all(a.subnet_of(net[0]) for a in addrs) and (best is None or net[0].prefixlen > best[0]):
                best = (net[0].prefixlen, r)
        if not best or best[1].get("state") == "blackhole" or not best[1]["attachments"]:
            raise Blocked(component("transit-gateway-route-table", tgw_table, None),
                          "no active route to %s" % show(addrs), direction)
        return tgw_table, best[1]["attachments"][0]

    def to_gateway_endpoint(self, subnet):
        env, ep = self.src["env"], self.dst["endpoint"]
        table = self.table(env, subnet)
        if not any(r["target"] == ep["id"] and (ep.get("prefix_list") in (None, r["destination"]))
                   for r in table["routes"]):
            raise Blocked(component("route-table", table, env), "no route to gateway endpoint %s" % ep["id"])
        self.hop("route-table", table, env, "%s -> %s" % (ep.get("prefix_list"), ep["id"]))
        self.dst_addrs = self.check_acl(env, subnet, "egress", self.dst_addrs, self.port)
        self.hop("vpc-endpoint", ep, env)
        self.check_acl(env, subnet, "ingress", self.dst_addrs, EPHEMERAL_PORT, returning=True)


def analyze(facts_by_env, source, destination, protocol="tcp", port=None, topo=None):
    """Every (source point, destination point) pair: {from, to, outcome, path, blocked_by}.

    Raises Unresolvable when an endpoint is not in the facts. ``topo``: the Topology of
    ``facts_by_env`` when the caller analyses several intents over the same facts.
    """
    if protocol not in PROTOCOLS:
        raise Unresolvable("protocol %r is not one of %s" % (protocol, ", ".join(PROTOCOLS)))
    if protocol in ("tcp", "udp") and not isinstance(port, int):
        raise Unresolvable("protocol %s needs an integer port, got %r" % (protocol, port))
    topo = topo or Topology(facts_by_env)
    sources, destinations = resolve(topo, source), resolve(topo, destination)
    results = []
    for src in sources:
        for dst in destinations:
            if src["kind"] == dst["kind"] == "internet":
                raise Unresolvable("from the internet to the internet is not a network question")
            trace = Trace(topo, src, dst, protocol, port)
            try:
                trace.run()
                outcome, blocked = "allow", None
            except Blocked as b:
                outcome, blocked = "deny", b.component
            results.append({"from": src["name"], "to": dst["name"], "outcome": outcome,
                            "path": trace.path, "blocked_by": blocked})
    return results


# --- intents --------------------------------------------------------------------------------

def describe(comp):
    where = " ".join(x for x in (comp.get("env"), comp.get("key")) if x)
    text = "%s %s" % (comp["kind"], comp.get("id") or "")
    return text.strip() + (" (%s)" % where if where else "")


def describe_path(path):
    return " -> ".join(describe(h) + (" [%s]" % h["note"] if h.get("note") else "") for h in path)


def expand_intents(intents, environments):
    """Intents whose name/from/to contain ``{env}`` repeat once per environment."""
    out = []
    for intent in intents:
        text = " ".join(str(intent.get(k, "")) for k in ("name", "from", "to"))
        if "{env}" not in text:
            out.append(dict(intent))
            continue
        for env in sorted(environments):
            copy = dict(intent)
            for k in ("name", "from", "to"):
                if isinstance(copy.get(k), str):
                    copy[k] = copy[k].replace("{env}", env)
            out.append(copy)
    return out


def check_intent(facts_by_env, intent, topo=None):
    """{name, status: pass|violated|unverifiable, outcome, message, blocked_by, path, pair}."""
    name = intent.get("name") or "%s -> %s" % (label(intent.get("from")), label(intent.get("to")))
    expect = intent.get("expect", "allow")
    result = {"name": name, "from": intent.get("from"), "to": intent.get("to"), "expect": expect,
              "protocol": intent.get("protocol", "tcp"), "port": intent.get("port"),
              "outcome": None, "blocked_by": None, "path": [], "pair": None}
    try:
        if expect not in ("allow", "deny"):
            raise Unresolvable("expect must be allow or deny, got %r" % (expect,))
        pairs = analyze(facts_by_env, intent.get("from"), intent.get("to"), result["protocol"], result["port"], topo)
    except Unresolvable as e:
        result.update(status="unverifiable", message="%s: unverifiable: %s" % (name, e))
        return result
    outcomes = set(p["outcome"] for p in pairs)
    result["outcome"] = outcomes.pop() if len(outcomes) == 1 else "mixed"
    wrong = next((p for p in pairs if p["outcome"] != expect), None)
    if wrong is None:
        sample = pairs[0]
        result.update(status="pass", path=sample["path"], blocked_by=sample["blocked_by"],
                      message="%s: %s as expected (%d pair%s)" % (name, expect, len(pairs), "" if len(pairs) == 1 else "s"))
        return result
    result.update(status="violated", path=wrong["path"], blocked_by=wrong["blocked_by"],
                  pair={"from": wrong["from"], "to": wrong["to"]})
    what = "%s %s -> %s" % (flow(result["protocol"], result["port"]), wrong["from"], wrong["to"])
    if expect == "allow":
        b = wrong["blocked_by"]
        result["message"] = "%s: expected allow, %s is blocked by %s [%s]: %s" % (
            name, what, describe(b), b["direction"], b["reason"])
    else:
        result["message"] = "%s: expected deny, %s is allowed via %s" % (name, what, describe_path(wrong["path"]))
    return result


def check_intents(facts_by_env, intents):
    environments = [e for e, f in facts_by_env.items() if f and f.get("vpc")]
    topo = Topology(facts_by_env)
    return [check_intent(facts_by_env, i, topo) for i in expand_intents(intents, environments)]
