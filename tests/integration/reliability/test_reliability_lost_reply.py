"""vpc_tiers when replies are lost: the request is carried out, the answer never arrives and
botocore retries. No duplicate, no "already exists" failure, and teardown leaves nothing owned."""

import collections

import boto3
from aws_proxy import AwsProxy

TIERS = [
    {"name": "public", "route": "internet", "prefix": 20},
    {"name": "private", "route": "nat", "prefix": 19},
    {"name": "persistence", "route": "none", "prefix": 21},
]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
FLOW_LOGS = {"destination_type": "cloud-watch-logs", "log_group_name": "/refarch/flow",
             "iam_role_arn": "arn:aws:iam::123456789012:role/refarch-flow-logs"}


def args(url, **overrides):
    base = dict(owner="production", cidr="10.130.0.0/16", azs=list(AZS), tiers=[dict(t) for t in TIERS],
                nat_mode="per_az", flow_logs=dict(FLOW_LOGS), region="us-east-1", endpoint_url=url)
    base.update(overrides)
    return base


def owned_keys():
    """Counter of (kind, refarch:key) over owned EC2 resources (live ones)."""
    ec2 = boto3.client("ec2", region_name="us-east-1")
    mine = [{"Name": "tag:refarch:owner", "Values": ["production"]}]
    found = collections.Counter()
    listings = [
        ("vpc", ec2.describe_vpcs(Filters=mine)["Vpcs"]),
        ("subnet", ec2.describe_subnets(Filters=mine)["Subnets"]),
        ("rtb", ec2.describe_route_tables(Filters=mine)["RouteTables"]),
        ("igw", ec2.describe_internet_gateways(Filters=mine)["InternetGateways"]),
        ("eip", ec2.describe_addresses(Filters=mine)["Addresses"]),
        ("nat", [n for n in ec2.describe_nat_gateways(Filter=mine)["NatGateways"]
                 if n["State"] in ("pending", "available")]),
    ]
    for kind, items in listings:
        for item in items:
            tags = dict((t["Key"], t["Value"]) for t in item.get("Tags", []))
            found[(kind, tags.get("refarch:key"))] += 1
    return found


def test_lost_replies_neither_duplicate_nor_fail(module, aws):
    with AwsProxy(aws.port, fault_rate=0.3, faults=("lost_reply",), seed=7) as proxy:
        first = module("vpc_tiers", args(proxy.url))
        lost = [a for a, w, f in proxy.requests if f == "lost_reply" and w]
    assert not first.failed, first.get("msg")
    assert len(lost) >= 10, "the seed must lose replies of writes"
    keys = owned_keys()
    assert keys and max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len([k for k in keys if k[0] == "subnet"]) == 9 and len([k for k in keys if k[0] == "nat"]) == 3
    again = module("vpc_tiers", args(aws.url))
    assert again["changed"] is False, again["actions"]


def test_lost_replies_during_teardown_leave_nothing_owned(module, aws):
    assert not module("vpc_tiers", args(aws.url)).failed
    with AwsProxy(aws.port, fault_rate=0.3, faults=("lost_reply",), seed=11) as proxy:
        gone = module("vpc_tiers", dict(owner="production", state="absent", region="us-east-1",
                                        endpoint_url=proxy.url))
        lost = [a for a, w, f in proxy.requests if f == "lost_reply" and w]
    assert not gone.failed, gone.get("msg")
    assert lost, "the seed must lose replies of writes"
    assert owned_keys() == collections.Counter()
