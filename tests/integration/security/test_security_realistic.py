"""security_groups, vpc_endpoints and service_subnet_groups against AWS as it behaves: new ids
answer NotFound and are left out of filtered Describes for a moment, endpoints are pending,
replies get lost. No failure, no duplicate, and a re-run changes nothing."""

import collections

import boto3
import pytest
from aws_proxy import AwsProxy
from aws_realism import Realism

from security_seed_vpc import OWNER

GROUPS = [
    {"name": "default", "ingress": [{"proto": "all", "group": "eks_cluster", "description": "eks_to_base"}]},
    {"name": "eks_cluster", "ingress": [{"proto": "all", "group": ["default", "self"]}]},
    {"name": "public_lb", "ingress": [{"ports": 443, "cidr": "0.0.0.0/0"}],
     "egress": [{"ports": 8080, "group": "app"}]},
    {"name": "app", "ingress": [{"ports": 8080, "group": "public_lb"}]},
    {"name": "persistence", "ingress": [{"ports": [5432, 6379], "group": ["app", "eks_cluster"]}], "egress": []},
]
ENDPOINTS = dict(subnet_tier="endpoints", security_groups=["default", "eks_cluster"], endpoints=[
    {"service": "sts"}, {"service": "logs"}, {"service": "ecr.api"},
    {"service": "s3", "type": "Gateway", "route_table_tiers": ["eks_private"]}])
SUBNET_GROUPS = [{"name": "sectest-aurora", "kind": "rds", "tier": "aurora"},
                 {"name": "sectest-documentdb", "kind": "docdb", "tier": "aurora"},
                 {"name": "sectest-elasticache", "kind": "elasticache", "tier": "elasticache"}]
RUNS = [("security_groups", dict(groups=GROUPS)), ("vpc_endpoints", ENDPOINTS),
        ("service_subnet_groups", dict(groups=SUBNET_GROUPS))]


def owned(vpc_id):
    """Counter of (kind, refarch:key) over live owned groups, endpoints and subnet groups."""
    ec2 = boto3.client("ec2")
    found = collections.Counter()
    vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    for kind, items in (("sg", ec2.describe_security_groups(Filters=vpc)["SecurityGroups"]),
                        ("vpce", [e for e in ec2.describe_vpc_endpoints(Filters=vpc)["VpcEndpoints"]
                                  if e["State"].lower() not in ("deleted", "deleting")])):
        for item in items:
            tags = dict((t["Key"], t["Value"]) for t in item.get("Tags", []))
            if tags.get("refarch:owner") == OWNER:
                found[(kind, tags.get("refarch:key"))] += 1
    rds = boto3.client("rds")
    for group in rds.describe_db_subnet_groups()["DBSubnetGroups"]:
        found[("db", group["DBSubnetGroupName"])] += 1
    return found


def converge(module, url, runs=None):
    runs = RUNS if runs is None else runs
    results = {}
    for name, args in runs:
        results[name] = module(name, dict(args, owner=OWNER, endpoint_url=url))
        assert not results[name].failed, (name, results[name].get("msg"), results[name].get("actions_done"))
    return results


@pytest.mark.parametrize("fault_rate", [0.0, 0.2])
def test_build_through_realistic_aws(seed_vpc, module, aws, fault_rate):
    with AwsProxy(aws.port, fault_rate=fault_rate, seed=3, realism=Realism()) as realistic:
        first = converge(module, realistic.url)
        hits = dict(realistic.realism_hits)
    assert hits.get("notfound", 0) + hits.get("hidden", 0) > 0 and hits.get("pending", 0) > 0, hits
    assert len(first["vpc_endpoints"]["endpoints"]) == 4
    keys = owned(seed_vpc["vpc_id"])
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len([k for k in keys if k[0] == "sg"]) == 4 and len([k for k in keys if k[0] == "vpce"]) == 4, keys
    with AwsProxy(aws.port) as plain:
        again = converge(module, plain.url)
        assert plain.writes() == []
    assert not any(r["changed"] for r in again.values()), dict((n, r["actions"]) for n, r in again.items())


@pytest.mark.parametrize("realism", [None, Realism()], ids=["emulator", "realistic"])
def test_lost_replies_of_creates_neither_duplicate_nor_fail(seed_vpc, module, aws, realism):
    """A lost CreateSecurityGroup is retried into InvalidGroup.Duplicate and adopts our group; a
    lost CreateVpcEndpoint is retried into a second endpoint (the emulator ignores ClientToken),
    which is removed; in realistic mode both are found although new ids are hidden a moment."""
    lose = ["CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateVpcEndpoint",
            "CreateDBSubnetGroup", "CreateCacheSubnetGroup"]
    with AwsProxy(aws.port, lose_first=lose, realism=realism) as proxy:
        converge(module, proxy.url)
        lost = [a for a, w, f in proxy.requests if f == "lost_reply"]
    assert sorted(lost) == sorted(lose)
    keys = owned(seed_vpc["vpc_id"])
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len([k for k in keys if k[0] == "sg"]) == 4 and len([k for k in keys if k[0] == "vpce"]) == 4, keys
    again = converge(module, aws.url)
    assert not any(r["changed"] for r in again.values()), dict((n, r["actions"]) for n, r in again.items())


@pytest.mark.parametrize("realism", [None, Realism()], ids=["emulator", "realistic"])
def test_lost_replies_during_teardown(seed_vpc, module, aws, realism):
    """In realistic mode a deleting endpoint holds its groups and subnets, as on AWS: the groups are
    deleted after vpc_endpoints waited for its endpoints to be gone, never refused."""
    converge(module, aws.url, RUNS)
    lose = ["DeleteVpcEndpoints", "DeleteDBSubnetGroup", "DeleteCacheSubnetGroup", "RevokeSecurityGroupIngress",
            "DeleteSecurityGroup"]
    with AwsProxy(aws.port, lose_first=lose, realism=realism) as proxy:
        for name, args in [RUNS[1], (RUNS[2][0], {}), RUNS[0]]:
            gone = module(name, dict(args, owner=OWNER, state="absent", endpoint_url=proxy.url))
            assert not gone.failed and gone["changed"], (name, gone.get("msg"), gone.get("actions_done"))
        lost = [a for a, w, f in proxy.requests if f == "lost_reply"]
        hits = dict(proxy.realism_hits)
    assert sorted(lost) == sorted(lose)
    assert realism is None or (hits["deleting"] > 0 and hits["held"] == 0), hits
    assert owned(seed_vpc["vpc_id"]) == collections.Counter()
