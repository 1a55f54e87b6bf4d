# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure network planning: from intent (base CIDR, AZs, tiers) to a deterministic plan.

No boto3 here. Every error names the field it is about, so a module can fail before
any AWS call. Identity is the logical key (``subnet/<tier>/<az>``), never a list index.

Stability rules (why the plan never moves an existing subnet):
- a tier's subnets sit in slots of the tier's block; the slot is the AZ's position in
  ``azs`` and ``az_slots`` slots are reserved, so appending an AZ fills a free slot;
- tiers without an explicit ``block`` are placed first-fit in list order, so appending a
  tier only uses space no earlier tier holds;
- explicit blocks (offsets from the base) are reserved before any automatic placement.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.names import unknown_option

# The options of the doc fragment refarch.network.aws.ownership, declared by every module that
# makes resources it owns (modules: ARGUMENT_SPEC = dict(OWNERSHIP_SPEC, ...)).
OWNERSHIP_SPEC = dict(
    owner=dict(type="str", required=True),
    tags=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)

ROUTE_POLICIES = ("internet", "nat", "none")
NAT_MODES = ("none", "single", "per_az")
KUBERNETES_ROLES = ("elb", "internal-elb")
TIER_KEYS = ("name", "route", "prefix", "block", "route_table", "az_count",
             "kubernetes_role", "map_public_ip", "tags")
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

# AWS's tag limits (EC2, Route 53, IAM, RDS and ElastiCache alike): 50 tags on a resource, keys of
# at most 128 characters, values of at most 256, and keys starting "aws:" are AWS's own.
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
# Tags the collection puts on a resource itself: Name, refarch:owner, refarch:key, refarch:module,
# refarch:tier, refarch:route-table and a subnet's kubernetes.io/role/<role>. Users cannot set
# refarch: keys (they decide what a run may change or delete), and their tags leave room for ours.
OWN_TAGS = ("Name", "refarch:owner", "refarch:key", "refarch:module", "refarch:tier", "refarch:route-table",
            "kubernetes.io/role/*")
USER_TAG_LIMIT = MAX_TAGS - len(OWN_TAGS)


def parse_cidr(value, field):
    """A strict IPv4 network, or InputError naming the field."""
    if not isinstance(value, str):
        raise InputError(field, "expected a CIDR string such as 10.0.0.0/16, got %r" % (value,))
    try:
        net = ipaddress.IPv4Network(value.strip(), strict=False)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError) as e:
        raise InputError(field, "%r is not a valid IPv4 CIDR (%s)" % (value, e))
    if "/" not in value:
        raise InputError(field, "%r has no prefix length; write it as a.b.c.d/n" % (value,))
    if str(net) != value.strip():
        raise InputError(field, "%r has host bits set; did you mean %s?" % (value, net))
    return net


def shift_second_octet(cidr, offset, field="cidr"):
    """The seed's staging rule: add ``offset`` to the second octet (10.231/16 -> 10.232/16)."""
    net = parse_cidr(cidr, field)
    octets = str(net.network_address).split(".")
    second = int(octets[1]) + int(offset)
    if not 0 <= second <= 255:
        raise InputError(field, "second octet %d + offset %d leaves 0..255" % (int(octets[1]), offset))
    octets[1] = str(second)
    return "%s/%d" % (".".join(octets), net.prefixlen)


def check_user_tags(tags, field):
    """User tags (a mapping, None for none) as AWS accepts them next to ours, or InputError."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise InputError(field, "expected a mapping of tag names to values")
    if len(tags) > USER_TAG_LIMIT:
        raise InputError(field, "%d tags: AWS allows %d on a resource and the collection adds up to %d of its own "
                         "(%s), so at most %d" % (len(tags), MAX_TAGS, len(OWN_TAGS), ", ".join(OWN_TAGS),
                                                  USER_TAG_LIMIT))
    for key in sorted(tags, key=str):
        text = str(key)
        if not text.strip():
            raise InputError(field, "a tag key cannot be empty")
        if text.lower().startswith("aws:"):
            raise InputError("%s.%s" % (field, text), "tag keys starting with 'aws:' are reserved by AWS")
        if text.startswith("refarch:"):
            raise InputError("%s.%s" % (field, text), "refarch: tags are the collection's ownership tags; "
                                                      "they cannot be set")
        check_tag(text, tags[key], "%s.%s" % (field, text))
    return tags


def check_tag(key, value, field):
    """One tag within AWS's lengths (the key at most 128 characters, the value at most 256)."""
    if len(str(key)) > MAX_TAG_KEY:
        raise InputError(field, "the tag key has %d characters; AWS allows %d" % (len(str(key)), MAX_TAG_KEY))
    if value is not None and len(str(value)) > MAX_TAG_VALUE:
        raise InputError(field, "the tag value has %d characters; AWS allows %d" % (len(str(value)), MAX_TAG_VALUE))


def check_own_tags(tags, fields=None):
    """The tags a resource is created with: refarch:owner not empty, every value within AWS's
    lengths (a Name or owner too long is refused). ``fields`` names the option behind a tag
    (default: owner for refarch:owner, name for Name, tags for the rest). Returns ``tags``."""
    fields = dict({"refarch:owner": "owner", "Name": "name"}, **(fields or {}))
    if "refarch:owner" in tags and not str(tags["refarch:owner"] or "").strip():
        raise InputError(fields["refarch:owner"], "required: the owner names the environment (the refarch:owner tag)")
    if len(tags) > MAX_TAGS:
        raise InputError("tags", "%d tags on one resource; AWS allows %d" % (len(tags), MAX_TAGS))
    for key, value in tags.items():
        check_tag(key, value, fields.get(key, "tags"))
    return tags


def _check_name(value, field):
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise InputError(field, "%r is not a valid name (lowercase letters, digits, '-' or '_', "
                         "starting with a letter, at most 32 characters)" % (value,))
    return value


def _int(value, field, low, high):
    if isinstance(value, bool):
        raise InputError(field, "expected an integer, got %r" % (value,))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(field, "expected an integer, got %r" % (value,))
    if str(number) != str(value).strip():
        raise InputError(field, "expected an integer, got %r" % (value,))
    if not low <= number <= high:
        raise InputError(field, "%d is out of range %d..%d" % (number, low, high))
    return number


def _slot_bits(count):
    bits = 0
    while (1 << bits) < count:
        bits += 1
    return bits


def _explicit_block(base, offset, field):
    """``block`` is an offset from the base: '0.0.253.192/26' under 10.231.0.0/16."""
    rel = parse_cidr(offset, field)
    if rel.prefixlen < base.prefixlen:
        raise InputError(field, "/%d is larger than the base /%d" % (rel.prefixlen, base.prefixlen))
    if int(rel.network_address) >= base.num_addresses:
        raise InputError(field, "offset %s does not fit inside the base %s" % (rel.network_address, base))
    start = int(base.network_address) + int(rel.network_address)
    return ipaddress.IPv4Network((start, rel.prefixlen))


def _first_fit(base, prefix, taken):
    """Lowest aligned block of /prefix inside base that overlaps nothing taken."""
    size = 1 << (32 - prefix)
    start = int(base.network_address)
    end = start + base.num_addresses
    while start + size <= end:
        candidate = ipaddress.IPv4Network((start, prefix))
        clash = [t for t in taken if candidate.overlaps(t)]
        if not clash:
            return candidate
        # jump past the furthest clashing block, realigned
        nxt = max(int(t.broadcast_address) + 1 for t in clash)
        start = ((nxt + size - 1) // size) * size
    return None


def _validate_azs(azs):
    if not isinstance(azs, list) or not azs:
        raise InputError("azs", "give at least one availability zone as a list")
    seen = set()
    for i, az in enumerate(azs):
        if not isinstance(az, str) or not re.match(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$", az):
            raise InputError("azs[%d]" % i, "%r is not an availability zone name such as us-east-1a" % (az,))
        if az in seen:
            raise InputError("azs[%d]" % i, "%s is listed twice" % az)
        seen.add(az)
    regions = set(az[:-1] for az in azs)
    if len(regions) > 1:
        raise InputError("azs", "zones span several regions (%s); a VPC lives in one" % ", ".join(sorted(regions)))
    return list(azs)


def plan_network(spec):
    """Validate ``spec`` and return the plan (a dict of plain data, keyed by logical keys).

    spec keys: cidr, azs, tiers, nat_mode (none|single|per_az), az_slots (default 4),
    required_prefix (optional: the layout only works on a base of exactly this size).
    """
    if not isinstance(spec, dict):
        raise InputError("spec", "expected a mapping")
    base = parse_cidr(spec.get("cidr"), "cidr")
    if not 16 <= base.prefixlen <= 28:
        raise InputError("cidr", "a VPC CIDR must be between /16 and /28, got /%d" % base.prefixlen)
    required = spec.get("required_prefix")
    if required is not None and base.prefixlen != _int(required, "required_prefix", 16, 28):
        raise InputError("cidr", "this layout needs a /%d base (its subnet offsets assume it), got %s"
                         % (int(required), base))
    azs = _validate_azs(spec.get("azs"))
    az_slots = _int(spec.get("az_slots", 4), "az_slots", 1, 16)
    if len(azs) > az_slots:
        raise InputError("azs", "%d zones but az_slots is %d; raise az_slots to reserve room"
                         % (len(azs), az_slots))
    nat_mode = spec.get("nat_mode", "single")
    if nat_mode not in NAT_MODES:
        raise InputError("nat_mode", "%r is not one of %s" % (nat_mode, ", ".join(NAT_MODES)))

    tiers_in = spec.get("tiers")
    if not isinstance(tiers_in, list) or not tiers_in:
        raise InputError("tiers", "give at least one tier as a list")
    tiers = [_normalise_tier(t, i, base, azs, az_slots) for i, t in enumerate(tiers_in)]
    _check_unique(tiers)
    _place_blocks(base, tiers)

    subnets = {}
    taken = []
    for tier in tiers:
        block = tier["block"]
        for slot, az in enumerate(azs[:tier["az_count"]]):
            cidr = ipaddress.IPv4Network((int(block.network_address) + (slot << (32 - tier["prefix"])), tier["prefix"]))
            for other_key, other in taken:
                if cidr.overlaps(other):
                    raise InputError(tier["field"], "subnet %s for %s overlaps %s (%s)"
                                     % (cidr, az, other_key, other))
            key = "subnet/%s/%s" % (tier["name"], az)
            taken.append((key, cidr))
            subnets[key] = {
                "tier": tier["name"], "az": az, "cidr": str(cidr), "route": tier["route"],
                "public": tier["map_public_ip"], "kubernetes_role": tier["kubernetes_role"],
                "tags": dict(tier["tags"]),
            }
    nat_gateways = _plan_nat(tiers, azs, nat_mode)
    route_tables = _plan_route_tables(tiers, azs, nat_mode)
    return {
        "cidr": str(base),
        "azs": azs,
        "nat_mode": nat_mode,
        "tiers": dict((t["name"], {"route": t["route"], "prefix": t["prefix"], "block": str(t["block"]),
                                   "route_table": t["route_table"], "az_count": t["az_count"]})
                      for t in tiers),
        "subnets": subnets,
        "internet_gateway": any(t["route"] == "internet" for t in tiers),
        "nat_gateways": nat_gateways,
        "route_tables": route_tables,
    }


def _normalise_tier(tier, index, base, azs, az_slots):
    field = "tiers[%d]" % index
    if not isinstance(tier, dict):
        raise InputError(field, "expected a mapping with name, route and prefix")
    unknown = sorted(set(tier) - set(TIER_KEYS))
    if unknown:
        raise InputError("%s.%s" % (field, unknown[0]), unknown_option(unknown[0], TIER_KEYS))
    name = _check_name(tier.get("name"), field + ".name")
    field = "tiers[%d](%s)" % (index, name)
    route = tier.get("route")
    if route not in ROUTE_POLICIES:
        raise InputError(field + ".route", "%r is not a route policy (use one of %s)"
                         % (route, ", ".join(ROUTE_POLICIES)))
    if tier.get("prefix") is None:
        raise InputError(field + ".prefix", "required: the prefix length of each subnet, e.g. 20")
    prefix = _int(tier.get("prefix"), field + ".prefix", 16, 28)
    if prefix < base.prefixlen:
        raise InputError(field + ".prefix", "/%d subnets do not fit in the /%d VPC" % (prefix, base.prefixlen))
    az_count = _int(tier.get("az_count", len(azs)), field + ".az_count", 1, len(azs))
    role = tier.get("kubernetes_role")
    if role is not None and role not in KUBERNETES_ROLES:
        raise InputError(field + ".kubernetes_role", "%r is not one of %s" % (role, ", ".join(KUBERNETES_ROLES)))
    tags = check_user_tags(tier.get("tags"), field + ".tags")
    map_public = tier.get("map_public_ip", route == "internet")
    if not isinstance(map_public, bool):
        raise InputError(field + ".map_public_ip", "expected true or false, got %r" % (map_public,))
    block = None
    if tier.get("block") is not None:
        block = _explicit_block(base, tier["block"], field + ".block")
        if block.prefixlen > prefix:
            raise InputError(field + ".prefix", "/%d subnets do not fit in the block %s" % (prefix, block))
        room = 1 << (prefix - block.prefixlen)
        if room < az_count:
            raise InputError(field + ".block", "%s holds %d /%d subnets but %d zones need one each"
                             % (block, room, prefix, az_count))
    elif prefix - _slot_bits(az_slots) < base.prefixlen:
        raise InputError(field + ".prefix", "%d slots of /%d do not fit in the /%d VPC; use a smaller "
                         "subnet or fewer az_slots" % (az_slots, prefix, base.prefixlen))
    return {
        "field": field, "name": name, "route": route, "prefix": prefix, "block": block,
        "explicit": block is not None, "slots": az_slots, "az_count": az_count,
        "route_table": _check_name(tier.get("route_table", name), field + ".route_table"),
        "kubernetes_role": role, "map_public_ip": map_public, "tags": tags,
    }


def _check_unique(tiers):
    seen = {}
    table_policy = {}
    for tier in tiers:
        if tier["name"] in seen:
            raise InputError(tier["field"] + ".name", "duplicate tier name %r (also %s)"
                             % (tier["name"], seen[tier["name"]]))
        seen[tier["name"]] = tier["field"]
        other = table_policy.setdefault(tier["route_table"], tier)
        if other["route"] != tier["route"]:
            raise InputError(tier["field"] + ".route_table",
                             "route table %r is shared with tier %s whose route policy is %r, not %r"
                             % (tier["route_table"], other["name"], other["route"], tier["route"]))


def _place_blocks(base, tiers):
    taken = [t["block"] for t in tiers if t["explicit"]]
    for tier in tiers:
        if tier["explicit"]:
            continue
        block_prefix = tier["prefix"] - _slot_bits(tier["slots"])
        block = _first_fit(base, block_prefix, taken)
        if block is None:
            raise InputError(tier["field"] + ".prefix", "no free /%d left in %s for %d slots of /%d"
                             % (block_prefix, base, tier["slots"], tier["prefix"]))
        tier["block"] = block
        taken.append(block)


def _plan_nat(tiers, azs, nat_mode):
    nat_tiers = [t for t in tiers if t["route"] == "nat"]
    public = [t for t in tiers if t["route"] == "internet"]
    if nat_tiers and nat_mode == "none":
        raise InputError(nat_tiers[0]["field"] + ".route",
                         "'nat' needs nat_mode single or per_az (nat_mode is none); use route none "
                         "for a tier without internet egress")
    if nat_mode == "none" or not nat_tiers:
        return {}
    if not public:
        raise InputError("nat_mode", "%s NAT needs a tier with route 'internet' to host the gateway" % nat_mode)
    host = public[0]
    hosted = azs[:host["az_count"]]
    zones = [azs[0]] if nat_mode == "single" else sorted(
        set(az for t in nat_tiers for az in azs[:t["az_count"]]), key=azs.index)
    nats = {}
    for az in zones:
        if az not in hosted:
            raise InputError(host["field"] + ".az_count", "per-AZ NAT in %s needs a %s subnet there" % (az, host["name"]))
        key = "nat/%s" % (az if nat_mode == "per_az" else "single")
        nats[key] = {"az": az, "subnet": "subnet/%s/%s" % (host["name"], az), "eip": "eip/" + key}
    return nats


def _plan_route_tables(tiers, azs, nat_mode):
    tables = {}
    for tier in tiers:
        per_az = tier["route"] == "nat" and nat_mode == "per_az"
        for az in azs[:tier["az_count"]]:
            key = "rtb/%s/%s" % (tier["route_table"], az) if per_az else "rtb/%s" % tier["route_table"]
            table = tables.setdefault(key, {"name": tier["route_table"], "route": tier["route"],
                                            "az": az if per_az else None, "subnets": [], "routes": {}})
            table["subnets"].append("subnet/%s/%s" % (tier["name"], az))
            if tier["route"] == "internet":
                table["routes"]["0.0.0.0/0"] = "igw"
            elif tier["route"] == "nat":
                table["routes"]["0.0.0.0/0"] = "nat/%s" % (az if per_az else "single")
    for table in tables.values():
        table["subnets"].sort()
    return tables
