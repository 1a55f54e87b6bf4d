# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure security-group planning: rules as data -> validated permission sets -> rule diff.

No boto3 here. A rule is flattened into permissions, one per (protocol, ports, source);
a permission's identity is the tuple ``(proto, from, to, kind, value)`` and its description
is an attribute, so a changed description is an update, not a revoke plus authorize.
Group sources are kept as logical names (``eks_cluster``, ``default``) so the diff is exact
even in check mode, before the groups have IDs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.refarch.network.plugins.module_utils.addresses import world_open
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.names import unknown_option
from ansible_collections.refarch.network.plugins.module_utils.plan import check_user_tags

# Ports that must never face the whole internet by accident (admin, databases, caches,
# storage, search, cluster control planes).
SENSITIVE_PORTS = {
    22: "ssh", 23: "telnet", 135: "msrpc", 445: "smb", 1433: "sql server", 1521: "oracle",
    2049: "nfs", 2375: "docker", 2379: "etcd", 2380: "etcd", 3306: "mysql", 3389: "rdp",
    5432: "postgresql", 5601: "kibana", 5984: "couchdb", 6379: "redis", 6443: "kubernetes api",
    9042: "cassandra", 9200: "elasticsearch", 9300: "elasticsearch", 10250: "kubelet",
    11211: "memcached", 27017: "mongodb",
}
PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp",
             "icmpv6": "icmpv6", "58": "icmpv6", "all": "-1", "-1": "-1"}
PORTED = ("tcp", "udp")
RULE_KEYS = ("proto", "ports", "icmp_type", "icmp_code", "cidr", "cidr_ipv6", "group",
             "prefix_list", "description", "allow_world")
GROUP_KEYS = ("name", "group_name", "description", "ingress", "egress", "purge_rules", "tags")
SOURCE_KINDS = (("cidr", "cidr"), ("cidr_ipv6", "cidr6"), ("group", "group"), ("prefix_list", "pl"))
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
DEFAULT_GROUP = "default"
ALL_EGRESS = ("-1", None, None, "cidr", "0.0.0.0/0")


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _port(value, field):
    if isinstance(value, bool):
        raise InputError(field, "expected a port number, got %r" % (value,))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InputError(field, "expected a port number or range such as 443 or 1024-2048, got %r" % (value,))
    if not 0 <= number <= 65535:
        raise InputError(field, "port %d is out of range 0..65535" % number)
    return number


def _icmp(value, field):
    if value is None:
        return -1
    if isinstance(value, bool) or not str(value).lstrip("-").isdigit() or not -1 <= int(value) <= 255:
        raise InputError(field, "expected -1 (all) or 0..255, got %r" % (value,))
    return int(value)


def _port_ranges(value, field):
    ranges = []
    for item in _as_list(value):
        text = str(item).strip()
        if "-" in text.lstrip("-"):
            low, high = text.split("-", 1)
            low, high = _port(low, field), _port(high, field)
            if low > high:
                raise InputError(field, "range %s runs backwards" % text)
        else:
            low = high = _port(text, field)
        ranges.append((low, high))
    if not ranges:
        raise InputError(field, "required for tcp and udp rules: a port, a range 'a-b' or a list of them")
    return ranges


def _protocol(rule, field):
    raw = str(rule.get("proto") or "tcp").lower()
    if raw in PROTOCOLS:
        return PROTOCOLS[raw]
    if raw.isdigit() and 0 <= int(raw) <= 255:
        return raw
    raise InputError(field + ".proto", "%r is not a protocol (tcp, udp, icmp, icmpv6, all or a number)" % (raw,))


def _sources(rule, field, group_names):
    sources = []
    for option, kind in SOURCE_KINDS:
        for value in _as_list(rule.get(option)):
            if not isinstance(value, str) or not value.strip():
                raise InputError("%s.%s" % (field, option), "expected a non-empty string, got %r" % (value,))
            value = value.strip()
            if kind in ("cidr", "cidr6"):
                try:
                    net = ipaddress.ip_network(value, strict=True)
                except ValueError as e:
                    raise InputError("%s.%s" % (field, option), "%r is not a valid CIDR (%s)" % (value, e))
                if (net.version == 4) != (kind == "cidr"):
                    raise InputError("%s.%s" % (field, option), "%s is IPv%d; use %s" % (
                        value, net.version, "cidr" if net.version == 4 else "cidr_ipv6"))
                value = str(net)
            elif kind == "group" and value not in group_names and not value.startswith("sg-"):
                raise InputError("%s.group" % field, "%r is not a group of this set, 'self', '%s' or a sg- ID "
                                 "(known: %s)" % (value, DEFAULT_GROUP, ", ".join(sorted(group_names))))
            sources.append((kind, value))
    if not sources:
        raise InputError(field, "give at least one of cidr, cidr_ipv6, group or prefix_list")
    return sources


def rule_permissions(rule, field, group_name, group_names):
    """Flatten one rule into {(proto, from, to, kind, value): description}."""
    if not isinstance(rule, dict):
        raise InputError(field, "expected a mapping (proto, ports, cidr/group/prefix_list, description)")
    unknown = sorted(set(rule) - set(RULE_KEYS))
    if unknown:
        raise InputError("%s.%s" % (field, unknown[0]), unknown_option(unknown[0], RULE_KEYS))
    proto = _protocol(rule, field)
    if proto in PORTED:
        ranges = _port_ranges(rule.get("ports"), field + ".ports")
    elif proto in ("icmp", "icmpv6"):
        ranges = [(_icmp(rule.get("icmp_type"), field + ".icmp_type"), _icmp(rule.get("icmp_code"), field + ".icmp_code"))]
    else:
        if rule.get("ports") is not None:
            raise InputError(field + ".ports", "protocol %s has no ports; remove ports" % rule.get("proto"))
        ranges = [(None, None)]
    description = rule.get("description")
    if description is not None and not isinstance(description, str):
        raise InputError(field + ".description", "expected a string")
    perms = {}
    names = set(group_names) | {"self"}
    for kind, value in _sources(rule, field, names):
        if kind == "group" and value == "self":
            value = group_name
        for low, high in ranges:
            perms[(proto, low, high, kind, value)] = description or None
    return perms


def sensitive_ports(perm):
    """The (transport, port) pairs of sensitive ports a CIDR permission opens, port order."""
    proto, low, high, kind, _value = perm
    if kind not in ("cidr", "cidr6") or proto not in PORTED + ("-1",):
        return []
    transports = PORTED if proto == "-1" else (proto,)
    return [(t, port) for port in sorted(SENSITIVE_PORTS) for t in transports
            if proto == "-1" or low <= port <= high]


def exposures(rules):
    """[((transport, port), [rule index, ...], [CIDR, ...])] in port order: the address set each
    sensitive port is opened to by ``rules`` ([(index, perms)])."""
    opened = {}
    for j, perms in rules:
        for perm in perms:
            for key in sensitive_ports(perm):
                indexes, cidrs = opened.setdefault(key, (set(), set()))
                indexes.add(j)
                cidrs.add(perm[4])
    return [(key, sorted(opened[key][0]), sorted(opened[key][1], key=_network_order))
            for key in sorted(opened, key=lambda k: (k[1], k[0]))]


def _network_order(cidr):
    net = ipaddress.ip_network(cidr)
    return net.version, net


def _world_text(key, cidrs, share):
    shown = ", ".join(cidrs[:4]) + (" and %d more" % (len(cidrs) - 4) if len(cidrs) > 4 else "")
    return "port %d/%s (%s) to %s (%s)" % (key[1], key[0], SENSITIVE_PORTS[key[1]], shown, share)


def check_world(name, field, rules):
    """Refuse ingress opening a sensitive port to the world. ``rules``: [(index, perms)] of the
    rules without allow_world. The unit is the group: each rule alone is judged first (and
    named), then the union of all rules opening the same port (0.0.0.0/0 cut into pieces)."""
    for j, perms in rules:
        for key, _indexes, cidrs in exposures([(j, perms)]):
            share = world_open(cidrs)
            if share:
                raise InputError("%s[%d]" % (field, j), "group %s ingress rule %d opens %s; set allow_world: true "
                                 "on that rule if this is intended" % (name, j, _world_text(key, cidrs, share)))
    for key, indexes, cidrs in exposures(rules):
        share = world_open(cidrs)
        if share:
            which = ", ".join(str(j) for j in indexes)
            raise InputError(field, "group %s ingress rules %s together open %s; set allow_world: true on each "
                             "of them if this is intended" % (name, which, _world_text(key, cidrs, share)))


def plan_groups(groups, owner):
    """Validate the groups and return them normalised, in input order.

    Each: name, field, index, group_name, description, adopted, purge, purge_unmanaged (rules
    added by hand go too), ingress/egress ({perm: description} or None when that direction is
    not managed), tags.
    """
    if not isinstance(groups, list):
        raise InputError("groups", "expected a list of groups")
    names = []
    for i, group in enumerate(groups):
        field = "groups[%d]" % i
        if not isinstance(group, dict):
            raise InputError(field, "expected a mapping with name and rules")
        name = group.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise InputError(field + ".name", "%r is not a valid group name (a letter, then letters, digits, "
                                              "'-' or '_')" % (name,))
        if name in names:
            raise InputError(field + ".name", "duplicate group %r" % name)
        if name == "self":
            raise InputError(field + ".name", "'self' is reserved for rules that reference their own group")
        names.append(name)
    known = set(names) | {DEFAULT_GROUP}
    result = []
    for i, group in enumerate(groups):
        name = group["name"]
        field = "groups[%d](%s)" % (i, name)
        unknown = sorted(set(group) - set(GROUP_KEYS))
        if unknown:
            raise InputError("%s.%s" % (field, unknown[0]), unknown_option(unknown[0], GROUP_KEYS))
        adopted = name == DEFAULT_GROUP
        if adopted and group.get("group_name") not in (None, DEFAULT_GROUP):
            raise InputError(field + ".group_name", "the VPC's default group is always named 'default'")
        tags = check_user_tags(group.get("tags"), field + ".tags")
        purge = group.get("purge_rules")
        if purge is not None and not isinstance(purge, bool):
            raise InputError(field + ".purge_rules", "expected true or false, got %r" % (purge,))
        planned = {
            "name": name, "field": field, "index": i, "adopted": adopted, "tags": tags,
            # unset: an owned group loses only the stale rules we added; true: every rule not in the data
            "purge": (not adopted) if purge is None else purge, "purge_unmanaged": purge is True,
            "group_name": DEFAULT_GROUP if adopted else group.get("group_name") or "%s-%s" % (owner, name),
            "description": group.get("description") or "%s security group of %s" % (name, owner),
        }
        for direction in ("ingress", "egress"):
            rules = group.get(direction)
            if rules is None:
                planned[direction] = None   # not managed: neither added to nor purged
                continue
            if not isinstance(rules, list):
                raise InputError("%s.%s" % (field, direction), "expected a list of rules")
            perms, guarded = {}, []
            for j, rule in enumerate(rules):
                new = rule_permissions(rule, "%s.%s[%d]" % (field, direction, j), name, known)
                if not (isinstance(rule, dict) and rule.get("allow_world") is True):
                    guarded.append((j, new))
                perms.update(new)
            if direction == "ingress":
                check_world(name, "%s.ingress" % field, guarded)
            planned[direction] = perms
        result.append(planned)
    return result


def referenced_groups(planned):
    """Logical names of groups referenced by any rule."""
    refs = set()
    for group in planned:
        for direction in ("ingress", "egress"):
            for perm in (group[direction] or {}):
                if perm[3] == "group":
                    refs.add(perm[4])
    return refs


def diff_rules(desired, actual, purge, ours=None):
    """(authorize, revoke, redescribe) for one direction; each a sorted list of (perm, description).

    ``ours`` limits what purge may revoke to the rules we own (None: every rule, the opt-in
    for an adopted default group); anyone else's rule in the group is left alone.
    """
    if desired is None:
        return [], [], []
    authorize = [(p, d) for p, d in desired.items() if p not in actual]
    redescribe = [(p, d) for p, d in desired.items() if p in actual and (actual[p] or None) != d]
    revoke = [(p, d) for p, d in actual.items() if purge and p not in desired and (ours is None or p in ours)]
    return sorted(authorize, key=_sort), sorted(revoke, key=_sort), sorted(redescribe, key=_sort)


def _sort(item):
    return tuple("" if v is None else str(v) for v in item[0])


def describe_perm(direction, perm, description=None):
    """Short text for actions and diffs: 'ingress tcp 443 from 0.0.0.0/0 (https)'."""
    proto, low, high, kind, value = perm
    if proto == "-1":
        what = "all"
    elif proto in PORTED:
        what = "%s %s" % (proto, low if low == high else "%s-%s" % (low, high))
    elif proto in ("icmp", "icmpv6"):
        what = "%s type %s code %s" % (proto, low, high)
    else:
        what = "proto %s" % proto
    source = "sg:" + value if kind == "group" else value
    text = "%s %s %s %s" % (direction, what, "from" if direction == "ingress" else "to", source)
    return text + (" (%s)" % description if description else "")


def flatten_ip_permissions(ip_permissions, id_to_name):
    """AWS IpPermissions -> {perm: description}; known group IDs become logical names."""
    perms = {}
    for entry in ip_permissions or []:
        proto = PROTOCOLS.get(str(entry.get("IpProtocol")).lower(), str(entry.get("IpProtocol")))
        if proto == "-1" or (proto not in PORTED and proto not in ("icmp", "icmpv6")):
            low = high = None
        else:
            low, high = entry.get("FromPort"), entry.get("ToPort")
        for item in entry.get("IpRanges", []):
            perms[(proto, low, high, "cidr", item["CidrIp"])] = item.get("Description") or None
        for item in entry.get("Ipv6Ranges", []):
            perms[(proto, low, high, "cidr6", item["CidrIpv6"])] = item.get("Description") or None
        for item in entry.get("UserIdGroupPairs", []):
            value = id_to_name.get(item.get("GroupId"), item.get("GroupId"))
            perms[(proto, low, high, "group", value)] = item.get("Description") or None
        for item in entry.get("PrefixListIds", []):
            perms[(proto, low, high, "pl", item["PrefixListId"])] = item.get("Description") or None
    return perms


def rule_perm(rule, id_to_name):
    """One DescribeSecurityGroupRules entry -> its perm key, the same as flatten_ip_permissions gives."""
    entry = {"IpProtocol": rule.get("IpProtocol"), "FromPort": rule.get("FromPort"), "ToPort": rule.get("ToPort")}
    if rule.get("CidrIpv4"):
        entry["IpRanges"] = [{"CidrIp": rule["CidrIpv4"]}]
    elif rule.get("CidrIpv6"):
        entry["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"]}]
    elif rule.get("PrefixListId"):
        entry["PrefixListIds"] = [{"PrefixListId": rule["PrefixListId"]}]
    elif rule.get("ReferencedGroupInfo"):
        entry["UserIdGroupPairs"] = [{"GroupId": rule["ReferencedGroupInfo"].get("GroupId")}]
    perms = list(flatten_ip_permissions([entry], id_to_name))
    return perms[0] if perms else None


def ip_permission(perm, description, name_to_id):
    """One permission as the AWS IpPermissions element (with its description: the emulator
    matches group pairs on it when revoking, and AWS accepts it)."""
    proto, low, high, kind, value = perm
    entry = {"IpProtocol": proto}
    if low is not None:
        entry["FromPort"], entry["ToPort"] = low, high
    extra = {"Description": description} if description else {}
    if kind == "cidr":
        entry["IpRanges"] = [dict(CidrIp=value, **extra)]
    elif kind == "cidr6":
        entry["Ipv6Ranges"] = [dict(CidrIpv6=value, **extra)]
    elif kind == "pl":
        entry["PrefixListIds"] = [dict(PrefixListId=value, **extra)]
    else:
        entry["UserIdGroupPairs"] = [dict(GroupId=name_to_id.get(value, value), **extra)]
    return entry


def prefix_list_names(planned):
    """Prefix lists given by name (not pl- ID), which the module must look up."""
    return sorted(set(p[4] for g in planned for d in ("ingress", "egress") for p in (g[d] or {})
                      if p[3] == "pl" and not p[4].startswith("pl-")))


def resolve_prefix_lists(planned, name_to_id):
    """Replace prefix-list names by their IDs in place; InputError names the first unknown one."""
    for group in planned:
        for direction in ("ingress", "egress"):
            perms = group[direction]
            if not perms:
                continue
            resolved = {}
            for perm, description in perms.items():
                if perm[3] == "pl" and not perm[4].startswith("pl-"):
                    if perm[4] not in name_to_id:
                        raise InputError("%s.%s" % (group["field"], direction),
                                         "prefix list %r does not exist in this region" % perm[4])
                    perm = perm[:4] + (name_to_id[perm[4]],)
                resolved[perm] = description
            group[direction] = resolved
