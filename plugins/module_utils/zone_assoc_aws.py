# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer and action handlers of vpc_zone_associations (pure diff: ``zone_assoc_diff``).

The module runs in the VPC's account (``run.route53``, ``run.ec2``); each zone of another
account is read, and authorized, with that account's client (``run.zone<N>``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    pass

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_list
from ansible_collections.refarch.network.plugins.module_utils.dns_apply import associate_across_accounts, associate_vpc
from ansible_collections.refarch.network.plugins.module_utils.dns_read import all_zones, vpcs_of, with_tags, zone_id
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import find_vpc
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, refuse

PRIVATE_KEY = "zone/private"
# a disassociation finding the association (or the zone) already gone is done
GONE_CODES = ("VPCAssociationNotFound", "NoSuchHostedZone")


def private_zones(r53, specs):
    """{owner: its private zones (tags ``refarch:owner=<owner>``, ``refarch:key=zone/private``,
    dns_zones')} for the served environments ``specs`` whose zones are in this account: one
    listing of the account's zones and their tags ten per call, for every environment at once
    (only the named zones' tags when every environment names its zone)."""
    zones = [z for z in all_zones(r53) if z.get("Config", {}).get("PrivateZone")]
    names = set(spec["name"] for spec in specs)
    if None not in names:
        zones = [z for z in zones if dns.fqdn(z["Name"]) in names]
    with_tags(r53, zones)
    return dict((spec["owner"], [z for z in zones if z["Tags"].get(OWNER_TAG) == spec["owner"]
                                 and z["Tags"].get(KEY_TAG) == PRIVATE_KEY
                                 and spec["name"] in (None, dns.fqdn(z["Name"]))]) for spec in specs)


def zones_of_vpc(r53, vpc_id, region):
    """Ids of the private zones the VPC is associated with, whichever account owns them."""
    ids, kwargs = set(), dict(VPCId=vpc_id, VPCRegion=region)
    while True:
        page = r53.list_hosted_zones_by_vpc(**kwargs)
        ids.update(summary["HostedZoneId"].split("/")[-1] for summary in page.get("HostedZoneSummaries", []))
        if not page.get("NextToken"):
            return ids
        kwargs["NextToken"] = page["NextToken"]


def _account(conn, role_arn):
    return role_arn.split(":")[4] if role_arn else conn.client("sts").get_caller_identity()["Account"]


def read_associations(plan, conn, connect, missing=refuse):
    """(snapshot, clients, warnings). ``conn``: the VPC's account; ``connect(role_arn=...)``: a zone's.
    ``missing(error)`` answers a VPC that vpc_tiers has only planned (``engine.on_missing``)."""
    ec2 = conn.client("ec2")
    clients, warnings = {"route53": conn.client("route53"), "ec2": ec2}, []
    snap = dict(vpc=find_vpc(ec2, plan["owner"], plan["vpc_id"]), region=ec2.meta.region_name, zones=[])
    vpc_id = snap["vpc"]["VpcId"] if snap["vpc"] else None
    if snap["vpc"] is None:
        if plan["present"] and not plan["recorded_only"]:
            error = InputError("vpc_id", "no VPC %s; build it first (vpc_tiers) or pass vpc_id" % (
                plan["vpc_id"] or "tagged %s=%s, %s=vpc" % (OWNER_TAG, plan["owner"], KEY_TAG)))
            if plan["vpc_id"]:  # a VPC named by id is no earlier task's plan
                raise error
            missing(error)
        # planned in check mode; gone (with its tags) on absent: nothing of ours is left
        snap["vpc"] = {"VpcId": "(vpc %s, planned)" % plan["owner"] if plan["present"] else None, "Tags": []}
        if plan["recorded_only"]:  # a VPC that does not exist records nothing
            return snap, clients, warnings
    accounts = {}  # role (None: the VPC's account's) -> (route53 client, {owner: zones})
    for spec in plan["zones"]:
        accounts.setdefault(spec["assume_role_arn"], [])
    for role in accounts:
        r53 = connect(role_arn=role).client("route53") if role else clients["route53"]
        accounts[role] = (r53, private_zones(r53, [s for s in plan["zones"] if s["assume_role_arn"] == role]))
    vpc_account, associated = None, None
    for index, spec in enumerate(plan["zones"]):
        role = spec["assume_role_arn"]
        r53, found = accounts[role][0], accounts[role][1][spec["owner"]]
        if len(found) > 1:
            raise InputError(spec["field"], "%s has %d private zones (%s); name the one to resolve (%s.name)" % (
                spec["owner"], len(found), ", ".join(dns.fqdn(z["Name"]) for z in found), spec["field"]))
        if not found:
            # not built yet, or destroyed on its own: the VPN serves what exists, and an environment
            # run alone must not fail the others' runs
            warnings.append("%s: no private zone %sof %s (tags %s=%s, %s=%s)%s yet; it is associated once "
                            "its playbooks/dns.yml has run" % (
                                spec["field"], spec["name"] + " " if spec["name"] else "", spec["owner"], OWNER_TAG,
                                spec["owner"], KEY_TAG, PRIVATE_KEY, " in the account of " + role if role else ""))
            snap["zones"].append(dict(owner=spec["owner"], id=None, name=None, vpcs=[], client=None))
            continue
        zid = zone_id(found[0])
        client = None
        if role:
            vpc_account = vpc_account or _account(conn, conn.role_arn)
            if _account(conn, role) != vpc_account:
                client = "zone%d" % index
                clients[client] = r53
        if client:  # another account's zone: its own account lists the VPCs it resolves from
            vpcs = vpcs_of(r53, zid)
        else:  # the VPC's account: which of its zones the VPC resolves, one read for all of them
            if associated is None:
                associated = zones_of_vpc(clients["route53"], vpc_id, snap["region"]) if vpc_id else set()
            vpcs = [(vpc_id, snap["region"])] if zid in associated else []
        snap["zones"].append(dict(owner=spec["owner"], id=zid, name=dns.fqdn(found[0]["Name"]), vpcs=vpcs,
                                  client=client))
    return snap, clients, warnings


def _tag_vpc(run, a):
    run.ec2.create_tags(Resources=[a["vpc_id"]], Tags=tag_list(a["tags"]))


def _associate(run, a):
    associate_vpc(run.route53, a["zone_id"], a["vpc"], run.route53)


def _associate_cross_account(run, a):
    try:
        associate_across_accounts(getattr(run, a["client"]), run.route53, a["zone_id"], a["vpc"])
    except RuntimeError as e:
        raise RuntimeError("zones: %s" % e)


def _disassociate(run, a):
    """From the VPC's account, which AWS lets undo a cross-account association too."""
    try:
        run.route53.disassociate_vpc_from_hosted_zone(HostedZoneId=a["zone_id"], VPC=a["vpc"])
    except ClientError as e:
        if error_code(e) not in GONE_CODES:
            raise
    run.ec2.delete_tags(Resources=[a["vpc_id"]], Tags=[{"Key": k} for k in a["untag"]])


HANDLERS = {"tag_vpc": _tag_vpc, "associate": _associate, "associate_cross_account": _associate_cross_account,
            "disassociate": _disassociate}
