"""Reads a module takes from this run's earlier reads (option known_vpcs) give what reading again gives,
without the calls (issue 22: a no-op site.yml reads each type at most twice per environment)."""

import collections

from aws_proxy import AwsProxy
from known_reads import known_vpc

import proof_topology as topo


def test_network_info_from_known_reads_gives_the_same_facts_without_their_calls(aws, module):
    topo.build_env("production", "10.130.0.0/16", vpn=True)
    known = known_vpc(topo.client(), "production")
    with AwsProxy(aws.port) as proxy:
        read = module("network_info", {"owner": "production", "endpoint_url": proxy.url})
        proxy.clear()
        reused = module("network_info", {"owner": "production", "endpoint_url": proxy.url, "known_vpcs": [known]})
        calls = collections.Counter(proxy.reads())
    assert not read.failed and not reused.failed, reused
    assert reused["network_facts"] == read["network_facts"]
    assert reused["api_calls"] == read["api_calls"] - 6 == sum(calls.values())
    for action in ("DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeNatGateways", "DescribeFlowLogs",
                   "DescribeSecurityGroups"):
        assert calls[action] == 0, calls


def test_security_groups_from_the_known_read_converge_as_from_their_own(aws, module):
    ec2 = topo.client()
    ec2.create_vpc(CidrBlock="10.130.0.0/16", TagSpecifications=topo.spec("vpc", "production", "vpc"))
    groups = [{"name": "app", "ingress": [{"ports": 443, "cidr": "10.0.0.0/8"}]},
              {"name": "db", "ingress": [{"ports": 5432, "group": "app"}]}]
    with AwsProxy(aws.port) as proxy:
        args = {"owner": "production", "groups": groups, "endpoint_url": proxy.url}
        # the VPC as read before any group: only its default group (a new environment)
        first = module("security_groups", dict(args, known_vpcs=[known_vpc(ec2, "production")]))
        assert first["changed"], first
        calls = [(action, write) for action, write, _fault in proxy.requests]
        before_writes = [action for action, _write in calls[:[write for _action, write in calls].index(True)]]
        assert "DescribeSecurityGroups" not in before_writes, before_writes
        proxy.clear()
        read = module("security_groups", args)
        proxy.clear()
        reused = module("security_groups", dict(args, known_vpcs=[known_vpc(ec2, "production")]))
        assert proxy.writes() == [] and "DescribeSecurityGroups" not in proxy.reads(), proxy.reads()
    assert read["actions"] == reused["actions"] == []
    assert reused["groups"] == read["groups"] == first["groups"]
