"""service_subnet_groups against the emulator: creation per kind, ownership, idempotence, absent."""

import boto3
from aws_proxy import AwsProxy

from security_seed_vpc import OWNER

GROUPS = [{"name": "sectest-aurora", "kind": "rds", "tier": "aurora"},
          {"name": "sectest-documentdb", "kind": "docdb", "tier": "aurora"},
          {"name": "sectest-elasticache", "kind": "elasticache", "tier": "elasticache"}]


def db_groups():
    return {g["DBSubnetGroupName"]: g for g in boto3.client("rds").describe_db_subnet_groups()["DBSubnetGroups"]}


def test_groups_span_their_tier_and_are_idempotent(seed_vpc, module, aws):
    check = module("service_subnet_groups", dict(owner=OWNER, groups=GROUPS), check_mode=True)
    assert check["changed"] and len(check["actions"]) == 3, check
    assert db_groups() == {}

    first = module("service_subnet_groups", dict(owner=OWNER, groups=GROUPS))
    assert first["actions"] == check["actions"], first
    aurora = sorted(seed_vpc["subnets"]["aurora"])
    found = db_groups()
    assert sorted(s["SubnetIdentifier"] for s in found["sectest-aurora"]["Subnets"]) == aurora
    assert sorted(s["SubnetIdentifier"] for s in found["sectest-documentdb"]["Subnets"]) == aurora
    docdb = boto3.client("docdb").describe_db_subnet_groups(DBSubnetGroupName="sectest-documentdb")
    assert docdb["DBSubnetGroups"][0]["VpcId"] == seed_vpc["vpc_id"]
    cache = boto3.client("elasticache").describe_cache_subnet_groups()["CacheSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in cache["Subnets"]) == sorted(seed_vpc["subnets"]["elasticache"])
    tags = boto3.client("rds").list_tags_for_resource(ResourceName=found["sectest-aurora"]["DBSubnetGroupArn"])
    tags = {t["Key"]: t["Value"] for t in tags["TagList"]}
    assert tags == {"Name": "sectest-aurora", "refarch:owner": OWNER, "refarch:key": "subnet-group/db/sectest-aurora"}
    assert first["groups"]["sectest-elasticache"]["arn"].endswith(":subnetgroup:sectest-elasticache")

    proxy = AwsProxy(aws.port).start()
    try:
        again = module("service_subnet_groups", dict(owner=OWNER, groups=GROUPS, endpoint_url=proxy.url))
    finally:
        proxy.stop()
    assert not again["changed"] and again["actions"] == [], again
    assert proxy.writes() == []


def test_foreign_group_and_bad_tier_refused_before_writes(seed_vpc, module):
    rds = boto3.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="sectest-aurora", DBSubnetGroupDescription="not ours",
                               SubnetIds=seed_vpc["subnets"]["aurora"])
    clash = module("service_subnet_groups", dict(owner=OWNER, groups=GROUPS[:1]))
    assert clash.failed and clash["field"] == "groups[0](sectest-aurora).name", clash
    assert "not owned by sectest" in clash["msg"]
    assert db_groups()["sectest-aurora"]["DBSubnetGroupDescription"] == "not ours"

    one_zone = module("service_subnet_groups", dict(owner=OWNER, groups=[
        {"name": "x", "kind": "rds", "tier": "endpoints"}]))
    assert one_zone.failed and "two availability zones" in one_zone["msg"], one_zone
    missing = module("service_subnet_groups", dict(owner=OWNER, groups=[{"name": "y", "tier": "nope"}]))
    assert missing.failed and missing["field"] == "groups[0](y).tier"
    assert sorted(db_groups()) == ["sectest-aurora"]


def cache_groups():
    return sorted(g["CacheSubnetGroupName"] for g in
                  boto3.client("elasticache").describe_cache_subnet_groups()["CacheSubnetGroups"])


def test_absent_removes_only_owned_groups(seed_vpc, module):
    rds, cache = boto3.client("rds"), boto3.client("elasticache")
    rds.create_db_subnet_group(DBSubnetGroupName="foreign", DBSubnetGroupDescription="not ours",
                               SubnetIds=seed_vpc["subnets"]["aurora"])
    cache.create_cache_subnet_group(CacheSubnetGroupName="foreign-cache", CacheSubnetGroupDescription="not ours",
                                    SubnetIds=seed_vpc["subnets"]["elasticache"])
    assert module("service_subnet_groups", dict(owner=OWNER, groups=GROUPS))["changed"]
    kept = module("service_subnet_groups", dict(owner=OWNER, groups=GROUPS[:1]))
    assert not kept["changed"] and sorted(kept["unplanned"]) == ["cache/sectest-elasticache", "db/sectest-documentdb"]
    assert "subnet group db/sectest-documentdb is owned by sectest but not in groups; purge_groups: true deletes it" in kept.warning_texts
    gone = module("service_subnet_groups", dict(owner=OWNER, state="absent"))
    assert sorted(gone["actions"]) == ["delete cache subnet group sectest-elasticache",
                                       "delete db subnet group sectest-aurora", "delete db subnet group sectest-documentdb"]
    assert sorted(db_groups()) == ["foreign"] and cache_groups() == ["foreign-cache"]
    assert not module("service_subnet_groups", dict(owner=OWNER, state="absent"))["changed"]


def test_the_emulator_deletes_and_modifies_cache_subnet_groups(seed_vpc):
    """moto 5.2.5 answers both calls with HTTP 500; tools/emulator_elasticache.py serves them as AWS does."""
    cache = boto3.client("elasticache")
    one, two = seed_vpc["subnets"]["elasticache"][:1], seed_vpc["subnets"]["elasticache"]
    cache.create_cache_subnet_group(CacheSubnetGroupName="g", CacheSubnetGroupDescription="d", SubnetIds=one,
                                    Tags=[{"Key": "k", "Value": "v"}])
    arn = cache.describe_cache_subnet_groups(CacheSubnetGroupName="g")["CacheSubnetGroups"][0]["ARN"]
    changed = cache.modify_cache_subnet_group(CacheSubnetGroupName="g", SubnetIds=two)["CacheSubnetGroup"]
    assert sorted(s["SubnetIdentifier"] for s in changed["Subnets"]) == sorted(two)
    assert changed["CacheSubnetGroupDescription"] == "d" and changed["ARN"] == arn
    assert cache.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "k", "Value": "v"}]
    cache.delete_cache_subnet_group(CacheSubnetGroupName="g")
    assert "g" not in cache_groups()
    try:
        cache.delete_cache_subnet_group(CacheSubnetGroupName="g")
        raise AssertionError("a second delete succeeded")
    except cache.exceptions.CacheSubnetGroupNotFoundFault:
        pass
