# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of dns_zones: our zones, their records, the parent zone's delegation, the VPCs.

``read_dns`` returns the snapshot the pure diff (``dns_diff``) works on and the Route53
clients the run needs (the zone account's, the parent zone's account's, each cross-account
VPC's). The zone helpers are shared with the apply layer, which calls them through the run's
guarded clients.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    pass

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import as_text, at_once, find_vpc
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, refuse


def zone_id(zone):
    return dns.short_zone_id(zone["Id"])


def caller_prefix(owner, key):
    """The start of the CallerReference of every zone we create: a zone an interrupted run
    left untagged is recognised by it and adopted."""
    return "refarch/%s/%s/" % (owner, key)


def by_name(r53, name, private):
    """Hosted zones called ``name`` of the given type, each with its tags (a dict)."""
    zones, kwargs = [], dict(DNSName=name)
    while True:
        page = r53.list_hosted_zones_by_name(**kwargs)
        found = [z for z in page["HostedZones"] if dns.fqdn(z["Name"]) == name]
        zones.extend(z for z in found if z.get("Config", {}).get("PrivateZone", False) == private)
        if not page.get("IsTruncated") or len(found) < len(page["HostedZones"]):
            break
        kwargs = dict(DNSName=page["NextDNSName"], HostedZoneId=page["NextHostedZoneId"])
    return with_tags(r53, zones)


def all_zones(r53):
    """Every hosted zone of the account (paginated, as amazon.aws's route53_zone finds zones)."""
    return [zone for page in r53.get_paginator("list_hosted_zones").paginate() for zone in page["HostedZones"]]


def listed_zones(r53, wanted):
    """{(name, private): [zone with its tags (a dict)]} for each (name, private) of ``wanted``.

    One listing of the account's zones and their tags ten zones per call, however many names a
    call needs: by name it would be two reads a name."""
    found = dict((key, []) for key in wanted)
    for zone in all_zones(r53):
        key = (dns.fqdn(zone["Name"]), zone.get("Config", {}).get("PrivateZone", False))
        if key in found:
            found[key].append(zone)
    with_tags(r53, [zone for zones in found.values() for zone in zones])
    return found


def with_tags(r53, zones):
    """``zones`` with their tags (a dict each), read ten zones per call."""
    for start in range(0, len(zones), 10):
        batch = zones[start:start + 10]
        tag_sets = r53.list_tags_for_resources(ResourceType="hostedzone", ResourceIds=[zone_id(z) for z in batch])
        tags = dict((t["ResourceId"], tag_dict(t.get("Tags"))) for t in tag_sets["ResourceTagSets"])
        for zone in batch:
            zone["Tags"] = tags.get(zone_id(zone), {})
    return zones


def detail(r53, zone):
    """The zone with its tags, associated VPCs and name servers."""
    got = r53.get_hosted_zone(Id=zone_id(zone))
    return dict(got["HostedZone"], Tags=zone.get("Tags", {}), VPCs=got.get("VPCs", []),
                NameServers=got.get("DelegationSet", {}).get("NameServers", []))


def with_name_servers(r53, zone, rrsets):
    """A public zone with its name servers, from its apex NS record set when ``rrsets`` (the zone's
    record sets, read anyway) hold it: Route53 writes the delegation set there and refuses to
    delete it, and it is what resolvers trust after the referral. One GetHostedZone less a zone."""
    apex = [rs for rs in rrsets if rs["Type"] == "NS" and dns.fqdn(rs["Name"]) == dns.fqdn(zone["Name"])]
    if not apex:
        return detail(r53, zone)
    servers = [r["Value"].rstrip(".") for r in apex[0].get("ResourceRecords", [])]
    return dict(zone, VPCs=[], NameServers=servers)


def owned_zone(zones, owner, key, field):
    """Our zone among ``zones`` of one name (tagged, or created by an interrupted run of ours and
    untagged), as listed (``detail`` adds its VPCs and name servers)."""
    prefix = caller_prefix(owner, key)
    ours = [z for z in zones
            if (z["Tags"].get(OWNER_TAG) == owner and z["Tags"].get(KEY_TAG) == key)
            or (OWNER_TAG not in z["Tags"] and z.get("CallerReference", "").startswith(prefix))]
    if len(ours) > 1:
        raise InputError(field, "%d zones named %s are owned by %s (%s); delete the extra ones" % (
            len(ours), dns.fqdn(ours[0]["Name"]), owner, ", ".join(zone_id(z) for z in ours)))
    return ours[0] if ours else None


def holds_only_its_apex(zone):
    """True when the listing counts two record sets in ``zone``: the SOA and NS that Route53 makes
    with every zone and that we never write. Then no registry of ours is in it either."""
    return zone.get("ResourceRecordSetCount") == 2


def records(r53, zid):
    """Every record set of a zone."""
    paginator = r53.get_paginator("list_resource_record_sets")
    return [rs for page in paginator.paginate(HostedZoneId=zid) for rs in page["ResourceRecordSets"]]


def rrsets(r53, zid, names):
    """Only the named record sets [(type, name)] of a possibly large zone, as index_rrsets() gives."""
    found = {}
    for rtype, name in names:
        page = r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=name, StartRecordType=rtype, MaxItems="1")
        found.update(dns.select_rrsets(page["ResourceRecordSets"], [(rtype, name)]))
    return found


def delegation_keys(owner, child, parent):
    """The only record sets of the parent zone we read: our delegation and our registry."""
    return [("NS", child), ("TXT", dns.registry_name(owner, parent))]


def vpcs_of(r53, zid):
    return [(v["VPCId"], v["VPCRegion"]) for v in r53.get_hosted_zone(Id=zid).get("VPCs", [])]


def _read_parent(plan, r53, listed, connect, missing, snap, clients, known):
    spec = plan["parent"]
    role = spec.get("assume_role_arn") or None
    client = connect(role_arn=role).client("route53") if role else r53
    if spec.get("id"):
        try:
            found = [client.get_hosted_zone(Id=spec["id"])["HostedZone"]]
        except ClientError as e:
            if error_code(e) != "NoSuchHostedZone":
                raise
            raise InputError("public_zone.parent_zone.id", "no hosted zone %s in the parent account" % spec["id"])
    elif role:
        found = by_name(client, spec["name"], False)
    else:  # the zones' own account, listed with them
        found = listed[(spec["name"], False)]
    if len(found) > 1:
        raise InputError("public_zone.parent_zone.id", "%d public zones are named %s (%s); choose one with "
                         "parent_zone.id" % (len(found), spec["name"], ", ".join(zone_id(z) for z in found)))
    if not found:
        if plan["present"]:
            missing(InputError("public_zone.parent_zone.name", "no public zone %s in the parent account; create it "
                               "first (the domain owner's dns_zones call)" % spec["name"]))
            # check mode of a whole run: the domain owner's call has not created it
            snap["warnings"].append("parent zone %s does not exist yet; a real run needs it" % spec["name"])
        return
    pid = zone_id(found[0])
    name = "parent" if role else "route53"
    clients[name] = client
    keys = delegation_keys(plan["owner"], plan["public"], spec["name"])
    # the domain owner's call of this run read the parent whole: while exact (filter known_zones),
    # our keys are as it read them, as only this call writes them
    existing = dns.select_rrsets(known[pid], keys) if pid in known else rrsets(client, pid, keys)
    snap["parent"] = dict(id=pid, client=name, existing=existing)


def _wanted_vpcs(plan, conn, connect, vpc, region, clients):
    """[(vpc_id, region, client name in the VPC's account when it is not the zone's, else None)]."""
    accounts = {}

    def account_of(role_arn):
        role_arn = role_arn or plan["assume_role_arn"]
        if role_arn:
            return role_arn.split(":")[4]
        if None not in accounts:
            accounts[None] = conn.client("sts").get_caller_identity()["Account"]
        return accounts[None]

    result = [(vpc["VpcId"], region, None)]
    for index, item in enumerate(plan["vpcs"]):
        field = "private_zone.vpcs[%d]" % index
        role = item.get("assume_role_arn") or None
        peer = connect(role_arn=role, region=item.get("region") or conn.region)
        vpc_id = item.get("vpc_id")
        if not vpc_id:
            found = find_vpc(peer.client("ec2"), item["owner"], field=field)
            if not found:
                raise InputError(field, "no VPC tagged %s=%s, %s=vpc in that account and region" % (
                    OWNER_TAG, item["owner"], KEY_TAG))
            vpc_id = found["VpcId"]
        name = None
        if role is not None and account_of(role) != account_of(None):
            name = "peer%d" % index
            clients[name] = peer.client("route53")
        result.append((vpc_id, item.get("region") or peer.client("ec2").meta.region_name, name))
    return result


def read_dns(plan, conn, connect, missing=refuse, known=None):
    """(snapshot, clients) for ``plan`` (``dns_diff.plan_dns``).

    ``conn`` is the zone account's connection, ``connect(role_arn=..., region=...)`` makes one
    for another account or region. ``missing(error)`` answers a VPC or a parent zone that does not
    exist yet (``engine.on_missing``: in check mode the call plans against it instead of refusing). ``known`` ({zone id: record sets}, option
    ``known_zones``) answers for the parent zone's records.
    """
    r53, ec2 = conn.client("route53"), conn.client("ec2")
    clients = {"route53": r53}
    snap = dict(vpc=None, region=ec2.meta.region_name, zones={}, records={}, parent=None, vpcs=[], warnings=[])
    kinds = [kind for kind in ("public", "private") if plan[kind]]
    wanted = [(plan[kind], kind == "private") for kind in kinds]
    if plan["parent"] and not plan["parent"].get("assume_role_arn"):
        wanted.append((plan["parent"]["name"], False))  # in the zones' account: the same listing
    # each read waits for its reply: the independent ones are made together (at_once)
    found = at_once({"vpc": lambda: find_vpc(ec2, plan["owner"], plan["vpc_id"]), "listed": lambda: listed_zones(r53, wanted)})
    snap["vpc"], listed = found["vpc"], found["listed"]
    if plan["vpc_id"] and snap["vpc"] is None:
        raise InputError("vpc_id", "VPC %s does not exist" % plan["vpc_id"])

    def zone_and_records(kind):
        zone = owned_zone(listed[(plan[kind], kind == "private")], plan["owner"], "zone/" + kind, "%s_zone.name" % kind)
        if zone is None:
            return None, []
        if kind == "private" and plan["present"] and not plan["desired"].get("private") and holds_only_its_apex(zone):
            # nothing asked and nothing ours in it: no record to read (None: not read, see known_zones)
            return detail(r53, zone), None
        rrsets = records(r53, zone_id(zone))
        return (detail(r53, zone) if kind == "private" else with_name_servers(r53, zone, rrsets)), rrsets
    reads = dict((kind, functools.partial(zone_and_records, kind)) for kind in kinds)
    if plan["public"] and plan["parent"]:
        reads["parent"] = lambda: _read_parent(plan, r53, listed, connect, missing, snap, clients, known or {})
    found = at_once(reads)
    for kind in kinds:
        snap["zones"][kind], snap["records"][kind] = found[kind]
    if plan["private"] and plan["present"]:
        vpc = snap["vpc"]
        if vpc is None:
            missing(InputError("vpc_id", "no VPC tagged %s=%s, %s=vpc; build it first (vpc_tiers) or pass vpc_id" % (
                OWNER_TAG, plan["owner"], KEY_TAG)))
        # --check on a new environment: vpc_tiers only planned the VPC, so plan against it
        vpc = vpc or {"VpcId": "(vpc %s, planned)" % plan["owner"]}
        snap["vpcs"] = _wanted_vpcs(plan, conn, connect, vpc, snap["region"], clients)
    return snap, clients


def known_ids(snap):
    """Logical key -> zone id of the zones the snapshot holds."""
    ids = dict(("zone/" + kind, zone_id(zone)) for kind, zone in snap["zones"].items() if zone)
    if snap["parent"]:
        ids["zone/parent"] = snap["parent"]["id"]
    return ids


def known_zones(snap):
    """The result ``known_zones``: each zone of ours the call read whole, with its record sets
    as Route53 gave them, in JSON text (see dns.KNOWN_ZONES_SPEC). For a call that changed nothing only: then they are what a later call
    of the run would read, until some call writes records (filter known_zones)."""
    return [dict(id=zone_id(zone), name=dns.fqdn(zone["Name"]), private=kind == "private",
                 records=as_text(snap["records"][kind]))
            for kind, zone in sorted(snap["zones"].items()) if zone and snap["records"][kind] is not None]
