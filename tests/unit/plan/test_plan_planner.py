"""The pure planner: determinism, stability under growth, and errors that name the field."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network, shift_second_octet

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
TIERS = [
    {"name": "public", "route": "internet", "prefix": 20},
    {"name": "private", "route": "nat", "prefix": 19},
    {"name": "persistence", "route": "none", "prefix": 21},
]


def spec(**overrides):
    base = {"cidr": "10.120.0.0/16", "azs": list(AZS), "tiers": [dict(t) for t in TIERS], "nat_mode": "single"}
    base.update(overrides)
    return base


def cidrs(plan):
    return dict((k, v["cidr"]) for k, v in plan["subnets"].items())


def test_demo_plan_is_exact():
    plan = plan_network(spec())
    assert cidrs(plan) == {
        "subnet/public/us-east-1a": "10.120.0.0/20", "subnet/public/us-east-1b": "10.120.16.0/20",
        "subnet/public/us-east-1c": "10.120.32.0/20",
        "subnet/private/us-east-1a": "10.120.128.0/19", "subnet/private/us-east-1b": "10.120.160.0/19",
        "subnet/private/us-east-1c": "10.120.192.0/19",
        "subnet/persistence/us-east-1a": "10.120.64.0/21", "subnet/persistence/us-east-1b": "10.120.72.0/21",
        "subnet/persistence/us-east-1c": "10.120.80.0/21",
    }
    assert plan["route_tables"]["rtb/public"]["routes"] == {"0.0.0.0/0": "igw"}
    assert plan["route_tables"]["rtb/private"]["routes"] == {"0.0.0.0/0": "nat/single"}
    assert plan["route_tables"]["rtb/persistence"]["routes"] == {}
    assert list(plan["nat_gateways"]) == ["nat/single"]


def test_per_az_nat_routes_each_private_table_to_its_own_zone():
    plan = plan_network(spec(nat_mode="per_az"))
    for az in AZS:
        assert plan["route_tables"]["rtb/private/%s" % az]["routes"] == {"0.0.0.0/0": "nat/%s" % az}
        assert plan["nat_gateways"]["nat/%s" % az]["subnet"] == "subnet/public/%s" % az


def test_adding_a_zone_or_a_tier_moves_nothing():
    before = cidrs(plan_network(spec(azs=AZS[:2])))
    grown = spec(tiers=[dict(t) for t in TIERS] + [{"name": "extra", "route": "none", "prefix": 24}])
    after = cidrs(plan_network(grown))
    assert all(after[k] == v for k, v in before.items())
    assert "subnet/extra/us-east-1c" in after


def test_plan_is_deterministic():
    assert plan_network(spec()) == plan_network(spec())


def test_staging_rule_and_required_prefix():
    assert shift_second_octet("10.231.0.0/16", 1) == "10.232.0.0/16"
    with pytest.raises(InputError) as err:
        plan_network(spec(cidr="10.231.0.0/17", required_prefix=16))
    assert err.value.field == "cidr" and "/16" in err.value.reason


@pytest.mark.parametrize("overrides, field, words", [
    ({"cidr": "10.120.0.0/33"}, "cidr", "not a valid"),
    ({"cidr": "10.120.1.0/16"}, "cidr", "host bits"),
    ({"cidr": "banana"}, "cidr", "not a valid"),
    ({"cidr": "10.0.0.0/8"}, "cidr", "between /16 and /28"),
    ({"azs": []}, "azs", "at least one"),
    ({"azs": ["us-east-1a", "us-east-1a"]}, "azs[1]", "twice"),
    ({"azs": ["us-east-1a", "eu-west-1b"]}, "azs", "several regions"),
    ({"azs": ["mars"]}, "azs[0]", "not an availability zone"),
    ({"azs": AZS + ["us-east-1d", "us-east-1e"]}, "azs", "az_slots"),
    ({"nat_mode": "double"}, "nat_mode", "not one of"),
    ({"tiers": [{"name": "a", "route": "teleport", "prefix": 20}]}, "tiers[0](a).route", "route policy"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 20}, {"name": "a", "route": "none", "prefix": 20}]},
     "tiers[1](a).name", "duplicate"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 12}]}, "tiers[0](a).prefix", "out of range"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 17}]}, "tiers[0](a).prefix", "do not fit"),
    ({"tiers": [{"name": "a", "route": "none"}]}, "tiers[0](a).prefix", "required"),
    ({"tiers": [{"name": "Bad Name", "route": "none", "prefix": 20}]}, "tiers[0].name", "not a valid name"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 20, "colour": "red"}]}, "tiers[0].colour", "unknown"),
    ({"tiers": [{"name": "a", "route": "nat", "prefix": 20}]}, "nat_mode", "internet"),
    ({"tiers": [{"name": "a", "route": "nat", "prefix": 20}], "nat_mode": "none"}, "tiers[0](a).route", "nat_mode"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 24, "block": "0.0.0.0/22"},
                {"name": "b", "route": "none", "prefix": 25, "block": "0.0.2.0/23"}]}, "tiers[1](b)", "overlaps"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 24, "block": "0.1.0.0/24"}]}, "tiers[0](a).block", "does not fit"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 28, "block": "0.0.0.0/27"}]}, "tiers[0](a).block", "zones need"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 20, "route_table": "x"},
                {"name": "b", "route": "internet", "prefix": 20, "route_table": "x"}]}, "tiers[1](b).route_table", "shared"),
    ({"tiers": [{"name": "t%d" % i, "route": "none", "prefix": 19} for i in range(3)]}, "tiers[2](t2).prefix", "no free"),
])
def test_bad_input_names_the_field(overrides, field, words):
    with pytest.raises(InputError) as err:
        plan_network(spec(**overrides))
    assert err.value.field == field, str(err.value)
    assert words in err.value.reason, str(err.value)


@settings(max_examples=150, deadline=None)
@given(prefixes=st.lists(st.integers(min_value=20, max_value=27), min_size=1, max_size=6),
       zones=st.integers(min_value=1, max_value=4))
def test_any_valid_plan_has_disjoint_subnets_inside_the_vpc(prefixes, zones):
    tiers = [{"name": "t%d" % i, "route": "none", "prefix": p} for i, p in enumerate(prefixes)]
    try:
        plan = plan_network(spec(tiers=tiers, azs=AZS[:zones] if zones <= 3 else AZS + ["us-east-1d"]))
    except InputError as e:
        assert e.field.endswith(".prefix") and "no free" in e.reason
        return
    nets = [ipaddress.ip_network(s["cidr"]) for s in plan["subnets"].values()]
    base = ipaddress.ip_network("10.120.0.0/16")
    assert all(n.subnet_of(base) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([20, 21, 22, 23, 24]), min_size=1, max_size=4), st.sampled_from([20, 22, 24]))
def test_appending_a_tier_never_moves_existing_subnets(prefixes, new_prefix):
    tiers = [{"name": "t%d" % i, "route": "none", "prefix": p} for i, p in enumerate(prefixes)]
    before = cidrs(plan_network(spec(tiers=tiers)))
    try:
        after = cidrs(plan_network(spec(tiers=tiers + [{"name": "new", "route": "none", "prefix": new_prefix}])))
    except InputError:
        return  # no room: refused, nothing moved
    assert all(after[k] == v for k, v in before.items())
