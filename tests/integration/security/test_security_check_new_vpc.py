"""--check on a new environment: security_groups, vpc_endpoints and service_subnet_groups plan
against the empty VPC vpc_tiers will create, and report exactly what a real run then does."""

import os
import re

import yaml
from aws_proxy import AwsProxy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENV_DIR = os.path.join(ROOT, "inventories", "single_vpc", "production", "host_vars", "single_vpc_production")
OWNER = "checknew"


def inventory(name):
    with open(os.path.join(ENV_DIR, name)) as f:
        return yaml.safe_load(f)


SECURITY = inventory("security.yml")
NETWORK = inventory("network.yml")
MODULE_ARGS = {
    "security_groups": dict(owner=OWNER, groups=SECURITY["security_groups"]),
    "vpc_endpoints": dict(owner=OWNER, subnet_tier=SECURITY["vpc_endpoints"]["subnet_tier"],
                          security_groups=SECURITY["vpc_endpoints"]["security_groups"],
                          endpoints=SECURITY["vpc_endpoints"]["endpoints"]),
    "service_subnet_groups": dict(owner=OWNER, groups=SECURITY["service_subnet_groups"]),
}


def build_vpc(module):
    """The VPC as playbooks/vpc.yml builds it from the inventory (its CIDR template resolved)."""
    result = module("vpc_tiers", dict(
        owner=OWNER, name=OWNER, cidr=NETWORK["vpc_base_cidr"], azs=NETWORK["azs"], tiers=NETWORK["tiers"],
        nat_mode=NETWORK["nat_mode"], required_prefix=NETWORK["required_prefix"],
        lockdown_default_sg=NETWORK["lockdown_default_sg"]))
    assert result["changed"] and not result.failed, result
    return result


def without_ids(actions):
    """Action texts with AWS IDs and planned logical names of subnets both reduced to <subnets>."""
    subnets = r"(subnet-[0-9a-f]+|subnet/[\w-]+/\* \(planned\))(, (subnet-[0-9a-f]+|subnet/[\w-]+/\* \(planned\)))*"
    return sorted(re.sub(subnets, "<subnets>", a) for a in actions)


def check_on_empty_account(module, aws):
    """Each module in check mode with --diff on an empty account, through a counting proxy."""
    proxy = AwsProxy(aws.port).start()
    try:
        results = dict((name, module(name, dict(args, endpoint_url=proxy.url), check_mode=True, diff=True))
                       for name, args in MODULE_ARGS.items())
    finally:
        proxy.stop()
    assert proxy.writes() == [], proxy.writes()
    assert proxy.reads()   # it did look for the VPC
    for name, result in results.items():
        assert result["changed"] and not result.failed, (name, result)
        assert result["vpc_id"] is None
        warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
        assert any("will be created by vpc_tiers" in w for w in warnings), (name, warnings)
        assert result["diff"]["before"] == {}, (name, result["diff"])
    return results


def test_check_plans_every_create_against_the_vpc_to_be(module, aws):
    check = check_on_empty_account(module, aws)

    groups = check["security_groups"]
    assert sorted(groups["diff"]["after"]) == ["default", "eks_cluster", "public_lb"]
    assert groups["diff"]["after"]["default"] == {"ingress": ["ingress all from sg:eks_cluster (eks_to_base)"]}
    assert groups["groups"]["default"] == {"id": None, "group_name": "default", "adopted": True}
    assert "authorize sg/default ingress all from sg:eks_cluster (eks_to_base)" in groups["actions"]
    assert "create security group sg/eks_cluster (checknew-eks_cluster)" in groups["actions"]
    endpoints = check["vpc_endpoints"]
    assert len(endpoints["actions"]) == len(SECURITY["vpc_endpoints"]["endpoints"]) == 12
    assert endpoints["diff"]["after"]["ec2"]["subnets"] == ["subnet/endpoints/* (planned)"]
    assert endpoints["diff"]["after"]["ec2"]["security_groups"] == ["sg/default (planned)", "sg/eks_cluster (planned)"]
    subnet_groups = check["service_subnet_groups"]
    assert subnet_groups["diff"]["after"]["db/single-vpc-production-aurora"] == ["subnet/aurora/* (planned)"]
    assert len(subnet_groups["actions"]) == 3

    build_vpc(module)
    for name, args in MODULE_ARGS.items():   # in site.yml's order: endpoints use the groups
        real = module(name, args, diff=True)
        assert real["changed"] and not real.failed, (name, real)
        assert without_ids(real["actions"]) == without_ids(check[name]["actions"]), name
        assert sorted(real["diff"]["after"]) == sorted(check[name]["diff"]["after"]), name
    assert real_groups_after(module) == groups["diff"]["after"]   # rules are named logically: equal


def real_groups_after(module):
    return module("security_groups", MODULE_ARGS["security_groups"], check_mode=True, diff=True)["diff"]["after"]


def test_gateway_endpoint_route_tables_by_tier(module, aws):
    gateway = {"service": "s3", "type": "Gateway", "route_table_tiers": ["eks_private", "aurora"]}
    check = module("vpc_endpoints", dict(owner=OWNER, endpoints=[gateway]), check_mode=True, diff=True)
    assert check["actions"] == ["create Gateway endpoint vpce/s3-gateway com.amazonaws.us-east-1.s3"], check
    assert check["diff"]["after"]["s3-gateway"]["route_tables"] == [
        "rtb of tier aurora (planned)", "rtb of tier eks_private (planned)"]

    build_vpc(module)
    real = module("vpc_endpoints", dict(owner=OWNER, endpoints=[gateway], wait=False))
    assert real["actions"] == check["actions"], real
    assert len(real["endpoints"]["s3-gateway"]["route_tables"]) == 2   # the private and managed tables


def test_bad_input_still_refused_in_check_mode_without_a_vpc(module, aws):
    cases = [
        ("security_groups", dict(owner=OWNER, groups=[
            {"name": "db", "ingress": [{"ports": 5432, "cidr": "0.0.0.0/0"}]}]), "groups[0](db).ingress[0]"),
        ("vpc_endpoints", dict(owner=OWNER, subnet_tier="endpoints", endpoints=[{"service": "no-such-service"}]),
         "endpoints[0](no-such-service)"),
        ("vpc_endpoints", dict(owner=OWNER, endpoints=[{"service": "sts"}]), "endpoints[0](sts).subnet_tier"),
        ("service_subnet_groups", dict(owner=OWNER, groups=[{"name": "Bad_Name", "tier": "aurora"}]), "groups[0].name"),
    ]
    proxy = AwsProxy(aws.port).start()
    try:
        for name, args, field in cases:
            result = module(name, dict(args, endpoint_url=proxy.url), check_mode=True)
            assert result.failed and result["field"] == field, (name, result)
    finally:
        proxy.stop()
    assert proxy.writes() == []


def test_without_check_mode_a_missing_vpc_still_fails_or_is_absent(module, aws):
    for name, args in MODULE_ARGS.items():
        result = module(name, args)
        assert result.failed and result["field"] == "vpc_id", (name, result)
        assert "no VPC is owned by checknew" in result["msg"]
        for check_mode in (False, True):
            gone = module(name, dict(args, state="absent"), check_mode=check_mode)
            assert not gone.failed and not gone["changed"] and gone["actions"] == [], (name, gone)


def test_production_groups_check_matches_a_real_run(module, aws):
    """The demo environments' groups: persistence's egress: [] also revokes AWS's all-egress rule."""
    prod = os.path.join(ROOT, "inventories", "production", "host_vars", "production")
    with open(os.path.join(prod, "security.yml")) as f:
        groups = yaml.safe_load(f)["security_groups"]
    with open(os.path.join(prod, "network.yml")) as f:
        network = yaml.safe_load(f)
    args = dict(owner="production", groups=groups)
    proxy = AwsProxy(aws.port).start()
    try:
        check = module("security_groups", dict(args, endpoint_url=proxy.url), check_mode=True, diff=True)
    finally:
        proxy.stop()
    assert proxy.writes() == [] and check["changed"] and check["diff"]["before"] == {}, check
    assert "revoke sg/persistence egress all to 0.0.0.0/0" in check["actions"]
    assert "revoke sg/public_lb egress all to 0.0.0.0/0" in check["actions"]   # its egress goes to app only
    # 3 creates; public_lb 4 ingress + 3 egress + 1 revoke; app 3 + self; persistence 5 + 1 revoke
    assert len(check["actions"]) == 3 + 8 + 4 + 6, check["actions"]

    vpc = module("vpc_tiers", dict(owner="production", name="production", cidr=network["vpc_cidr"],
                                   azs=network["azs"], tiers=network["tiers"], nat_mode=network["nat_mode"]))
    assert vpc["changed"] and not vpc.failed, vpc
    real = module("security_groups", args, diff=True)
    assert sorted(real["actions"]) == sorted(check["actions"]), real
    assert real["diff"]["after"] == check["diff"]["after"]
