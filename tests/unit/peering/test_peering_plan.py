"""Pure connectivity planning: pairs from inventory data, route diffs, overlap check."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.refarch.network.plugins.module_utils.peering_diff import plan_routes, routes_view
from ansible_collections.refarch.network.plugins.module_utils.peering_plan import (
    check_no_overlap, pairs_for, plan_pairs, plan_transit)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

DEMO = {
    "management": dict(peers=["production", "development"], vpc_cidr="10.120.0.0/16",
                       refarch_role_arn="arn:aws:iam::111111111111:role/R", aws_region="us-east-1"),
    "development": dict(peers=["management"], vpc_cidr="10.110.0.0/16",
                        refarch_role_arn="arn:aws:iam::222222222222:role/R", aws_region="us-east-1",
                        peering_tiers=["private"]),
    "production": dict(peers=["management"], vpc_cidr="10.130.0.0/16",
                       refarch_role_arn="arn:aws:iam::333333333333:role/R", aws_region="us-east-2"),
}


def test_demo_pairs_are_hub_and_spoke_without_development_production():
    plan = plan_pairs(DEMO)
    assert [(p["requester"], p["accepter"]) for p in plan["pairs"]] == [
        ("development", "management"), ("management", "production")]
    assert plan["skipped"] == []
    dev_mgmt, mgmt_prod = plan["pairs"]
    assert dev_mgmt["requester_tiers"] == ["private"]
    assert dev_mgmt["accepter_tiers"] == ["private", "persistence"]
    assert dev_mgmt["accepter_role_arn"] == "arn:aws:iam::111111111111:role/R"
    assert mgmt_prod["accepter_role_arn"] == "arn:aws:iam::333333333333:role/R"
    assert mgmt_prod["accepter_region"] == "us-east-2"
    assert mgmt_prod["key"] == "pcx/management--production"
    assert mgmt_prod["allow_dns_resolution"] is True


def test_each_pair_is_converged_by_exactly_one_host():
    hosts = [p["requester"] for h in DEMO for p in pairs_for(DEMO, h)["pairs"]]
    assert sorted(hosts) == ["development", "management"]
    assert pairs_for(DEMO, "production")["pairs"] == []


def test_missing_peer_is_skipped_with_a_message_for_the_present_side_only():
    only = pairs_for(DEMO, "management", present=["management", "production"])
    assert [p["accepter"] for p in only["pairs"]] == ["production"]
    assert only["skipped"] == ["development <-> management: development is not in this run (add its inventory with -i)"]
    assert pairs_for(DEMO, "production", present=["management", "production"])["skipped"] == []


def test_one_sided_declaration_is_not_a_link():
    envs = dict(DEMO, production=dict(DEMO["production"], peers=[]))
    plan = plan_pairs(envs)
    assert [p["accepter"] for p in plan["pairs"]] == ["management"]
    assert plan["skipped"] == ["management <-> production: management lists production but production "
                               "does not list management in peers"]


def test_dns_needs_both_sides():
    envs = dict(DEMO, production=dict(DEMO["production"], peering_dns_resolution=False))
    assert [p["allow_dns_resolution"] for p in plan_pairs(envs)["pairs"]] == [True, False]


@pytest.mark.parametrize("change, field", [
    (dict(peers="management"), "production.peers"),
    (dict(peers=["production"]), "production.peers"),
    (dict(peering_tiers="private"), "production.peering_tiers"),
    (dict(connectivity="vpn"), "production.connectivity"),
    (dict(vpc_cidr="10.130.0.1/16"), "production.vpc_cidr"),
    (dict(vpc_cidr="10.120.128.0/17"), "production.vpc_cidr"),
    (dict(connectivity="transit_gateway"), "production.connectivity"),
])
def test_bad_intent_names_the_field(change, field):
    envs = dict(DEMO, production=dict(DEMO["production"], **change))
    with pytest.raises(InputError) as err:
        plan_pairs(envs)
    assert err.value.field == field


def test_overlap_check_lists_every_clash():
    with pytest.raises(InputError) as err:
        check_no_overlap(["10.0.0.0/16", "10.1.0.0/16"], ["10.1.128.0/17", "10.2.0.0/16"])
    assert err.value.field == "accepter_owner"
    assert "10.1.0.0/16 overlaps 10.1.128.0/17" in err.value.reason
    check_no_overlap(["10.0.0.0/16"], ["10.1.0.0/16"])


def table(rtb, *routes):
    return {"RouteTableId": rtb, "Routes": [dict(DestinationCidrBlock=c, **t) for c, t in routes]}


LOCAL = ("10.120.0.0/16", {"GatewayId": "local"})
PCX = "VpcPeeringConnectionId"


def test_plan_routes_adds_removes_and_leaves_foreign_routes():
    tables = [
        table("rtb-a", LOCAL, ("0.0.0.0/0", {"NatGatewayId": "nat-1"})),
        table("rtb-b", LOCAL, ("10.130.0.0/16", {PCX: "pcx-1"}), ("10.9.0.0/16", {PCX: "pcx-1"})),
        table("rtb-c", LOCAL, ("10.130.0.0/16", {PCX: "pcx-1"}), ("172.16.0.0/12", {PCX: "pcx-other"})),
    ]
    adds, deletes, conflicts, replaces = plan_routes(tables, {"rtb-a", "rtb-b"}, ["10.130.0.0/16"], PCX, "pcx-1")
    assert adds == [("rtb-a", "10.130.0.0/16")]
    assert deletes == [("rtb-b", "10.9.0.0/16"), ("rtb-c", "10.130.0.0/16")]
    assert conflicts == []
    before, after = routes_view(tables, {"rtb-a", "rtb-b"}, ["10.130.0.0/16"], PCX, "pcx-1", {"rtb-a": "rtb/private"})
    assert before == {"rtb-b": ["10.130.0.0/16", "10.9.0.0/16"], "rtb-c": ["10.130.0.0/16"]}
    assert after == {"rtb/private": ["10.130.0.0/16"], "rtb-b": ["10.130.0.0/16"]}


def test_plan_routes_reports_a_destination_held_by_another_target():
    tables = [table("rtb-a", LOCAL, ("10.130.0.0/16", {"TransitGatewayId": "tgw-1"}))]
    assert plan_routes(tables, {"rtb-a"}, ["10.130.0.0/16"], PCX, "pcx-1")[2] == [("rtb-a", "10.130.0.0/16", "tgw-1")]
    # before the connection exists nothing can be ours, so any holder is foreign
    assert plan_routes(tables, {"rtb-a"}, ["10.130.0.0/16"], PCX, None)[2] == [("rtb-a", "10.130.0.0/16", "tgw-1")]


CIDRS = st.sampled_from(["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "192.168.0.0/24"])
TARGETS = st.sampled_from([{PCX: "pcx-1"}, {PCX: "pcx-2"}, {"GatewayId": "igw-1"}])


@given(st.lists(st.tuples(st.sampled_from(["rtb-1", "rtb-2", "rtb-3"]), CIDRS, TARGETS), max_size=12),
       st.sets(st.sampled_from(["rtb-1", "rtb-2", "rtb-3"])), st.lists(CIDRS, unique=True, max_size=3))
def test_applying_the_plan_converges_and_never_touches_foreign_routes(rows, chosen, destinations):
    tables = {}
    for rtb, cidr, target in rows:
        tables.setdefault(rtb, {})[cidr] = target  # one route per destination, as in AWS
    snapshot = [table(rtb, *sorted(routes.items())) for rtb, routes in sorted(tables.items())]
    for rtb in chosen:
        if rtb not in tables:
            snapshot.append(table(rtb))
            tables[rtb] = {}
    adds, deletes, conflicts, _replaces = plan_routes(snapshot, chosen, destinations, PCX, "pcx-1")
    for rtb, cidr in deletes:
        assert tables[rtb][cidr] == {PCX: "pcx-1"}
        del tables[rtb][cidr]
    for rtb, cidr in adds:
        assert cidr not in tables[rtb]
        tables[rtb][cidr] = {PCX: "pcx-1"}
    held = set((rtb, cidr) for rtb, cidr, _target in conflicts)
    for rtb, routes in tables.items():
        ours = set(c for c, t in routes.items() if t == {PCX: "pcx-1"})
        want = set(destinations) - set(c for r, c in held if r == rtb) if rtb in chosen else set()
        assert ours == want
    again = [table(rtb, *sorted(routes.items())) for rtb, routes in sorted(tables.items())]
    assert plan_routes(again, chosen, destinations, PCX, "pcx-1")[:2] == ([], [])


def tgw(envs):
    return dict((name, dict(data, connectivity="transit_gateway", refarch_role_arn=None, aws_region="us-east-1"))
                for name, data in envs.items())


def test_transit_plan_keeps_the_peering_isolation():
    envs = tgw(DEMO)
    envs["management"]["transit_gateway_hub"] = True
    plan = plan_transit(envs)
    assert plan["hub"] == "management"
    assert plan["attachments"] == [
        dict(owner="development", subnet_tier="private", route_tiers=["private"], peers=["management"]),
        dict(owner="management", subnet_tier="private", route_tiers=["private", "persistence"],
             peers=["development", "production"]),
        dict(owner="production", subnet_tier="private", route_tiers=["private", "persistence"], peers=["management"]),
    ]


def test_transit_plan_without_hub_skips_with_a_message():
    plan = plan_transit(tgw(DEMO), present=["development", "production"])
    assert plan["hub"] is None and plan["attachments"] == []
    assert len(plan["skipped"]) == 2  # both spokes miss management


def test_transit_plan_refuses_other_accounts_and_two_hubs():
    envs = tgw(DEMO)
    envs["management"]["transit_gateway_hub"] = True
    envs["production"]["refarch_role_arn"] = "arn:aws:iam::333333333333:role/R"
    with pytest.raises(InputError) as err:
        plan_transit(envs)
    assert err.value.field == "production.connectivity"
    envs = tgw(DEMO)
    envs["management"]["transit_gateway_hub"] = envs["production"]["transit_gateway_hub"] = True
    with pytest.raises(InputError) as err:
        plan_transit(envs)
    assert err.value.field == "production.transit_gateway_hub"


# -- one environment alone: the other end of its links ------------------------------------------

def test_a_peer_outside_the_run_gives_a_link_the_present_side_converges():
    from ansible_collections.refarch.network.plugins.module_utils.peering_plan import absent_peers
    hostvars = dict(DEMO, production=dict(DEMO["production"], aws_account_name="production",
                                          refarch_environment_roles={"management": "arn:aws:iam::111111111111:role/R"}))
    absent = absent_peers(hostvars, ["production"])
    assert absent == {"management": dict(owner="management", role_arn="arn:aws:iam::111111111111:role/R",
                                         region="us-east-1", account_missing=False)}
    mine = pairs_for({"production": hostvars["production"]}, "production", absent=absent)
    assert mine["skipped"] == []
    [pair] = mine["pairs"]
    assert (pair["requester"], pair["accepter"], pair["converger"], pair["absent_side"]) == (
        "management", "production", "production", "requester")
    assert pair["requester_tiers"] is None and pair["accepter_tiers"] == ["private", "persistence"]
    assert pair["requester_role_arn"] == "arn:aws:iam::111111111111:role/R"
    assert pair["accepter_role_arn"] == "arn:aws:iam::333333333333:role/R"
    assert pair["key"] == "pcx/management--production"   # the same link as when both are in the run


def test_a_peer_whose_account_is_missing_is_skipped_with_the_reason():
    from ansible_collections.refarch.network.plugins.module_utils.peering_plan import absent_peers
    hostvars = {"production": dict(DEMO["production"], aws_account_name="production",
                                   refarch_environment_roles={"management": None})}
    absent = absent_peers(hostvars, ["production"])
    mine = pairs_for(hostvars, "production", absent=absent)
    assert mine["pairs"] == []
    assert mine["skipped"] == ["management <-> production: management is not in this run (add its inventory with -i); "
                               "no account named management was found"]


def test_the_inventory_names_another_owner_and_region_for_an_absent_peer():
    from ansible_collections.refarch.network.plugins.module_utils.peering_plan import absent_peers
    hostvars = {"production": dict(DEMO["production"], environment_accounts={"management": {"owner": "mgmt", "aws_region": "eu-west-1"}})}
    assert absent_peers(hostvars, ["production"])["management"] == dict(
        owner="mgmt", role_arn=None, region="eu-west-1", account_missing=False)
