# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan and diff of vpc_zone_associations: other environments' private zones resolved from one VPC.

Pure. The snapshot (``zone_assoc_aws.read_associations``)::

    {"vpc": {"VpcId", "CidrBlock", "Tags"} (planned in check mode: "(vpc <owner>, planned)"),
     "region": "us-east-1",
     "zones": [{"owner": "production", "id": zone id or None (no such zone: not built, or destroyed),
                "name": "production.internal.", "vpcs": [(vpc_id, region)] (the zone's VPCs; of a zone in
                the VPC's account, only the VPC itself when it resolves the zone),
                "client": client name in the zone's account when it is not the VPC's, else None}]}

The associations this module made are recorded on the VPC, as tags
``refarch:zone/<zone-id>=<zone owner>``: the VPC is ours, and its account can both find and
undo them (either account of a cross-account association may disassociate), so an
environment that is no longer served is disassociated without reaching its account.
An association we did not make (the zone's own VPC, one made by its owner's dns_zones) is
never touched.

With ``recorded_only`` (the zone's own environment, run alone after rebuilding its zone) only
the listed zones whose owner the VPC records are associated, and only their records are
touched: the VPN's consent, kept on its VPC, lets the zone's run restore the association.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_dict
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

ZONE_TAG_PREFIX = "refarch:zone/"


def plan_associations(params):
    """The validated intent (no AWS call); raises InputError naming the option."""
    owner = dns.check_owner(params["owner"])
    zones, seen = [], set()
    for index, item in enumerate(params.get("zones") or []):
        field = "zones[%d]" % index
        zone_owner = item.get("owner")
        if not dns.OWNER_RE.match(zone_owner or ""):
            raise InputError(field + ".owner", "%r must be an environment's owner name (lower-case letters, digits, '-')"
                             % (zone_owner,))
        if zone_owner in seen:
            raise InputError(field + ".owner", "%s is listed twice" % zone_owner)
        seen.add(zone_owner)
        name = item.get("name")
        zones.append(dict(owner=zone_owner, field=field, assume_role_arn=item.get("assume_role_arn") or None,
                          name=dns.check_zone_name(name, field + ".name") if name else None))
    present = params.get("state", "present") == "present"
    return dict(owner=owner, vpc_id=params.get("vpc_id"), present=present, zones=zones if present else [],
                recorded_only=bool(params.get("recorded_only")))


def registered(vpc):
    """{zone id: zone owner} of the associations recorded on the VPC."""
    return dict((k[len(ZONE_TAG_PREFIX):], v) for k, v in tag_dict(vpc.get("Tags")).items()
                if k.startswith(ZONE_TAG_PREFIX))


def diff_associations(plan, snap):
    """(actions, before, after): associate every wanted zone not associated yet (the record on
    the VPC first, so an interrupted run still knows the association is ours), then undo the
    recorded associations of zones no longer wanted."""
    vpc, region = snap["vpc"], snap["region"]
    vid = vpc["VpcId"]
    ours = registered(vpc)
    pair = (vid, region)
    vpc_spec = dict(VPCId=vid, VPCRegion=region)
    actions, before, after = [], {}, {}
    zones = snap["zones"] if plan["present"] else []
    if plan["recorded_only"]:
        # the zone's own environment run: only the listed zones the VPC records (its consent, left
        # when the zone was destroyed), and only their records
        listed = set(z["owner"] for z in zones)
        zones = [z for z in zones if z["owner"] in ours.values()]
        ours = dict((zid, owner) for zid, owner in ours.items() if owner in listed)
    for zone in zones:
        if zone["id"] is None:  # not built (yet): nothing to associate, a warning says so
            continue
        label = "%s (%s)" % (zone["name"], zone["owner"])
        after[label] = "associated"
        if pair in zone["vpcs"]:
            before[label] = "associated"
            continue
        tag = ZONE_TAG_PREFIX + zone["id"]
        if ours.get(zone["id"]) != zone["owner"]:
            actions.append(Action("tag_vpc", "vpc", "tag %s: %s=%s" % (vid, tag, zone["owner"]),
                                  vpc_id=vid, tags={tag: zone["owner"]}))
        cross = zone["client"] is not None
        actions.append(Action("associate_cross_account" if cross else "associate", "association/" + zone["id"],
                              "associate %s with %s%s" % (vid, zone["name"], " (cross-account)" if cross else ""),
                              zone_id=zone["id"], vpc=vpc_spec, client=zone["client"]))
    wanted = set(z["id"] for z in zones if z["id"])
    # a served environment whose zone is not found keeps its record: its zone was destroyed with
    # the associations (the record goes once its new zone is associated), or cannot be read now
    waiting = set(z["owner"] for z in zones if z["id"] is None)
    for zid, zone_owner in sorted(ours.items()):
        if zid in wanted or zone_owner in waiting:
            continue
        before["%s (%s)" % (zid, zone_owner)] = "associated"
        actions.append(Action("disassociate", "association/" + zid, "disassociate %s from the private zone %s of %s"
                              % (vid, zid, zone_owner), zone_id=zid, vpc=vpc_spec, vpc_id=vid,
                              untag=[ZONE_TAG_PREFIX + zid]))
    return actions, before, after


def summarise(plan, snap):
    """The module's result: the VPC's resolver and the zones it resolves (search domains)."""
    vpc = snap["vpc"]
    zones = [dict(owner=z["owner"], id=z["id"], name=z["name"]) for z in snap["zones"]]
    return dict(vpc_id=vpc["VpcId"], resolver=vpc.get("CidrBlock") and dns.resolver_address(vpc["CidrBlock"]),
                zones=zones, search_domains=[z["name"].rstrip(".") for z in zones if z["name"]])
