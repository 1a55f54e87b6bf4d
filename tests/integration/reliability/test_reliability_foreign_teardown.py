"""vpc_tiers teardown next to resources we do not own: they keep what holds them, and once they
are gone a second teardown removes the rest (no association left behind on a kept table)."""

import boto3

TIERS = [
    {"name": "public", "route": "internet", "prefix": 20},
    {"name": "private", "route": "nat", "prefix": 19},
    {"name": "persistence", "route": "none", "prefix": 21},
]
ABSENT = dict(owner="production", state="absent", region="us-east-1")


def test_teardown_after_foreign_route_is_removed_leaves_nothing(module, aws):
    built = module("vpc_tiers", dict(owner="production", cidr="10.130.0.0/16", azs=["us-east-1a", "us-east-1b"],
                                     tiers=TIERS, nat_mode="per_az", region="us-east-1"))
    assert not built.failed, built.get("msg")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc_id, table_id = built["vpc"]["id"], built["route_tables"]["rtb/private/us-east-1a"]["id"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.130.255.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    eni = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="192.168.77.0/24", NetworkInterfaceId=eni)

    first = module("vpc_tiers", ABSENT)
    assert not first.failed, first.get("msg")
    assert any(k.startswith("rtb/private/us-east-1a: kept") for k in first["kept"])
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    assert [r for r in table["Routes"] if r.get("NetworkInterfaceId") == eni], "the foreign route must stay"
    assert [a for a in table["Associations"] if a.get("SubnetId")] == [], "our subnets' associations must go"

    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="192.168.77.0/24")
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    second = module("vpc_tiers", ABSENT)
    assert not second.failed, second.get("msg")
    assert second["kept"] == []
    mine = [{"Name": "tag:refarch:owner", "Values": ["production"]}]
    assert ec2.describe_vpcs(Filters=mine)["Vpcs"] == []
    assert ec2.describe_route_tables(Filters=mine)["RouteTables"] == []
