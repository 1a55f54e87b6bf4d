"""verify.yml proves the single-VPC layout (seed 003) as the collection builds it: the inventory's
VPC, groups and endpoints converged by the modules, then the layout's intents through the
playbook; opening Aurora to the internet must then make the check fail naming that intent.
One build serves both checks."""

import os
import re
import subprocess

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HOST_VARS = os.path.join(ROOT, "inventories", "single_vpc", "production", "host_vars", "single_vpc_production")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def build(module, network, security):
    """The layout as vpc.yml and security.yml converge it (the CIDR template is the base itself)."""
    owner = network["owner"]
    steps = [("vpc_tiers", dict(owner=owner, name=owner, cidr=network["vpc_base_cidr"], azs=network["azs"],
                                tiers=network["tiers"], nat_mode=network["nat_mode"],
                                required_prefix=network["required_prefix"],
                                lockdown_default_sg=network["lockdown_default_sg"])),
             ("security_groups", dict(owner=owner, groups=security["security_groups"])),
             ("vpc_endpoints", dict(owner=owner, **security["vpc_endpoints"]))]
    for name, args in steps:
        result = module(name, dict(args, region=network["aws_region"]))
        assert result["changed"] and not result.failed, (name, result.get("msg"))


def verify_playbook():
    # JSON results: one message per line, not folded
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "inventories/single_vpc/production",
           "playbooks/verify.yml"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def open_aurora_to_the_internet(owner):
    """A route to the internet gateway from the Aurora subnets and 5432 open to the world."""
    ec2 = boto3.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [owner]}])["Vpcs"][0]["VpcId"]
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                           {"Name": "tag:refarch:key", "Values": ["subnet/aurora/*"]}])["Subnets"][0]
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet["SubnetId"]]}])
    ec2.create_route(RouteTableId=table["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=igw["InternetGateways"][0]["InternetGatewayId"])
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                    {"Name": "group-name", "Values": ["default"]}])
    ec2.authorize_security_group_ingress(GroupId=default["SecurityGroups"][0]["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def test_single_vpc_verify_proves_the_layout_and_fails_when_aurora_is_open(aws, module):
    network, security = load(os.path.join(HOST_VARS, "network.yml")), load(os.path.join(HOST_VARS, "security.yml"))
    build(module, network, security)

    rc, out = verify_playbook()
    assert rc == 0, out[-3000:]
    held = re.search(r"(\d+) intents hold; 0 could not be checked", out)
    assert held and int(held.group(1)) >= 10, out[-3000:]
    assert "[WARNING]" not in out and "DEPRECATION" not in out, out[-3000:]
    for name in ("internet reaches the EKS public load balancers on 443 (single-vpc-production): allow as expected",
                 "internet cannot reach Aurora (single-vpc-production): deny as expected",
                 "EKS nodes reach Redis on 6379 (single-vpc-production): allow as expected",
                 "EKS nodes reach the STS endpoint on 443 (single-vpc-production): allow as expected",
                 "ElastiCache subnets cannot reach the internet (single-vpc-production): deny as expected"):
        assert out.count(name) == 1, name   # shown once

    open_aurora_to_the_internet(network["owner"])
    facts = module("network_info", dict(owner=network["owner"], region=network["aws_region"]))["network_facts"]
    intents = load(os.path.join(ROOT, "roles", "network_verify", "defaults", "main.yml"))[
        "network_verify_single_vpc_intents"]
    result = module("network_verify", dict(facts=[facts], intents=intents))
    assert result.failed
    violated = [r["name"] for r in result["results"] if r["status"] == "violated"]
    assert "internet cannot reach Aurora (single-vpc-production)" in violated, violated
    assert "internet cannot reach DocumentDB (single-vpc-production)" not in violated   # 5432 only
    assert "internet cannot reach Aurora (single-vpc-production): expected deny" in result["msg"]
