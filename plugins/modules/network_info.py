#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection, error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, owner_filter
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import (
    CountingReader, at_once, find_vpc, known_read, known_vpc)
from ansible_collections.refarch.network.plugins.module_utils.engine import prerequisite_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.network_facts import (
    VPN_KEY, build_facts, summary)


def read_tgw_route_tables(module, reader, attachments):
    """Route tables of the transit gateways we are attached to; unreadable ones (shared from
    another account) are skipped with a warning."""
    tgw_ids = sorted(set(a["TransitGatewayId"] for a in attachments if a.get("TransitGatewayId")))
    if not tgw_ids:
        return []
    tables = []
    for table in reader.all("describe_transit_gateway_route_tables", "TransitGatewayRouteTables",
                            Filters=[{"Name": "transit-gateway-id", "Values": tgw_ids}]):
        table_id = table["TransitGatewayRouteTableId"]
        try:
            assoc = reader.all("get_transit_gateway_route_table_associations", "Associations",
                               TransitGatewayRouteTableId=table_id)
            prop = reader.all("get_transit_gateway_route_table_propagations",
                              "TransitGatewayRouteTablePropagations", TransitGatewayRouteTableId=table_id)
            reader.count()
            routes = reader.ec2.search_transit_gateway_routes(
                TransitGatewayRouteTableId=table_id,
                Filters=[{"Name": "state", "Values": ["active", "blackhole"]}])["Routes"]
        except ClientError as e:
            module.warn("transit gateway route table %s not readable (%s)" % (table_id, error_code(e)))
            continue
        tables.append((table, assoc, prop, routes))
    return tables


def read_zones(module, conn, reader, vpc_id, region):
    try:
        route53 = conn.client("route53")
        reader.count()
        return route53.list_hosted_zones_by_vpc(VPCId=vpc_id, VPCRegion=region).get("HostedZoneSummaries") or []
    except ClientError as e:
        module.warn("hosted zones of %s not readable (%s)" % (vpc_id, error_code(e)))
        return []


def read_facts(module, conn):
    owner = module.params["owner"]
    region = conn.region or module.region
    ec2 = conn.client("ec2")
    reader = CountingReader(ec2)
    if module.params["vpc_id"]:
        vpcs = reader.all("describe_vpcs", "Vpcs", VpcIds=[module.params["vpc_id"]])
        vpc = vpcs[0] if vpcs else None
    else:
        reader.count(0 if known_vpc(ec2.meta.region_name, owner) else 1)
        vpc = find_vpc(ec2, owner, field="owner")
    if vpc is None:
        if not module.params["missing_ok"]:
            prerequisite_missing(module, InputError(
                "owner", "no VPC tagged %s=%s and %s=vpc in %s (run vpc_tiers first or pass vpc_id)"
                % ("refarch:owner", owner, KEY_TAG, region)))
        return build_facts(owner, region, None), reader.calls
    vpc_id = vpc["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]

    def once(kind, read):
        """The read, unless vpc_tiers already made it in this run and it is still exact (known_vpcs)."""
        known = known_read(ec2.meta.region_name, vpc_id, kind)
        return read if known is None else (lambda: known)
    # each read waits for its reply: the independent ones are made together (at_once)
    found = at_once({
        "endpoints": lambda: reader.all("describe_vpc_endpoints", "VpcEndpoints", Filters=in_vpc),
        # the VPC on either side: one read of the account's connections (filters on the two sides
        # would be two calls, AWS ANDs them)
        "peerings": lambda: reader.all("describe_vpc_peering_connections", "VpcPeeringConnections"),
        "attachments": lambda: reader.all("describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments",
                                          Filters=in_vpc),
        "vpn": lambda: reader.all("describe_instances", "Reservations", Filters=in_vpc + owner_filter(owner, VPN_KEY) + [
            {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]),
        "zones": lambda: read_zones(module, conn, reader, vpc_id, region),
        "subnets": once("subnets", lambda: reader.all("describe_subnets", "Subnets", Filters=in_vpc)),
        "route_tables": once("route_tables", lambda: reader.all("describe_route_tables", "RouteTables", Filters=in_vpc)),
        "internet_gateways": lambda: reader.all("describe_internet_gateways", "InternetGateways",
                                                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]),
        "nat_gateways": once("nat_gateways", lambda: reader.all("describe_nat_gateways", "NatGateways", Filter=in_vpc)),
        "network_acls": lambda: reader.all("describe_network_acls", "NetworkAcls", Filters=in_vpc),
        "security_groups": once("security_groups", lambda: reader.all("describe_security_groups", "SecurityGroups",
                                                                      Filters=in_vpc)),
        "interfaces": lambda: reader.all("describe_network_interfaces", "NetworkInterfaces", Filters=in_vpc),
        "flow_logs": once("flow_logs", lambda: reader.all("describe_flow_logs", "FlowLogs",
                                                          Filters=[{"Name": "resource-id", "Values": [vpc_id]}])),
    })
    endpoints, attachments = found["endpoints"], found["attachments"]
    gateway_endpoints = any((e.get("VpcEndpointType") or "").lower() == "gateway" for e in endpoints)
    later = at_once({
        "prefix_lists": lambda: reader.all("describe_prefix_lists", "PrefixLists") if gateway_endpoints else [],
        "tgw_route_tables": lambda: read_tgw_route_tables(module, reader, attachments),
    })
    vpn_instances = [i for r in found["vpn"] for i in r.get("Instances") or []]
    facts = build_facts(
        owner, region, vpc, subnets=found["subnets"], route_tables=found["route_tables"],
        internet_gateways=found["internet_gateways"], nat_gateways=found["nat_gateways"],
        network_acls=found["network_acls"], security_groups=found["security_groups"], interfaces=found["interfaces"],
        endpoints=endpoints, prefix_lists=dict((p["PrefixListName"], p["PrefixListId"]) for p in later["prefix_lists"]),
        peerings=[pcx for pcx in found["peerings"]
                  if vpc_id in ((pcx.get("RequesterVpcInfo") or {}).get("VpcId"), (pcx.get("AccepterVpcInfo") or {}).get("VpcId"))],
        tgw_attachments=attachments, tgw_route_tables=later["tgw_route_tables"],
        zones=found["zones"], vpn_instance=vpn_instances[0] if vpn_instances else None, flow_logs=found["flow_logs"])
    return facts, reader.calls


def main():
    module, ok, result = run_module("network_info", read_network, dict(
        owner=dict(type="str", required=True), vpc_id=dict(type="str"), missing_ok=dict(type="bool", default=False)))
    (module.exit_json if ok else module.fail_json)(**result)


def read_network(module):
    facts, calls = read_facts(module, Connection(module))
    return dict(changed=False, network_facts=facts, summary=summary(facts), api_calls=calls, actions=[])


if __name__ == "__main__":
    main()
