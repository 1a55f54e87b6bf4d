"""vpc_peering against the emulator: converge, idempotence, check mode, safety, cross-account/region."""

import collections

import pytest

from aws_proxy import AwsProxy
from aws_realism import Realism
from peering_builders import build_vpc, ec2_client, live_peerings, role_arn, routes

MGMT, PROD = "111111111111", "333333333333"


@pytest.fixture
def proxy(aws):
    with AwsProxy(aws.port) as p:
        yield p


def base_args(proxy, **extra):
    args = dict(requester_owner="management", accepter_owner="production", endpoint_url=proxy.url,
                allow_dns_resolution=True)
    args.update(extra)
    return args


def routed_tables(ec2, built, cidr, pcx):
    return sorted(k for k, t in built["tables"].items() if routes(ec2, t).get(cidr) == pcx)


def test_same_account_converges_routes_both_sides_and_is_idempotent(aws, module, proxy):
    ec2 = ec2_client()
    mgmt = build_vpc(ec2, "management", "10.120.0.0/16")
    prod = build_vpc(ec2, "production", "10.130.0.0/16")
    first = module("vpc_peering", base_args(proxy, accepter_tiers=["private"]))
    assert first["changed"], first
    pcx = first["peering"]["id"]
    conn = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert conn["Status"]["Code"] == "active"
    assert conn["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert conn["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert {"Key": "refarch:key", "Value": "pcx/management--production"} in conn["Tags"]
    assert routed_tables(ec2, mgmt, "10.130.0.0/16", pcx) == [
        "rtb/persistence", "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    assert routed_tables(ec2, prod, "10.120.0.0/16", pcx) == ["rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    assert first["routes"]["accepter"] == {"rtb/private/us-east-1a": ["10.120.0.0/16"],
                                           "rtb/private/us-east-1b": ["10.120.0.0/16"]}

    proxy.clear()
    second = module("vpc_peering", base_args(proxy, accepter_tiers=["private"]))
    assert not second["changed"], second["actions"]
    assert second["actions"] == []
    assert proxy.writes() == []
    assert second["peering"]["id"] == pcx


def test_check_mode_writes_nothing_and_reports_the_same_actions(aws, module, proxy):
    ec2 = ec2_client()
    build_vpc(ec2, "management", "10.120.0.0/16")
    build_vpc(ec2, "production", "10.130.0.0/16")
    checked = module("vpc_peering", base_args(proxy), check_mode=True, diff=True)
    assert checked["changed"]
    assert proxy.writes() == []
    assert live_peerings(ec2) == []
    real = module("vpc_peering", base_args(proxy))
    pcx = real["peering"]["id"]
    assert [a.replace("pcx-new", pcx) for a in checked["actions"]] == real["actions"]
    assert checked["diff"]["before"]["peering"] is None
    assert checked["diff"]["after"]["routes"]["requester"]["rtb/persistence"] == ["10.130.0.0/16"]
    proxy.clear()
    again = module("vpc_peering", base_args(proxy), check_mode=True)
    assert again["actions"] == [] and not again["changed"]
    assert proxy.writes() == []


def test_overlapping_cidrs_are_refused_before_any_write(aws, module, proxy):
    ec2 = ec2_client()
    build_vpc(ec2, "management", "10.120.0.0/16")
    build_vpc(ec2, "production", "10.120.128.0/17")
    result = module("vpc_peering", base_args(proxy))
    assert result.failed
    assert result["field"] == "accepter_owner"
    assert "10.120.0.0/16 overlaps 10.120.128.0/17" in result["msg"]
    assert proxy.writes() == []
    assert live_peerings(ec2) == []


def test_routes_of_others_survive_converge_and_absent(aws, module, proxy):
    ec2 = ec2_client()
    mgmt = build_vpc(ec2, "management", "10.120.0.0/16")
    build_vpc(ec2, "production", "10.130.0.0/16")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=mgmt["vpc_id"])
    private_a = mgmt["tables"]["rtb/private/us-east-1a"]
    ec2.create_route(RouteTableId=private_a, DestinationCidrBlock="192.168.0.0/16", GatewayId=igw)
    pcx = module("vpc_peering", base_args(proxy))["peering"]["id"]
    # someone else (EKS, VPN...) adds a route after us: still left alone on the next runs
    ec2.create_route(RouteTableId=private_a, DestinationCidrBlock="172.16.0.0/12", GatewayId=igw)
    proxy.clear()
    assert module("vpc_peering", base_args(proxy))["actions"] == []
    assert proxy.writes() == []
    absent = module("vpc_peering", base_args(proxy, state="absent"))
    assert absent["changed"]
    assert absent["actions"][-1] == "delete peering pcx/management--production %s" % pcx
    left = routes(ec2, private_a)
    assert left["192.168.0.0/16"] == igw and left["172.16.0.0/12"] == igw
    assert "10.130.0.0/16" not in left
    assert live_peerings(ec2) == []
    proxy.clear()
    again = module("vpc_peering", base_args(proxy, state="absent"))
    assert not again["changed"] and proxy.writes() == []


def test_destination_held_by_a_foreign_route_is_refused_without_writes(aws, module, proxy):
    ec2 = ec2_client()
    mgmt = build_vpc(ec2, "management", "10.120.0.0/16")
    build_vpc(ec2, "production", "10.130.0.0/16")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=mgmt["vpc_id"])
    ec2.create_route(RouteTableId=mgmt["tables"]["rtb/persistence"], DestinationCidrBlock="10.130.0.0/16",
                     GatewayId=igw)
    result = module("vpc_peering", base_args(proxy))
    assert result.failed and result["field"] == "requester_tiers"
    assert igw in result["msg"]
    assert proxy.writes() == [] and live_peerings(ec2) == []


def test_dropping_a_tier_removes_only_its_routes(aws, module, proxy):
    ec2 = ec2_client()
    mgmt = build_vpc(ec2, "management", "10.120.0.0/16")
    build_vpc(ec2, "production", "10.130.0.0/16")
    pcx = module("vpc_peering", base_args(proxy))["peering"]["id"]
    narrowed = module("vpc_peering", base_args(proxy, requester_tiers=["private"], allow_dns_resolution=False))
    assert "delete route management rtb/persistence 10.130.0.0/16 -> %s" % pcx in narrowed["actions"]
    assert routed_tables(ec2, mgmt, "10.130.0.0/16", pcx) == ["rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    conn = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert conn["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False


def test_cross_region_peering(aws, module, proxy):
    east, west = ec2_client(), ec2_client(region="eu-west-1")
    mgmt = build_vpc(east, "management", "10.120.0.0/16")
    prod = build_vpc(west, "production", "10.130.0.0/16")
    result = module("vpc_peering", base_args(proxy, accepter_region="eu-west-1"))
    assert result["changed"], result
    pcx = result["peering"]["id"]
    conn = west.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert conn["Status"]["Code"] == "active"
    assert conn["AccepterVpcInfo"]["Region"] == "eu-west-1"
    assert conn["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert routed_tables(west, prod, "10.120.0.0/16", pcx) == [
        "rtb/persistence", "rtb/private/eu-west-1a", "rtb/private/eu-west-1b"]
    assert routed_tables(east, mgmt, "10.130.0.0/16", pcx) == [
        "rtb/persistence", "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    west_tags = west.describe_tags(Filters=[{"Name": "resource-id", "Values": [pcx]}])["Tags"]
    assert {"refarch:owner": "production"}.items() <= dict((t["Key"], t["Value"]) for t in west_tags).items()
    proxy.clear()
    assert module("vpc_peering", base_args(proxy, accepter_region="eu-west-1"))["actions"] == []
    assert proxy.writes() == []
    module("vpc_peering", base_args(proxy, accepter_region="eu-west-1", state="absent"))
    assert routed_tables(west, prod, "10.120.0.0/16", pcx) == []
    assert live_peerings(east) == []


def test_cross_account_peering_with_assumed_roles(aws, module, proxy):
    mgmt_ec2, prod_ec2 = ec2_client(MGMT), ec2_client(PROD)
    mgmt = build_vpc(mgmt_ec2, "management", "10.120.0.0/16")
    prod = build_vpc(prod_ec2, "production", "10.130.0.0/16")
    # the default account sees neither VPC: the module must work in the roles' accounts
    args = base_args(proxy, assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD))
    result = module("vpc_peering", args)
    assert result["changed"], result
    pcx = result["peering"]["id"]
    conn = prod_ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert conn["Status"]["Code"] == "active"
    assert conn["RequesterVpcInfo"]["OwnerId"] == MGMT and conn["AccepterVpcInfo"]["OwnerId"] == PROD
    prod_tags = dict((t["Key"], t["Value"]) for t in prod_ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [pcx]}])["Tags"])
    assert prod_tags["refarch:owner"] == "production"
    assert prod_tags["refarch:key"] == "pcx/management--production"
    assert routed_tables(prod_ec2, prod, "10.120.0.0/16", pcx) == [
        "rtb/persistence", "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    assert routed_tables(mgmt_ec2, mgmt, "10.130.0.0/16", pcx) == [
        "rtb/persistence", "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    proxy.clear()
    assert module("vpc_peering", args)["actions"] == []
    assert proxy.writes() == []
    gone = module("vpc_peering", dict(args, state="absent"))
    assert len([a for a in gone["actions"] if a.startswith("delete route production")]) == 3
    assert routed_tables(prod_ec2, prod, "10.120.0.0/16", pcx) == []
    assert live_peerings(mgmt_ec2) == []


def test_accepter_with_a_second_set_of_credentials(aws, module, proxy):
    mgmt_ec2, prod_ec2 = ec2_client(MGMT), ec2_client(PROD)
    build_vpc(mgmt_ec2, "management", "10.120.0.0/16")
    build_vpc(prod_ec2, "production", "10.130.0.0/16")
    creds = ec2_client(service="sts").assume_role(RoleArn=role_arn(PROD), RoleSessionName="second")["Credentials"]
    result = module("vpc_peering", base_args(
        proxy, assume_role_arn=role_arn(MGMT), accepter_access_key=creds["AccessKeyId"],
        accepter_secret_key=creds["SecretAccessKey"], accepter_session_token=creds["SessionToken"]))
    assert result["changed"], result
    conn = prod_ec2.describe_vpc_peering_connections(
        VpcPeeringConnectionIds=[result["peering"]["id"]])["VpcPeeringConnections"][0]
    assert conn["Status"]["Code"] == "active" and conn["AccepterVpcInfo"]["OwnerId"] == PROD


def test_missing_vpc_fails_clearly(aws, module, proxy):
    build_vpc(ec2_client(), "management", "10.120.0.0/16")
    result = module("vpc_peering", base_args(proxy))
    assert result.failed and result["field"] == "accepter_owner"
    assert "no VPC found for production" in result["msg"]
    assert proxy.writes() == []


def test_two_links_of_one_environment_stay_apart_across_accounts(aws, module, proxy):
    dev_account = "222222222222"
    clients = dict(development=ec2_client(dev_account), management=ec2_client(MGMT), production=ec2_client(PROD))
    for owner, cidr in (("development", "10.110.0.0/16"), ("management", "10.120.0.0/16"), ("production", "10.130.0.0/16")):
        build_vpc(clients[owner], owner, cidr)
    dev_mgmt = dict(requester_owner="development", accepter_owner="management", endpoint_url=proxy.url,
                    assume_role_arn=role_arn(dev_account), accepter_assume_role_arn=role_arn(MGMT))
    mgmt_prod = dict(requester_owner="management", accepter_owner="production", endpoint_url=proxy.url,
                     assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD))
    first = module("vpc_peering", dev_mgmt)["peering"]["id"]
    # management now sees a connection it accepted (tagged by it as accepter): not this link's
    second = module("vpc_peering", mgmt_prod)
    assert second["changed"] and second["peering"]["id"] != first
    assert len(live_peerings(clients["management"])) == 2
    proxy.clear()
    assert module("vpc_peering", dev_mgmt)["actions"] == [] and module("vpc_peering", mgmt_prod)["actions"] == []
    assert proxy.writes() == []


def test_no_op_run_reads_each_type_at_most_twice(aws, module, proxy):
    mgmt_ec2, prod_ec2 = ec2_client(MGMT), ec2_client(PROD)
    build_vpc(mgmt_ec2, "management", "10.120.0.0/16")
    build_vpc(prod_ec2, "production", "10.130.0.0/16")
    args = base_args(proxy, assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD))
    assert module("vpc_peering", args)["changed"]
    proxy.clear()
    assert module("vpc_peering", args)["actions"] == []
    reads = collections.Counter(proxy.reads())
    assert proxy.writes() == []
    assert reads and max(reads.values()) <= 2, reads


@pytest.mark.parametrize("built", [False, True], ids=["new", "built"])
def test_check_reports_exactly_what_the_real_run_does(aws, module, proxy, built):
    """Across accounts (the accepter is tagged on its own side): --check on a new and on a
    built environment lists the actions the real run then carries out, in order."""
    build_vpc(ec2_client(MGMT), "management", "10.120.0.0/16")
    build_vpc(ec2_client(PROD), "production", "10.130.0.0/16")
    args = base_args(proxy, assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD))
    if built:
        module("vpc_peering", args)
        args = dict(args, requester_tiers=["private"], accepter_tiers=["private", "public"],
                    allow_dns_resolution=False, tags={"team": "network"})
    proxy.clear()
    check = module("vpc_peering", args, check_mode=True, diff=True)
    assert proxy.writes() == []
    real = module("vpc_peering", args, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    made = dict(id=real["peering"]["id"])
    assert check["changed"] is real["changed"] is True
    assert [a.replace("pcx-new", made["id"]) for a in check["actions"]] == real["actions"]
    assert (check["peering"]["id"] == made["id"]) is built
    check_after = dict(check["diff"]["after"], peering=dict(check["diff"]["after"]["peering"], **made))
    assert check["diff"]["before"] == real["diff"]["before"] and check_after == real["diff"]["after"]
    if built:
        assert any(a.startswith("delete route management rtb/persistence") for a in real["actions"])
        assert any(a.startswith("tag peering %s as production (team)" % made["id"]) for a in real["actions"])
    else:
        assert [a.split(" ")[0] for a in real["actions"][:5]] == ["create", "wait", "accept", "wait", "tag"]
    proxy.clear()
    assert module("vpc_peering", args, check_mode=True)["actions"] == []
    assert module("vpc_peering", args)["actions"] == [] and proxy.writes() == []


def test_cross_account_peering_through_realistic_aws(aws, module):
    """As AWS behaves: the new connection is NotFound for a moment on both sides; the accept
    waits until the accepter sees it, the routes until it is active."""
    mgmt_ec2, prod_ec2 = ec2_client(MGMT), ec2_client(PROD)
    build_vpc(mgmt_ec2, "management", "10.120.0.0/16")
    build_vpc(prod_ec2, "production", "10.130.0.0/16")
    with AwsProxy(aws.port, realism=Realism(notfound_window=0.5, pending_window=1.0)) as proxy:
        args = base_args(proxy, assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD))
        built = module("vpc_peering", args)
        assert not built.failed, (built.get("msg"), built.get("actions_done"))
        assert proxy.realism_hits["notfound"], proxy.realism_hits
        proxy.clear()
        assert module("vpc_peering", args)["actions"] == [] and proxy.writes() == []
        gone = module("vpc_peering", dict(args, state="absent"))
        assert not gone.failed, (gone.get("msg"), gone.get("actions_done"))
    assert live_peerings(mgmt_ec2) == [] and live_peerings(prod_ec2) == []


def test_a_peering_deleted_out_of_band_is_made_again_and_its_routes_repaired(aws, module, proxy):
    """Issue 18, finding 8: the stale routes used to make every later run fail."""
    ec2 = ec2_client()
    mgmt = build_vpc(ec2, "management", "10.120.0.0/16")
    prod = build_vpc(ec2, "production", "10.130.0.0/16")
    old = module("vpc_peering", base_args(proxy, accepter_tiers=["private"]))["peering"]["id"]
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=old)
    check = module("vpc_peering", base_args(proxy, accepter_tiers=["private"]), check_mode=True)
    real = module("vpc_peering", base_args(proxy, accepter_tiers=["private"]))
    assert not real.failed, real.get("msg")
    assert check["actions"] == [a.replace(real["peering"]["id"], "pcx-new") for a in real["actions"]]
    assert sum(1 for a in real["actions"] if a.startswith("replace route")) == 5
    new = real["peering"]["id"]
    assert new != old
    assert routed_tables(ec2, mgmt, "10.130.0.0/16", new) == [
        "rtb/persistence", "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    assert routed_tables(ec2, prod, "10.120.0.0/16", new) == ["rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    assert module("vpc_peering", base_args(proxy, accepter_tiers=["private"]))["changed"] is False


def test_one_side_alone_converges_from_the_other_sides_consent_or_defers(aws, module, proxy):
    """Issue 18: a run of one environment (absent_side) never makes a link the other side did
    not consent to, and makes it again from the consent the other side's VPC records."""
    ec2 = ec2_client()
    build_vpc(ec2, "management", "10.120.0.0/16")
    prod = build_vpc(ec2, "production", "10.130.0.0/16")
    alone = base_args(proxy, absent_side="requester", accepter_tiers=["private"])
    deferred = module("vpc_peering", alone)
    assert deferred["changed"] is False and deferred["actions"] == []
    assert "its VPC records no consent to this link" in deferred["deferred"][0]
    checked = module("vpc_peering", alone, check_mode=True)
    assert (checked["deferred"], checked["actions"]) == (deferred["deferred"], [])   # identical in check mode
    assert proxy.writes() == []

    both = module("vpc_peering", base_args(proxy, accepter_tiers=["private"]))   # records both consents
    pcx = both["peering"]["id"]
    assert module("vpc_peering", alone)["changed"] is False   # the recorded tiers are those wanted
    module("vpc_peering", dict(alone, state="absent"))         # production destroyed alone
    assert ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])[
        "VpcPeeringConnections"][0]["Status"]["Code"] == "deleted"
    again = module("vpc_peering", alone)                     # production built again, alone
    assert again["changed"] and again["peering"]["id"] != pcx, again
    assert routed_tables(ec2, prod, "10.120.0.0/16", again["peering"]["id"]) == [
        "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
