"""transit_gateway against the emulator: hub and spokes, isolation, tag quirk, check mode, absent."""

import json

import pytest

from aws_proxy import AwsProxy
from aws_realism import Realism
from peering_builders import build_vpc, ec2_client, routes

CIDRS = {"management": "10.120.0.0/16", "development": "10.110.0.0/16", "production": "10.130.0.0/16"}
ATTACHMENTS = [
    dict(owner="management", peers=["development", "production"]),
    dict(owner="development", peers=["management"], route_tiers=["private"]),
    dict(owner="production", peers=["management"]),
]


@pytest.fixture
def proxy(aws):
    with AwsProxy(aws.port) as p:
        yield p


@pytest.fixture
def vpcs(aws):
    ec2 = ec2_client()
    return dict((owner, build_vpc(ec2, owner, cidr, azs=["us-east-1a", "us-east-1b", "us-east-1c"]))
                for owner, cidr in CIDRS.items())


def args(proxy, **extra):
    result = dict(owner="management", attachments=ATTACHMENTS, endpoint_url=proxy.url)
    result.update(extra)
    return result


def live_attachments(ec2):
    return [a for a in ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
            if a["State"] not in ("deleted", "deleting")]


def tags_of(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags", []))


def propagated_vpcs(ec2, rtb):
    return sorted(p["ResourceId"] for p in ec2.get_transit_gateway_route_table_propagations(
        TransitGatewayRouteTableId=rtb)["TransitGatewayRouteTablePropagations"] if p["State"] == "enabled")


def test_hub_and_spokes_with_isolation_and_idempotence(vpcs, module, proxy):
    ec2 = ec2_client()
    first = module("transit_gateway", args(proxy))
    assert first["changed"], first
    tgw = first["transit_gateway"]["id"]
    atts = live_attachments(ec2)
    assert len(atts) == 3
    for att in atts:
        tags = dict((t["Key"], t["Value"]) for t in att.get("Tags", []))
        owner = tags["refarch:key"].split("/", 1)[1]
        assert tags["refarch:owner"] == "management"
        assert att["VpcId"] == vpcs[owner]["vpc_id"]
        assert sorted(att["SubnetIds"]) == sorted(vpcs[owner]["subnets"]["subnet/private/%s" % az]
                                                  for az in ("us-east-1a", "us-east-1b", "us-east-1c"))
    tables = dict((tags_of(rt)["refarch:key"], rt["TransitGatewayRouteTableId"])
                  for rt in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
                  if rt["State"] == "available" and tags_of(rt).get("refarch:owner") == "management")
    assert sorted(tables) == ["tgw-rtb/development", "tgw-rtb/management", "tgw-rtb/production"]
    vpc = dict((o, v["vpc_id"]) for o, v in vpcs.items())
    assert propagated_vpcs(ec2, tables["tgw-rtb/management"]) == sorted([vpc["development"], vpc["production"]])
    assert propagated_vpcs(ec2, tables["tgw-rtb/development"]) == [vpc["management"]]
    assert propagated_vpcs(ec2, tables["tgw-rtb/production"]) == [vpc["management"]]
    for key, rtb in tables.items():
        assoc = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=rtb)["Associations"]
        assert [a["ResourceId"] for a in assoc if a["State"] == "associated"] == [vpc[key.split("/")[1]]]
    dev, prod, mgmt = vpcs["development"]["tables"], vpcs["production"]["tables"], vpcs["management"]["tables"]
    assert routes(ec2, dev["rtb/private/us-east-1a"]).get("10.120.0.0/16") == tgw
    assert "10.130.0.0/16" not in routes(ec2, dev["rtb/private/us-east-1a"])  # no development -> production
    assert "10.120.0.0/16" not in routes(ec2, dev["rtb/persistence"])         # tier not chosen
    assert "10.110.0.0/16" not in routes(ec2, prod["rtb/persistence"])
    assert routes(ec2, prod["rtb/persistence"]).get("10.120.0.0/16") == tgw
    assert routes(ec2, mgmt["rtb/private/us-east-1c"]).get("10.130.0.0/16") == tgw
    assert routes(ec2, mgmt["rtb/private/us-east-1c"]).get("10.110.0.0/16") == tgw
    assert "10.130.0.0/16" not in routes(ec2, mgmt["rtb/public"])

    proxy.clear()
    second = module("transit_gateway", args(proxy))
    assert second["actions"] == [] and not second["changed"]
    assert proxy.writes() == []


def test_check_mode_writes_nothing_and_matches_the_real_run(vpcs, module, proxy):
    checked = module("transit_gateway", args(proxy), check_mode=True, diff=True)
    assert checked["changed"] and proxy.writes() == []
    assert ec2_client().describe_transit_gateways()["TransitGateways"] == []
    real = module("transit_gateway", args(proxy))
    # the emulator drops attachment tags given at create, so the real run tags them afterwards;
    # AWS keeps them and the real run then matches check mode exactly
    real_actions = [a for a in real["actions"] if not a.startswith("tag tgw attachment")]
    assert [a.split(" ")[:3] for a in checked["actions"]] == [a.split(" ")[:3] for a in real_actions]
    # waits are actions too (the gateway, then its route tables and attachments together)
    assert len([a for a in checked["actions"] if not a.startswith("wait for ")]) == 32 - 3
    assert checked["diff"]["after"]["routes"]["development"] == {
        "rtb/private/us-east-1a": ["10.120.0.0/16"], "rtb/private/us-east-1b": ["10.120.0.0/16"],
        "rtb/private/us-east-1c": ["10.120.0.0/16"]}


def test_untagged_attachment_from_an_interrupted_run_is_adopted_not_duplicated(vpcs, module, proxy):
    ec2 = ec2_client()
    tgw = module("transit_gateway", args(proxy, attachments=[]))["transit_gateway"]["id"]
    # the emulator ignores TagSpecifications on attachments: this is what a crash after create leaves
    subnet = vpcs["production"]["subnets"]["subnet/private/us-east-1a"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpcs["production"]["vpc_id"], SubnetIds=[subnet])
    result = module("transit_gateway", args(proxy))
    assert len(live_attachments(ec2)) == 3
    assert any(a.startswith("tag tgw attachment tgw-attach/production") for a in result["actions"])
    assert any(a.startswith("modify tgw attachment tgw-attach/production") for a in result["actions"])
    proxy.clear()
    assert module("transit_gateway", args(proxy))["actions"] == []
    assert proxy.writes() == []


def test_absent_removes_everything_ours_and_keeps_foreign_routes(vpcs, module, proxy):
    ec2 = ec2_client()
    module("transit_gateway", args(proxy))
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpcs["development"]["vpc_id"])
    dev_a = vpcs["development"]["tables"]["rtb/private/us-east-1a"]
    ec2.create_route(RouteTableId=dev_a, DestinationCidrBlock="192.168.0.0/16", GatewayId=igw)
    gone = module("transit_gateway", args(proxy, state="absent"))
    assert gone["changed"] and gone["actions"][-1].startswith("delete transit gateway tgw")
    assert live_attachments(ec2) == []
    assert [t for t in ec2.describe_transit_gateways()["TransitGateways"] if t["State"] != "deleted"] == []
    left = routes(ec2, dev_a)
    assert left.get("192.168.0.0/16") == igw and "10.120.0.0/16" not in left
    proxy.clear()
    again = module("transit_gateway", args(proxy, state="absent"))
    assert again["actions"] == [] and proxy.writes() == []


def test_dropping_a_spoke_removes_its_attachment_routes_and_table(vpcs, module, proxy):
    ec2 = ec2_client()
    module("transit_gateway", args(proxy))
    hub_only = [dict(owner="management", peers=["production"]), dict(owner="production", peers=["management"])]
    result = module("transit_gateway", args(proxy, attachments=hub_only))
    assert "delete tgw route table tgw-rtb/development" in " ".join(result["actions"])
    assert sorted(a["VpcId"] for a in live_attachments(ec2)) == sorted(
        [vpcs["management"]["vpc_id"], vpcs["production"]["vpc_id"]])
    assert "10.120.0.0/16" not in routes(ec2, vpcs["development"]["tables"]["rtb/private/us-east-1a"])
    assert "10.110.0.0/16" not in routes(ec2, vpcs["management"]["tables"]["rtb/private/us-east-1a"])
    proxy.clear()
    assert module("transit_gateway", args(proxy, attachments=hub_only))["actions"] == []
    assert proxy.writes() == []


def test_one_way_peers_and_overlaps_are_refused_before_any_write(vpcs, module, proxy):
    one_way = [dict(owner="management", peers=["production"]), dict(owner="production", peers=[])]
    result = module("transit_gateway", args(proxy, attachments=one_way))
    assert result.failed and result["field"] == "attachments[1].peers"
    build_vpc(ec2_client(), "staging", "10.130.128.0/17")
    clash = [dict(owner="production", peers=["staging"]), dict(owner="staging", peers=["production"])]
    result = module("transit_gateway", args(proxy, attachments=clash))
    assert result.failed and result["field"] == "attachments[0].peers"
    assert "overlaps" in result["msg"]
    assert proxy.writes() == []


@pytest.mark.parametrize("built", [False, True], ids=["new", "built"])
def test_check_reports_exactly_what_the_real_run_does(vpcs, module, proxy, built):
    """--check on a new and on a built environment (a spoke dropped, another one's subnets
    and route tiers changed) lists the actions the real run then carries out, in order."""
    wanted = args(proxy)
    if built:
        module("transit_gateway", args(proxy))
        wanted = args(proxy, attachments=[
            dict(owner="management", peers=["production"]),
            dict(owner="production", peers=["management"], subnet_tier="persistence", route_tiers=["private"])])
    proxy.clear()
    check = module("transit_gateway", wanted, check_mode=True, diff=True)
    assert proxy.writes() == []
    real = module("transit_gateway", wanted, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["changed"] is real["changed"] is True
    tgw = real["transit_gateway"]["id"]
    made = dict(("tgw-attach-new-%s" % o, a["id"]) for o, a in real["transit_gateway"]["attachments"].items())
    made["tgw-new"] = tgw

    def resolved(value):
        for placeholder, real_id in made.items():
            value = value.replace(placeholder, real_id)
        return value
    assert [resolved(a) for a in check["actions"]] == real["actions"]
    assert json.loads(resolved(json.dumps(check["diff"], sort_keys=True))) == real["diff"]
    if built:
        assert "modify tgw attachment tgw-attach/production" in " ".join(real["actions"])
        assert "delete tgw route table tgw-rtb/development" in " ".join(real["actions"])
    proxy.clear()
    assert module("transit_gateway", wanted, check_mode=True)["actions"] == []
    assert module("transit_gateway", wanted)["actions"] == [] and proxy.writes() == []


def test_cold_build_and_teardown_through_realistic_aws(vpcs, module, aws):
    """As AWS behaves: new ids NotFound for a moment, the gateway and its attachments pending
    (an attachment to a pending gateway refused with IncorrectState). The waits are actions,
    so nothing is attached before the gateway is available and nothing linked before its
    attachment is."""
    realism = Realism(notfound_window=0.5, pending_window=1.0)
    with AwsProxy(aws.port, realism=realism) as proxy:
        built = module("transit_gateway", args(proxy))
        assert not built.failed, (built.get("msg"), built.get("actions_done"))
        assert proxy.realism_hits["pending"] and proxy.realism_hits["notfound"], proxy.realism_hits
        assert proxy.realism_hits["incorrect_state"] == 0
        proxy.clear()
        assert module("transit_gateway", args(proxy))["actions"] == [] and proxy.writes() == []
        gone = module("transit_gateway", args(proxy, state="absent"))
        assert not gone.failed, (gone.get("msg"), gone.get("actions_done"))
    ec2 = ec2_client()
    assert live_attachments(ec2) == []
    assert [t for t in ec2.describe_transit_gateways()["TransitGateways"] if t["State"] != "deleted"] == []
