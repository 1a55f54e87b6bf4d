"""vpc_tiers' diff on its own: plan + snapshot (plain dicts) -> actions, no emulator."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import (
    desired_tags, diff_absent, diff_present, unplanned,
)

AZS = ["us-east-1a", "us-east-1b"]
TIERS = [{"name": "public", "route": "internet", "prefix": 20},
         {"name": "private", "route": "nat", "prefix": 19},
         {"name": "persistence", "route": "none", "prefix": 21}]
OPTIONS = dict(owner="dev", name="dev", tags={}, lockdown_default_sg=True, purge=False, flow_logs=None)


def plan(nat_mode="per_az", azs=None):
    azs = AZS if azs is None else azs
    return plan_network(dict(cidr="10.0.0.0/16", azs=list(azs), tiers=[dict(t) for t in TIERS], nat_mode=nat_mode))


def empty():
    return {"vpc": None, "dns_support": None, "dns_hostnames": None, "subnets": {}, "foreign_subnets": [],
            "route_tables": {}, "foreign_route_tables": [], "main_route_table": None, "igw": None,
            "nat_gateways": {}, "nat_ids_any_state": set(), "dead_nats": [], "eips": {}, "default_sg": None,
            "flow_logs": []}


def built(p, options=None):
    """The snapshot the reader returns once ``p`` has been converged."""
    options = OPTIONS if options is None else options
    tags = desired_tags(options["owner"], options["name"], p, options["tags"])
    snap = empty()
    snap.update(vpc={"VpcId": "vpc-1", "CidrBlock": p["cidr"], "Tags": tag_list(tags["vpc"])},
                dns_support=True, dns_hostnames=True,
                igw={"InternetGatewayId": "igw-1", "Tags": tag_list(tags["igw"]),
                     "Attachments": [{"VpcId": "vpc-1", "State": "available"}]},
                default_sg={"GroupId": "sg-1", "GroupName": "default", "IpPermissions": [], "IpPermissionsEgress": []})
    for key, subnet in p["subnets"].items():
        snap["subnets"][key] = {"SubnetId": "id-" + key, "CidrBlock": subnet["cidr"], "AvailabilityZone": subnet["az"],
                                "MapPublicIpOnLaunch": subnet["public"], "Tags": tag_list(tags[key])}
    for key, nat in p["nat_gateways"].items():
        snap["nat_gateways"][key] = {"NatGatewayId": "id-" + key, "SubnetId": "id-" + nat["subnet"], "State": "available",
                                     "Tags": tag_list(tags[key])}
        snap["nat_ids_any_state"].add("id-" + key)
        snap["eips"][nat["eip"]] = {"AllocationId": "id-" + nat["eip"], "Tags": tag_list(tags[nat["eip"]])}
    for key, table in p["route_tables"].items():
        routes = [{"DestinationCidrBlock": dest, ("GatewayId" if target == "igw" else "NatGatewayId"):
                   "igw-1" if target == "igw" else "id-" + target, "State": "active"}
                  for dest, target in table["routes"].items()]
        snap["route_tables"][key] = {
            "RouteTableId": "id-" + key, "Tags": tag_list(tags[key]),
            "Routes": [{"DestinationCidrBlock": p["cidr"], "GatewayId": "local"}] + routes,
            "Associations": [{"SubnetId": "id-" + s, "RouteTableAssociationId": "assoc-" + s}
                             for s in table["subnets"]]}
    return snap


def ops(actions):
    return [a.op for a in actions]


def test_a_new_vpc_creates_everything_and_waits_after_all_creates():
    actions = diff_present(plan(), empty(), OPTIONS)
    order = ops(actions)
    assert order[:5] == ["create_vpc", "create_igw", "allocate_eip", "allocate_eip", "wait_vpc"]
    assert order.index("allocate_eip") < order.index("create_nat") and order.count("allocate_eip") == 2
    assert max(i for i, op in enumerate(order) if op == "allocate_eip") < min(
        i for i, op in enumerate(order) if op == "create_nat")
    assert order.count("create_subnet") == 6 and order.count("create_nat") == 2
    wait = order.index("wait_nat")
    assert max(i for i, op in enumerate(order) if op in ("create_nat", "allocate_eip", "create_subnet")) < wait
    assert min(i for i, op in enumerate(order) if op == "create_route") > wait
    assert all(a.key for a in actions) and len(set(a.text for a in actions)) == len(actions)


def test_a_converged_vpc_needs_nothing():
    p = plan()
    assert diff_present(p, built(p), OPTIONS) == []
    assert unplanned(p, built(p), OPTIONS) == []


def test_tag_drift_retags_only_the_drifted_resource():
    p = plan()
    snap = built(p)
    subnet = snap["subnets"]["subnet/private/us-east-1a"]
    subnet["Tags"] = [t for t in subnet["Tags"] if t["Key"] != "Name"]
    actions = diff_present(p, snap, OPTIONS)
    assert [(a.op, a.key) for a in actions] == [("tag", "subnet/private/us-east-1a")]
    assert list(actions[0]["tags"]) == ["Name"]


def test_a_planned_route_pointed_by_hand_at_a_foreign_eni_is_replaced_last():
    p = plan()
    snap = built(p)
    table = snap["route_tables"]["rtb/private/us-east-1a"]
    table["Routes"] = [r for r in table["Routes"] if r.get("DestinationCidrBlock") != "0.0.0.0/0"]
    table["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-foreign"})
    snap["subnets"]["subnet/public/us-east-1a"]["Tags"] = []  # something else to do in the same run
    actions = diff_present(p, snap, OPTIONS)
    assert [(a.op, a.key) for a in actions] == [("tag", "subnet/public/us-east-1a"),
                                                ("replace_route", "rtb/private/us-east-1a")]
    repair = actions[-1]
    assert repair.text == "replace route rtb/private/us-east-1a 0.0.0.0/0 -> nat/us-east-1a (was eni-foreign, not ours)"
    assert (repair["destination"], repair["target"]) == ("0.0.0.0/0", "nat/us-east-1a")


def test_a_changed_vpc_cidr_is_refused_not_replaced():
    p = plan()
    snap = built(p)
    snap["vpc"]["CidrBlock"] = "10.9.0.0/16"
    with pytest.raises(InputError) as raised:
        diff_present(p, snap, OPTIONS)
    assert raised.value.field == "cidr"


def test_purge_deletes_nat_waits_then_subnets_then_tables_then_eips():
    wide = plan(azs=AZS + ["us-east-1c"])
    narrow = plan(nat_mode="single")
    actions = diff_present(narrow, built(wide), dict(OPTIONS, purge=True))
    order = ops(actions)
    purge = order[order.index("delete_nat"):]
    assert purge.index("wait_nat_deleted") < purge.index("delete_subnet") < purge.index("delete_route_table") \
        < purge.index("release_eip")
    assert "disassociate" in purge and purge.index("disassociate") < purge.index("delete_route_table")
    # without purge the same change only reports what is no longer planned
    assert "subnet/private/us-east-1c" in unplanned(narrow, built(wide), OPTIONS)


def test_absent_removes_owned_in_reverse_order_and_keeps_a_table_holding_a_foreign_route():
    p = plan()
    snap = built(p)
    snap["route_tables"]["rtb/private/us-east-1b"]["Routes"].append(
        {"DestinationCidrBlock": "10.99.0.0/16", "VpcPeeringConnectionId": "pcx-foreign"})
    actions, kept = diff_absent(snap)
    order = ops(actions)
    assert order.index("delete_nat") < order.index("wait_nat_deleted") < order.index("release_eip") \
        < order.index("delete_subnet") < order.index("delete_igw")
    assert "delete_vpc" not in order  # a kept table holds the VPC
    assert any("pcx-foreign" in k for k in kept)
    assert ("delete_route_table", "rtb/private/us-east-1b") not in [(a.op, a.key) for a in actions]
