#!/usr/bin/env python
"""Create the EKS cluster records of the demo environments in the AWS emulator.

The clusters themselves are not this collection's job (eksctl or Terraform make them in real
life); the demo and the tests need one per environment so refarch.network.eks_irsa can read its
OIDC issuer. Usage: eks_demo_clusters.py [--zone NAME] ENV [ENV...]

Each cluster (named by the environment's inventories/<env>/host_vars/<env>/eks.yml) is created in
the environment's own account (the Organizations account of that name, entered through
OrganizationAccountAccessRole), or in the caller's account when there is no such account.
``--zone`` also creates a public hosted zone of that name (normally dns_zones does). Idempotent.
"""

import argparse
import os

import boto3
import yaml
from botocore.exceptions import ClientError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLE = "arn:aws:iam::%s:role/OrganizationAccountAccessRole"


def account_session(env):
    try:
        accounts = dict((a["Name"], a["Id"]) for a in boto3.client("organizations").list_accounts()["Accounts"])
    except ClientError:  # no organization: single-account use
        accounts = {}
    if env not in accounts:
        return boto3.Session()
    creds = boto3.client("sts").assume_role(RoleArn=ROLE % accounts[env], RoleSessionName="eks-demo")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def ensure_cluster(session, name, region):
    eks = session.client("eks", region_name=region)
    if name in eks.list_clusters()["clusters"]:
        return False
    account = session.client("sts").get_caller_identity()["Account"]
    # the emulator checks neither the role nor the subnets
    eks.create_cluster(name=name, roleArn="arn:aws:iam::%s:role/eks-cluster" % account,
                       resourcesVpcConfig={"subnetIds": ["subnet-00000000000000001"]})
    return True


def ensure_zone(session, name):
    route53 = session.client("route53")
    zones = route53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]
    if any(z["Name"] == name.rstrip(".") + "." and not z["Config"]["PrivateZone"] for z in zones):
        return False
    route53.create_hosted_zone(Name=name, CallerReference="eks-demo-" + name)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zone", help="also create this public zone (one environment only)")
    parser.add_argument("envs", nargs="+")
    args = parser.parse_args()
    for env in args.envs:
        with open(os.path.join(ROOT, "inventories", env, "host_vars", env, "eks.yml")) as f:
            name = yaml.safe_load(f)["eks_cluster_name"]
        session = account_session(env)
        created = ensure_cluster(session, name, os.environ.get("AWS_REGION", "us-east-1"))
        print("%s: cluster %s %s" % (env, name, "created" if created else "exists"))
        if args.zone:
            print("%s: zone %s %s" % (env, args.zone, "created" if ensure_zone(session, args.zone) else "exists"))


if __name__ == "__main__":
    main()
