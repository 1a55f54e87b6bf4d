"""service_subnet_groups' diff on its own: planned groups + snapshot (plain dicts) -> actions."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_diff import (
    diff_subnet_groups, models, with_subnets)
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import plan_subnet_groups

OWNER = "prod"
OPTIONS = dict(owner=OWNER, tags={}, purge=False)
GROUPS = [{"name": "prod-aurora", "kind": "rds", "tier": "aurora"},
          {"name": "prod-documentdb", "kind": "docdb", "tier": "aurora"},
          {"name": "prod-cache", "kind": "elasticache", "tier": "cache"}]
SUBNETS = {"aurora": [{"SubnetId": "subnet-a2", "AvailabilityZone": "us-east-1b"},
                      {"SubnetId": "subnet-a1", "AvailabilityZone": "us-east-1a"}],
           "cache": [{"SubnetId": "subnet-c1", "AvailabilityZone": "us-east-1a"}]}


def planned(groups=None):
    groups = GROUPS if groups is None else groups
    return with_subnets(plan_subnet_groups([dict(g) for g in groups], OWNER), SUBNETS)


def empty():
    return {"db": ({}, set()), "cache": ({}, set())}


def built(groups):
    """What read_family returns per family once ``groups`` exist as planned."""
    snap = empty()
    for g in groups:
        prefix = "DB" if g["family"] == "db" else "Cache"
        snap[g["family"]][0][g["name"]] = {prefix + "SubnetGroupName": g["name"],
                                           prefix + "SubnetGroupDescription": g["description"],
                                           "Subnets": [{"SubnetIdentifier": s} for s in g["subnets"]]}
        snap[g["family"]][1].add(g["name"])
    return snap


def test_new_groups_are_created_with_their_tier_subnets():
    actions, leftover = diff_subnet_groups(planned(), empty(), OPTIONS)
    assert leftover == []
    assert [(a.op, a.key) for a in actions] == [("create_group", "subnet-group/db/prod-aurora"),
                                                ("create_group", "subnet-group/db/prod-documentdb"),
                                                ("create_group", "subnet-group/cache/prod-cache")]
    assert [a.text for a in actions] == ["create rds subnet group prod-aurora (tier aurora: subnet-a1, subnet-a2)",
                                         "create docdb subnet group prod-documentdb (tier aurora: subnet-a1, subnet-a2)",
                                         "create elasticache subnet group prod-cache (tier cache: subnet-c1)"]
    assert actions[1]["kind"] == "docdb" and actions[1]["family"] == "db"
    assert actions[0]["tags"] == {"Name": "prod-aurora", "refarch:owner": OWNER,
                                  "refarch:key": "subnet-group/db/prod-aurora"}


def test_converged_snapshot_gives_no_actions():
    groups = planned()
    assert diff_subnet_groups(groups, built(groups), OPTIONS) == ([], [])
    before, after = models(groups, built(groups))
    assert before == after


def test_changed_subnets_or_description_modify_in_place():
    groups = planned()
    snap = built(groups)
    snap["db"][0]["prod-aurora"]["Subnets"] = [{"SubnetIdentifier": "subnet-a1"}]
    snap["cache"][0]["prod-cache"]["CacheSubnetGroupDescription"] = "old words"
    actions, _unused = diff_subnet_groups(groups, snap, OPTIONS)
    assert [(a.op, a.text) for a in actions] == [
        ("modify_group", "modify rds subnet group prod-aurora subnets subnet-a1 -> subnet-a1, subnet-a2"),
        ("modify_group", "modify elasticache subnet group prod-cache subnets subnet-c1 -> subnet-c1")]


def test_a_name_held_by_a_group_not_ours_is_refused():
    snap = empty()
    snap["db"][1].add("prod-aurora")   # in the VPC, not owned
    with pytest.raises(InputError) as err:
        diff_subnet_groups(planned(GROUPS[:1]), snap, OPTIONS)
    assert err.value.field == "groups[0](prod-aurora).name" and "not owned by prod" in err.value.reason


def test_tiers_are_checked():
    with pytest.raises(InputError) as err:
        planned([{"name": "x", "kind": "rds", "tier": "cache"}])
    assert err.value.field == "groups[0](x).tier" and "two availability zones" in err.value.reason
    with pytest.raises(InputError) as err:
        planned([{"name": "y", "tier": "nope"}])
    assert err.value.field == "groups[0](y).tier"
    before_vpc = with_subnets(plan_subnet_groups([dict(GROUPS[0])], OWNER), None)
    assert before_vpc[0]["subnets"] == ["subnet/aurora/* (planned)"]


def test_unplanned_groups_are_deleted_only_with_purge():
    groups = planned()
    snap = built(groups)
    assert diff_subnet_groups(groups[:1], snap, OPTIONS) == (
        [], [("cache", "prod-cache"), ("db", "prod-documentdb")])
    actions, _unused = diff_subnet_groups([], snap, dict(OPTIONS, purge=True))
    assert [(a.op, a.key, a.text) for a in actions] == [
        ("delete_group", "subnet-group/cache/prod-cache", "delete cache subnet group prod-cache"),
        ("delete_group", "subnet-group/db/prod-aurora", "delete db subnet group prod-aurora"),
        ("delete_group", "subnet-group/db/prod-documentdb", "delete db subnet group prod-documentdb")]
