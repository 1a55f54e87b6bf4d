"""The account limits' pure side (module_utils/limits): demand, who shares an account, shortfalls."""

import pytest

from ansible_collections.refarch.network.plugins.filter.account_demand import account_demand
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.limits import (
    account_of, creates, demand, own_demand, shared_demand, shortfalls,
)
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
PUBLIC_PRIVATE = ({"name": "public", "route": "internet", "prefix": 20}, {"name": "private", "route": "nat", "prefix": 19})


def plan(nat_mode="single", tiers=PUBLIC_PRIVATE):
    return plan_network(dict(cidr="10.0.0.0/16", azs=AZS, tiers=[dict(t) for t in tiers], nat_mode=nat_mode))


def usage(vpcs=0, igws=0, eips=0, owned=None):
    owned = owned or {}
    return dict(vpcs=dict(total=vpcs, owned=owned.get("vpcs", {})),
                internet_gateways=dict(total=igws, owned=owned.get("internet_gateways", {})),
                elastic_ips=dict(total=eips, owned=owned.get("elastic_ips", {})))


QUOTAS = dict(vpcs=5, internet_gateways=5, elastic_ips=5)


@pytest.mark.parametrize("nat_mode, vpn, eips", [("single", False, 1), ("per_az", False, 3), ("per_az", True, 4)])
def test_an_address_per_nat_gateway_and_one_for_the_vpn(nat_mode, vpn, eips):
    assert demand(plan(nat_mode), vpn=vpn) == dict(vpcs=1, internet_gateways=1, elastic_ips=eips)


def test_no_public_tier_no_internet_gateway():
    private = [{"name": "private", "route": "none", "prefix": 19}]
    assert demand(plan("none", private)) == dict(vpcs=1, internet_gateways=0, elastic_ips=0)


@pytest.mark.parametrize("env, account", [
    ({"refarch_account_id": "222222222222", "refarch_role_arn": "arn:aws:iam::333333333333:role/x"}, "222222222222"),
    ({"refarch_role_arn": "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"}, "333333333333"),
    ({"aws_account_id": 444444444444}, "444444444444"),
    ({}, ""),
])
def test_the_account_as_far_as_the_controller_knows_it(env, account):
    assert account_of(env) == account


def test_only_environments_in_the_same_account_and_region_and_being_built_share():
    envs = {
        "production": dict(owner="production", aws_region="us-east-1", nat_mode="per_az"),
        "staging": dict(owner="staging", aws_region="us-east-1", vpn_enabled=True),
        "elsewhere": dict(owner="elsewhere", aws_region="eu-west-1"),
        "other_account": dict(owner="other", aws_region="us-east-1", aws_account_id="555555555555"),
        "leaving": dict(owner="leaving", aws_region="us-east-1", refarch_state="absent"),
    }
    shared = shared_demand(envs, "production", lambda env: plan(env.get("nat_mode", "single")))
    assert shared == [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3),
                      dict(owner="staging", vpcs=1, internet_gateways=1, elastic_ips=2)]
    assert shared_demand(envs, "leaving", lambda env: plan()) == []


def test_the_filter_plans_from_the_inventory_variables():
    hostvars = dict((name, dict(owner=name, aws_region="us-east-1", vpc_cidr="10.%d.0.0/16" % i, azs=AZS,
                                tiers=[dict(t) for t in PUBLIC_PRIVATE], nat_mode=mode))
                    for i, (name, mode) in enumerate((("production", "per_az"), ("staging", None))))
    assert account_demand(hostvars, ["production", "staging", "absent_host"], "staging") == [
        dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3),
        dict(owner="staging", vpcs=1, internet_gateways=1, elastic_ips=1)]


def test_own_demand_adds_this_environment_when_left_out_and_keeps_what_is_given():
    assert own_demand(None, "production", plan("per_az")) == [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3)]
    given = [dict(owner="production", elastic_ips=4), dict(owner="staging", vpcs=1)]
    assert own_demand(given, "production", plan()) == [dict(owner="production", vpcs=0, internet_gateways=0, elastic_ips=4),
                                                       dict(owner="staging", vpcs=1, internet_gateways=0, elastic_ips=0)]


@pytest.mark.parametrize("items, field", [
    ("production", "account_demand"),
    (["production"], "account_demand[0]"),
    ([{"owner": "", "vpcs": 1}], "account_demand[0].owner"),
    ([{"owner": "a", "vpcs": True}], "account_demand[0].vpcs"),
    ([{"owner": "a", "elastic_ips": "2"}], "account_demand[0].elastic_ips"),
    ([{"owner": "a", "elastic_ip": 2}], "account_demand[0].elastic_ip"),
])
def test_a_malformed_demand_names_the_field(items, field):
    with pytest.raises(InputError) as e:
        own_demand(items, "production", plan())
    assert e.value.field == field


def test_creates_names_the_limited_kinds_an_action_list_makes():
    actions = [Action("create_vpc", "vpc", "x"), Action("create_subnet", "subnet/a/b", "x"), Action("allocate_eip", "eip/nat/a", "x")]
    assert creates(actions) == ["vpcs", "elastic_ips"]
    assert creates([Action("create_route", "rtb/public", "x")]) == []


def test_usage_plus_what_is_lacking_up_to_the_quota_fits():
    wanted = [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3)]
    assert shortfalls(wanted, usage(vpcs=4, igws=4, eips=2), QUOTAS, "us-east-1") == []


def test_one_more_than_the_quota_is_refused_naming_the_quota_and_each_environment():
    wanted = [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3),
              dict(owner="staging", vpcs=1, internet_gateways=1, elastic_ips=1)]
    [line] = shortfalls(wanted, usage(vpcs=1, igws=1, eips=2), QUOTAS, "us-east-1")
    assert line.startswith("Elastic IP addresses in us-east-1: 2 of the account's quota of 5 are in use and this run "
                           "needs 4 more (production 3, staging 1)")
    assert "ec2 L-0263D0A3" in line


def test_what_an_environment_owns_already_is_not_counted_again():
    wanted = [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3)]
    owned = dict(vpcs={"production": 1}, internet_gateways={"production": 1}, elastic_ips={"production": 1})
    assert shortfalls(wanted, usage(vpcs=5, igws=5, eips=3, owned=owned), QUOTAS, "us-east-1") == []
    [line] = shortfalls(wanted, usage(vpcs=5, igws=5, eips=4, owned=owned), QUOTAS, "us-east-1")
    assert "4 of the account's quota of 5 are in use and this run needs 2 more (production 2)" in line


def test_a_quota_that_could_not_be_read_is_not_judged():
    wanted = [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=0)]
    lines = shortfalls(wanted, usage(vpcs=9, igws=9), dict(vpcs=None, internet_gateways=5, elastic_ips=5), "us-east-1")
    assert [line.split(":")[0] for line in lines] == ["internet gateways in us-east-1"]
