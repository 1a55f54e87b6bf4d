# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of vpc_tiers: one describe per resource type, owned resources keyed by logical key."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.refarch.network.plugins.module_utils.tags import (
    KEY_TAG, MODULE_TAG, OWNER_TAG, owner_filter, tag_dict,
)
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import KNOWN_READS, at_once, find_vpc, paginate
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

LIVE_NAT_STATES = ("pending", "available")
MODULE = "vpc_tiers"
# vpc_tiers' key space: the keys it gives what it creates, by kind. An owned resource with any
# other key (the VPN's eip/vpn, say) or stamped by another module is not vpc_tiers': it is never
# read as ours, so never repaired, reported as unplanned, purged or torn down.
KEY_SPACE = {
    "vpc": re.compile(r"^vpc$"),
    "igw": re.compile(r"^igw$"),
    "subnet": re.compile(r"^subnet/[^/]+/[^/]+$"),
    "route_table": re.compile(r"^rtb/[^/]+(/[^/]+)?$"),
    "nat": re.compile(r"^nat/[^/]+$"),
    "eip": re.compile(r"^eip/nat/[^/]+$"),
    "flow_log": re.compile(r"^flowlog$"),
}


def _key(resource):
    return tag_dict(resource.get("Tags")).get(KEY_TAG)


def ours(resource, owner, kind):
    """The resource carries our owner tag and a ``kind`` key of vpc_tiers' key space, and no
    other module's stamp (untagged by module: made before modules stamped, judged by key)."""
    tags = tag_dict(resource.get("Tags"))
    return tags.get(OWNER_TAG) == owner and tags.get(MODULE_TAG, MODULE) == MODULE and \
        bool(KEY_SPACE[kind].match(tags.get(KEY_TAG) or ""))


def read_vpc(ec2, owner):
    """Snapshot of everything vpc_tiers owns for ``owner`` (plus what it must not touch).

    Returns a dict with the VPC, owned resources by key, and the foreign resources inside
    the VPC that teardown has to leave in place.
    """
    snap = {
        "vpc": None, "dns_support": None, "dns_hostnames": None,
        "subnets": {}, "foreign_subnets": [], "route_tables": {}, "foreign_route_tables": [],
        "main_route_table": None, "igw": None, "nat_gateways": {}, "nat_ids_any_state": set(),
        "dead_nats": [], "eips": {}, "default_sg": None, "flow_logs": [],
        # the VPC-wide reads as AWS gave them, ours and foreign (KNOWN_READS; network_info reads the same)
        "reads": {},
    }
    # each read waits for its reply: the independent ones are made together (at_once)
    found = at_once({
        "vpc": lambda: find_vpc(ec2, owner, field="owner", reuse=False),  # the run's first read of it
        # EIPs can outlive their NAT (an interrupted run): they are found by owner, not by VPC
        "addresses": lambda: ec2.describe_addresses(Filters=owner_filter(owner))["Addresses"],
        "igws": lambda: ec2.describe_internet_gateways(Filters=owner_filter(owner, "igw"))["InternetGateways"],
    })
    for address in found["addresses"]:
        if ours(address, owner, "eip"):
            snap["eips"][_key(address)] = address
    igws = [g for g in found["igws"] if ours(g, owner, "igw")]
    if igws:
        snap["igw"] = igws[0]
    vpc = found["vpc"]
    if vpc is None:
        return snap
    vpc_id = vpc["VpcId"]
    snap["vpc"] = vpc
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    found = at_once({
        "dns_support": lambda: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport"),
        "dns_hostnames": lambda: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames"),
        "subnets": lambda: paginate(ec2, "describe_subnets", "Subnets", Filters=in_vpc),
        "route_tables": lambda: paginate(ec2, "describe_route_tables", "RouteTables", Filters=in_vpc),
        "nat_gateways": lambda: paginate(ec2, "describe_nat_gateways", "NatGateways", Filter=in_vpc),
        # every group of the VPC (its default group is ours to lock down): the read security_groups and
        # network_info make, passed on to them (KNOWN_READS)
        "security_groups": lambda: paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpc),
        "flow_logs": lambda: paginate(ec2, "describe_flow_logs", "FlowLogs", Filters=[{"Name": "resource-id", "Values": [vpc_id]}]),
    })
    snap["reads"] = dict((kind, found[kind]) for kind in KNOWN_READS)
    snap["dns_support"] = found["dns_support"]["EnableDnsSupport"]["Value"]
    snap["dns_hostnames"] = found["dns_hostnames"]["EnableDnsHostnames"]["Value"]
    for subnet in found["subnets"]:
        if ours(subnet, owner, "subnet"):
            snap["subnets"][_key(subnet)] = subnet
        else:
            snap["foreign_subnets"].append(subnet)
    for table in found["route_tables"]:
        if any(a.get("Main") for a in table.get("Associations", [])):
            snap["main_route_table"] = table
        if ours(table, owner, "route_table"):
            snap["route_tables"][_key(table)] = table
        elif not any(a.get("Main") for a in table.get("Associations", [])):
            snap["foreign_route_tables"].append(table)
    for nat in found["nat_gateways"]:
        if not ours(nat, owner, "nat"):
            continue
        snap["nat_ids_any_state"].add(nat["NatGatewayId"])
        if nat["State"] in LIVE_NAT_STATES:
            snap["nat_gateways"][_key(nat)] = nat
        else:  # deleted out of band or failed: it may still hold its address while deleting
            snap["dead_nats"].append(nat)
    snap["default_sg"] = next((g for g in found["security_groups"] if g["GroupName"] == "default"), None)
    snap["flow_logs"] = [f for f in found["flow_logs"] if ours(f, owner, "flow_log")]
    return snap


def all_subnets(snap):
    """Every subnet the snapshot saw in the VPC, ours and foreign, as DescribeSubnets gave them."""
    return list(snap["subnets"].values()) + snap["foreign_subnets"]


def check_zones(ec2, azs, snap):
    """Refuse zones the region does not offer.

    Zones that already hold our subnets were accepted by AWS, so a re-run asks nothing.
    """
    known = set(s["AvailabilityZone"] for s in snap["subnets"].values())
    if all(az in known for az in azs):
        return
    offered = set(z["ZoneName"] for z in ec2.describe_availability_zones(
        Filters=[{"Name": "zone-type", "Values": ["availability-zone"]}])["AvailabilityZones"])
    for i, az in enumerate(azs):
        if az not in offered:
            raise InputError("azs[%d]" % i, "%s is not offered in this region (it has %s)"
                             % (az, ", ".join(sorted(offered))))


def summarise(snap, ids=None):
    """Result facts from a snapshot; ids fill in what check mode could not create."""
    subnet_keys = dict((s["SubnetId"], k) for k, s in snap["subnets"].items())
    eips = dict((e["AllocationId"], e.get("PublicIp")) for e in snap["eips"].values())
    return dict(
        vpc={"id": snap["vpc"]["VpcId"], "cidr": snap["vpc"]["CidrBlock"]} if snap["vpc"] else {},
        subnets=dict((k, {"id": s["SubnetId"], "cidr": s["CidrBlock"], "az": s["AvailabilityZone"],
                          "tier": dict((t["Key"], t["Value"]) for t in s.get("Tags", [])).get("refarch:tier")})
                     for k, s in snap["subnets"].items()),
        route_tables=dict((k, {"id": t["RouteTableId"],
                               "subnets": sorted(subnet_keys[a["SubnetId"]] for a in t.get("Associations", [])
                                                 if a.get("SubnetId") in subnet_keys)})
                          for k, t in snap["route_tables"].items()),
        nat_gateways=dict((k, {"id": n["NatGatewayId"], "az": None, "subnet": subnet_keys.get(n["SubnetId"]),
                               "public_ip": next((eips.get(a.get("AllocationId")) for a in n.get("NatGatewayAddresses", [])), None)})
                          for k, n in snap["nat_gateways"].items()),
        internet_gateway={"id": snap["igw"]["InternetGatewayId"]} if snap["igw"] else {},
    )
