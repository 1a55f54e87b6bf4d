"""The single-VPC inventories reproduce the seed's allocation table (AosCloud networking, seed 003)."""

import os

import pytest
import yaml

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network, shift_second_octet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]

# The seed's table for the base 10.231.0.0/16, written out subnet by subnet ("X" is the second octet).
SEED_TABLE = {
    "eks_private": ["10.X.0.0/20", "10.X.16.0/20", "10.X.32.0/20"],       # inside 10.X.0.0/18
    "eks_public": ["10.X.48.0/22", "10.X.52.0/22", "10.X.56.0/22"],       # inside 10.X.0.0/18
    "endpoints": ["10.X.100.0/24"],                                       # one AZ
    "aurora": ["10.X.253.192/28", "10.X.253.208/28", "10.X.253.224/28"],  # 10.X.253.192/26 -> 3 x /28
    "documentdb": ["10.X.255.128/28", "10.X.255.144/28", "10.X.255.160/28"],
    "elasticache": ["10.X.255.64/28", "10.X.255.80/28", "10.X.255.96/28"],
}


def load(env):
    host = "single_vpc_" + env
    path = os.path.join(ROOT, "inventories", "single_vpc", env, "host_vars", host, "network.yml")
    with open(path) as handle:
        data = yaml.safe_load(handle)
    with open(os.path.join(ROOT, "inventories", "single_vpc", env, "hosts.yml")) as handle:
        hosts = yaml.safe_load(handle)["all"]["children"]["environments"]["hosts"]
    assert list(hosts) == [host] and data["owner"] == host.replace("_", "-")
    return data


def spec_of(data, base=None):
    return {"cidr": shift_second_octet(base or data["vpc_base_cidr"], data["vpc_cidr_offset"]),
            "required_prefix": data["required_prefix"], "nat_mode": data["nat_mode"],
            "azs": data["azs"], "tiers": data["tiers"]}


@pytest.mark.parametrize("env,octet", [("production", "231"), ("staging", "232")])
def test_plan_equals_seed_table(env, octet):
    plan = plan_network(spec_of(load(env)))
    assert plan["cidr"] == "10.%s.0.0/16" % octet
    got = {}
    for key, subnet in sorted(plan["subnets"].items()):
        got.setdefault(subnet["tier"], []).append((subnet["az"], subnet["cidr"]))
    want = dict((tier, list(zip(AZS, [c.replace("X", octet) for c in cidrs]))) for tier, cidrs in SEED_TABLE.items())
    assert got == want
    for key, subnet in plan["subnets"].items():   # EKS subnets stay inside the services block
        if subnet["tier"].startswith("eks_"):
            assert subnet["cidr"].startswith("10.%s." % octet) and int(subnet["cidr"].split(".")[2]) < 64


@pytest.mark.parametrize("env", ["production", "staging"])
def test_route_tables_and_nat_follow_the_seed(env):
    plan = plan_network(spec_of(load(env)))
    tables = plan["route_tables"]
    assert sorted(tables) == ["rtb/eks_public", "rtb/managed", "rtb/private"]
    assert tables["rtb/private"]["subnets"] == sorted(
        ["subnet/eks_private/%s" % az for az in AZS] + ["subnet/endpoints/us-east-1a"])
    assert tables["rtb/private"]["routes"] == {"0.0.0.0/0": "nat/single"}
    assert tables["rtb/eks_public"]["routes"] == {"0.0.0.0/0": "igw"}
    assert tables["rtb/managed"]["routes"] == {}   # local only
    assert len(tables["rtb/managed"]["subnets"]) == 9
    # one NAT gateway, in the first public subnet
    assert plan["nat_gateways"] == {"nat/single": {"az": "us-east-1a", "subnet": "subnet/eks_public/us-east-1a",
                                                   "eip": "eip/nat/single"}}
    kube = dict((s["tier"], s["kubernetes_role"]) for s in plan["subnets"].values())
    assert kube["eks_private"] == "internal-elb" and kube["eks_public"] == "elb"


def test_layout_follows_another_base():
    plan = plan_network(spec_of(load("production"), base="10.50.0.0/16"))
    assert plan["subnets"]["subnet/aurora/us-east-1b"]["cidr"] == "10.50.253.208/28"


@pytest.mark.parametrize("base", ["10.231.0.0/17", "10.231.0.0/20"])
def test_smaller_base_is_refused_naming_cidr(base):
    with pytest.raises(InputError) as err:
        plan_network(spec_of(load("production"), base=base))
    assert err.value.field == "cidr"
    assert "needs a /16" in err.value.reason
