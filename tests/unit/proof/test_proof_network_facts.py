"""Normalisation of canned describe outputs into the facts schema."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils import network_facts as nf


VPC = {"VpcId": "vpc-1", "CidrBlock": "10.130.0.0/16", "OwnerId": "111111111111",
       "CidrBlockAssociationSet": [{"CidrBlock": "10.130.0.0/16", "CidrBlockState": {"State": "associated"}},
                                   {"CidrBlock": "100.64.0.0/16", "CidrBlockState": {"State": "associated"}},
                                   {"CidrBlock": "100.65.0.0/16", "CidrBlockState": {"State": "disassociated"}}],
       "Tags": [{"Key": "refarch:owner", "Value": "production"}, {"Key": "refarch:key", "Value": "vpc"}]}
SUBNETS = [
    {"SubnetId": "subnet-a", "CidrBlock": "10.130.0.0/20", "AvailabilityZone": "us-east-1a",
     "Tags": [{"Key": "refarch:owner", "Value": "production"}, {"Key": "refarch:tier", "Value": "public"},
              {"Key": "refarch:key", "Value": "subnet/public/us-east-1a"}]},
    {"SubnetId": "subnet-eks", "CidrBlock": "10.130.240.0/24", "AvailabilityZone": "us-east-1b"},
]
TABLES = [
    {"RouteTableId": "rtb-main", "Associations": [{"Main": True, "RouteTableId": "rtb-main"}],
     "Routes": [{"DestinationCidrBlock": "10.130.0.0/16", "GatewayId": "local", "State": "active"}]},
    {"RouteTableId": "rtb-pub", "Associations": [{"Main": False, "SubnetId": "subnet-a"}],
     "Tags": [{"Key": "refarch:key", "Value": "rtb/public"}],
     "Routes": [{"DestinationCidrBlock": "10.130.0.0/16", "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
                {"DestinationCidrBlock": "10.120.0.0/16", "VpcPeeringConnectionId": "pcx-1", "State": "blackhole"},
                {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": "tgw-1", "State": "active"},
                {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-1", "State": "active"},
                {"DestinationCidrBlock": "172.27.224.0/20", "NetworkInterfaceId": "eni-vpn", "State": "active"},
                {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active"}]},
]
ACLS = [{"NetworkAclId": "acl-1", "IsDefault": True, "Associations": [{"SubnetId": "subnet-a"}], "Entries": [
    {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": False, "CidrBlock": "10.0.0.0/8",
     "PortRange": {"From": 22, "To": 22}},
    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 100, "Protocol": "17", "RuleAction": "allow", "Egress": True, "CidrBlock": "0.0.0.0/0",
     "PortRange": {"From": 1024, "To": 65535}},
    {"RuleNumber": 101, "Protocol": "-1", "RuleAction": "allow", "Egress": True, "Ipv6CidrBlock": "::/0"}]}]
GROUPS = [{"GroupId": "sg-db", "GroupName": "production-persistence",
           "Tags": [{"Key": "refarch:key", "Value": "sg/persistence"}],
           "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                              "UserIdGroupPairs": [{"GroupId": "sg-app", "UserId": "1"}]}],
           "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                    "PrefixListIds": [{"PrefixListId": "pl-s3"}]}]},
          {"GroupId": "sg-x", "GroupName": "legacy", "IpPermissions": [{"IpProtocol": "icmp", "FromPort": 8,
                                                                        "ToPort": -1, "IpRanges": []}]}]
ENIS = [{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a", "Groups": [{"GroupId": "sg-db"}],
         "Attachment": {"InstanceId": "i-1"}},
        {"NetworkInterfaceId": "eni-2", "SubnetId": "subnet-a", "Groups": [{"GroupId": "sg-x"}],
         "Description": "VPC Endpoint Interface vpce-2"}]


def build(**extra):
    args = dict(subnets=SUBNETS, route_tables=TABLES, network_acls=ACLS, security_groups=GROUPS, interfaces=ENIS,
                internet_gateways=[{"InternetGatewayId": "igw-1", "Tags": [{"Key": "refarch:key", "Value": "igw"}]}])
    args.update(extra)
    return nf.build_facts("production", "us-east-1", VPC, **args)


def test_vpc_subnets_and_bindings():
    facts = build()
    assert facts["vpc"]["cidrs"] == ["10.130.0.0/16", "100.64.0.0/16"]
    assert facts["account_id"] == "111111111111"
    a, eks = facts["subnets"]["subnet-a"], facts["subnets"]["subnet-eks"]
    assert (a["tier"], a["key"], a["owned"], a["route_table"], a["network_acl"]) == (
        "public", "subnet/public/us-east-1a", True, "rtb-pub", "acl-1")
    # an unassociated subnet uses the main route table and the default ACL
    assert (eks["owned"], eks["tier"], eks["route_table"], eks["network_acl"]) == (False, None, "rtb-main", "acl-1")
    assert facts["internet_gateway"] == {"id": "igw-1", "key": "igw"}


def test_routes_target_types():
    routes = build()["route_tables"]["rtb-pub"]["routes"]
    assert [(r["destination"], r["target_type"], r["target"], r["state"]) for r in routes] == [
        ("10.130.0.0/16", "local", "local", "active"),
        ("0.0.0.0/0", "internet-gateway", "igw-1", "active"),
        ("10.120.0.0/16", "peering-connection", "pcx-1", "blackhole"),
        ("10.0.0.0/8", "transit-gateway", "tgw-1", "active"),
        ("pl-s3", "vpc-endpoint", "vpce-1", "active"),
        ("172.27.224.0/20", "network-interface", "eni-vpn", "active"),
        ("::/0", "other", None, "active"),
    ]
    assert build()["route_tables"]["rtb-main"]["main"] is True


def test_acl_entries_ordered_and_normalised():
    acl = build()["network_acls"]["acl-1"]
    assert [(e["rule"], e["action"], e["protocol"], e["from_port"]) for e in acl["ingress"]] == [
        (90, "deny", "tcp", 22), (100, "allow", "all", None), (32767, "deny", "all", None)]
    assert acl["egress"] == [{"rule": 100, "action": "allow", "protocol": "udp", "cidr": "0.0.0.0/0",
                              "from_port": 1024, "to_port": 65535}]


def test_security_groups():
    groups = build()["security_groups"]
    db = groups["sg-db"]
    assert db["logical_name"] == "persistence" and db["key"] == "sg/persistence"
    assert db["ingress"] == [{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidrs": [],
                              "groups": ["sg-app"], "prefix_lists": []}]
    assert db["egress"][0]["prefix_lists"] == ["pl-s3"] and db["egress"][0]["from_port"] is None
    assert db["used_by"] == [{"eni": "eni-1", "subnet": "subnet-a", "attached_to": "i-1"}]
    legacy = groups["sg-x"]
    assert legacy["logical_name"] == "legacy" and legacy["ingress"][0]["protocol"] == "icmp"
    assert legacy["used_by"][0]["attached_to"] == "VPC Endpoint Interface vpce-2"


def test_endpoints_peerings_tgw_zones_vpn():
    facts = build(
        endpoints=[{"VpcEndpointId": "vpce-1", "ServiceName": "com.amazonaws.us-east-1.s3", "VpcEndpointType": "Gateway",
                    "State": "available", "RouteTableIds": ["rtb-pub"]},
                   {"VpcEndpointId": "vpce-old", "ServiceName": "x", "State": "deleted"}],
        prefix_lists={"com.amazonaws.us-east-1.s3": "pl-s3"},
        peerings=[{"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
                   "RequesterVpcInfo": {"VpcId": "vpc-9", "CidrBlock": "10.120.0.0/16", "OwnerId": "2", "Region": "us-east-1"},
                   "AccepterVpcInfo": {"VpcId": "vpc-1", "CidrBlockSet": [{"CidrBlock": "10.130.0.0/16"}]}},
                  {"VpcPeeringConnectionId": "pcx-2", "Status": {"Code": "rejected"}}],
        tgw_attachments=[{"TransitGatewayAttachmentId": "tgw-attach-1", "TransitGatewayId": "tgw-1", "VpcId": "vpc-1",
                          "SubnetIds": ["subnet-a"], "State": "available", "VpcOwnerId": "1"}],
        tgw_route_tables=[({"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1"},
                           [{"TransitGatewayAttachmentId": "tgw-attach-1"}],
                           [{"TransitGatewayAttachmentId": "tgw-attach-1", "State": "disabled"}],
                           [{"DestinationCidrBlock": "10.0.0.0/8", "State": "active", "Type": "propagated",
                             "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1"}]}])],
        zones=[{"HostedZoneId": "Z1", "Name": "production.internal."}],
        vpn_instance={"InstanceId": "i-vpn", "SubnetId": "subnet-a", "PrivateIpAddress": "10.130.0.4",
                      "SecurityGroups": [{"GroupId": "sg-vpn"}], "State": {"Name": "running"}, "SourceDestCheck": False,
                      "Tags": [{"Key": "refarch:key", "Value": "instance/vpn"}]})
    assert list(facts["endpoints"]) == ["vpce-1"] and facts["endpoints"]["vpce-1"]["prefix_list"] == "pl-s3"
    assert facts["endpoints"]["vpce-1"]["type"] == "gateway"
    assert list(facts["peerings"]) == ["pcx-1"]
    assert facts["peerings"]["pcx-1"]["requester"] == {"vpc": "vpc-9", "cidrs": ["10.120.0.0/16"], "account": "2",
                                                       "region": "us-east-1"}
    assert facts["peerings"]["pcx-1"]["accepter"]["cidrs"] == ["10.130.0.0/16"]
    table = facts["transit_gateway_route_tables"]["tgw-rtb-1"]
    assert (table["associations"], table["propagations"]) == (["tgw-attach-1"], [])
    assert table["routes"] == [{"destination": "10.0.0.0/8", "attachments": ["tgw-attach-1"], "state": "active",
                                "type": "propagated"}]
    assert facts["zones"] == {"Z1": {"id": "Z1", "name": "production.internal.", "private": True}}
    assert facts["vpn"]["key"] == "instance/vpn" and facts["vpn"]["source_dest_check"] is False
    counts = nf.summary(facts)
    assert counts["vpn"] == 1 and counts["peerings"] == 1 and counts["subnets"] == 2


def test_no_vpc_and_combine():
    empty = nf.build_facts("nobody", "us-east-1", None)
    assert empty["vpc"] is None and nf.summary(empty) == {}
    facts = build()
    assert nf.combine([facts]) == {"production": facts} == nf.combine({"x": facts})
    with pytest.raises(ValueError, match=r"facts\[0\]: not network_info facts"):
        nf.combine([{"vpc": None}])
    with pytest.raises(ValueError, match="expected a list or dict"):
        nf.combine("production")
