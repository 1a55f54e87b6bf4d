"""vpc_tiers against the real emulator: exact check mode, idempotence, ownership, refusals."""

import boto3
import pytest
from aws_proxy import AwsProxy
from aws_realism import Realism

TIERS = [
    {"name": "public", "route": "internet", "prefix": 20, "kubernetes_role": "elb"},
    {"name": "private", "route": "nat", "prefix": 19},
    {"name": "persistence", "route": "none", "prefix": 21},
]
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def args(**overrides):
    base = dict(owner="production", cidr="10.130.0.0/16", azs=list(AZS), tiers=[dict(t) for t in TIERS],
                nat_mode="per_az", region="us-east-1")
    base.update(overrides)
    return base


@pytest.fixture
def proxy(aws):
    with AwsProxy(aws.port) as p:
        yield p


def ec2():
    return boto3.client("ec2", region_name="us-east-1")


def test_check_mode_on_empty_reports_changes_and_writes_nothing(module, proxy):
    result = module("vpc_tiers", args(endpoint_url=proxy.url), check_mode=True, diff=True)
    assert result["changed"] is True
    assert "create vpc 10.130.0.0/16" in result["actions"]
    assert len([a for a in result["actions"] if a.startswith("create subnet")]) == 9
    assert len([a for a in result["actions"] if a.startswith("create nat gateway")]) == 3
    assert result["diff"]["before"] == {} and result["diff"]["after"]["vpc"]["cidr"] == "10.130.0.0/16"
    assert proxy.writes() == []
    assert len(ec2().describe_vpcs()["Vpcs"]) == 1  # only the emulator's default VPC


def test_converge_then_rerun_is_a_no_op_without_writes(module, proxy):
    first = module("vpc_tiers", args(endpoint_url=proxy.url))
    assert first["changed"] and not first.get("failed"), first.get("msg")
    check = module("vpc_tiers", args(endpoint_url=proxy.url), check_mode=True)
    proxy.clear()
    second = module("vpc_tiers", args(endpoint_url=proxy.url), diff=True)
    assert second["changed"] is False and second["actions"] == []
    assert check["changed"] is False
    assert proxy.writes() == []
    assert second["diff"]["before"] == second["diff"]["after"]
    assert len(second["subnets"]) == 9 and len(second["nat_gateways"]) == 3
    nats = ec2().describe_nat_gateways()["NatGateways"]
    assert len(nats) == 3 and len(ec2().describe_addresses()["Addresses"]) == 3


def test_appending_a_zone_only_adds(module, aws):
    module("vpc_tiers", args(azs=AZS[:2]))
    before = dict((k, v["id"]) for k, v in module("vpc_tiers", args(azs=AZS[:2]))["subnets"].items())
    grown = module("vpc_tiers", args())
    assert grown["changed"]
    assert not [a for a in grown["actions"] if a.startswith("delete") or "(was" in a]
    assert all(grown["subnets"][k]["id"] == v for k, v in before.items())


def test_switching_nat_mode_replaces_only_our_routes(module, aws):
    module("vpc_tiers", args())
    result = module("vpc_tiers", args(nat_mode="single", purge=True))
    assert result["changed"], result.get("msg")
    assert [a for a in result["actions"] if a.startswith("delete nat gateway")] != []
    tables = ec2().describe_route_tables(RouteTableIds=[result["route_tables"]["rtb/private"]["id"]])["RouteTables"]
    nat_id = result["nat_gateways"]["nat/single"]["id"]
    assert any(r.get("NatGatewayId") == nat_id for r in tables[0]["Routes"])
    assert module("vpc_tiers", args(nat_mode="single", purge=True))["changed"] is False


def test_foreign_subnet_and_route_survive_converge_and_absent(module, aws):
    built = module("vpc_tiers", args())
    client = ec2()
    vpc_id = built["vpc"]["id"]
    foreign_subnet = client.create_subnet(VpcId=vpc_id, CidrBlock="10.130.240.0/24")["Subnet"]["SubnetId"]
    foreign_igw = client.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    public_rt = built["route_tables"]["rtb/public"]["id"]
    client.create_route(RouteTableId=public_rt, DestinationCidrBlock="192.168.0.0/16", GatewayId=foreign_igw)

    again = module("vpc_tiers", args())
    assert again["changed"] is False, again["actions"]

    gone = module("vpc_tiers", dict(owner="production", state="absent", region="us-east-1"))
    assert gone["changed"] and not gone.get("failed"), gone.get("msg")
    assert any("rtb/public" in k for k in gone["kept"]) and any(k.startswith("vpc: kept") for k in gone["kept"])
    assert client.describe_subnets(SubnetIds=[foreign_subnet])["Subnets"][0]["CidrBlock"] == "10.130.240.0/24"
    routes = client.describe_route_tables(RouteTableIds=[public_rt])["RouteTables"][0]["Routes"]
    assert any(r.get("DestinationCidrBlock") == "192.168.0.0/16" and r.get("GatewayId") == foreign_igw for r in routes)
    assert not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in routes)  # ours went
    owned_left = client.describe_subnets(Filters=[{"Name": "tag:refarch:owner", "Values": ["production"]}])["Subnets"]
    assert owned_left == []
    assert module("vpc_tiers", dict(owner="production", state="absent", region="us-east-1"))["changed"] is False


def test_absent_removes_everything_owned(module, aws):
    module("vpc_tiers", args(flow_logs={"log_group_name": "g", "iam_role_arn": "arn:aws:iam::123456789012:role/f"}))
    gone = module("vpc_tiers", dict(owner="production", state="absent", region="us-east-1"))
    assert gone["kept"] == [] and gone["vpc"] == {}
    client = ec2()
    owned = [{"Name": "tag:refarch:owner", "Values": ["production"]}]
    assert client.describe_vpcs(Filters=owned)["Vpcs"] == []
    assert client.describe_addresses(Filters=owned)["Addresses"] == []
    assert [n for n in client.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"] == []
    assert client.describe_internet_gateways(Filters=owned)["InternetGateways"] == []


def test_other_owners_are_invisible(module, aws):
    module("vpc_tiers", args(owner="development", cidr="10.110.0.0/16", nat_mode="single"))
    mine = module("vpc_tiers", args())
    assert mine["vpc"]["cidr"] == "10.130.0.0/16"
    gone = module("vpc_tiers", dict(owner="production", state="absent", region="us-east-1"))
    assert gone["kept"] == []
    theirs = module("vpc_tiers", args(owner="development", cidr="10.110.0.0/16", nat_mode="single"))
    assert theirs["changed"] is False


@pytest.mark.parametrize("overrides, field", [
    ({"cidr": "10.130.0.0/33"}, "cidr"),
    ({"cidr": "10.130.0.1/16"}, "cidr"),
    ({"azs": ["us-east-1a", "us-east-1a"]}, "azs[1]"),
    ({"azs": ["us-east-1z"]}, "azs[0]"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 15}]}, "tiers[0](a).prefix"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 20}, {"name": "a", "route": "none", "prefix": 20}]},
     "tiers[1](a).name"),
    ({"tiers": [{"name": "a", "route": "none", "prefix": 24, "block": "0.0.0.0/22"},
                {"name": "b", "route": "none", "prefix": 25, "block": "0.0.2.0/23"}]}, "tiers[1](b)"),
    ({"tiers": [{"name": "a", "route": "nat", "prefix": 20}], "nat_mode": "none"}, "tiers[0](a).route"),
    ({"flow_logs": {"log_group_name": "g"}}, "flow_logs.iam_role_arn"),
])
def test_bad_input_fails_naming_the_field_before_any_write(module, proxy, overrides, field):
    result = module("vpc_tiers", args(endpoint_url=proxy.url, **overrides))
    assert result.failed and result["field"] == field, result.get("msg")
    assert field.split("(")[0].split(".")[0].split("[")[0] in result["msg"]
    assert proxy.writes() == []


def test_unknown_route_policy_is_refused_by_the_argument_spec(module, proxy):
    result = module("vpc_tiers", args(endpoint_url=proxy.url, tiers=[{"name": "a", "route": "teleport", "prefix": 20}]))
    assert result.failed and "route" in result["msg"] and "teleport" in result["msg"]
    assert proxy.writes() == []


def test_changes_aws_cannot_make_in_place_are_refused(module, proxy):
    module("vpc_tiers", args(endpoint_url=proxy.url))
    proxy.clear()
    moved_vpc = module("vpc_tiers", args(endpoint_url=proxy.url, cidr="10.131.0.0/16"))
    assert moved_vpc.failed and moved_vpc["field"] == "cidr" and "replace" in moved_vpc["msg"]
    resized = [dict(t) for t in TIERS]
    resized[2]["prefix"] = 22
    moved_subnet = module("vpc_tiers", args(endpoint_url=proxy.url, tiers=resized))
    assert moved_subnet.failed and "subnet/persistence" in moved_subnet["msg"]
    assert proxy.writes() == []


@pytest.mark.parametrize("change", [
    None,  # a new environment
    dict(nat_mode="single", purge=True, azs=AZS[:2]),  # a built one: fewer zones, one NAT, purge
])
def test_check_reports_exactly_what_the_real_run_does(module, proxy, change):
    if change is not None:
        module("vpc_tiers", args(endpoint_url=proxy.url))
    wanted = args(endpoint_url=proxy.url, **(change or {}))
    proxy.clear()
    check = module("vpc_tiers", wanted, check_mode=True, diff=True)
    assert proxy.writes() == []
    real = module("vpc_tiers", wanted, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["actions"] == real["actions"] and check["changed"] is real["changed"] is True
    assert check["diff"] == real["diff"]


@pytest.mark.parametrize("fault_rate", [0.0, 0.2])
def test_teardown_through_realistic_aws_waits_for_the_nat_gateways(module, aws, fault_rate):
    """A deleting NAT gateway holds its address, subnet and VPC for a while, as on AWS: the teardown
    releases, deletes and detaches only once they are deleted (the proxy refuses it before)."""
    assert not module("vpc_tiers", args()).failed
    with AwsProxy(aws.port, fault_rate=fault_rate, seed=8, realism=Realism()) as realistic:
        gone = module("vpc_tiers", dict(owner="production", state="absent", region="us-east-1", endpoint_url=realistic.url))
        assert not gone.failed, (gone.get("msg"), gone.get("actions_done"))
        assert realistic.realism_hits["deleting"] > 0 and realistic.realism_hits["held"] == 0
    assert ec2().describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": ["production"]}])["Vpcs"] == []
    assert ec2().describe_addresses()["Addresses"] == []


@pytest.mark.parametrize("fault_rate", [0.0, 0.2])
def test_cold_build_through_realistic_aws(module, aws, fault_rate):
    """New ids answer NotFound for 1.5 s and NAT gateways stay pending for 3 s, as on AWS; with
    and without 20% faults (lost replies included), the build succeeds without duplicates."""
    with AwsProxy(aws.port, fault_rate=fault_rate, seed=7, realism=Realism()) as realistic:
        first = module("vpc_tiers", args(endpoint_url=realistic.url))
        assert not first.failed, (first.get("msg"), first.get("actions_done"))
        assert realistic.realism_hits.get("notfound", 0) + realistic.realism_hits.get("hidden", 0) > 0
        assert realistic.realism_hits.get("pending", 0) > 0
        assert len(first["subnets"]) == 9 and len(first["nat_gateways"]) == 3
    with AwsProxy(aws.port) as plain:
        second = module("vpc_tiers", args(endpoint_url=plain.url))
        assert second["changed"] is False and plain.writes() == []
    assert len(ec2().describe_nat_gateways(Filters=[{"Name": "state", "Values": ["available"]}])["NatGateways"]) == 3
    assert len(ec2().describe_addresses()["Addresses"]) == 3
    assert len(ec2().describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": ["production"]}])["Vpcs"]) == 1


# The account's quotas (VPCs, internet gateways, Elastic IPs per Region), judged before the first write
# for every environment of the run in the account (account_demand).

def foreign_addresses(n):
    """Addresses someone else holds in the account (no owner tag of ours)."""
    for _i in range(n):
        ec2().allocate_address(Domain="vpc")


def test_too_few_addresses_is_refused_before_any_write_in_check_mode_too(module, proxy):
    foreign_addresses(3)   # 3 + 3 NAT gateways' addresses > the emulator's quota of 5
    for check in (True, False):
        proxy.clear()
        result = module("vpc_tiers", args(endpoint_url=proxy.url), check_mode=check)
        assert result.failed, result
        assert "Elastic IP addresses in us-east-1: 3 of the account's quota of 5 are in use and this run needs 3 more " \
               "(production 3)" in result["msg"], result["msg"]
        assert "ec2 L-0263D0A3" in result["msg"]
        assert proxy.writes() == []
    assert [v for v in ec2().describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []


def test_what_fits_is_built_and_a_rerun_at_the_quota_reads_nothing_more(module, proxy):
    foreign_addresses(4)   # 4 + 1 (one NAT gateway) = 5: fits
    built = module("vpc_tiers", args(endpoint_url=proxy.url, nat_mode="single"))
    assert built["changed"] and not built.failed, built.get("msg")
    proxy.clear()
    again = module("vpc_tiers", args(endpoint_url=proxy.url, nat_mode="single"))
    assert not again.failed and again["changed"] is False
    # nothing to create: neither the usage nor the quotas are read
    assert not [a for a in proxy.reads() if a in ("DescribeAccountAttributes", "GetServiceQuota")]
    # one NAT gateway per zone needs two more addresses, owned ones are not counted twice: refused
    wider = module("vpc_tiers", args(endpoint_url=proxy.url, nat_mode="per_az"))
    assert wider.failed and "5 of the account's quota of 5 are in use and this run needs 2 more (production 2)" in wider["msg"]


def test_environments_that_fit_alone_are_refused_together(module, proxy):
    foreign_addresses(1)
    demand = [dict(owner="production", vpcs=1, internet_gateways=1, elastic_ips=3),
              dict(owner="staging", vpcs=1, internet_gateways=1, elastic_ips=2)]   # staging: NAT + VPN
    alone = module("vpc_tiers", args(endpoint_url=proxy.url), check_mode=True)
    assert not alone.failed, alone.get("msg")   # 1 + 3 fits
    together = module("vpc_tiers", args(endpoint_url=proxy.url, account_demand=demand), check_mode=True)
    assert together.failed and "needs 5 more (production 3, staging 2)" in together["msg"], together["msg"]


def test_vpcs_per_region(module, proxy):
    for i in range(4):   # the default VPC and 4 others: the quota of 5 is taken
        ec2().create_vpc(CidrBlock="10.%d.0.0/16" % (200 + i))
    result = module("vpc_tiers", args(endpoint_url=proxy.url, nat_mode="none", tiers=[{"name": "private", "route": "none", "prefix": 19}]))
    assert result.failed and "VPCs in us-east-1: 5 of the account's quota of 5 are in use and this run needs 1 more" in result["msg"]
    assert "vpc L-F678F1CE" in result["msg"]


@pytest.mark.parametrize("demand, field", [
    ([{"owner": "staging", "elastic_ips": -1}], "account_demand[0].elastic_ips"),
    ([{"owner": "staging", "eips": 1}], "account_demand[0].eips"),
    ([{"vpcs": 1}], "account_demand[0].owner"),
])
def test_a_malformed_demand_names_the_field(module, proxy, demand, field):
    result = module("vpc_tiers", args(endpoint_url=proxy.url, account_demand=demand), check_mode=True)
    assert result.failed and result["field"] == field, result
