"""A VPC the run already read is not read again, while that is exact (issue 22)."""

import ast
import glob
import os
import re

import pytest
import yaml

from ansible_collections.refarch.network.plugins.filter import known_vpcs as known_vpcs_filter
from ansible_collections.refarch.network.plugins.filter import known_zones as known_zones_filter
from ansible_collections.refarch.network.plugins.filter.known_vpcs import known_vpcs
from ansible_collections.refarch.network.plugins.module_utils import aws, ec2_read, tags


def vpc(vpc_id, owner):
    return {"VpcId": vpc_id, "CidrBlock": "10.0.0.0/16",
            "Tags": [{"Key": tags.OWNER_TAG, "Value": owner}, {"Key": tags.KEY_TAG, "Value": "vpc"}]}


def subnet(subnet_id, owner, tier, az):
    return {"SubnetId": subnet_id, "AvailabilityZone": az, "CidrBlock": "10.0.0.0/24",
            "Tags": [{"Key": tags.OWNER_TAG, "Value": owner}, {"Key": tags.TIER_TAG, "Value": tier}]}


KNOWN = {"region": "us-east-1", "vpc": vpc("vpc-1", "production"),
         "subnets": [subnet("subnet-b", "production", "private", "us-east-1b"),
                     subnet("subnet-a", "production", "private", "us-east-1a"),
                     subnet("subnet-eks", "eks", "private", "us-east-1a")]}


class Meta(object):
    region_name = "us-east-1"


class CountingEc2(object):
    """Answers DescribeVpcs with nothing and counts the calls."""

    meta = Meta()

    def __init__(self):
        self.calls = 0

    def describe_vpcs(self, **_kwargs):
        self.calls += 1
        return {"Vpcs": []}

    def get_paginator(self, _operation):
        ec2 = self

        class Pages(object):
            def paginate(self, **kwargs):
                return [ec2.describe_vpcs(**kwargs)]
        return Pages()


@pytest.fixture
def known():
    aws.KNOWN_VPCS[:] = [KNOWN]
    yield
    aws.KNOWN_VPCS[:] = []


def test_a_known_vpc_is_answered_by_owner_or_id_without_a_call(known):
    ec2 = CountingEc2()
    assert ec2_read.find_vpc(ec2, "production") is KNOWN["vpc"]
    assert ec2_read.find_vpc(ec2, "other-owner", "vpc-1") is KNOWN["vpc"]
    assert ec2.calls == 0


def test_another_owner_region_or_id_is_read(known):
    ec2 = CountingEc2()
    assert ec2_read.find_vpc(ec2, "development") is None
    assert ec2_read.find_vpc(ec2, "production", "vpc-2") is None
    assert ec2_read.known_vpc("eu-west-1", "production") is None
    assert ec2.calls == 2


def test_vpc_tiers_own_read_never_reuses(known):
    ec2 = CountingEc2()
    assert ec2_read.find_vpc(ec2, "production", reuse=False) is None
    assert ec2.calls == 1


def test_the_owned_subnets_of_a_known_vpc_are_answered_without_a_call(known):
    ec2 = CountingEc2()
    by_tier = ec2_read.owned_subnets_by_tier(ec2, "production", "vpc-1")
    assert dict((t, [s["SubnetId"] for s in subnets]) for t, subnets in by_tier.items()) == {
        "private": ["subnet-a", "subnet-b"]}
    assert ec2_read.known_read("us-east-1", "vpc-2", "subnets") is None
    assert ec2.calls == 0


def test_the_filter_gives_each_environment_s_vpc_of_this_run():
    hostvars = {"production": {"refarch_vpc": {"known_vpc": KNOWN}},
                "development": {"refarch_vpc": {"known_vpc": {}}},   # check mode: no VPC yet
                "staging": {}}                                      # vpc.yml not in this run
    assert known_vpcs(hostvars, ["production", "development", "staging", "absent"]) == [KNOWN]


@pytest.mark.parametrize("tagger", ["refarch_peering", "refarch_zone_restore", "pritunl_vpn_zones"])
def test_nothing_is_reused_once_a_vpc_s_tags_were_written_in_the_run(tagger):
    hostvars = {"production": {"refarch_vpc": {"known_vpc": KNOWN}},
                "management": {tagger: {"changed": True}}}
    assert known_vpcs(hostvars, ["production", "management"]) == []
    hostvars["management"][tagger] = {"changed": False, "skipped": True}
    assert known_vpcs(hostvars, ["production", "management"]) == [KNOWN]


NETWORK = dict(KNOWN, route_tables=[{"RouteTableId": "rtb-1"}], nat_gateways=[], flow_logs=[],
               security_groups=[{"GroupId": "sg-1", "GroupName": "default"}])


def _without(item, *kinds):
    return dict((k, v) for k, v in item.items() if k not in kinds)


@pytest.mark.parametrize("writer", ["refarch_vpc_endpoints", "refarch_peering", "refarch_transit_gateway",
                                    "pritunl_vpn_instance", "refarch_vpn_access"])
def test_route_tables_are_dropped_once_a_route_was_written_in_the_run(writer):
    hostvars = {"production": {"refarch_vpc": {"known_vpc": NETWORK}}, "management": {}}
    assert known_vpcs(hostvars, ["production", "management"]) == [NETWORK]
    hostvars["management"][writer] = {"changed": True}
    known = known_vpcs(hostvars, ["production", "management"])
    if writer in known_vpcs_filter.VPC_TAGGERS:
        assert known == []
    elif writer in known_vpcs_filter.GROUP_WRITERS:
        assert known == [_without(NETWORK, "route_tables", "security_groups")]
    else:
        assert known == [_without(NETWORK, "route_tables")]


@pytest.mark.parametrize("writer", ["refarch_security_groups", "refarch_security_groups_removed", "pritunl_vpn_instance",
                                    "refarch_vpn_access"])
def test_security_groups_are_dropped_once_a_group_or_rule_was_written_in_the_run(writer):
    hostvars = {"production": {"refarch_vpc": {"known_vpc": NETWORK}}, "management": {writer: {"changed": False}}}
    assert known_vpcs(hostvars, ["production", "management"]) == [NETWORK]
    hostvars["management"][writer] = {"changed": True}
    known = known_vpcs(hostvars, ["production", "management"])
    assert [item.get("security_groups") for item in known] == [None]
    assert known[0]["subnets"] == NETWORK["subnets"] and known[0]["nat_gateways"] == []


@pytest.mark.parametrize("writer", ["refarch_security_groups", "refarch_peering", "refarch_vpn_access"])
def test_a_writer_that_failed_counts_as_changed(writer):
    """It may have written before it stopped (a failed result says changed: false)."""
    hostvars = {"production": {"refarch_vpc": {"known_vpc": NETWORK}},
                "management": {writer: {"changed": False, "failed": True, "actions_done": ["create ..."]}}}
    known = known_vpcs(hostvars, ["production", "management"])
    assert known == [] or all(len(item) < len(NETWORK) for item in known)


def test_route_tables_of_an_environment_two_links_of_the_task_route_through_are_dropped():
    """The links of one task run at once: a table two of them write is not exact for either."""
    hostvars = dict((env, {"refarch_vpc": {"known_vpc": dict(NETWORK, vpc=vpc("vpc-" + env, env))}})
                    for env in ("development", "management", "production"))
    links = [{"requester": "development", "accepter": "management"}, {"requester": "management", "accepter": "production"}]
    known = dict((item["vpc"]["VpcId"], item) for item in known_vpcs(hostvars, sorted(hostvars), links))
    assert "route_tables" not in known["vpc-management"]
    assert known["vpc-development"]["route_tables"] == known["vpc-production"]["route_tables"] == NETWORK["route_tables"]
    assert known["vpc-management"]["security_groups"] == NETWORK["security_groups"]
    known = known_vpcs(hostvars, sorted(hostvars), links[:1])
    assert all("route_tables" in item for item in known)


def test_network_reads_are_answered_only_for_the_known_vpc():
    aws.KNOWN_VPCS[:] = [NETWORK]
    try:
        assert ec2_read.known_read("us-east-1", "vpc-1", "route_tables") == [{"RouteTableId": "rtb-1"}]
        assert ec2_read.known_read("us-east-1", "vpc-1", "nat_gateways") == []
        assert ec2_read.known_read("us-east-1", "vpc-1", "security_groups") == NETWORK["security_groups"]
        assert ec2_read.known_read("us-east-1", "vpc-2", "route_tables") is None
        assert ec2_read.known_read("eu-west-1", "vpc-1", "route_tables") is None
    finally:
        aws.KNOWN_VPCS[:] = []
    assert ec2_read.known_read("us-east-1", "vpc-1", "route_tables") is None


ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
# routes: the route APIs, and the endpoint APIs (a gateway endpoint adds, and takes away, a route in each table it serves)
ROUTE_CALLS = re.compile(r"\.(create|replace|delete)_route\(|\.(create|modify)_vpc_endpoint\(|\.delete_vpc_endpoints\(")
# groups and their rules: the group APIs, called or named (security_groups' handlers pick the rule call by name)
GROUP_CALLS = re.compile(r"\.(create|delete)_security_group\(|(authorize|revoke)_security_group_(ingress|egress)|"
                         r"modify_security_group_rules|update_security_group_rule_descriptions")


def _imports(path):
    """The module_utils of this collection a Python file imports."""
    names = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom) and node.module and "refarch.network.plugins.module_utils" in node.module:
            if node.module.endswith(".module_utils"):
                names.update(alias.name for alias in node.names)
            else:
                names.add(node.module.rsplit(".", 1)[1])
    return names


def writing_modules(calls):
    """The modules whose code (with the module_utils it imports, transitively) makes a call ``calls`` finds."""
    utils = os.path.join(ROOT, "plugins", "module_utils")
    writers = set(name[:-3] for name in os.listdir(utils)
                  if name.endswith(".py") and calls.search(open(os.path.join(utils, name)).read()))
    found = set()
    modules = os.path.join(ROOT, "plugins", "modules")
    for name in os.listdir(modules):
        if not name.endswith(".py"):
            continue
        if calls.search(open(os.path.join(modules, name)).read()):
            found.add(name[:-3])
        seen, todo = set(), list(_imports(os.path.join(modules, name)))
        while todo:
            util = todo.pop()
            if util not in seen and os.path.exists(os.path.join(utils, util + ".py")):
                seen.add(util)
                todo.extend(_imports(os.path.join(utils, util + ".py")))
        if seen & writers:
            found.add(name[:-3])
    return found


def _tasks(items):
    for item in items or []:
        if isinstance(item, dict):
            yield item
            for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks"):
                yield from _tasks(item.get(key))


def tasks_calling(modules):
    """(file, task, the ``modules`` it calls) for every task of playbooks/ and roles/ calling one."""
    for folder in ("playbooks", "roles"):
        for path in glob.glob(os.path.join(ROOT, folder, "**", "*.yml"), recursive=True):
            for task in _tasks(yaml.safe_load(open(path)) or []):
                called = sorted(m for m in modules if "refarch.network." + m in task)
                if called:
                    yield os.path.relpath(path, ROOT), task, called


def _check_writers(calls, watched, what, least):
    modules = writing_modules(calls)
    checked = 0
    for path, task, called in tasks_calling(modules):
        if called == ["vpc_tiers"]:
            continue
        checked += 1
        assert task.get("register") in watched, (
            "%s: task %r calls %s, which writes %s: register it as one of %s (filter known_vpcs)"
            % (path, task.get("name"), called[0], what, watched))
    assert checked >= least
    return modules


def test_every_task_that_writes_routes_after_vpc_tiers_registers_a_route_writer():
    modules = _check_writers(ROUTE_CALLS, known_vpcs_filter.ROUTE_WRITERS, "routes", 5)
    assert {"vpc_tiers", "vpc_endpoints", "vpc_peering", "transit_gateway", "vpn_instance", "vpn_access"} <= modules


def test_every_task_that_writes_security_groups_after_vpc_tiers_registers_a_group_writer():
    modules = _check_writers(GROUP_CALLS, known_vpcs_filter.GROUP_WRITERS, "security groups or their rules", 4)
    assert modules == {"vpc_tiers", "security_groups", "vpn_instance", "vpn_access"}


def test_registered_writers_are_distinct_names():
    """Two tasks registering one name: the later (skipped, say) would hide that the first changed something."""
    watched = (known_vpcs_filter.ROUTE_WRITERS + known_vpcs_filter.GROUP_WRITERS + known_vpcs_filter.VPC_TAGGERS
               + known_zones_filter.RECORD_WRITERS)
    names = {}
    for folder in ("playbooks", "roles"):
        for path in glob.glob(os.path.join(ROOT, folder, "**", "*.yml"), recursive=True):
            for task in _tasks(yaml.safe_load(open(path)) or []):
                name = task.get("register")
                if name in watched:
                    names.setdefault(name, []).append("%s: %s" % (os.path.relpath(path, ROOT), task.get("name")))
    assert dict((name, tasks) for name, tasks in names.items() if len(tasks) > 1) == {}


def test_a_read_is_passed_on_as_json_text_and_taken_back_as_aws_gave_it():
    import datetime
    nat = {"NatGatewayId": "nat-1", "CreateTime": datetime.datetime(2026, 12, 4, 1, 2, 3, tzinfo=datetime.timezone.utc)}
    text = ec2_read.as_text([nat])
    assert isinstance(text, str)
    aws.KNOWN_VPCS[:] = [dict(KNOWN, nat_gateways=text)]
    try:
        # as a module result would have carried the list: the datetime in ISO 8601
        assert ec2_read.known_read("us-east-1", "vpc-1", "nat_gateways") == [
            {"NatGatewayId": "nat-1", "CreateTime": "2026-12-04T01:02:03+00:00"}]
        assert ec2_read.known_read("us-east-1", "vpc-1", "subnets") == KNOWN["subnets"]  # a list is taken as it is
    finally:
        aws.KNOWN_VPCS[:] = []
