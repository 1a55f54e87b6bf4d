"""network_info against the emulator: the whole owned topology, in a few read-only calls."""

from aws_proxy import AwsProxy

import proof_topology as topo


def by_key(facts, kind):
    return dict((item["key"], item) for item in facts[kind].values() if item.get("key"))


def test_reads_whole_environment(aws, module):
    prod = topo.build_env("production", "10.130.0.0/16", vpn=True)
    mgmt = topo.build_env("management", "10.120.0.0/16")
    pcx = topo.peer(mgmt, prod)
    result = module("network_info", {"owner": "production"})
    assert not result.failed, result
    assert result["changed"] is False and result["actions"] == []
    facts = result["network_facts"]
    assert facts["environment"] == "production"
    assert facts["vpc"] == {"id": prod["vpc"], "cidr": "10.130.0.0/16", "cidrs": ["10.130.0.0/16"], "key": "vpc",
                            "tags": facts["vpc"]["tags"]}
    subnets = by_key(facts, "subnets")
    assert sorted(subnets) == sorted(prod["subnets"])
    private_a = subnets["subnet/private/us-east-1a"]
    assert private_a["tier"] == "private" and private_a["az"] == "us-east-1a"
    assert private_a["cidr"] == topo.subnet_cidr("10.130.0.0/16", "private", 0)
    assert private_a["route_table"] == prod["rtb"]["rtb/private/us-east-1a"]
    assert private_a["network_acl"] in facts["network_acls"]
    tables = by_key(facts, "route_tables")
    routes = dict((r["destination"], r) for r in tables["rtb/private/us-east-1a"]["routes"])
    assert routes["0.0.0.0/0"]["target_type"] == "nat-gateway"
    assert routes["0.0.0.0/0"]["target"] == prod["nat"]["us-east-1a"]
    assert routes["10.120.0.0/16"] == {"destination": "10.120.0.0/16", "target_type": "peering-connection",
                                       "target": pcx, "state": "active"}
    assert routes["10.130.0.0/16"]["target_type"] == "local"
    assert any(r["target_type"] == "vpc-endpoint" and r["target"] == prod["vpce"] for r in routes.values())
    assert [t for t in facts["route_tables"].values() if t["main"]], "the main route table is reported"
    assert facts["internet_gateway"]["id"] == prod["igw"]
    assert sorted(n["key"] for n in facts["nat_gateways"].values()) == ["nat/us-east-1a", "nat/us-east-1b"]
    groups = dict((g["logical_name"], g) for g in facts["security_groups"].values())
    assert groups["public_lb"]["ingress"] == [{"protocol": "tcp", "from_port": 443, "to_port": 443,
                                               "cidrs": ["0.0.0.0/0"], "groups": [], "prefix_lists": []}]
    assert groups["persistence"]["ingress"][0]["groups"] == [prod["sg"]["app"]]
    assert groups["persistence"]["egress"] == []
    assert [u["attached_to"] for u in groups["vpn"]["used_by"]] == [prod["vpn"]]
    acl = facts["network_acls"][private_a["network_acl"]]
    assert [e["rule"] for e in acl["ingress"]] == sorted(e["rule"] for e in acl["ingress"])
    endpoint = facts["endpoints"][prod["vpce"]]
    assert endpoint["type"] == "gateway" and endpoint["service"].endswith(".s3")
    assert sorted(endpoint["route_tables"]) == sorted([prod["rtb"]["rtb/private/us-east-1a"],
                                                       prod["rtb"]["rtb/private/us-east-1b"]])
    peering = facts["peerings"][pcx]
    assert peering["status"] == "active"
    assert peering["requester"]["vpc"] == mgmt["vpc"] and peering["accepter"]["cidrs"] == ["10.130.0.0/16"]
    assert facts["vpn"]["id"] == prod["vpn"] and facts["vpn"]["subnet"] == prod["subnets"]["subnet/public/us-east-1a"]
    # both directions: the requester side sees the same peering
    mgmt_facts = module("network_info", {"owner": "management"})["network_facts"]
    assert list(mgmt_facts["peerings"]) == [pcx]
    assert mgmt_facts["vpn"] is None


def test_reads_only_and_few_calls(aws, module):
    topo.build_env("production", "10.130.0.0/16")
    with AwsProxy(aws.port) as proxy:
        result = module("network_info", {"owner": "production", "endpoint_url": proxy.url})
        assert not result.failed, result
        assert proxy.writes() == []
        assert len(proxy.reads()) == result["api_calls"]
        assert result["api_calls"] <= 16


def test_transit_gateway_and_zones(aws, module):
    prod = topo.build_env("production", "10.130.0.0/16", azs=("us-east-1a",))
    ec2 = topo.client()
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    att = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=prod["vpc"],
        SubnetIds=[prod["subnets"]["subnet/private/us-east-1a"]])["TransitGatewayVpcAttachment"]
    att_id = att["TransitGatewayAttachmentId"]
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"]
    table_id = table["TransitGatewayRouteTableId"]
    ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=table_id, TransitGatewayAttachmentId=att_id)
    ec2.create_transit_gateway_route(DestinationCidrBlock="10.0.0.0/8", TransitGatewayRouteTableId=table_id,
                                     TransitGatewayAttachmentId=att_id)
    ec2.create_route(RouteTableId=prod["rtb"]["rtb/persistence"], DestinationCidrBlock="10.0.0.0/8",
                     TransitGatewayId=tgw)
    zone = topo.client("route53").create_hosted_zone(
        Name="production.internal", CallerReference="proof-zone",
        VPC={"VPCRegion": "us-east-1", "VPCId": prod["vpc"]}, HostedZoneConfig={"PrivateZone": True})
    facts = module("network_info", {"owner": "production"})["network_facts"]
    assert facts["transit_gateway_attachments"][att_id]["tgw"] == tgw
    assert facts["transit_gateway_attachments"][att_id]["vpc"] == prod["vpc"]
    tgw_table = facts["transit_gateway_route_tables"][table_id]
    assert tgw_table["associations"] == [att_id]
    route = tgw_table["routes"][0]
    # the emulator drops a TGW route's attachments when serialising (moto 5.2.5); AWS returns them
    assert (route["destination"], route["state"], route["type"]) == ("10.0.0.0/8", "active", "static"), tgw_table
    routes = by_key(facts, "route_tables")["rtb/persistence"]["routes"]
    assert {"destination": "10.0.0.0/8", "target_type": "transit-gateway", "target": tgw, "state": "active"} in routes
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    assert facts["zones"][zone_id]["name"].rstrip(".") == "production.internal"


def test_missing_vpc(aws, module):
    failed = module("network_info", {"owner": "nobody"})
    assert failed.failed and "owner: no VPC tagged" in failed["msg"]
    empty = module("network_info", {"owner": "nobody", "missing_ok": True})
    assert not empty.failed and empty["network_facts"]["vpc"] is None
