"""The served-environment plan (vpn_reach): defaults, refusals naming the field, the VPN tier on
the links, the far side's rule diff and the default intents. Pure, no emulator."""

import copy
import os
import sys

import pytest

from ansible_collections.refarch.network.plugins.module_utils import peering_plan, vpn_reach
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "preflight"))

import test_preflight as preflight  # noqa: E402  (the real inventories, loaded as Ansible would)

LINKED = ["development", "production"]


def test_default_serves_every_linked_environment_s_private_tier_on_443_and_22():
    plan = vpn_reach.plan_served("management", LINKED)
    assert plan == [dict(environment=name, served=True, tiers=["private"], ports=[22, 443], groups=["app"])
                    for name in LINKED]


def test_an_environment_left_out_is_listed_not_served():
    plan = vpn_reach.plan_served("management", LINKED, [{"environment": "production", "tiers": ["private", "persistence"],
                                                         "ports": [5432]}])
    assert plan[0] == dict(environment="development", served=False, tiers=[], ports=[], groups=[])
    assert plan[1] == dict(environment="production", served=True, tiers=["private", "persistence"], ports=[5432],
                           groups=["app", "persistence"])
    assert vpn_reach.served_names(plan) == ["production"]


@pytest.mark.parametrize("serves, field, reason", [
    ([{"environment": "staging"}], "pritunl_vpn_serves[0].environment", "staging is not linked to management"),
    ([{"environment": "management"}], "pritunl_vpn_serves[0].environment", "the VPN's own environment"),
    ([{"environment": "production"}, "production"], "pritunl_vpn_serves[1].environment", "served twice"),
    ([{"environment": "production", "tiers": "private"}], "pritunl_vpn_serves[0].tiers", "expected a list of tier"),
    ([{"environment": "production", "ports": [443, 70000]}], "pritunl_vpn_serves[0].ports[1]", "70000 is not a TCP port"),
    ([{"environment": "production", "ports": [True]}], "pritunl_vpn_serves[0].ports[0]", "is not a TCP port"),
    ([{"environment": "production", "port": 443}], "pritunl_vpn_serves[0].port", "unknown option; did you mean ports?"),
    ({"production": {}}, "pritunl_vpn_serves", "expected a list"),
])
def test_bad_served_data_is_refused_naming_the_field(serves, field, reason):
    with pytest.raises(InputError) as e:
        vpn_reach.plan_served("management", LINKED, serves)
    assert e.value.field == field and reason in e.value.reason


def test_the_vpn_tier_routes_only_to_served_peers():
    assert vpn_reach.tiers_toward(["private"], "public", ["production"], ["production"]) == ["private", "public"]
    assert vpn_reach.tiers_toward(["private"], "public", ["production"], ["development"]) == ["private"]
    assert vpn_reach.tiers_toward(["private", "public"], "public", ["production"], ["production"]) == ["private", "public"]


def demo_links(**management):
    envs = dict((name, dict((k, v) for k, v in copy.deepcopy(preflight.DEMO[name]).items()
                            if k in peering_plan.INVENTORY_KEYS)) for name in ("management", "development", "production"))
    envs["management"].update(management)
    return envs


def test_peering_links_carry_the_vpn_tier_of_served_environments_only():
    pairs = dict((p["key"], p) for p in peering_plan.plan_pairs(demo_links())["pairs"])
    assert pairs["pcx/development--management"]["accepter_tiers"] == ["private", "persistence", "public"]
    assert pairs["pcx/management--production"]["requester_tiers"] == ["private", "persistence", "public"]
    assert pairs["pcx/development--management"]["requester_tiers"] == ["private", "persistence"]   # far side: its own
    off = dict((p["key"], p) for p in peering_plan.plan_pairs(demo_links(
        pritunl_vpn_serves=[{"environment": "production"}]))["pairs"])
    assert off["pcx/development--management"]["accepter_tiers"] == ["private", "persistence"]


def test_the_transit_gateway_attachment_routes_the_vpn_tier():
    envs = demo_links()
    for data in envs.values():
        data["connectivity"] = "transit_gateway"
    attachments = dict((a["owner"], a) for a in peering_plan.plan_transit(envs)["attachments"])
    assert attachments["management"]["route_tiers"] == ["private", "persistence", "public"]
    assert attachments["production"]["route_tiers"] == ["private", "persistence"]


def test_preflight_names_an_unknown_tier_and_one_the_far_side_does_not_route_back():
    lines = preflight.run(management={"pritunl_vpn_serves": [{"environment": "production", "tiers": ["privat"]}]})
    assert lines == ["management: pritunl_vpn_serves[0].tiers[0]: 'privat' is not a tier of production "
                     "(tiers: public, private, persistence)"]
    lines = preflight.run(management={"pritunl_vpn_serves": [{"environment": "production", "tiers": ["persistence"]}]},
                          production={"peering_tiers": ["private"]})
    assert lines == ["management: pritunl_vpn_serves[0].tiers[0]: production does not route persistence back to "
                     "management (add it to production's peering_tiers)"]
    lines = preflight.run(management={"pritunl_vpn_serves": [{"environment": "staging"}]})
    assert len(lines) == 1 and lines[0].startswith("management: pritunl_vpn_serves[0].environment: staging is not linked")


def test_routed_mode_peers_over_a_peering_are_refused_with_the_reason():
    lines = preflight.run(management={"pritunl_vpn_mode": "routed",
                                      "pritunl_vpn_peers": [{"owner": "development"}]})
    assert len(lines) == 1 and lines[0].startswith("management: pritunl_vpn_peers: a VPC peering carries no traffic")


def test_rules_diff_is_exact_and_follows_a_new_address():
    entry = dict(environment="development", served=True, tiers=["private"], ports=[22, 443], groups=["app"])
    desired = vpn_reach.desired_rules(entry, {"app": "sg-1"}, "10.120.0.5/32")
    assert desired == {"reach/development/app/tcp/22": ("sg-1", 22, "10.120.0.5/32"),
                       "reach/development/app/tcp/443": ("sg-1", 443, "10.120.0.5/32")}
    have = {"reach/development/app/tcp/443": ("sg-1", 443, "10.120.0.5/32", "sgr-1"),
            "reach/development/app/tcp/8443": ("sg-1", 8443, "10.120.0.5/32", "sgr-2")}
    authorize, revoke = vpn_reach.diff_rules(desired, have)
    assert authorize == [("reach/development/app/tcp/22", "sg-1", 22, "10.120.0.5/32")]
    assert revoke == [("reach/development/app/tcp/8443", "sg-1", 8443, "10.120.0.5/32", "sgr-2")]
    # a replaced instance (address unknown until launched): every rule is made again
    authorize, revoke = vpn_reach.diff_rules(vpn_reach.desired_rules(entry, {"app": "sg-1"}, None), have)
    assert [r[0] for r in revoke] == sorted(have) and len(authorize) == 2
    assert vpn_reach.desired_rules(dict(entry, served=False), {}, None) == {}
    with pytest.raises(InputError) as e:
        vpn_reach.desired_rules(entry, {"web": "sg-2"}, None)
    assert "development has no security group 'app' (ours: web)" in e.value.reason


def test_default_intents_allow_served_private_and_deny_persistence():
    plan = vpn_reach.plan_served("management", LINKED, [{"environment": "development"},
                                                        {"environment": "production", "ports": [443]}])
    found = dict((i["name"], i) for i in vpn_reach.intents("management", plan))
    assert sorted(found) == [
        "VPN clients reach development persistence (tcp/5432)", "VPN clients reach development private (tcp/22)",
        "VPN clients reach development private (tcp/443)", "VPN clients reach production persistence (tcp/5432)",
        "VPN clients reach production private (tcp/443)"]
    assert found["VPN clients reach development private (tcp/22)"] == {
        "name": "VPN clients reach development private (tcp/22)", "from": "management/vpn",
        "to": "development/private/app", "port": 22, "expect": "allow"}
    assert found["VPN clients reach production persistence (tcp/5432)"]["to"] == "production/persistence/persistence"
    assert found["VPN clients reach production persistence (tcp/5432)"]["expect"] == "deny"
    off = vpn_reach.intents("management", vpn_reach.plan_served("management", LINKED, []))
    assert [(i["name"], i["expect"]) for i in off if "private" in i["name"]] == [
        ("VPN clients reach development private (tcp/443)", "deny"), ("VPN clients reach production private (tcp/443)", "deny")]


def test_the_filters_give_each_linked_environment_its_account_and_the_intents():
    from ansible_collections.refarch.network.plugins.filter.vpn_intents import vpn_intents
    from ansible_collections.refarch.network.plugins.filter.vpn_served import vpn_served
    hostvars = {
        "management": dict(vpn_enabled=True, peers=LINKED, aws_region="us-east-1",
                           pritunl_vpn_serves=[{"environment": "production"}],
                           refarch_environment_roles={"development": "arn:aws:iam::2:role/r"}),
        "production": dict(owner="prod", refarch_role_arn="arn:aws:iam::3:role/r", aws_region="eu-west-1"),
    }
    served = vpn_served(hostvars, "management")
    assert [(s["environment"], s["served"], s["owner"], s["assume_role_arn"], s["region"]) for s in served] == [
        ("development", False, "development", "arn:aws:iam::2:role/r", "us-east-1"),
        ("production", True, "prod", "arn:aws:iam::3:role/r", "eu-west-1")]
    assert vpn_served(hostvars, "production") == []
    names = [(i["name"], i["expect"]) for i in vpn_intents(hostvars, ["management", "production"])]
    assert ("VPN clients reach production private (tcp/443)", "allow") in names
    assert ("VPN clients reach development private (tcp/443)", "deny") in names
