# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of vpc_tiers: one describe per resource type, owned resources keyed by logical key."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import KEY_TAG, is_owned, owner_filter, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import find_vpc, paginate
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

LIVE_NAT_STATES = ("pending", "available")


def _key(resource):
    return tag_dict(resource.get("Tags")).get(KEY_TAG)


def read_vpc(ec2, owner):
    """Snapshot of everything vpc_tiers owns for ``owner`` (plus what it must not touch).

    Returns a dict with the VPC, owned resources by key, and the foreign resources inside
    the VPC that teardown has to leave in place.
    """
    snap = {
        "vpc": None, "dns_support": None, "dns_hostnames": None,
        "subnets": {}, "foreign_subnets": [], "route_tables": {}, "foreign_route_tables": [],
        "main_route_table": None, "igw": None, "nat_gateways": {}, "nat_ids_any_state": set(),
        "eips": {}, "default_sg": None, "flow_logs": [],
    }
    vpc = find_vpc(ec2, owner, field="owner")
    # EIPs can outlive their NAT (an interrupted run): they are found by owner, not by VPC
    for address in ec2.describe_addresses(Filters=owner_filter(owner))["Addresses"]:
        key = _key(address)
        if key:
            snap["eips"][key] = address
    igws = ec2.describe_internet_gateways(Filters=owner_filter(owner, "igw"))["InternetGateways"]
    if igws:
        snap["igw"] = igws[0]
    if vpc is None:
        return snap
    vpc_id = vpc["VpcId"]
    snap["vpc"] = vpc
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    snap["dns_support"] = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")[
        "EnableDnsSupport"]["Value"]
    snap["dns_hostnames"] = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"]["Value"]
    for subnet in paginate(ec2, "describe_subnets", "Subnets", Filters=in_vpc):
        if is_owned(subnet.get("Tags"), owner) and _key(subnet):
            snap["subnets"][_key(subnet)] = subnet
        else:
            snap["foreign_subnets"].append(subnet)
    for table in paginate(ec2, "describe_route_tables", "RouteTables", Filters=in_vpc):
        if any(a.get("Main") for a in table.get("Associations", [])):
            snap["main_route_table"] = table
        if is_owned(table.get("Tags"), owner) and _key(table):
            snap["route_tables"][_key(table)] = table
        elif not any(a.get("Main") for a in table.get("Associations", [])):
            snap["foreign_route_tables"].append(table)
    for nat in paginate(ec2, "describe_nat_gateways", "NatGateways", Filter=in_vpc):
        if not is_owned(nat.get("Tags"), owner):
            continue
        snap["nat_ids_any_state"].add(nat["NatGatewayId"])
        if nat["State"] in LIVE_NAT_STATES and _key(nat):
            snap["nat_gateways"][_key(nat)] = nat
    groups = ec2.describe_security_groups(Filters=in_vpc + [{"Name": "group-name", "Values": ["default"]}])
    snap["default_sg"] = (groups["SecurityGroups"] or [None])[0]
    snap["flow_logs"] = [f for f in ec2.describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"] if is_owned(f.get("Tags"), owner)]
    return snap


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
