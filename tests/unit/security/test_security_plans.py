"""Pure planning of security groups, endpoints and subnet groups: validation, guard, diff."""

import glob
import os

import pytest
import yaml
from hypothesis import given, strategies as st

from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import endpoint_changes, plan_endpoints
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import (
    SENSITIVE_PORTS, describe_perm, diff_rules, flatten_ip_permissions, ip_permission, plan_groups,
    resolve_prefix_lists)
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import (
    check_tier_subnets, plan_subnet_groups)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def error(fn, *args):
    with pytest.raises(InputError) as err:
        fn(*args)
    return err.value


# --- security groups --------------------------------------------------------------------

def test_mutual_rules_are_one_line_each_and_self_resolves():
    planned = plan_groups([
        {"name": "default", "ingress": [{"proto": "all", "group": "eks_cluster", "description": "eks_to_base"}]},
        {"name": "eks_cluster", "ingress": [{"proto": "all", "group": ["default", "self"]}]},
    ], "prod")
    assert planned[0]["adopted"] and not planned[0]["purge"] and planned[0]["egress"] is None
    assert planned[0]["ingress"] == {("-1", None, None, "group", "eks_cluster"): "eks_to_base"}
    assert set(planned[1]["ingress"]) == {("-1", None, None, "group", "default"),
                                          ("-1", None, None, "group", "eks_cluster")}
    assert planned[1]["group_name"] == "prod-eks_cluster" and planned[1]["purge"]


def test_rule_flattening_ports_lists_and_ranges():
    planned = plan_groups([{"name": "app", "ingress": [
        {"ports": [80, "8000-8010"], "cidr": ["10.0.0.0/8"], "cidr_ipv6": "fd00::/8"},
        {"proto": "udp", "ports": 53, "prefix_list": "pl-123"},
        {"proto": "icmp", "icmp_type": 8, "cidr": "10.0.0.0/8"}]}], "o")
    assert sorted(planned[0]["ingress"]) == sorted([
        ("tcp", 80, 80, "cidr", "10.0.0.0/8"), ("tcp", 8000, 8010, "cidr", "10.0.0.0/8"),
        ("tcp", 80, 80, "cidr6", "fd00::/8"), ("tcp", 8000, 8010, "cidr6", "fd00::/8"),
        ("udp", 53, 53, "pl", "pl-123"), ("icmp", 8, -1, "cidr", "10.0.0.0/8")])


@pytest.mark.parametrize("rule,field,words", [
    ({"ports": 443}, "groups[0](g).ingress[0]", "at least one of cidr"),
    ({"cidr": "10.0.0.0/8"}, "groups[0](g).ingress[0].ports", "required for tcp"),
    ({"ports": "90-80", "cidr": "10.0.0.0/8"}, "groups[0](g).ingress[0].ports", "backwards"),
    ({"ports": 70000, "cidr": "10.0.0.0/8"}, "groups[0](g).ingress[0].ports", "out of range"),
    ({"ports": 1, "cidr": "10.0.0.1/8"}, "groups[0](g).ingress[0].cidr", "not a valid CIDR"),
    ({"ports": 1, "cidr": "::/0"}, "groups[0](g).ingress[0].cidr", "use cidr_ipv6"),
    ({"ports": 1, "group": "nope"}, "groups[0](g).ingress[0].group", "not a group of this set"),
    ({"proto": "gre", "cidr": "10.0.0.0/8"}, "groups[0](g).ingress[0].proto", "not a protocol"),
    ({"proto": "all", "ports": 1, "cidr": "10.0.0.0/8"}, "groups[0](g).ingress[0].ports", "no ports"),
    ({"ports": 1, "cidr": "10.0.0.0/8", "colour": "red"}, "groups[0](g).ingress[0].colour", "unknown option (known: "),
])
def test_rule_errors_name_the_field(rule, field, words):
    err = error(plan_groups, [{"name": "g", "ingress": [rule]}], "o")
    assert err.field == field and words in err.reason


def test_group_errors():
    assert error(plan_groups, [{"name": "a"}, {"name": "a"}], "o").field == "groups[1].name"
    assert error(plan_groups, [{"name": "self"}], "o").field == "groups[0].name"
    assert error(plan_groups, [{"name": "default", "group_name": "x"}], "o").field == "groups[0](default).group_name"
    assert error(plan_groups, [{"name": "a", "purge_rules": "yes"}], "o").field == "groups[0](a).purge_rules"


@pytest.mark.parametrize("rule,port", [
    ({"ports": 22, "cidr": "0.0.0.0/0"}, 22),
    ({"ports": "3000-3400", "cidr_ipv6": "::/0"}, 3306),
    ({"proto": "all", "cidr": "0.0.0.0/0"}, 22),
    ({"ports": [443, 27017], "cidr": ["10.0.0.0/8", "0.0.0.0/0"]}, 27017),
])
def test_world_guard_names_group_rule_and_port(rule, port):
    err = error(plan_groups, [{"name": "web", "ingress": [{"ports": 443, "cidr": "0.0.0.0/0"}, rule]}], "o")
    assert err.field == "groups[0](web).ingress[1]"
    assert "group web ingress rule 1 opens port %d" % port in err.reason


def test_world_guard_spares_allowed_rules_egress_and_safe_ports():
    plan_groups([{"name": "web", "ingress": [
        {"ports": 22, "cidr": "0.0.0.0/0", "allow_world": True}, {"ports": [80, 443], "cidr": "0.0.0.0/0"},
        {"proto": "udp", "ports": 53, "cidr": "0.0.0.0/0"}, {"ports": 5432, "cidr": "10.0.0.0/8"}],
        "egress": [{"proto": "all", "cidr": "0.0.0.0/0"}]}], "o")


@given(st.integers(0, 65535), st.integers(0, 2000))
def test_world_guard_property(low, width):
    high = min(65535, low + width)
    rule = {"ports": "%d-%d" % (low, high), "cidr": "0.0.0.0/0"}
    covers = any(low <= p <= high for p in SENSITIVE_PORTS)
    try:
        plan_groups([{"name": "g", "ingress": [rule]}], "o")
        refused = False
    except InputError:
        refused = True
    assert refused == covers


def test_diff_rules_purge_and_descriptions():
    desired = {("tcp", 443, 443, "cidr", "0.0.0.0/0"): "https", ("tcp", 80, 80, "cidr", "0.0.0.0/0"): None}
    actual = {("tcp", 443, 443, "cidr", "0.0.0.0/0"): "old", ("tcp", 22, 22, "cidr", "10.0.0.0/8"): None}
    add, remove, redescribe = diff_rules(desired, actual, purge=True)
    assert add == [(("tcp", 80, 80, "cidr", "0.0.0.0/0"), None)]
    assert remove == [(("tcp", 22, 22, "cidr", "10.0.0.0/8"), None)]
    assert redescribe == [(("tcp", 443, 443, "cidr", "0.0.0.0/0"), "https")]
    assert diff_rules(desired, actual, purge=False)[1] == []
    assert diff_rules(None, actual, purge=True) == ([], [], [])


def test_aws_permissions_round_trip():
    perms = {("tcp", 443, 443, "cidr", "0.0.0.0/0"): "https", ("-1", None, None, "group", "app"): None,
             ("udp", 53, 53, "pl", "pl-1"): None, ("tcp", 1, 2, "cidr6", "::/0"): "v6"}
    aws = [ip_permission(p, d, {"app": "sg-1"}) for p, d in perms.items()]
    assert flatten_ip_permissions(aws, {"sg-1": "app"}) == perms
    assert flatten_ip_permissions(aws, {})[("-1", None, None, "group", "sg-1")] is None
    assert describe_perm("egress", ("-1", None, None, "group", "app")) == "egress all to sg:app"


def test_prefix_list_names_resolve_or_fail():
    planned = plan_groups([{"name": "g", "egress": [{"ports": 443, "prefix_list": "com.amazonaws.us-east-1.s3"}]}], "o")
    resolve_prefix_lists(planned, {"com.amazonaws.us-east-1.s3": "pl-63a5400a"})
    assert list(planned[0]["egress"]) == [("tcp", 443, 443, "pl", "pl-63a5400a")]
    planned = plan_groups([{"name": "g", "egress": [{"ports": 443, "prefix_list": "missing"}]}], "o")
    assert "does not exist" in error(resolve_prefix_lists, planned, {}).reason


SECURITY_DATA = sorted(glob.glob(os.path.join(ROOT, "inventories", "**", "security.yml"), recursive=True))


@pytest.mark.parametrize("path", SECURITY_DATA)
def test_inventory_security_data_plans(path):
    with open(path) as handle:
        data = yaml.safe_load(handle)
    planned = plan_groups(data["security_groups"], "env")
    assert planned
    if "vpc_endpoints" in data:
        endpoints = plan_endpoints(data["vpc_endpoints"]["endpoints"], data["vpc_endpoints"], "us-east-1")
        assert len(endpoints) == 12
        assert [e["name"] for e in endpoints if not e["private_dns"]] == ["s3"]
        assert plan_subnet_groups(data["service_subnet_groups"], "env")


# --- endpoints ------------------------------------------------------------------------

def test_endpoint_defaults_and_names():
    planned = plan_endpoints([{"service": "ecr.api"}, {"service": "s3", "private_dns": False},
                              {"service": "s3", "type": "gateway", "route_table_tiers": ["private"]}],
                             {"subnet_tier": "endpoints", "security_groups": ["default"]}, "eu-west-1")
    assert [(e["name"], e["service"], e["type"]) for e in planned] == [
        ("ecr.api", "com.amazonaws.eu-west-1.ecr.api", "Interface"), ("s3", "com.amazonaws.eu-west-1.s3", "Interface"),
        ("s3-gateway", "com.amazonaws.eu-west-1.s3", "Gateway")]
    assert planned[0]["private_dns"] is True and planned[1]["private_dns"] is False
    assert planned[0]["security_groups"] == ["default"] and planned[0]["subnet_tier"] == "endpoints"


@pytest.mark.parametrize("endpoint,field", [
    ({"service": "ec2"}, "endpoints[0](ec2).subnet_tier"),
    ({"service": "s3", "type": "gateway"}, "endpoints[0](s3-gateway).route_table_tiers"),
    ({"service": "s3", "type": "gateway", "route_table_tiers": ["a"], "private_dns": True},
     "endpoints[0](s3-gateway).private_dns"),
    ({"service": "ec2", "subnet_tier": "x", "policy": "{nope"}, "endpoints[0](ec2).policy"),
    ({"service": "ec2", "type": "weird"}, "endpoints[0].type"),
    ({"service": ""}, "endpoints[0].service"),
])
def test_endpoint_errors_name_the_field(endpoint, field):
    assert error(plan_endpoints, [endpoint], {}, "us-east-1").field == field


def test_duplicate_endpoint_needs_a_name():
    err = error(plan_endpoints, [{"service": "ec2"}, {"service": "ec2"}], {"subnet_tier": "e"}, "us-east-1")
    assert err.field == "endpoints[1](ec2).name"


def test_endpoint_changes_cover_every_drift():
    desired = dict(plan_endpoints([{"service": "sts", "policy": {"Statement": []}}], {"subnet_tier": "e"},
                                  "us-east-1")[0], subnets={"subnet-a"}, groups={"sg-1", "sg-2"})
    actual = {"VpcEndpointId": "vpce-1", "VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.us-east-1.sts",
              "SubnetIds": ["subnet-b"], "Groups": [{"GroupId": "sg-1"}], "PrivateDnsEnabled": False,
              "PolicyDocument": '{"Statement": [{"Effect": "Allow"}]}'}
    kwargs, texts = endpoint_changes(desired, actual)
    assert kwargs == {"AddSubnetIds": ["subnet-a"], "RemoveSubnetIds": ["subnet-b"], "AddSecurityGroupIds": ["sg-2"],
                      "PrivateDnsEnabled": True, "PolicyDocument": '{"Statement": []}'}
    assert len(texts) == 4
    in_sync = dict(actual, SubnetIds=["subnet-a"], Groups=[{"GroupId": "sg-2"}, {"GroupId": "sg-1"}],
                   PrivateDnsEnabled=True, PolicyDocument='{"Statement": []}')
    assert endpoint_changes(desired, in_sync) == ({}, [])
    assert "cannot change" in error(endpoint_changes, desired, dict(actual, VpcEndpointType="Gateway")).reason


# --- subnet groups --------------------------------------------------------------------

def test_subnet_groups_families_and_errors():
    planned = plan_subnet_groups([{"name": "a", "tier": "t"}, {"name": "a", "kind": "elasticache", "tier": "t"}], "o")
    assert [(g["kind"], g["key"]) for g in planned] == [("rds", "subnet-group/db/a"), ("elasticache", "subnet-group/cache/a")]
    # rds and docdb share one namespace
    dup = error(plan_subnet_groups, [{"name": "a", "tier": "t"}, {"name": "a", "kind": "docdb", "tier": "t"}], "o")
    assert dup.field == "groups[1](a).name"
    for name in ("Upper", "default", "a--b", "a-", "1a"):
        assert error(plan_subnet_groups, [{"name": name, "tier": "t"}], "o").field == "groups[0].name"
    assert error(plan_subnet_groups, [{"name": "a", "kind": "redis", "tier": "t"}], "o").field == "groups[0](a).kind"


def test_db_groups_need_two_zones():
    group = plan_subnet_groups([{"name": "a", "tier": "t"}], "o")[0]
    one = [{"SubnetId": "s1", "AvailabilityZone": "us-east-1a"}]
    assert "two availability zones" in error(check_tier_subnets, group, one).reason
    two = one + [{"SubnetId": "s0", "AvailabilityZone": "us-east-1b"}]
    assert check_tier_subnets(group, two) == ["s0", "s1"]
    cache = plan_subnet_groups([{"name": "a", "kind": "elasticache", "tier": "t"}], "o")[0]
    assert check_tier_subnets(cache, one) == ["s1"]
    assert "no owned subnets" in error(check_tier_subnets, cache, []).reason
