# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan and diff layers of dns_zones: options -> plan, plan + snapshot -> actions. Pure.

The snapshot is what ``dns_read.read_dns`` returns::

    {"vpc": the environment's VPC or None, "region": "us-east-1",
     "zones": {"public": zone or None, "private": zone or None},   # zone: get_hosted_zone's
                                                  # HostedZone + Tags (dict), VPCs, NameServers
     "records": {"public": [record sets], "private": [...]},  # None: a zone of only SOA and NS,
                                                  # with nothing asked of it, is not read
     "parent": None or {"id": parent zone id, "client": run client name,
                        "existing": {(type, name): record set}},  # our delegation and registry
     "vpcs": [(vpc_id, region, client name of a cross-account VPC or None)], "warnings": [...]}

Zones are named by logical key (``zone/public``, ``zone/private``, ``zone/parent``) and
resolved to ids by the run. A change batch is atomic: its first record's text is the action
that submits it, each further record of it an ``in_batch`` action with nothing left to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags, tag_list
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import tag_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

VPC_TAG_PREFIX = "refarch:vpc/"


def plan_dns(params):
    """The validated intent of a dns_zones call (no AWS call); raises InputError."""
    owner = dns.check_owner(params["owner"])
    priv, pub = params["private_zone"], params["public_zone"]
    plan = dict(owner=owner, present=params["state"] == "present", vpc_id=params.get("vpc_id"),
                tags=params.get("tags") or {}, assume_role_arn=params.get("assume_role_arn"),
                private=None, public=None, parent=None, vpcs=[], comments={})
    if priv["enabled"]:
        plan["private"] = dns.check_zone_name(priv.get("name") or "%s.internal" % owner, "private_zone.name")
        plan["comments"]["private"] = priv.get("comment")
        plan["vpcs"] = priv.get("vpcs") or []
    if pub:
        plan["public"] = dns.check_zone_name(pub["name"], "public_zone.name")
        plan["comments"]["public"] = pub.get("comment")
        parent = pub.get("parent_zone")
        if parent:
            name = dns.check_zone_name(parent["name"], "public_zone.parent_zone.name")
            if not plan["public"].endswith("." + name):
                raise InputError("public_zone.parent_zone.name", "%s is not a parent of %s" % (name, plan["public"]))
            plan["parent"] = dict(parent, name=name, ttl=parent.get("ttl") or 3600)
    for index, item in enumerate(plan["vpcs"]):
        if bool(item.get("vpc_id")) == bool(item.get("owner")):
            raise InputError("private_zone.vpcs[%d]" % index, "give exactly one of vpc_id and owner")
    desired = dns.check_records(params["records"], dict(private=plan["private"], public=plan["public"]))
    plan["desired"] = desired if plan["present"] else {}
    return plan


def delegation_records(child, ttl, servers):
    return {("NS", child): (ttl, dns.normalize_values("NS", servers))}


def zone_changes(owner, zone, desired, existing, delegated=None):
    """``dns.plan_zone_records`` for our records in ``zone`` or, with ``delegated`` (the child
    zone's name), for our delegation of it in its parent zone."""
    if delegated:
        entry = dns.record_entry("NS", delegated, "delegation")
        return dns.plan_zone_records(owner, zone, desired, existing, scope=lambda e: e == entry,
                                     suffix="delegation", field="public_zone.parent_zone")
    try:
        return dns.plan_zone_records(owner, zone, desired, existing, field="records")
    except InputError as e:
        raise InputError(e.field, "%s (zone %s)" % (e.reason, zone))


class _Diff(object):
    def __init__(self, plan, snap):
        self.plan, self.snap, self.owner = plan, snap, plan["owner"]
        self.actions, self.last, self.warnings = [], [], []
        self.before, self.after = {}, {}

    def add(self, op, key, text, **params):
        self.actions.append(Action(op, key, text, **params))

    def batch(self, key, texts, zone, name, changes, **params):
        """One atomic change batch, reported record by record."""
        texts = texts or ["update ownership record %s" % dns.registry_name(self.owner, name)]
        params = dict(dict(client="route53", desired=None, delegated=None), zone=zone, name=name, changes=changes,
                      comment="refarch %s %s" % (self.owner, "delegation" if params.get("delegated") else "records"),
                      **params)
        self.add("change_records", key, texts[0], **params)
        for text in texts[1:]:
            self.add("in_batch", key, text)

    def tags(self, zone, tags, name, key):
        """A new zone's tags are part of "create"; an untagged zone of ours (left by an
        interrupted run) is adopted by tagging it."""
        add = tag_changes(tag_list(zone["Tags"]), tags)
        if add:
            self.add("tag_zone", key, "tag zone %s: %s" % (name, ", ".join(sorted(add))), tags=add)

    def records(self, kind, present=True):
        name, desired = self.plan[kind], self.plan["desired"].get(kind, {}) if present else {}
        changes, texts, before, after = zone_changes(self.owner, name, desired,
                                                     dns.index_rrsets(self.snap["records"].get(kind) or []))
        self.before.setdefault("records", {}).update(before)
        if present:
            self.after.setdefault("records", {}).update(after)
        if changes:
            self.batch("records/" + kind, texts, "zone/" + kind, name, changes, desired=desired)

    def removal(self, kind):
        zone, name = self.snap["zones"].get(kind), self.plan[kind]
        if zone is None:
            return
        self.before["%s_zone" % kind] = dict(name=name, id=zone["Id"].split("/")[-1])
        self.after["%s_zone" % kind] = None
        self.records(kind, present=False)
        foreign = dns.foreign_records(self.owner, name, self.snap["records"][kind])
        if foreign:
            self.warnings.append("kept %s zone %s (%s): it holds records %s does not own: %s" % (
                kind, name, zone["Id"].split("/")[-1], self.owner, ", ".join(foreign[:10])))
            return
        self.add("delete_zone", "zone/" + kind, "delete %s zone %s" % (kind, name))

    def public(self):
        name, key, zone = self.plan["public"], "zone/public", self.snap["zones"].get("public")
        if not self.plan["present"]:
            if self.snap["parent"]:
                self.delegation(None, present=False)
            return self.removal("public")
        self.before["public_zone"] = zone and dict(name=name, name_servers=sorted(zone["NameServers"]))
        self.after["public_zone"] = dict(name=name, name_servers=sorted((zone or {}).get("NameServers", []))
                                         or "(known after creation)")
        tags = owned_tags(self.owner, key, name.rstrip("."), self.plan["tags"])
        if zone is None:
            self.add("create_zone", key, "create public zone %s" % name, name=name, private=False, vpc=None,
                     comment=self.plan["comments"].get("public"), tags=tags)
        else:
            self.tags(zone, tags, name, key)
        self.records("public")
        if self.snap["parent"]:
            self.delegation(zone)
        elif self.plan["parent"]:  # check mode only: the parent zone does not exist yet
            self.add("parent_missing", "delegation", "delegate %s in %s" % (name, self.plan["parent"]["name"]),
                     parent=self.plan["parent"]["name"])

    def delegation(self, zone, present=True):
        parent, child, pname = self.snap["parent"], self.plan["public"], self.plan["parent"]["name"]
        ttl, existing = self.plan["parent"]["ttl"], parent["existing"]
        what = "%s in %s" % (child, pname)
        common = dict(client=parent["client"], delegated=child)
        if present and zone is None:
            # the zone is new, its name servers unknown: only the conflict check can be done now
            zone_changes(self.owner, pname, delegation_records(child, ttl, ["unknown."]), existing, child)
            self.after["delegation"] = {what: "(name servers known after creation)"}
            self.batch("delegation", ["delegate %s" % what], "zone/parent", pname, None,
                       servers_of="zone/public", ttl=ttl, existing=existing, **common)
            return
        servers = zone["NameServers"] if present else []
        desired = delegation_records(child, ttl, servers) if present else {}
        changes = zone_changes(self.owner, pname, desired, existing, child)[0]
        current = existing.get(("NS", child))
        self.before["delegation"] = {what: current and dns.rrset_values(current)}
        self.after["delegation"] = {what: dns.normalize_values("NS", servers) if present else None}
        if changes:
            text = ("delegate %s (%d name servers)" % (what, len(servers)) if present
                    else "remove delegation of %s" % what)
            self.batch("delegation", [text], "zone/parent", pname, changes, desired=desired, **common)

    def private(self):
        name, key, zone = self.plan["private"], "zone/private", self.snap["zones"].get("private")
        if not self.plan["present"]:
            return self.removal("private")
        wanted = self.snap["vpcs"]
        pairs = [(vid, reg) for vid, reg, _unused in wanted]
        associated = set((v["VPCId"], v["VPCRegion"]) for v in (zone or {}).get("VPCs", []))
        registered = set((k[len(VPC_TAG_PREFIX):], v) for k, v in (zone or {}).get("Tags", {}).items()
                         if k.startswith(VPC_TAG_PREFIX))
        self.before["private_zone"] = zone and dict(name=name, vpcs=sorted("%s %s" % a for a in associated))
        self.after["private_zone"] = dict(name=name, vpcs=sorted("%s %s" % p for p in pairs))
        tags = owned_tags(self.owner, key, name.rstrip("."), self.plan["tags"])
        # Tag before associating: an interrupted run then still knows the association is ours.
        tags.update((VPC_TAG_PREFIX + vid, reg) for vid, reg in pairs)
        if zone is None:
            vid, region = pairs[0]
            associated.add((vid, region))
            self.add("create_zone", key, "create private zone %s with %s" % (name, vid), name=name, private=True,
                     vpc=dict(VPCRegion=region, VPCId=vid), comment=self.plan["comments"].get("private"), tags=tags)
        else:
            self.tags(zone, tags, name, key)
        for vid, reg, client in wanted:
            if (vid, reg) in associated:
                continue
            vpc = dict(VPCRegion=reg, VPCId=vid)
            if client is None:
                self.add("associate", "association/" + vid, "associate %s (%s) with %s" % (vid, reg, name),
                         zone=key, vpc=vpc)
            else:  # last: everything else converges even where the authorization call is missing
                self.last.append(Action("associate_cross_account", "association/" + vid, "associate %s (%s) with "
                                        "%s (cross-account)" % (vid, reg, name), zone=key, vpc=vpc, client=client))
        for vid, reg in sorted(registered - set(pairs)):
            tag = VPC_TAG_PREFIX + vid
            if (vid, reg) in associated:
                self.add("disassociate", "association/" + vid, "disassociate %s (%s) from %s" % (vid, reg, name),
                         zone=key, vpc=dict(VPCRegion=reg, VPCId=vid), untag=[tag])
            else:  # someone else removed the association: only our record of it is left
                self.add("untag_zone", key, "untag zone %s: %s" % (name, tag), keys=[tag])
        self.records("private")


def diff_dns(plan, snap):
    """(actions, before, after, warnings) converging ``snap`` to ``plan``: the public zone, its
    records and delegation, then the private zone, its associations and records, then the
    cross-account associations. Raises InputError before any write when a record we would
    write exists and is not ours."""
    diff = _Diff(plan, snap)
    if plan["public"]:
        diff.public()
    if plan["private"]:
        diff.private()
    return diff.actions + diff.last, diff.before, diff.after, diff.warnings


def summarise(plan, snap, ids, name_servers):
    """The result's zones and DNS reference; ``ids`` (zone key -> id) and ``name_servers``
    (zone key -> servers) hold what the run created (nothing in check mode)."""
    result = dict(private_zone=None, public_zone=None)
    if plan["present"] and plan["private"]:
        result["private_zone"] = dict(name=plan["private"], id=ids.get("zone/private"),
                                      vpcs=[dict(vpc_id=v, region=r) for v, r, _unused in snap["vpcs"]])
    if plan["present"] and plan["public"]:
        zone = snap["zones"].get("public") or {}
        result["public_zone"] = dict(name=plan["public"], id=ids.get("zone/public"),
                                     parent_zone_id=snap["parent"] and snap["parent"]["id"],
                                     name_servers=sorted(name_servers.get("zone/public") or zone.get("NameServers", [])))
    if result["private_zone"] and result["private_zone"]["id"] is None:
        result["private_zone"]["name_servers"] = []
    priv, pub, vpc = result["private_zone"] or {}, result["public_zone"] or {}, snap["vpc"]
    result["reference"] = dict(
        environment=plan["owner"], vpc_id=vpc and vpc["VpcId"], vpc_cidr=vpc and vpc["CidrBlock"],
        resolver=vpc and dns.resolver_address(vpc["CidrBlock"]),
        private_zone_id=priv.get("id"), private_zone_name=priv.get("name"),
        public_zone_id=pub.get("id"), public_zone_name=pub.get("name"), name_servers=pub.get("name_servers", []))
    return result
