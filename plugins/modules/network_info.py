#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: network_info
short_description: Read an environment's whole network topology as structured facts
version_added: 0.1.0
description:
  - Finds the VPC of an environment by its C(refarch:owner) tag (or takes O(vpc_id)) and returns
    its whole topology in one result with about fifteen read-only API calls - VPC, subnets by tier
    and AZ, route tables with routes and associations, internet and NAT gateways, network ACLs
    with ordered entries, security groups with rules and the interfaces that use them,
    VPC endpoints, peering connections in both directions, transit gateway attachments and
    route tables, the private hosted zones associated with the VPC and the VPN instance
    (tag C(refarch:key=instance/vpn)).
  - The result is plain JSON keyed by resource id; it is the input of
    M(refarch.network.network_verify) and M(refarch.network.network_diagram).
options:
  owner:
    description:
      - Identity of the environment (value of the C(refarch:owner) tag), also written to the
        result as C(environment).
    type: str
    required: true
  vpc_id:
    description:
      - The VPC to read. When omitted, the VPC tagged C(refarch:owner=<owner>) and
        C(refarch:key=vpc) is used.
    type: str
  missing_ok:
    description:
      - When true and the environment has no VPC, return facts with C(vpc=null) instead of failing.
    type: bool
    default: false
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.common.read_only
"""

EXAMPLES = r"""
- name: Read the production network
  refarch.network.network_info:
    owner: production
    region: us-east-1
  register: production_network

- name: Show the CIDR of every subnet of the private tier
  ansible.builtin.debug:
    msg: "{{ production_network.network_facts.subnets.values() | selectattr('tier', 'eq', 'private')
             | map(attribute='cidr') | list }}"

- name: Read a network in another account
  refarch.network.network_info:
    owner: production
    assume_role_arn: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole
"""

RETURN = r"""
network_facts:
  description:
    - The environment's topology. Maps are keyed by resource id; each entry carries its
      C(key) (the C(refarch:key) tag, or null for resources we do not own).
    - Protocols are C(tcp), C(udp), C(icmp), C(all) or an IANA number; C(from_port)/C(to_port)
      are null when every port is covered. Route C(target_type) is one of C(local),
      C(internet-gateway), C(nat-gateway), C(peering-connection), C(transit-gateway),
      C(vpc-endpoint), C(instance), C(network-interface), C(other).
  returned: always
  type: dict
  contains:
    schema:
      description: Version of the facts schema.
      type: int
      sample: 1
    environment:
      description: The O(owner).
      type: str
      sample: production
    region:
      description: Region read.
      type: str
    account_id:
      description: Account that owns the VPC.
      type: str
      sample: "123456789012"
    vpc:
      description: C(id), C(cidr), C(cidrs), C(key), C(tags); null when O(missing_ok) and no VPC exists.
      type: dict
      sample: {"id": "vpc-0abc", "cidr": "10.130.0.0/16", "cidrs": ["10.130.0.0/16"], "key": "vpc", "tags": {}}
    subnets:
      description: By subnet id - C(id), C(key), C(tier), C(az), C(cidr), C(route_table) (effective,
        the main table when not associated), C(network_acl), C(owned), C(tags).
      type: dict
    route_tables:
      description: By route table id - C(id), C(key), C(main), C(subnets), C(routes)
        (C(destination), C(target_type), C(target), C(state)), C(tags).
      type: dict
    internet_gateway:
      description: C(id) and C(key) of the attached internet gateway, or null.
      type: dict
    nat_gateways:
      description: By NAT gateway id - C(id), C(key), C(subnet), C(az), C(state), C(public_ip), C(private_ip).
      type: dict
    network_acls:
      description: By ACL id - C(id), C(key), C(default), C(subnets), C(ingress) and C(egress)
        entries ordered by rule number (C(rule), C(action), C(protocol), C(cidr), C(from_port), C(to_port)).
      type: dict
    security_groups:
      description: By group id - C(id), C(name), C(logical_name) (C(sg/<name>) key without prefix,
        else key, Name tag or group name), C(key), C(ingress), C(egress) (C(protocol), C(from_port),
        C(to_port), C(cidrs), C(groups), C(prefix_lists)) and C(used_by) (C(eni), C(subnet), C(attached_to)).
      type: dict
    endpoints:
      description: By endpoint id - C(id), C(key), C(service), C(type) (C(gateway)/C(interface)),
        C(state), C(subnets), C(route_tables), C(security_groups), C(prefix_list), C(private_dns).
      type: dict
    peerings:
      description: By peering id, both directions - C(id), C(key), C(status), C(requester) and
        C(accepter) (C(vpc), C(cidrs), C(account), C(region)).
      type: dict
    transit_gateway_attachments:
      description: By attachment id - C(id), C(key), C(tgw), C(vpc), C(subnets), C(state), C(account).
      type: dict
    transit_gateway_route_tables:
      description: By TGW route table id (of the transit gateways this VPC is attached to, when readable) -
        C(id), C(tgw), C(associations), C(propagations), C(routes) (C(destination), C(attachments), C(state), C(type)).
      type: dict
    zones:
      description: Private hosted zones associated with the VPC, by zone id - C(id), C(name), C(private).
      type: dict
    vpn:
      description: The VPN instance (C(id), C(key), C(subnet), C(private_ip), C(public_ip),
        C(security_groups), C(state), C(source_dest_check), C(instance_type)) or null.
      type: dict
    flow_logs:
      description: The VPC's flow logs, by flow log id - C(id), C(destination_type), C(traffic_type), C(status).
      type: dict
summary:
  description: Count of each component kind found.
  returned: always
  type: dict
  sample: {"subnets": 9, "route_tables": 5, "nat_gateways": 3, "vpn": 0}
api_calls:
  description: Number of AWS API calls the module made.
  returned: always
  type: int
  sample: 14
actions:
  description: Always empty; this module changes nothing.
  returned: always
  type: list
  elements: str
  sample: []
"""

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
