"""vpc_tiers repairs drift of what it owns (issue 18) against the emulator, check mode exact:
flow logs changed or left out, a planned route pointed at a foreign ENI, a NAT gateway deleted
out of band, and the VPN server's address kept out of a purge."""

import aws_proxy
import boto3
import pytest
from aws_proxy import AwsProxy

TIERS = [{"name": "public", "route": "internet", "prefix": 20},
         {"name": "private", "route": "nat", "prefix": 19}]
FLOW_LOGS = {"log_group_name": "/refarch/flow", "iam_role_arn": "arn:aws:iam::123456789012:role/flow"}
AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
USER_DATA = "#cloud-config\npackages: []\n"
OURS = [{"Key": "refarch:owner", "Value": "management"}, {"Key": "refarch:key", "Value": "flowlog"}]


def args(**overrides):
    base = dict(owner="management", cidr="10.120.0.0/16", azs=["us-east-1a", "us-east-1b"], tiers=[dict(t) for t in TIERS],
                nat_mode="single", flow_logs=dict(FLOW_LOGS), region="us-east-1")
    base.update(overrides)
    return base


def ec2():
    return boto3.client("ec2", region_name="us-east-1")


def owned_flow_logs(vpc_id):
    flows = ec2().describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    return [f for f in flows if {"Key": "refarch:owner", "Value": "management"} in f.get("Tags", [])]


def default_route(table_id):
    routes = ec2().describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    return [r for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"][0]


def converge_exactly(module, aws, wanted):
    """Check mode (no write) reports what the real run then does; the run after changes nothing."""
    with AwsProxy(aws.port) as proxy:
        check = module("vpc_tiers", dict(wanted, endpoint_url=proxy.url), check_mode=True, diff=True)
        assert not check.failed, check.get("msg")
        assert proxy.writes() == []
    real = module("vpc_tiers", wanted, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["actions"] == real["actions"] and check["changed"] is real["changed"] is True
    assert check["diff"] == real["diff"] and check["unplanned"] == real["unplanned"]
    again = module("vpc_tiers", wanted)
    assert again["changed"] is False and again["actions"] == [], again["actions"]
    return real


def test_a_flow_log_replaced_out_of_band_is_replaced_back(module, aws):
    built = module("vpc_tiers", args())
    vpc_id = built["vpc"]["id"]
    [ours] = owned_flow_logs(vpc_id)
    client = ec2()
    client.delete_flow_logs(FlowLogIds=[ours["FlowLogId"]])
    made = client.create_flow_logs(
        ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="REJECT", LogDestinationType="cloud-watch-logs",
        LogGroupName="/elsewhere", DeliverLogsPermissionArn="arn:aws:iam::999999999999:role/other",
        TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": OURS}])["FlowLogIds"][0]
    real = converge_exactly(module, aws, args())
    assert real["actions"] == ["replace vpc flow log %s: iam_role_arn arn:aws:iam::999999999999:role/other -> "
                               "arn:aws:iam::123456789012:role/flow, log_group_name /elsewhere -> /refarch/flow, "
                               "traffic_type REJECT -> ALL" % made]
    [now] = owned_flow_logs(vpc_id)
    assert (now["TrafficType"], now["LogGroupName"], now["DeliverLogsPermissionArn"]) == (
        "ALL", "/refarch/flow", FLOW_LOGS["iam_role_arn"])
    assert real["diff"]["before"]["flow_logs"][0]["traffic_type"] == "REJECT"


def test_omitted_flow_logs_are_kept_and_reported_until_purged(module, aws):
    built = module("vpc_tiers", args())
    vpc_id = built["vpc"]["id"]
    kept = module("vpc_tiers", args(flow_logs=None))
    assert kept["changed"] is False and kept["unplanned"] == ["flowlog"]
    [flow] = owned_flow_logs(vpc_id)
    real = converge_exactly(module, aws, args(flow_logs=None, purge=True))
    assert real["actions"] == ["delete flow log %s" % flow["FlowLogId"]] and real["unplanned"] == []
    assert owned_flow_logs(vpc_id) == []


def point_at_foreign_eni(built):
    client = ec2()
    eni = client.create_network_interface(SubnetId=built["subnets"]["subnet/private/us-east-1a"]["id"])
    eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
    client.replace_route(RouteTableId=built["route_tables"]["rtb/private"]["id"], DestinationCidrBlock="0.0.0.0/0",
                         NetworkInterfaceId=eni_id)
    return eni_id


def test_a_route_pointed_at_a_foreign_eni_is_replaced(module, aws):
    built = module("vpc_tiers", args())
    eni_id = point_at_foreign_eni(built)
    real = converge_exactly(module, aws, args())
    assert real["actions"] == ["replace route rtb/private 0.0.0.0/0 -> nat/single (was %s, not ours)" % eni_id]
    route = default_route(built["route_tables"]["rtb/private"]["id"])
    assert route.get("NatGatewayId") == built["nat_gateways"]["nat/single"]["id"] and not route.get("NetworkInterfaceId")


class RefusingProxy(AwsProxy):
    """AWS refusing one operation (an IAM policy denying it): 403 UnauthorizedOperation."""

    def __init__(self, port, refuse):
        AwsProxy.__init__(self, port)
        self.refuse = refuse

    def _draw_fault(self, action):
        return "unauthorized" if action == self.refuse else None


def test_a_refused_route_repair_leaves_the_rest_done_and_names_the_route(module, aws, monkeypatch):
    monkeypatch.setitem(aws_proxy.FAULT_STATUS, "unauthorized", 403)
    monkeypatch.setitem(aws_proxy.FAULT_CODE, "unauthorized", "UnauthorizedOperation")
    built = module("vpc_tiers", args())
    eni_id = point_at_foreign_eni(built)
    subnet = built["subnets"]["subnet/public/us-east-1b"]["id"]
    ec2().delete_tags(Resources=[subnet], Tags=[{"Key": "Name"}])
    with RefusingProxy(aws.port, "ReplaceRoute") as proxy:
        failed = module("vpc_tiers", args(endpoint_url=proxy.url))
    repair = "replace route rtb/private 0.0.0.0/0 -> nat/single (was %s, not ours)" % eni_id
    assert failed.failed and failed["failed_action"] == repair and repair in failed["msg"]
    assert "UnauthorizedOperation" in failed["msg"]
    assert failed["actions_done"] == ["tag subnet/public/us-east-1b Name"]
    tags = ec2().describe_subnets(SubnetIds=[subnet])["Subnets"][0]["Tags"]
    assert {"Key": "Name", "Value": "management-public-us-east-1b"} in tags
    assert default_route(built["route_tables"]["rtb/private"]["id"]).get("NetworkInterfaceId") == eni_id
    assert module("vpc_tiers", args())["actions"] == [repair]  # allowed again: repaired


def test_a_nat_gateway_deleted_out_of_band_is_made_again_with_its_address_and_route(module, aws):
    built = module("vpc_tiers", args())
    old = built["nat_gateways"]["nat/single"]
    ec2().delete_nat_gateway(NatGatewayId=old["id"])
    real = converge_exactly(module, aws, args())
    assert real["actions"] == [
        "disassociate elastic ip eip/nat/single from deleted nat gateway %s" % old["id"],
        "create nat gateway nat/single in subnet/public/us-east-1a", "wait for nat gateways nat/single",
        "route rtb/private 0.0.0.0/0 -> nat/single (was blackhole)"]
    new = real["nat_gateways"]["nat/single"]
    assert new["id"] != old["id"] and new["public_ip"] == old["public_ip"]
    assert default_route(built["route_tables"]["rtb/private"]["id"])["NatGatewayId"] == new["id"]


def vpn_address():
    found = ec2().describe_addresses(Filters=[{"Name": "tag:refarch:key", "Values": ["eip/vpn"]}])["Addresses"]
    return [a for a in found if {"Key": "refarch:key", "Value": "eip/vpn"} in a["Tags"]]


@pytest.mark.parametrize("stamped", [True, False])
def test_purge_keeps_the_vpn_servers_address(module, aws, stamped):
    """``stamped``: the VPN's address carries refarch:module; without, as made before modules stamped."""
    module("vpc_tiers", args(nat_mode="per_az"))
    vpn = module("vpn_instance", dict(owner="management", image_ssm_parameter=AL2023, user_data=USER_DATA))
    assert not vpn.failed, vpn.get("msg")
    [address] = vpn_address()
    if not stamped:
        ec2().delete_tags(Resources=[address["AllocationId"]], Tags=[{"Key": "refarch:module"}])
    real = converge_exactly(module, aws, args(purge=True))  # per_az -> single: two NAT addresses go
    released = [a for a in real["actions"] if a.startswith("release elastic ip")]
    assert released == ["release elastic ip eip/nat/us-east-1a", "release elastic ip eip/nat/us-east-1b"]
    assert not [a for a in real["actions"] if "vpn" in a]
    [still] = vpn_address()
    assert still["AllocationId"] == address["AllocationId"] and still["InstanceId"] == vpn["instance"]["id"]
    assert ec2().describe_security_groups(GroupIds=[vpn["security_group"]["id"]])["SecurityGroups"]
    # the VPN stamps its address again: an upgrade heals
    healed = module("vpn_instance", dict(owner="management", image_ssm_parameter=AL2023, user_data=USER_DATA))
    assert healed["actions"] == ([] if stamped else ["tag eip/vpn refarch:module"])
