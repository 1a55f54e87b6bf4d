"""A small VPC tagged the way vpc_tiers tags it, built with boto3 for the security tests."""

import boto3

OWNER = "sectest"
TIERS = {  # tier -> [(az, cidr)]
    "eks_private": [("us-east-1a", "10.231.0.0/20"), ("us-east-1b", "10.231.16.0/20")],
    "endpoints": [("us-east-1a", "10.231.100.0/24")],
    "aurora": [("us-east-1a", "10.231.253.192/28"), ("us-east-1b", "10.231.253.208/28"),
               ("us-east-1c", "10.231.253.224/28")],
    "elasticache": [("us-east-1a", "10.231.255.64/28"), ("us-east-1b", "10.231.255.80/28")],
}


def _tags(resource, **tags):
    return [{"ResourceType": resource, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def build_vpc(owner=OWNER):
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.231.0.0/16", TagSpecifications=_tags(
        "vpc", **{"refarch:owner": owner, "refarch:key": "vpc"}))["Vpc"]["VpcId"]
    subnets = {}
    for tier, places in TIERS.items():
        for az, sub in places:
            tags = {"refarch:owner": owner, "refarch:key": "subnet/%s/%s" % (tier, az), "refarch:tier": tier}
            sid = ec2.create_subnet(VpcId=vpc, CidrBlock=sub, AvailabilityZone=az,
                                    TagSpecifications=_tags("subnet", **tags))["Subnet"]["SubnetId"]
            subnets.setdefault(tier, []).append(sid)
    tables = {}
    for name, tiers in (("private", ["eks_private", "endpoints"]), ("managed", ["aurora", "elasticache"])):
        rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=_tags(
            "route-table", **{"refarch:owner": owner, "refarch:key": "rtb/" + name,
                              "refarch:route-table": name}))["RouteTable"]["RouteTableId"]
        for tier in tiers:
            for sid in subnets[tier]:
                ec2.associate_route_table(RouteTableId=rtb, SubnetId=sid)
        tables[name] = rtb
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                    {"Name": "group-name", "Values": ["default"]}])
    return {"vpc_id": vpc, "subnets": subnets, "route_tables": tables,
            "default_sg": default["SecurityGroups"][0]["GroupId"]}
