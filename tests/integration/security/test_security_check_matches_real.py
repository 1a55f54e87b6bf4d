"""--check reports exactly the actions the real run then performs, for security_groups,
vpc_endpoints and service_subnet_groups, on a new environment (the VPC and nothing else) and
on a built one whose data changed; then a re-run does nothing."""

import pytest
from aws_proxy import AwsProxy

from security_seed_vpc import OWNER

GROUPS = [
    {"name": "default", "ingress": [{"proto": "all", "group": "eks_cluster", "description": "eks_to_base"}]},
    {"name": "eks_cluster", "ingress": [{"proto": "all", "group": "default", "description": "base_to_eks"}]},
    {"name": "public_lb",
     "ingress": [{"ports": 443, "cidr": "0.0.0.0/0", "description": "https"},
                 {"ports": 10000, "cidr": ["10.0.0.0/8", "172.16.0.0/12"], "description": "management"}],
     "egress": [{"proto": "all", "cidr": "0.0.0.0/0", "cidr_ipv6": "::/0"}]},
    {"name": "persistence", "ingress": [{"ports": [5432, 6379], "group": ["eks_cluster", "self"]}], "egress": []},
]
CHANGED_GROUPS = [
    GROUPS[0], GROUPS[1],
    # (the emulator cannot change the description of a rule naming a group: a CIDR rule's here)
    {"name": "public_lb", "ingress": [{"ports": 443, "cidr": "0.0.0.0/0", "description": "https (lb)"},
                                      {"ports": 8443, "cidr": "10.0.0.0/8"}],
     "egress": [{"proto": "all", "cidr": "0.0.0.0/0", "cidr_ipv6": "::/0"}]},
    {"name": "app", "ingress": [{"ports": 8080, "group": "public_lb"}], "tags": {"team": "web"},
     "egress": [{"ports": 443, "prefix_list": "com.amazonaws.us-east-1.s3"}]},   # a prefix list by name
]
ENDPOINTS = dict(subnet_tier="endpoints", security_groups=["default", "eks_cluster"], endpoints=[
    {"service": "sts"}, {"service": "logs"}, {"service": "s3", "private_dns": False},
    {"service": "s3", "type": "Gateway", "route_table_tiers": ["eks_private"]}])
CHANGED_ENDPOINTS = dict(ENDPOINTS, security_groups=["default"], endpoints=[
    {"service": "sts"}, {"service": "ecr.api"}, {"service": "s3", "type": "Gateway",
                                                 "route_table_tiers": ["eks_private", "aurora"]}])
SUBNET_GROUPS = [{"name": "sectest-aurora", "kind": "rds", "tier": "aurora"},
                 {"name": "sectest-documentdb", "kind": "docdb", "tier": "aurora"},
                 {"name": "sectest-elasticache", "kind": "elasticache", "tier": "elasticache"}]

# (module, args of the build, args of the run compared); no build: a new environment
CASES = {
    "groups-new": ("security_groups", None, dict(groups=GROUPS)),
    "groups-changed": ("security_groups", dict(groups=GROUPS), dict(groups=CHANGED_GROUPS, purge_groups=True)),
    "groups-absent": ("security_groups", dict(groups=GROUPS), dict(groups=GROUPS, state="absent")),
    "endpoints-new": ("vpc_endpoints", None, ENDPOINTS),
    "endpoints-changed": ("vpc_endpoints", ENDPOINTS, dict(CHANGED_ENDPOINTS, purge_endpoints=True)),
    "endpoints-absent": ("vpc_endpoints", ENDPOINTS, dict(state="absent")),
    "subnet-groups-new": ("service_subnet_groups", None, dict(groups=SUBNET_GROUPS)),
    "subnet-groups-changed": ("service_subnet_groups", dict(groups=SUBNET_GROUPS),
                              dict(groups=SUBNET_GROUPS[:1], purge_groups=True)),
    "subnet-groups-absent": ("service_subnet_groups", dict(groups=SUBNET_GROUPS), dict(state="absent")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_exactly_what_the_real_run_does(seed_vpc, module, aws, case):
    name, build, wanted = CASES[case]
    if name == "vpc_endpoints":
        assert not module("security_groups", dict(owner=OWNER, groups=GROUPS)).failed
    if build is not None:
        built = module(name, dict(build, owner=OWNER))
        assert built["changed"] and not built.failed, built
    args = dict(wanted, owner=OWNER)
    with AwsProxy(aws.port) as proxy:
        check = module(name, dict(args, endpoint_url=proxy.url), check_mode=True, diff=True)
        assert proxy.writes() == [] and not check.failed, check
        real = module(name, dict(args, endpoint_url=proxy.url), diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["changed"] is real["changed"] is True
    assert check["actions"] == real["actions"], (check["actions"], real["actions"])
    assert check["diff"]["before"] == real["diff"]["before"]
    if name != "vpc_endpoints":   # an endpoint's id is only known once it exists
        assert check["diff"]["after"] == real["diff"]["after"]
    again = module(name, args)
    assert again["changed"] is False and again["actions"] == [], again
