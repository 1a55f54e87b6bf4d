"""The monthly cost estimate: every NAT gateway, endpoint and the VPN priced from the price table
(data/prices.yml), per environment and in total; a check run's planned actions priced as a change."""

import copy
import os

import pytest
import yaml

import report_facts as rf
from ansible_collections.refarch.network.plugins.module_utils import cost
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.fixture(scope="module")
def prices():
    with open(os.path.join(ROOT, "data", "prices.yml")) as f:
        return yaml.safe_load(f)


def by(lines, item):
    return [line for line in lines if line["item"] == item]


def test_the_price_table_is_complete_and_dated(prices):
    assert cost.check_prices(prices) is prices
    assert prices["taken"] and prices["sources"] and "us-east-1" in prices["regions"]


def test_demo_estate_lists_every_nat_endpoint_and_the_vpn_with_totals(prices):
    envs = rf.demo()
    envs["production"]["endpoints"]["vpce-s3"] = rf.endpoint("vpce-s3", "s3", "gateway")
    envs["production"]["endpoints"]["vpce-ssm"] = rf.endpoint("vpce-ssm", "ssm", "interface", ["s-a", "s-b"])
    envs["management"]["vpn"]["instance_type"] = "t3.medium"
    est = cost.estimate(envs, prices)
    nats = by(est["lines"], "NAT gateway")
    assert sorted(line["resource"].split()[0] for line in nats) == sorted(
        n for f in envs.values() for n in f["nat_gateways"])
    assert all(line["monthly"] == 32.85 for line in nats)  # 730 h x 0.045
    ipv4 = by(est["lines"], "public IPv4 address")
    assert len(ipv4) == 7 and all(line["monthly"] == 3.65 for line in ipv4)  # six NAT EIPs and the VPN's
    [interface] = by(est["lines"], "interface endpoint")
    assert interface["quantity"] == 1460 and interface["monthly"] == 14.6 and interface["note"] == "2 AZs"
    [gateway] = by(est["lines"], "gateway endpoint")
    assert gateway["monthly"] == 0.0 and gateway["resource"] == "vpce-s3 s3"
    [vpn] = by(est["lines"], "VPN instance")
    assert vpn["monthly"] == 30.37 and vpn["env"] == "management"  # 730 h x 0.0416
    [volume] = by(est["lines"], "VPN volume (gp3)")
    assert volume["monthly"] == 1.6  # 20 GiB x 0.08
    assert est["by_env"]["production"] == round(2 * 32.85 + 2 * 3.65 + 14.6, 2)
    assert est["by_env"]["management"] == round(2 * 32.85 + 3 * 3.65 + 30.37 + 1.6, 2)
    assert est["total"] == round(sum(est["by_env"].values()), 2)
    assert est["unpriced"] == [] and "without data transfer" in est["label"]


def test_single_vpc_twelve_interface_endpoints_zones_and_flow_logs(prices):
    facts = {"single-vpc-production": rf.single_vpc()}
    est = cost.estimate(facts, prices, public_zones={"single-vpc-production": [{"id": "Z-pub", "name": "x.example."}]})
    assert len(by(est["lines"], "interface endpoint")) == 12
    assert all(line["monthly"] == 7.3 for line in by(est["lines"], "interface endpoint"))  # one AZ each
    assert sorted(line["resource"] for line in by(est["lines"], "hosted zone")) == [
        "single-vpc-production.internal. Z-int", "x.example. Z-pub"]
    [flow] = by(est["lines"], "flow log")
    assert flow["monthly"] == 5.0 and flow["unit"] == "GB ingested (assumed)"
    assert est["total"] == round(32.85 + 3.65 + 12 * 7.3 + 2 * 0.5 + 5.0, 2)


def test_a_zone_shared_by_two_environments_is_counted_once(prices):
    envs = rf.demo()
    for env in ("development", "production"):
        envs[env]["zones"] = {"Z1": {"id": "Z1", "name": "shared.internal.", "private": True}}
    lines = by(cost.estimate(envs, prices)["lines"], "hosted zone")
    assert [(line["env"], line["resource"]) for line in lines] == [("development", "shared.internal. Z1")]


def test_a_region_or_instance_type_not_in_the_table_is_named_not_guessed(prices):
    envs = rf.demo()
    envs["production"]["region"] = "eu-north-1"
    envs["management"]["vpn"]["instance_type"] = "c7g.metal"
    est = cost.estimate(envs, prices)
    unpriced = [(u["env"], u["item"]) for u in est["unpriced"]]
    assert ("management", "VPN instance") in unpriced and ("production", "NAT gateway") in unpriced
    assert "production" not in [e for e, v in est["by_env"].items() if v]


def test_price_table_errors_name_the_field(prices):
    broken = copy.deepcopy(prices)
    del broken["regions"]["us-east-1"]["nat_gateway_hour"]
    with pytest.raises(InputError, match=r"prices.regions.us-east-1: misses nat_gateway_hour"):
        cost.check_prices(broken)
    with pytest.raises(InputError, match=r"prices.taken"):
        cost.check_prices(dict(prices, taken=""))


def test_planned_single_to_per_az_nat_raises_the_estimate(prices):
    envs = {"production": rf.h.environment("production", 130)}
    before = cost.estimate(envs, prices)
    # the texts vpc_diff gives when nat_mode goes from single to per_az with a third zone
    actions = {"production": ["allocate elastic ip eip/us-east-1c", "create subnet subnet/public/us-east-1c 10.130.32.0/20",
                              "create nat gateway nat/us-east-1c in subnet/public/us-east-1c",
                              "route rtb/private/us-east-1c 0.0.0.0/0 -> nat/us-east-1c"]}
    delta = cost.planned(actions, envs, prices)
    assert [(d["item"], d["monthly"]) for d in delta] == [("public IPv4 address", 3.65), ("NAT gateway", 32.85)]
    after = cost.after(before, delta, prices)
    assert after["total"] == round(before["total"] + 36.5, 2)


def test_planned_deletes_endpoints_vpn_and_zones(prices):
    envs = {"management": rf.h.environment("management", 120, vpn=True)}
    envs["management"]["endpoints"]["vpce-0a"] = rf.endpoint("vpce-0a", "ssm", "interface", ["a", "b", "c"])
    actions = {"management": [
        "delete endpoint vpce/ssm vpce-0a", "create Interface endpoint vpce/sts com.amazonaws.us-east-1.sts",
        "create Gateway endpoint vpce/s3 com.amazonaws.us-east-1.s3",
        "launch instance instance/vpn t3.large ami-1 in subnet/public/us-east-1a",
        "replace instance i-old (instance_type)", "create public zone mgt.example.com.",
        "delete private zone management.internal.", "create vpc flow log to s3",
        "create tgw attachment tgw-attachment/management vpc-1 (2 subnets)", "tag sg/app Name"]}
    delta = cost.planned(actions, envs, prices)
    summary = [(d["item"], d["quantity"], d["monthly"]) for d in delta]
    assert summary == [
        ("interface endpoint", -2190.0, -21.9), ("interface endpoint", 3 * 730.0, 21.9),
        ("VPN instance", 730.0, 60.74), ("VPN volume (gp3)", 20, 1.6),
        ("VPN instance", -730.0, -30.37), ("VPN volume (gp3)", -20, -1.6),
        ("hosted zone", 1, 0.5), ("hosted zone", -1, -0.5), ("flow log", 10, 5.0),
        ("transit gateway attachment", 730.0, 36.5)]


def test_check_run_on_an_environment_not_built_yet_prices_what_it_would_create(prices):
    facts = {"staging": {"environment": "staging", "region": "us-east-1", "vpc": None}}
    before = cost.estimate(facts, prices)
    assert before["lines"] == [] and before["total"] == 0.0
    actions = {"staging": ["create vpc 10.140.0.0/16", "allocate elastic ip eip/nat/single",
                           "create nat gateway nat/single in subnet/public/us-east-1a",
                           "create Interface endpoint vpce/ssm com.amazonaws.us-east-1.ssm"]}
    delta = cost.planned(actions, facts, prices)
    assert [(d["item"], d["monthly"]) for d in delta] == [("public IPv4 address", 3.65), ("NAT gateway", 32.85),
                                                          ("interface endpoint", 7.3)]
    assert cost.after(before, delta, prices)["by_env"] == {"staging": 43.8}
