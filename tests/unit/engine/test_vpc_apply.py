"""vpc_tiers' handlers of drift repairs through the engine, against a scripted EC2 API: answers
the emulator never gives (a NAT gateway token that AWS still remembers after the NAT was
deleted, an address AWS freed already, a route change refused)."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.refarch.network.plugins.module_utils.engine import ExecutionFailed, Ids, Run, execute
from ansible_collections.refarch.network.plugins.module_utils.vpc_apply import HANDLERS, client_token, known_ids
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import diff_present
from test_vpc_diff import OPTIONS, built, plan
from scripted import scripted
from test_vpc_drift import FLOW, dead_nat, flow_log, logged

OPERATIONS = {
    "create_nat_gateway": "CreateNatGateway", "describe_nat_gateways": "DescribeNatGateways",
    "describe_addresses": "DescribeAddresses", "disassociate_address": "DisassociateAddress",
    "replace_route": "ReplaceRoute", "create_tags": "CreateTags", "delete_flow_logs": "DeleteFlowLogs",
    "create_flow_logs": "CreateFlowLogs",
}


class Module(object):
    check_mode = False


ScriptedEc2 = scripted(OPERATIONS)


def run_of(snap, ec2):
    return Run({"ec2": ec2}, ids=Ids(known_ids(snap)), owner="dev", sleep=lambda s: None)


def nat(nat_id, state):
    return {"NatGateway": {"NatGatewayId": nat_id, "State": state}}


def test_a_nat_made_again_asks_with_a_new_token_when_aws_answers_with_the_deleted_one():
    p = plan()
    snap = dead_nat(built(p), "nat/us-east-1a", "deleted")
    actions = [a for a in diff_present(p, snap, OPTIONS) if a.op in ("free_eip", "create_nat")]
    ec2 = ScriptedEc2(describe_addresses=[{"Addresses": [{"AssociationId": "eipassoc-nat/us-east-1a"}]}],
                      create_nat_gateway=[nat("id-nat/us-east-1a", "deleted"), nat("nat-new", "pending")])
    run = run_of(snap, ec2)
    assert execute(Module(), actions, HANDLERS, run)
    assert ec2.names() == ["describe_addresses", "disassociate_address", "create_nat_gateway", "create_nat_gateway"]
    first, second = [kwargs["ClientToken"] for name, kwargs in ec2.calls if name == "create_nat_gateway"]
    subnet = "id-subnet/public/us-east-1a"
    assert first == client_token("dev", "nat/us-east-1a", subnet)
    assert second == client_token("dev", "nat/us-east-1a", subnet, "id-nat/us-east-1a") != first
    assert run.ids["nat/us-east-1a"] == "nat-new"


def test_an_address_aws_freed_already_is_left_alone():
    p = plan()
    snap = dead_nat(built(p), "nat/us-east-1a", "deleting")
    [free] = [a for a in diff_present(p, snap, OPTIONS) if a.op == "free_eip"]
    ec2 = ScriptedEc2(describe_addresses=[{"Addresses": [{"AllocationId": "id-eip/nat/us-east-1a"}]}])
    assert execute(Module(), [free], HANDLERS, run_of(snap, ec2))
    assert ec2.names() == ["describe_addresses"]


def test_a_drifted_flow_log_is_deleted_then_created_with_every_wanted_setting():
    p = plan()
    snap = logged(p, flow_log(TrafficType="REJECT"))
    wanted = dict(FLOW, max_aggregation_interval=60)
    actions = diff_present(p, snap, dict(OPTIONS, flow_logs=wanted))
    ec2 = ScriptedEc2(create_flow_logs=[{"FlowLogIds": ["fl-2"], "Unsuccessful": []}])
    assert execute(Module(), actions, HANDLERS, run_of(snap, ec2))
    assert ec2.names() == ["delete_flow_logs", "create_flow_logs"]
    assert ec2.calls[0][1] == {"FlowLogIds": ["fl-1"]}
    created = ec2.calls[1][1]
    assert (created["TrafficType"], created["LogGroupName"], created["DeliverLogsPermissionArn"],
            created["MaxAggregationInterval"]) == ("ALL", "/refarch/flow", FLOW["iam_role_arn"], 60)
    assert "LogDestination" not in created and "LogFormat" not in created


def test_a_refused_route_repair_comes_after_everything_else_and_names_the_route():
    p = plan()
    snap = built(p)
    table = snap["route_tables"]["rtb/private/us-east-1a"]
    table["Routes"] = [r for r in table["Routes"] if r.get("DestinationCidrBlock") != "0.0.0.0/0"] + [
        {"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-foreign"}]
    snap["subnets"]["subnet/public/us-east-1a"]["Tags"] = []
    actions = diff_present(p, snap, OPTIONS)
    refused = ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "not allowed"}}, "ReplaceRoute")
    ec2 = ScriptedEc2(replace_route=[refused])
    with pytest.raises(ExecutionFailed) as failed:
        execute(Module(), actions, HANDLERS, run_of(snap, ec2))
    assert failed.value.action.text == \
        "replace route rtb/private/us-east-1a 0.0.0.0/0 -> nat/us-east-1a (was eni-foreign, not ours)"
    assert failed.value.done == [a.text for a in actions[:-1]] and ec2.names() == ["create_tags", "replace_route"]
