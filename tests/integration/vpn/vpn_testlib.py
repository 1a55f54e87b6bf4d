"""Shared set-up for the VPN integration tests: an environment's VPC built with boto3 and
tagged the way vpc_tiers tags it, so these tests do not depend on vpc_tiers' own state."""

import boto3

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
USER_DATA = "#cloud-config\npackages: []\n"
PEER_ACCOUNT = "222222222222"
PEER_ROLE = "arn:aws:iam::%s:role/refarch" % PEER_ACCOUNT


def tags(owner, key, **extra):
    result = [{"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": key}]
    result += [{"Key": k, "Value": v} for k, v in extra.items()]
    return result


def client(service, role_arn=None):
    if not role_arn:
        return boto3.client(service)
    creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="vpn-tests")["Credentials"]
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def build_vpc(owner, cidr, role_arn=None):
    """VPC + public and private subnets in two zones + one owned route table per tier."""
    ec2 = client("ec2", role_arn)
    spec = [{"ResourceType": "vpc", "Tags": tags(owner, "vpc")}]
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=spec)["Vpc"]["VpcId"]
    base = cidr.split(".")
    result = dict(vpc_id=vpc, cidr=cidr, subnets={}, tables={})
    for t_index, tier in enumerate(("public", "private")):
        rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": tags(
            owner, "rtb/" + tier, **{"refarch:route-table": tier})}])["RouteTable"]["RouteTableId"]
        result["tables"][tier] = rtb
        for a_index, az in enumerate(("us-east-1a", "us-east-1b")):
            sub_cidr = "%s.%s.%d.0/24" % (base[0], base[1], t_index * 16 + a_index)
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=sub_cidr, AvailabilityZone=az, TagSpecifications=[{
                "ResourceType": "subnet", "Tags": tags(owner, "subnet/%s/%s" % (tier, az),
                                                       **{"refarch:tier": tier})}])["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
            result["subnets"]["%s/%s" % (tier, az)] = subnet
    return result


def peer(requester, accepter, role_arn=None, account=None):
    """An active peering connection from ``requester`` (our account) to ``accepter``."""
    ec2 = client("ec2")
    kwargs = dict(VpcId=requester["vpc_id"], PeerVpcId=accepter["vpc_id"])
    if account:
        kwargs["PeerOwnerId"] = account
    pcx = ec2.create_vpc_peering_connection(**kwargs)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    client("ec2", role_arn).accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    return pcx


def live_instances(owner, ec2=None):
    ec2 = ec2 or client("ec2")
    filters = [{"Name": "tag:refarch:owner", "Values": [owner]},
               {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    return [i for r in ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]]


def routes_to(table_id, cidr, role_arn=None):
    ec2 = client("ec2", role_arn)
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    return [r for r in table["Routes"] if r.get("DestinationCidrBlock") == cidr]
