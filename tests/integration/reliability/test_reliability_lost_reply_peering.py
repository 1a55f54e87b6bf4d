"""vpc_peering when replies are lost: the request is carried out, the answer never arrives and
botocore retries. No duplicate connection, no "already active / route exists / not found"
failure, a clean rerun changes nothing, and teardown leaves nothing owned."""

import collections

from aws_proxy import AwsProxy
from integration.peering.peering_builders import build_vpc, ec2_client, live_peerings, role_arn, routes

MGMT, PROD = "111111111111", "333333333333"
KEY = "pcx/management--production"
# seeds that, between them, lose a reply of each fixed write (checked at the end)
SEEDS = (5, 9, 12)
# the writes whose retry used to fail or duplicate
FIXED = {"CreateVpcPeeringConnection", "AcceptVpcPeeringConnection", "CreateRoute", "DeleteRoute"}


def args(url, **extra):
    base = dict(requester_owner="management", accepter_owner="production", endpoint_url=url,
                assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD),
                allow_dns_resolution=True, region="us-east-1")
    base.update(extra)
    return base


def ours(ec2):
    """Live connections carrying our key, as the requester account sees them."""
    return [c for c in live_peerings(ec2) if {"Key": "refarch:key", "Value": KEY} in c.get("Tags", [])]


def peering_routes(ec2, built):
    """{(table key, destination): pcx id} of every route to a peering connection."""
    found = {}
    for key, table in built["tables"].items():
        for dest, target in routes(ec2, table).items():
            if (target or "").startswith("pcx-"):
                found[(key, dest)] = target
    return found


def lost_writes(proxy):
    return collections.Counter(a for a, w, f in proxy.requests if f == "lost_reply" and w)


def test_lost_replies_converge_and_teardown_cleanly(aws, module):
    mgmt_ec2, prod_ec2 = ec2_client(MGMT), ec2_client(PROD)
    mgmt = build_vpc(mgmt_ec2, "management", "10.120.0.0/16")
    prod = build_vpc(prod_ec2, "production", "10.130.0.0/16")
    hit = collections.Counter()
    for seed in SEEDS:
        with AwsProxy(aws.port, fault_rate=0.3, faults=("lost_reply",), seed=seed) as proxy:
            first = module("vpc_peering", args(proxy.url))
            hit.update(lost_writes(proxy))
        assert not first.failed, (seed, first.get("msg"), first.get("actions"))
        conns = ours(mgmt_ec2)
        assert [c["VpcPeeringConnectionId"] for c in conns] == [first["peering"]["id"]], (seed, conns)
        pcx = first["peering"]["id"]
        assert conns[0]["Status"]["Code"] == "active"
        assert set(peering_routes(mgmt_ec2, mgmt).values()) == {pcx}
        assert len(peering_routes(mgmt_ec2, mgmt)) == 3 and len(peering_routes(prod_ec2, prod)) == 3

        again = module("vpc_peering", args(aws.url))
        assert again["changed"] is False, (seed, again["actions"])

        with AwsProxy(aws.port, fault_rate=0.3, faults=("lost_reply",), seed=100 + seed) as proxy:
            gone = module("vpc_peering", args(proxy.url, state="absent"))
            hit.update(lost_writes(proxy))
        assert not gone.failed, (seed, gone.get("msg"), gone.get("actions"))
        assert ours(mgmt_ec2) == [] and live_peerings(prod_ec2) == []
        assert peering_routes(mgmt_ec2, mgmt) == {} and peering_routes(prod_ec2, prod) == {}
    assert FIXED <= set(hit), "the seeds must lose replies of every fixed write: %s" % dict(hit)
