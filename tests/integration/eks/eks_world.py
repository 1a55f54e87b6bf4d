"""Emulator state the EKS tests start from: a cluster record and the environment's public zone."""

import boto3

ACCOUNT = "123456789012"


def make_cluster(name="production-eks", region="us-east-1", session=None):
    """An ACTIVE EKS cluster (moto needs a role ARN and subnets, which it does not check)."""
    eks = (session or boto3).client("eks", region_name=region)
    cluster = eks.create_cluster(name=name, roleArn="arn:aws:iam::%s:role/eks-cluster" % ACCOUNT,
                                 resourcesVpcConfig={"subnetIds": ["subnet-00000000000000001"]})["cluster"]
    return cluster


def make_zone(name="production.example.com", private=False, session=None):
    route53 = (session or boto3).client("route53")
    args = dict(Name=name, CallerReference="ref-%s-%s" % (name, private))
    if private:
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
        args.update(VPC={"VPCRegion": "us-east-1", "VPCId": vpc}, HostedZoneConfig={"PrivateZone": True})
    return route53.create_hosted_zone(**args)["HostedZone"]["Id"].split("/")[-1]


def issuer_host(cluster):
    return cluster["identity"]["oidc"]["issuer"][len("https://"):]
