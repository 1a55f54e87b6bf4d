# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure DNS planning for dns_zones: names, the ownership registry and record diffs.

No boto3 here. Route53 records carry no tags, so ownership of records is kept in one TXT
record per owner and zone, ``_refarch-owner-<owner>.<zone>``, whose strings list what that
owner manages in the zone::

    "refarch:owner=production"  "A vpn.prod.example.com."  "NS prod.example.com. delegation"

It is changed in the same ChangeBatch as the records it lists; Route53 applies a batch
atomically, so an interrupted run never leaves a record we created unregistered. One record
per owner (rather than one per zone) lets several environments write into a shared parent
zone (their delegations) without touching each other's entries.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import parse_cidr

RECORD_TYPES = ("A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT")
# Values that are host names compare case-insensitively, always with the final dot.
HOST_VALUE_TYPES = ("CNAME", "NS", "PTR")
LABEL_RE = re.compile(r"^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$")
OWNER_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")
REGISTRY_PREFIX = "_refarch-owner-"


def resolver_address(cidr, field="vpc_cidr"):
    """The Amazon-provided DNS resolver of a VPC: its base address + 2 (10.130.0.0/16 -> 10.130.0.2)."""
    net = parse_cidr(cidr, field)
    if net.num_addresses < 4:
        raise InputError(field, "%s is too small to hold a resolver address" % cidr)
    return str(net.network_address + 2)


def fqdn(name):
    """Canonical absolute name: lower case, final dot, Route53's ``\\052`` shown as ``*``."""
    name = name.strip().lower().replace("\\052", "*")
    return name if name.endswith(".") else name + "."


def check_zone_name(name, field):
    if not isinstance(name, str) or not name.strip():
        raise InputError(field, "a zone name such as prod.example.com is required")
    for label in fqdn(name)[:-1].split("."):
        if label == "*" or not LABEL_RE.match(label):
            raise InputError(field, "%r is not a valid zone name (label %r)" % (name, label))
    return fqdn(name)


def check_owner(owner):
    if not OWNER_RE.match(owner or ""):
        raise InputError("owner", "%r must be lower-case letters, digits and '-' (it becomes a DNS label)" % (owner,))
    return owner


def record_name(name, zone, field="name"):
    """Absolute name of a record given relative (``vpn``, ``@``) or absolute within ``zone``.

    A name ending with a dot is absolute: outside ``zone`` it is refused (InputError naming
    ``field``), never made relative to the zone (``db.other.com.`` is not ``db.other.com.<zone>``)."""
    if name in ("@", ""):
        return zone
    absolute = fqdn(name)
    if absolute == zone or absolute.endswith("." + zone):
        return absolute
    if name.strip().endswith("."):
        raise InputError(field, "%r is an absolute name outside the zone %s; give it relative to the zone "
                                "or as a name ending in .%s" % (name, zone, zone))
    return fqdn(name.rstrip(".") + "." + zone)


def normalize_values(rtype, values):
    """Values in the form Route53 stores and returns, sorted, so comparisons are exact."""
    result = []
    for value in values:
        value = str(value).strip()
        if rtype in HOST_VALUE_TYPES:
            value = value.lower().rstrip(".") + "."
        elif rtype == "TXT" and not value.startswith('"'):
            value = '"%s"' % value.replace('"', '\\"')
        result.append(value)
    return sorted(set(result))


def registry_name(owner, zone):
    return REGISTRY_PREFIX + owner + "." + zone


def record_entry(rtype, name, suffix=""):
    """A registry entry: ``A vpn.prod.example.com.``; delegations carry the suffix ``delegation``."""
    return ("%s %s %s" % (rtype, name, suffix)) if suffix else ("%s %s" % (rtype, name))


def entry_key(entry):
    rtype, name = entry.split(" ")[:2]
    return rtype, name


def encode_registry(owner, entries):
    """The TXT values of the registry record (one short string per entry)."""
    return ['"refarch:owner=%s"' % owner] + ['"%s"' % e for e in sorted(entries)]


def decode_registry(values, owner):
    """The entries of a registry record, or an empty set when it is not ``owner``'s."""
    strings = [v.strip().strip('"') for v in values or []]
    if "refarch:owner=%s" % owner not in strings:
        return set()
    return set(s for s in strings if not s.startswith("refarch:owner="))


def check_records(records, zones):
    """Validate the ``records`` option; return {zone_kind: {(type, name): (ttl, values)}}.

    ``zones`` maps a zone kind (private/public) to its canonical name, or None when the call
    manages no such zone.
    """
    desired = {}
    for index, record in enumerate(records or []):
        field = "records[%d]" % index
        kind = record.get("zone") or "private"
        zone = zones.get(kind)
        if zone is None:
            raise InputError(field + ".zone", "no %s zone is managed by this call" % kind)
        rtype = (record.get("type") or "").upper()
        if rtype not in RECORD_TYPES:
            raise InputError(field + ".type", "%r is not one of %s" % (record.get("type"), ", ".join(RECORD_TYPES)))
        name = record_name(record.get("name") or "", zone, field + ".name")
        if name.startswith(REGISTRY_PREFIX):
            raise InputError(field + ".name", "names starting %s are the ownership registry" % REGISTRY_PREFIX)
        if rtype == "NS" and name == zone:
            raise InputError(field + ".name", "the apex NS record of %s belongs to Route53" % zone)
        for label in name[:-1].split("."):
            if not LABEL_RE.match(label):
                raise InputError(field + ".name", "%r is not a valid record name (label %r)" % (name, label))
        if rtype in ("A", "AAAA"):
            for value in record.get("values") or []:
                try:
                    ipaddress.ip_address(str(value))
                except ValueError:
                    raise InputError(field + ".values", "%r is not an IP address" % (value,))
        values = normalize_values(rtype, record.get("values") or [])
        if not values:
            raise InputError(field + ".values", "at least one value is required")
        if rtype == "CNAME" and len(values) != 1:
            raise InputError(field + ".values", "a CNAME has exactly one value")
        ttl = record.get("ttl")
        ttl = 300 if ttl is None else int(ttl)
        if not 0 <= ttl <= 2147483647:
            raise InputError(field + ".ttl", "%s is out of range" % ttl)
        key = (rtype, name)
        bucket = desired.setdefault(kind, {})
        if key in bucket:
            raise InputError(field, "%s %s is listed twice" % (rtype, name))
        bucket[key] = (ttl, values)
    return desired


def rrset(rtype, name, ttl, values):
    return {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}


def index_rrsets(rrsets):
    """{(type, name): rrset} for plain record sets (alias and routing-policy sets are skipped:
    this module never writes them, so they are never ours)."""
    result = {}
    for rs in rrsets:
        if "SetIdentifier" in rs or "AliasTarget" in rs:
            continue
        result[(rs["Type"], fqdn(rs["Name"]))] = rs
    return result


def select_rrsets(rrsets, names):
    """Of ``rrsets``, the named record sets [(type, name)] without a routing policy, as
    index_rrsets() gives them (``dns_read.rrsets`` reads only those from a large zone)."""
    wanted, found = set(names), {}
    for rs in rrsets:
        key = (rs["Type"], fqdn(rs["Name"]))
        if key in wanted and "SetIdentifier" not in rs:
            found[key] = rs
    return found


# Record sets of zones this run has already read whole (option known_zones; the dns_zones result
# of the same name, gathered by the filter known_zones). The records travel as JSON text: Ansible
# hands a string from task to task for the price of one value, a list of record sets for the price
# of every value in it.
KNOWN_ZONES_SPEC = dict(known_zones=dict(type="list", elements="dict", default=[], options=dict(
    id=dict(type="str", required=True), name=dict(type="str"), private=dict(type="bool"),
    records=dict(type="raw", required=True))))


def short_zone_id(zid):
    """``Z0ABC`` of ``/hostedzone/Z0ABC``, as Route53 answers one or the other."""
    return zid.split("/")[-1]


def known_records(known_zones):
    """{zone id: record sets} of the option ``known_zones`` (records as JSON text or a list)."""
    return dict((short_zone_id(zone["id"]), json.loads(zone["records"]) if isinstance(zone["records"], str) else zone["records"])
                for zone in known_zones or [])


def rrset_values(rs):
    return normalize_values(rs["Type"], [r["Value"] for r in rs.get("ResourceRecords", [])])


def registered_entries(owner, zone, existing):
    reg = existing.get(("TXT", registry_name(owner, zone)))
    return reg, decode_registry(reg and [r["Value"] for r in reg["ResourceRecords"]], owner)


def is_delegation(entry):
    return entry.endswith(" delegation")


def plan_zone_records(owner, zone, desired, existing, scope=lambda e: not is_delegation(e), suffix="",
                      field="records"):
    """Changes that converge our records in one zone, registry record included.

    ``desired``: {(type, name): (ttl, values)}; ``existing``: index_rrsets() of the zone;
    ``scope(entry)``: which registered entries this plan manages (may delete); the others
    stay in the registry untouched (the same owner's delegation into its own parent zone);
    ``suffix`` marks the entries this plan writes.
    Returns (changes, actions, before, after); raises InputError when a desired record exists
    but is not ours: it is never overwritten.
    """
    reg, registered = registered_entries(owner, zone, existing)
    ours = set(entry_key(e) for e in registered if scope(e))
    changes, actions, before, after = [], [], {}, {}
    for key in sorted(desired):
        rtype, name = key
        ttl, values = desired[key]
        label = "%s %s" % key
        after[label] = {"ttl": ttl, "values": values}
        current = existing.get(key)
        if current is None:
            changes.append({"Action": "CREATE", "ResourceRecordSet": rrset(rtype, name, ttl, values)})
            actions.append("create record %s %s %s" % (rtype, name, " ".join(values)))
            continue
        before[label] = {"ttl": current.get("TTL"), "values": rrset_values(current)}
        if key not in ours:
            raise InputError(field, "%s %s already exists in zone %s and is not owned by %s; delete it or "
                             "leave it out" % (rtype, name, zone, owner))
        if current.get("TTL") != ttl or rrset_values(current) != values:
            changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset(rtype, name, ttl, values)})
            actions.append("update record %s %s %s" % (rtype, name, " ".join(values)))
    for key in sorted(ours - set(desired)):
        current = existing.get(key)
        if current is not None:
            before["%s %s" % key] = {"ttl": current.get("TTL"), "values": rrset_values(current)}
            changes.append({"Action": "DELETE", "ResourceRecordSet": current})
            actions.append("delete record %s %s" % key)
    entries = set(e for e in registered if not scope(e)) | set(record_entry(t, n, suffix) for t, n in desired)
    if entries != registered:
        if entries:
            changes.append({"Action": "UPSERT", "ResourceRecordSet": rrset(
                "TXT", registry_name(owner, zone), 300, encode_registry(owner, entries))})
        else:
            changes.append({"Action": "DELETE", "ResourceRecordSet": reg})
    return changes, actions, before, after


def foreign_records(owner, zone, rrsets):
    """Records in ``zone`` that are not ``owner``'s (apex SOA/NS and our registry excluded):
    on state=absent they keep the zone alive."""
    ours = set(entry_key(e) for e in registered_entries(owner, zone, index_rrsets(rrsets))[1])
    ours.add(("TXT", registry_name(owner, zone)))
    result = []
    for rs in rrsets:
        key = (rs["Type"], fqdn(rs["Name"]))
        if key[1] == zone and key[0] in ("SOA", "NS"):
            continue
        if key not in ours or "SetIdentifier" in rs or "AliasTarget" in rs:
            result.append("%s %s" % key)
    return sorted(result)
