"""Build tiered VPCs with plain boto3, tagged the way vpc_tiers tags them, for connectivity tests."""

import ipaddress

import boto3

OWNER, KEY, TIER, RTB = "refarch:owner", "refarch:key", "refarch:tier", "refarch:route-table"
# tier -> (prefix, route table per AZ?)
TIERS = {"public": (20, False), "private": (19, True), "persistence": (21, False)}


def ec2_client(account=None, region="us-east-1", service="ec2"):
    """A client acting in ``account`` (through assume-role, as the emulator maps it)."""
    if account is None:
        return boto3.client(service, region_name=region)
    creds = boto3.client("sts", region_name=region).assume_role(
        RoleArn=role_arn(account), RoleSessionName="tests")["Credentials"]
    return boto3.client(service, region_name=region, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def role_arn(account):
    return "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % account


def _tags(owner, key, **extra):
    tags = {OWNER: owner, KEY: key, "Name": "%s-%s" % (owner, key)}
    tags.update(extra)
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def build_vpc(ec2, owner, cidr, azs=None):
    """VPC + public/private/persistence subnets + owned route tables; returns ids by key."""
    region = ec2.meta.region_name
    azs = azs or [region + "a", region + "b"]
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _tags(owner, "vpc")}])["Vpc"]["VpcId"]
    out = dict(vpc_id=vpc, cidr=cidr, tables={}, subnets={})
    base = ipaddress.IPv4Network(cidr)
    taken = []
    for tier, (prefix, per_az) in TIERS.items():
        blocks = [b for b in base.subnets(new_prefix=prefix) if not any(b.overlaps(t) for t in taken)]
        for az, block in zip(azs, blocks):
            taken.append(block)
            sn = ec2.create_subnet(VpcId=vpc, CidrBlock=str(block), AvailabilityZone=az, TagSpecifications=[
                {"ResourceType": "subnet", "Tags": _tags(owner, "subnet/%s/%s" % (tier, az), **{TIER: tier})}])
            subnet = sn["Subnet"]["SubnetId"]
            out["subnets"]["subnet/%s/%s" % (tier, az)] = subnet
            name = tier
            key = "rtb/%s/%s" % (tier, az) if per_az else "rtb/%s" % tier
            if key not in out["tables"]:
                out["tables"][key] = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
                    {"ResourceType": "route-table", "Tags": _tags(owner, key, **{RTB: name})}])["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(RouteTableId=out["tables"][key], SubnetId=subnet)
    return out


def routes(ec2, table_id):
    """{destination: target id} of a route table."""
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    result = {}
    for r in table["Routes"]:
        target = [v for k, v in r.items() if k.endswith("Id") and k != "DestinationPrefixListId"]
        result[r.get("DestinationCidrBlock")] = target[0] if target else None
    return result


def live_peerings(ec2):
    return [c for c in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
            if c["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")]
