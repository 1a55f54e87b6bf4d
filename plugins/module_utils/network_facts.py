# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure normalisation of EC2/Route53 describe outputs into the network facts schema.

No boto3 here: ``build_facts`` takes the raw lists the describe calls returned and gives
plain JSON (ids, CIDRs, tags, keys). The schema is the contract between ``network_info``,
the reachability engine and the diagram; its version is ``SCHEMA_VERSION``.

Facts of one environment::

    schema, environment, account_id, region
    vpc:              {id, cidr, cidrs, key, tags}
    subnets:          {subnet-id: {id, key, tier, az, cidr, route_table, network_acl, owned, tags}}
    route_tables:     {rtb-id: {id, key, main, subnets, routes: [route], tags}}
                      route: {destination (CIDR or pl-id), target_type, target, state}
                      target_type: local|internet-gateway|nat-gateway|peering-connection|
                                   transit-gateway|vpc-endpoint|instance|network-interface|other
    internet_gateway: {id, key} or null
    nat_gateways:     {nat-id: {id, key, subnet, az, state, public_ip, private_ip}}
    network_acls:     {acl-id: {id, key, default, subnets, ingress: [entry], egress: [entry]}}
                      entry: {rule, action (allow|deny), protocol, cidr, from_port, to_port}
    security_groups:  {sg-id: {id, name, logical_name, key, ingress: [rule], egress: [rule], used_by}}
                      rule: {protocol, from_port, to_port, cidrs, groups, prefix_lists}
                      used_by: [{eni, subnet, attached_to}]
    endpoints:        {vpce-id: {id, key, service, type, state, subnets, route_tables,
                                 security_groups, prefix_list}}
    peerings:         {pcx-id: {id, key, status, requester: side, accepter: side}}
                      side: {vpc, cidrs, account, region}
    transit_gateway_attachments: {tgw-attach-id: {id, tgw, vpc, subnets, state, account}}
    transit_gateway_route_tables: {tgw-rtb-id: {id, tgw, associations, propagations, routes}}
                      route: {destination, attachments, state, type}
    zones:            {zone-id: {id, name, private}}
    vpn:              {id, key, subnet, private_ip, public_ip, security_groups, state,
                       source_dest_check, instance_type} or null
    flow_logs:        {fl-id: {id, destination_type, traffic_type, status}}

Protocols are normalised to ``tcp``, ``udp``, ``icmp``, ``all`` or the IANA number as a
string; ports are ints, ``from_port``/``to_port`` are null when the rule covers all ports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SCHEMA_VERSION = 1
OWNER_TAG = "refarch:owner"
KEY_TAG = "refarch:key"
TIER_TAG = "refarch:tier"
VPN_KEY = "instance/vpn"

PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "all": "all",
             "tcp": "tcp", "udp": "udp", "icmp": "icmp"}
TARGETS = (
    ("NatGatewayId", "nat-gateway"),
    ("VpcPeeringConnectionId", "peering-connection"),
    ("TransitGatewayId", "transit-gateway"),
    ("InstanceId", "instance"),
    ("NetworkInterfaceId", "network-interface"),
)


def tags_of(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags") or [])


def protocol_name(value):
    value = str(value).lower()
    return PROTOCOLS.get(value, value)


def _ports(protocol, from_port, to_port):
    """(from, to) or (None, None) when every port is covered."""
    if protocol in ("all",) or from_port is None or from_port == -1:
        return None, None
    return int(from_port), int(to_port if to_port is not None else from_port)


def normalise_route(route):
    destination = route.get("DestinationCidrBlock") or route.get("DestinationPrefixListId") \
        or route.get("DestinationIpv6CidrBlock")
    target_type, target = "other", None
    gateway = route.get("GatewayId")
    if gateway == "local":
        target_type, target = "local", "local"
    elif gateway and gateway.startswith("igw-"):
        target_type, target = "internet-gateway", gateway
    elif gateway and gateway.startswith("vpce-"):
        target_type, target = "vpc-endpoint", gateway
    else:
        for field, kind in TARGETS:
            if route.get(field):
                target_type, target = kind, route[field]
                break
        if target is None and gateway:
            target = gateway
    return {"destination": destination, "target_type": target_type, "target": target,
            "state": route.get("State", "active")}


def normalise_route_table(table):
    tags = tags_of(table)
    associations = table.get("Associations") or []
    return {
        "id": table["RouteTableId"],
        "key": tags.get(KEY_TAG),
        "main": any(a.get("Main") for a in associations),
        "subnets": sorted(a["SubnetId"] for a in associations if a.get("SubnetId")),
        "routes": [normalise_route(r) for r in table.get("Routes") or []],
        "tags": tags,
    }


def normalise_acl_entry(entry):
    protocol = protocol_name(entry.get("Protocol", "-1"))
    port_range = entry.get("PortRange") or {}
    from_port, to_port = (None, None)
    if protocol in ("tcp", "udp") and port_range:
        from_port, to_port = _ports(protocol, port_range.get("From"), port_range.get("To"))
    return {"rule": int(entry["RuleNumber"]), "action": entry["RuleAction"].lower(),
            "protocol": protocol, "cidr": entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"),
            "from_port": from_port, "to_port": to_port}


def normalise_network_acl(acl):
    tags = tags_of(acl)
    entries = [e for e in acl.get("Entries") or [] if e.get("CidrBlock")]
    ingress = sorted((normalise_acl_entry(e) for e in entries if not e.get("Egress")), key=lambda e: e["rule"])
    egress = sorted((normalise_acl_entry(e) for e in entries if e.get("Egress")), key=lambda e: e["rule"])
    return {
        "id": acl["NetworkAclId"],
        "key": tags.get(KEY_TAG),
        "default": bool(acl.get("IsDefault")),
        "subnets": sorted(a["SubnetId"] for a in acl.get("Associations") or [] if a.get("SubnetId")),
        "ingress": ingress,
        "egress": egress,
        "tags": tags,
    }


def normalise_sg_rule(perm):
    protocol = protocol_name(perm.get("IpProtocol", "-1"))
    from_port, to_port = (None, None)
    if protocol in ("tcp", "udp"):
        from_port, to_port = _ports(protocol, perm.get("FromPort"), perm.get("ToPort"))
    return {
        "protocol": protocol,
        "from_port": from_port,
        "to_port": to_port,
        "cidrs": sorted(r["CidrIp"] for r in perm.get("IpRanges") or []),
        "groups": sorted(g["GroupId"] for g in perm.get("UserIdGroupPairs") or [] if g.get("GroupId")),
        "prefix_lists": sorted(p["PrefixListId"] for p in perm.get("PrefixListIds") or []),
    }


def logical_group_name(group, tags):
    """``sg/<name>`` keys give ``<name>``; otherwise the key, the Name tag, the group name."""
    key = tags.get(KEY_TAG)
    if key:
        return key[3:] if key.startswith("sg/") else key
    return tags.get("Name") or group.get("GroupName")


def normalise_security_group(group, interfaces=()):
    tags = tags_of(group)
    used_by = []
    for eni in interfaces:
        if any(g["GroupId"] == group["GroupId"] for g in eni.get("Groups") or []):
            attachment = eni.get("Attachment") or {}
            used_by.append({"eni": eni["NetworkInterfaceId"], "subnet": eni.get("SubnetId"),
                            "attached_to": attachment.get("InstanceId") or eni.get("Description") or None})
    return {
        "id": group["GroupId"],
        "name": group.get("GroupName"),
        "logical_name": logical_group_name(group, tags),
        "key": tags.get(KEY_TAG),
        "ingress": [normalise_sg_rule(p) for p in group.get("IpPermissions") or []],
        "egress": [normalise_sg_rule(p) for p in group.get("IpPermissionsEgress") or []],
        "used_by": sorted(used_by, key=lambda u: u["eni"]),
        "tags": tags,
    }


def normalise_endpoint(endpoint, prefix_lists=None):
    tags = tags_of(endpoint)
    service = endpoint.get("ServiceName")
    return {
        "id": endpoint["VpcEndpointId"],
        "key": tags.get(KEY_TAG),
        "service": service,
        "type": (endpoint.get("VpcEndpointType") or "Gateway").lower(),
        "state": (endpoint.get("State") or "available").lower(),
        "subnets": sorted(endpoint.get("SubnetIds") or []),
        "route_tables": sorted(endpoint.get("RouteTableIds") or []),
        "security_groups": sorted(g["GroupId"] for g in endpoint.get("Groups") or []),
        "prefix_list": (prefix_lists or {}).get(service),
        "private_dns": bool(endpoint.get("PrivateDnsEnabled")),
        "tags": tags,
    }


def _peering_side(info):
    cidrs = [c["CidrBlock"] for c in info.get("CidrBlockSet") or [] if c.get("CidrBlock")]
    if not cidrs and info.get("CidrBlock"):
        cidrs = [info["CidrBlock"]]
    return {"vpc": info.get("VpcId"), "cidrs": cidrs, "account": info.get("OwnerId"),
            "region": info.get("Region")}


def normalise_peering(pcx):
    tags = tags_of(pcx)
    return {
        "id": pcx["VpcPeeringConnectionId"],
        "key": tags.get(KEY_TAG),
        "status": (pcx.get("Status") or {}).get("Code", "unknown"),
        "requester": _peering_side(pcx.get("RequesterVpcInfo") or {}),
        "accepter": _peering_side(pcx.get("AccepterVpcInfo") or {}),
        "tags": tags,
    }


def normalise_tgw_attachment(att):
    tags = tags_of(att)
    return {
        "id": att["TransitGatewayAttachmentId"],
        "key": tags.get(KEY_TAG),
        "tgw": att.get("TransitGatewayId"),
        "vpc": att.get("VpcId") or att.get("ResourceId"),
        "subnets": sorted(att.get("SubnetIds") or []),
        "state": att.get("State"),
        "account": att.get("VpcOwnerId") or att.get("ResourceOwnerId"),
    }


def normalise_tgw_route_table(table, associations=(), propagations=(), routes=()):
    return {
        "id": table["TransitGatewayRouteTableId"],
        "tgw": table.get("TransitGatewayId"),
        "associations": sorted(a["TransitGatewayAttachmentId"] for a in associations
                               if a.get("TransitGatewayAttachmentId")),
        "propagations": sorted(p["TransitGatewayAttachmentId"] for p in propagations
                               if p.get("TransitGatewayAttachmentId")
                               and (p.get("State") or "enabled") == "enabled"),
        "routes": [{
            "destination": r.get("DestinationCidrBlock"),
            "attachments": sorted(a["TransitGatewayAttachmentId"] for a in r.get("TransitGatewayAttachments") or []),
            "state": r.get("State", "active"),
            "type": r.get("Type", "static"),
        } for r in routes],
    }


def normalise_zone(zone):
    zone_id = zone.get("HostedZoneId") or zone.get("Id", "")
    return {"id": zone_id.split("/")[-1], "name": zone.get("Name") or zone.get("HostedZoneName"),
            "private": True}


def normalise_vpn(instance):
    if not instance:
        return None
    tags = tags_of(instance)
    return {
        "id": instance["InstanceId"],
        "key": tags.get(KEY_TAG),
        "subnet": instance.get("SubnetId"),
        "private_ip": instance.get("PrivateIpAddress"),
        "public_ip": instance.get("PublicIpAddress"),
        "security_groups": sorted(g["GroupId"] for g in instance.get("SecurityGroups") or []),
        "state": (instance.get("State") or {}).get("Name"),
        "source_dest_check": instance.get("SourceDestCheck", True),
        "instance_type": instance.get("InstanceType"),
    }


def _subnet_bindings(subnets, tables, acls):
    """Each subnet's effective route table (explicit or main) and network ACL."""
    main = next((t["id"] for t in tables.values() if t["main"]), None)
    by_subnet_rtb = dict((s, t["id"]) for t in tables.values() for s in t["subnets"])
    default_acl = next((a["id"] for a in acls.values() if a["default"]), None)
    by_subnet_acl = dict((s, a["id"]) for a in acls.values() for s in a["subnets"])
    for subnet in subnets.values():
        subnet["route_table"] = by_subnet_rtb.get(subnet["id"], main)
        subnet["network_acl"] = by_subnet_acl.get(subnet["id"], default_acl)


def build_facts(environment, region, vpc, subnets=(), route_tables=(), internet_gateways=(),
                nat_gateways=(), network_acls=(), security_groups=(), interfaces=(), endpoints=(),
                prefix_lists=None, peerings=(), tgw_attachments=(), tgw_route_tables=(), zones=(),
                vpn_instance=None, flow_logs=()):
    """The facts of one environment from raw describe outputs.

    ``tgw_route_tables`` is a list of ``(table, associations, propagations, routes)``;
    ``prefix_lists`` maps a service name to its prefix list id (gateway endpoints).
    """
    if vpc is None:
        return {"schema": SCHEMA_VERSION, "environment": environment, "region": region, "vpc": None}
    vpc_tags = tags_of(vpc)
    facts = {
        "schema": SCHEMA_VERSION,
        "environment": environment,
        "region": region,
        "account_id": vpc.get("OwnerId"),
        "vpc": {
            "id": vpc["VpcId"],
            "cidr": vpc["CidrBlock"],
            "cidrs": sorted(set([vpc["CidrBlock"]] + [c["CidrBlock"] for c in vpc.get("CidrBlockAssociationSet") or []
                                                      if (c.get("CidrBlockState") or {}).get("State", "associated") == "associated"])),
            "key": vpc_tags.get(KEY_TAG),
            "tags": vpc_tags,
        },
    }
    facts["subnets"] = {}
    for subnet in subnets:
        tags = tags_of(subnet)
        facts["subnets"][subnet["SubnetId"]] = {
            "id": subnet["SubnetId"], "key": tags.get(KEY_TAG), "tier": tags.get(TIER_TAG),
            "az": subnet.get("AvailabilityZone"), "cidr": subnet["CidrBlock"],
            "owned": tags.get(OWNER_TAG) == environment, "tags": tags,
        }
    facts["route_tables"] = dict((t["RouteTableId"], normalise_route_table(t)) for t in route_tables)
    facts["network_acls"] = dict((a["NetworkAclId"], normalise_network_acl(a)) for a in network_acls)
    _subnet_bindings(facts["subnets"], facts["route_tables"], facts["network_acls"])
    igw = next(iter(internet_gateways), None)
    facts["internet_gateway"] = {"id": igw["InternetGatewayId"], "key": tags_of(igw).get(KEY_TAG)} if igw else None
    facts["nat_gateways"] = {}
    subnet_az = dict((s["id"], s["az"]) for s in facts["subnets"].values())
    for nat in nat_gateways:
        if nat.get("State") in ("deleted", "deleting", "failed"):
            continue
        address = (nat.get("NatGatewayAddresses") or [{}])[0]
        facts["nat_gateways"][nat["NatGatewayId"]] = {
            "id": nat["NatGatewayId"], "key": tags_of(nat).get(KEY_TAG), "subnet": nat.get("SubnetId"),
            "az": subnet_az.get(nat.get("SubnetId")), "state": nat.get("State"),
            "public_ip": address.get("PublicIp"), "private_ip": address.get("PrivateIp"),
        }
    facts["security_groups"] = dict((g["GroupId"], normalise_security_group(g, interfaces)) for g in security_groups)
    facts["endpoints"] = dict((e["VpcEndpointId"], normalise_endpoint(e, prefix_lists)) for e in endpoints
                              if (e.get("State") or "").lower() not in ("deleted", "deleting"))
    facts["peerings"] = dict((p["VpcPeeringConnectionId"], normalise_peering(p)) for p in peerings
                             if (p.get("Status") or {}).get("Code") not in ("deleted", "rejected", "failed", "expired"))
    facts["transit_gateway_attachments"] = dict(
        (a["TransitGatewayAttachmentId"], normalise_tgw_attachment(a)) for a in tgw_attachments
        if a.get("State") not in ("deleted", "deleting"))
    facts["transit_gateway_route_tables"] = dict(
        (t[0]["TransitGatewayRouteTableId"], normalise_tgw_route_table(*t)) for t in tgw_route_tables)
    facts["zones"] = dict((z["id"], z) for z in (normalise_zone(z) for z in zones))
    facts["vpn"] = normalise_vpn(vpn_instance)
    facts["flow_logs"] = dict((f["FlowLogId"], {
        "id": f["FlowLogId"], "destination_type": f.get("LogDestinationType") or "cloud-watch-logs",
        "traffic_type": f.get("TrafficType"), "status": f.get("FlowLogStatus")}) for f in flow_logs)
    return facts


def combine(facts):
    """{environment: facts} from a list of network_info facts or a dict of them."""
    items = list(facts.values()) if isinstance(facts, dict) else facts
    if not isinstance(items, list):
        raise ValueError("facts: expected a list or dict of network_info facts, got %s" % type(facts).__name__)
    combined = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "environment" not in item:
            raise ValueError("facts[%d]: not network_info facts (no 'environment' key)" % i)
        combined[item["environment"]] = item
    return combined


def summary(facts):
    """Counts per component kind, for a short human-readable module result."""
    if not facts.get("vpc"):
        return {}
    kinds = ("subnets", "route_tables", "nat_gateways", "network_acls", "security_groups", "endpoints",
             "peerings", "transit_gateway_attachments", "zones", "flow_logs")
    counts = dict((k, len(facts.get(k) or {})) for k in kinds)
    counts["internet_gateway"] = 1 if facts.get("internet_gateway") else 0
    counts["vpn"] = 1 if facts.get("vpn") else 0
    return counts
