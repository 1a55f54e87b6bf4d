"""A VPC the run already read is not read again, while that is exact (issue 22)."""

import pytest

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
    assert ec2_read.known_subnets("us-east-1", "vpc-2") is None
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
