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


# transit_gateway: the writes of a cold build whose retry used to duplicate or fail
TGW_CREATES = {"CreateTransitGateway", "CreateTransitGatewayRouteTable", "CreateTransitGatewayVpcAttachment"}
TGW_SEEDS = (3, 16, 20)
SPOKES = [dict(owner="management", peers=["development", "production"]),
          dict(owner="development", peers=["management"]), dict(owner="production", peers=["management"])]


def live(items, dead=("deleted", "deleting", "failed")):
    return [i for i in items if i["State"] not in dead]


def test_transit_gateway_cold_build_with_lost_replies_makes_no_duplicate(aws, module):
    """The engine guards transit_gateway's creates: a lost reply of the gateway's or a route
    table's create removes the twin by owner and key; an attachment's retry, refused as a
    duplicate of its VPC, adopts the attachment (tagged afterwards: the emulator drops the tags
    given at create). Teardown runs without faults, and the seeds lose no reply of a twin
    gateway's delete: the emulator answers a repeated delete or unlink of a transit gateway
    object with a 500 (AWS does not)."""
    ec2 = ec2_client()
    for owner, cidr in (("management", "10.120.0.0/16"), ("development", "10.110.0.0/16"), ("production", "10.130.0.0/16")):
        build_vpc(ec2, owner, cidr)
    hit = collections.Counter()
    for seed in TGW_SEEDS:
        with AwsProxy(aws.port, fault_rate=0.3, faults=("lost_reply",), seed=seed) as proxy:
            built = module("transit_gateway", dict(owner="management", attachments=SPOKES, endpoint_url=proxy.url))
            hit.update(lost_writes(proxy))
        assert not built.failed, (seed, built.get("msg"), built.get("actions_done"))
        assert len(live(ec2.describe_transit_gateways()["TransitGateways"])) == 1, seed
        owned = [t for t in live(ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"])
                 if {"Key": "refarch:owner", "Value": "management"} in t.get("Tags", [])]
        assert len(owned) == 3, seed  # the emulator also makes an untagged default table per gateway
        attachments = live(ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"])
        assert len(attachments) == 3, seed
        assert all({"Key": "refarch:owner", "Value": "management"} in a.get("Tags", []) for a in attachments), seed
        again = module("transit_gateway", dict(owner="management", attachments=SPOKES, endpoint_url=aws.url))
        assert again["changed"] is False, (seed, again["actions"])
        gone = module("transit_gateway", dict(owner="management", state="absent", endpoint_url=aws.url))
        assert not gone.failed and live(ec2.describe_transit_gateways()["TransitGateways"]) == []
    assert TGW_CREATES <= set(hit), "the seeds must lose a reply of every create: %s" % dict(hit)
