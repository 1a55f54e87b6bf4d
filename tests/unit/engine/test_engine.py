"""The converge engine on its own: check mode, propagation delays, lost replies, waits, failures.

The "client" here is a scripted stand-in for one AWS API: these are tests of the engine's
pure logic (which answers it retries, adopts or reports), not of any module.
"""

import pytest
import yaml
from botocore.exceptions import ClientError

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from scripted import scripted

from ansible_collections.refarch.network.plugins.module_utils import engine
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import GONE
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    ExecutionFailed, Ids, Refused, Run, WaitTimeout, converged, execute, failure, is_propagation, outcome,
    poll, prerequisite_missing, unplanned_warnings,
)


def error(code, message="", retries=0):
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"RetryAttempts": retries}}, "Op")


Scripted = scripted({
    "create_vpc": "CreateVpc", "create_route": "CreateRoute", "describe_vpcs": "DescribeVpcs",
    "create_subnet": "CreateSubnet", "describe_subnets": "DescribeSubnets", "delete_vpc": "DeleteVpc",
    "run_instances": "RunInstances", "delete_route": "DeleteRoute",
    "disassociate_vpc_from_hosted_zone": "DisassociateVPCFromHostedZone",
})


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class Module(object):
    def __init__(self, check_mode=False, diff=False):
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)


def new_run(client, created=(), bound=30.0):
    clock = Clock()
    ids = Ids({"vpc": "vpc-11111111"})
    for value in created:
        ids.made(value)
    return Run({"ec2": client}, ids=ids, owner="dev", bound=bound, sleep=clock.sleep, clock=clock), clock


TAGS = [{"ResourceType": "vpc", "Tags": [{"Key": "refarch:owner", "Value": "dev"},
                                         {"Key": "refarch:key", "Value": "vpc"}]}]


def test_not_found_naming_a_new_id_is_retried_until_it_propagates():
    client = Scripted(create_route=[error("InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0123abcd' does not exist"),
                                    error("InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0123abcd' does not exist"),
                                    {"Return": True}])
    run, clock = new_run(client, created=["rtb-0123abcd"])
    assert run.ec2.create_route(RouteTableId="rtb-0123abcd") == {"Return": True}
    assert len(client.calls) == 3 and clock.slept == [0.25, 0.5]
    assert run.propagation_retries == 2


def test_not_found_of_an_id_this_run_did_not_create_fails_at_once():
    client = Scripted(create_route=[error("InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-99999999' does not exist")])
    run, clock = new_run(client, created=["rtb-0123abcd"])
    with pytest.raises(ClientError):
        run.ec2.create_route(RouteTableId="rtb-99999999")
    assert len(client.calls) == 1 and clock.slept == []


def test_propagation_gives_up_at_the_bound_with_the_original_error():
    client = Scripted(describe_vpcs=[error("InvalidVpcID.NotFound", "The vpc ID 'vpc-0a0a0a0a' does not exist")])
    run, clock = new_run(client, created=["vpc-0a0a0a0a"], bound=5.0)
    with pytest.raises(ClientError) as raised:
        run.ec2.describe_vpcs(VpcIds=["vpc-0a0a0a0a"])
    assert raised.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"
    assert clock.now <= 5.0 and len(client.calls) >= 4


def test_ids_set_during_the_run_are_created_ones():
    ids = Ids({"vpc": "vpc-1"})
    ids["subnet/a"] = "subnet-2"
    assert ids.created == {"subnet-2"} and ids["vpc"] == "vpc-1" and "subnet/a" in ids


@pytest.mark.parametrize("code,message,params,expected", [
    ("InvalidVpcID.NotFound", "The vpc ID 'vpc-0a0a0a0a' does not exist", {}, True),
    ("InvalidVpcID.NotFound", "The vpc ID 'vpc-0b0b0b0b' does not exist", {}, False),
    ("NatGatewayNotFound", "not found", {"NatGatewayId": "vpc-0a0a0a0a"}, True),
    ("InvalidParameterValue", "Value (refarch-vpn) for parameter iamInstanceProfile.name is invalid. "
                              "Invalid IAM Instance Profile name", {}, True),
    ("InvalidParameterValue", "Value (other) for parameter iamInstanceProfile.name is invalid. "
                              "Invalid IAM Instance Profile name", {}, False),
    ("IncorrectState", "tgw-0c0c0c0c0c is in invalid state", {}, True),
    ("IncorrectState", "tgw-0d0d0d0d0d is in invalid state", {}, False),
    ("UnauthorizedOperation", "vpc-0a0a0a0a", {}, False),
])
def test_what_counts_as_a_propagation_delay(code, message, params, expected):
    created = {"vpc-0a0a0a0a", "refarch-vpn", "tgw-0c0c0c0c0c"}
    assert is_propagation(error(code, message), created, params) is expected


def test_instance_profile_refused_while_new_is_retried():
    refused = error("InvalidParameterValue", "Value (refarch-vpn) for parameter iamInstanceProfile.name is invalid. "
                                             "Invalid IAM Instance Profile name")
    client = Scripted(run_instances=[refused, refused, {"Instances": [{"InstanceId": "i-1"}]}])
    run, _unused = new_run(client, created=["refarch-vpn"])
    assert run.ec2.run_instances(IamInstanceProfile={"Name": "refarch-vpn"})["Instances"][0]["InstanceId"] == "i-1"


def test_already_done_error_of_a_retried_write_is_success():
    client = Scripted(create_route=[error("RouteAlreadyExists", "exists", retries=1)])
    run, _unused = new_run(client)
    assert run.ec2.create_route(RouteTableId="rtb-1") == {}


def test_already_done_error_without_retry_stands():
    client = Scripted(create_route=[error("RouteAlreadyExists", "exists", retries=0)])
    run, _unused = new_run(client)
    with pytest.raises(ClientError):
        run.ec2.create_route(RouteTableId="rtb-1")


def test_already_done_is_checked_by_done_if():
    client = Scripted(create_route=[error("RouteAlreadyExists", "exists", retries=1)])
    run, _unused = new_run(client)
    with pytest.raises(ClientError):
        run.ec2.create_route(done_if=lambda: False, RouteTableId="rtb-1")


def test_a_removal_answered_gone_is_done_whoever_removed_it():
    """Two hosts of a play cleaning the same dangling route of a shared table: the second one's
    DeleteRoute finds it gone, which is what it wanted (seen in the peering scenario's destroy)."""
    gone = error("InvalidRoute.NotFound", "no route with destination-cidr-block 10.130.0.0/16 in route table rtb-3c74834d",
                 retries=0)
    client = Scripted(delete_route=[gone])
    run, clock = new_run(client)
    assert run.ec2.delete_route(RouteTableId="rtb-3c74834d", DestinationCidrBlock="10.130.0.0/16") == {}
    assert len(client.calls) == 1 and clock.slept == []
    # a caller's done_if still has the last word
    run, _unused = new_run(Scripted(delete_route=[gone]))
    with pytest.raises(ClientError):
        run.ec2.delete_route(done_if=lambda: False, RouteTableId="rtb-3c74834d", DestinationCidrBlock="10.130.0.0/16")


def test_a_refusal_of_a_removal_is_not_taken_for_gone():
    client = Scripted(disassociate_vpc_from_hosted_zone=[error("LastVPCAssociation", "the zone's last VPC", retries=0)])
    run, _unused = new_run(client)
    with pytest.raises(ClientError):
        run.ec2.disassociate_vpc_from_hosted_zone(HostedZoneId="Z1", VPC={"VPCId": "vpc-1"})
    assert "LastVPCAssociation" not in GONE.get("DisassociateVPCFromHostedZone", ())
    assert "CreateRoute" not in GONE and GONE["DeleteRoute"] == ("InvalidRoute.NotFound",)


def test_a_removal_of_something_this_run_made_that_stays_unseen_fails_at_the_bound():
    """Not found may be AWS not knowing it yet: deleting it then would leave it behind."""
    client = Scripted(delete_vpc=[error("InvalidVpcID.NotFound", "The vpc ID 'vpc-0a0a0a0a' does not exist")])
    run, clock = new_run(client, created=["vpc-0a0a0a0a"], bound=5.0)
    with pytest.raises(ClientError):
        run.ec2.delete_vpc(VpcId="vpc-0a0a0a0a")
    assert len(client.calls) >= 4 and clock.now <= 5.0


def test_retried_create_refused_as_duplicate_adopts_the_resource_with_its_key():
    ours = {"SubnetId": "subnet-7", "State": "available",
            "Tags": [{"Key": "refarch:owner", "Value": "dev"}, {"Key": "refarch:key", "Value": "vpc"}]}
    client = Scripted(create_subnet=[error("InvalidSubnet.Conflict", "conflicts", retries=2)],
                      describe_subnets=[{"Subnets": [ours]}])
    run, _unused = new_run(client)
    assert run.ec2.create_subnet(CidrBlock="10.0.0.0/24", TagSpecifications=TAGS) == {"Subnet": ours}


def test_retried_create_that_made_a_twin_deletes_the_twin():
    tags = [{"Key": "refarch:owner", "Value": "dev"}, {"Key": "refarch:key", "Value": "vpc"}]
    answer = {"Vpc": {"VpcId": "vpc-new"}, "ResponseMetadata": {"RetryAttempts": 1}}
    client = Scripted(create_vpc=[answer], describe_vpcs=[{"Vpcs": [
        {"VpcId": "vpc-new", "State": "available", "Tags": tags},
        {"VpcId": "vpc-twin", "State": "available", "Tags": tags},
        {"VpcId": "vpc-other", "State": "available", "Tags": tags[:1]}]}])
    run, _unused = new_run(client)
    run.ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=TAGS)
    assert [c for c in client.calls if c[0] == "delete_vpc"] == [("delete_vpc", {"VpcId": "vpc-twin"})]


def handlers_recording(log, ready_after=None):
    ready_after = ready_after or {}

    def create(run, action):
        log.append(action.text)
        run.ids[action.key] = "id-" + action.key

    def wait(run, action):
        state = {"checks": 0}

        def ready():
            state["checks"] += 1
            log.append("check " + action.key)
            return state["checks"] > ready_after.get(action.key, 0)
        return ready

    def boom(run, action):
        raise RuntimeError("no capacity")
    return {"create": create, "wait_ready": wait, "boom": boom}


def test_check_mode_executes_nothing():
    log = []
    acted = execute(Module(check_mode=True), [Action("create", "a", "create a")], handlers_recording(log), Run())
    assert acted is False and log == []


def test_the_state_after_is_read_back_only_after_writes():
    def after(module, actions):
        return engine.execute_and_read(module, actions, handlers_recording([]), Run(),
                                       written=lambda: "read back", planned=lambda: "planned")
    assert after(Module(), [Action("create", "a", "create a")]) == "read back"
    assert after(Module(check_mode=True), [Action("create", "a", "create a")]) == "planned"
    assert after(Module(), []) == "planned"  # nothing to do: nothing written, nothing to read again
    assert engine.execute_and_read(Module(check_mode=True), [Action("create", "a", "create a")], handlers_recording([]),
                                   Run(), written=lambda: "read back") is None


def test_no_module_decides_check_mode():
    """The engine decides what a run does in check mode (engine.dry_run, execute, execute_and_read):
    no module reads check mode, and none branches on whether execute wrote."""
    import ast
    import glob
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    found = []
    for path in sorted(glob.glob(os.path.join(here, "..", "..", "..", "plugins", "modules", "*.py"))):
        tree = ast.parse(open(path).read())
        bare = set(id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr))
        for node in ast.walk(tree):
            name = os.path.basename(path)
            if isinstance(node, ast.Attribute) and node.attr == "check_mode":
                found.append("%s:%d reads check_mode" % (name, node.lineno))
            if isinstance(node, ast.Name) and node.id in ("dry_run", "reads_only"):
                found.append("%s:%d asks %s" % (name, node.lineno, node.id))
            if isinstance(node, ast.keyword) and node.arg == "dry_run":
                found.append("%s:%d passes a dry_run of its own" % (name, node.value.lineno))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "execute" and id(node) not in bare:
                found.append("%s:%d uses what execute returns" % (name, node.lineno))
            # what check mode does is said once, by the fragment of the module's kind (common.converge,
            # common.read_only), as it is decided once
        with open(os.path.splitext(path)[0] + ".yml") as f:   # its documentation (test_filter_docs)
            if "check_mode" in (yaml.safe_load(f)["DOCUMENTATION"].get("attributes") or {}):
                found.append("%s says its own check mode" % os.path.basename(f.name))
    assert found == []


def test_consecutive_waits_are_polled_together_after_every_create():
    log = []
    clock = Clock()
    actions = [Action("create", "a", "create a"), Action("create", "b", "create b"),
               Action("wait_ready", "a", "wait a"), Action("wait_ready", "b", "wait b"),
               Action("create", "c", "create c")]
    execute(Module(), actions, handlers_recording(log, {"a": 2, "b": 1}), Run(sleep=clock.sleep, clock=clock))
    assert log[:2] == ["create a", "create b"]
    # both waits are checked in the same rounds: b is ready in round 2, a in round 3
    assert log[2:] == ["check a", "check b", "check a", "check b", "check a", "create c"]
    assert clock.slept == [0.2, 0.2]


def test_a_wait_that_never_ends_fails_naming_it():
    clock = Clock()
    with pytest.raises(ExecutionFailed) as raised:
        execute(Module(), [Action("wait_ready", "a", "wait a")], handlers_recording([], {"a": 10 ** 6}),
                Run(sleep=clock.sleep, clock=clock), wait_timeout=10)
    assert raised.value.action.text == "wait a" and isinstance(raised.value.error, WaitTimeout)


def test_failure_reports_the_actions_done_and_the_one_that_failed():
    actions = [Action("create", "a", "create a"), Action("boom", "b", "create b"), Action("create", "c", "create c")]
    ok, result = outcome("vpc_tiers", execute, Module(), actions, handlers_recording([]), Run())
    assert ok is False
    assert result["actions_done"] == ["create a"] and result["failed_action"] == "create b"
    assert result["msg"] == "vpc_tiers stopped at 'create b': no capacity"


def test_input_errors_name_the_field():
    def refuse():
        raise InputError("tiers[0].name", "duplicate")
    ok, result = outcome("vpc_tiers", refuse)
    assert ok is False
    assert result == {"msg": "Invalid input: tiers[0].name: duplicate", "field": "tiers[0].name",
                      "reason": "duplicate"}


def test_a_refusal_is_reported_as_it_is_with_its_fields():
    def refuse():
        raise Refused("2 of 3 intents do not hold", counts={"violated": 2})
    assert outcome("network_verify", refuse) == (False, {"msg": "2 of 3 intents do not hold", "counts": {"violated": 2}})


def test_a_refused_http_request_reports_its_status():
    class HttpError(RuntimeError):
        status = 409
    assert failure(HttpError("Pritunl API: HTTP 409: taken"), "pritunl_server")["status"] == 409
    wrapped = failure(ExecutionFailed(Action("start", "server", "start server"), HttpError("taken"), []), "pritunl_server")
    assert wrapped["status"] == 409 and wrapped["failed_action"] == "start server"
    assert "status" not in failure(RuntimeError("Pritunl API: unreachable"), "pritunl_server")


def test_the_result_of_a_converge_and_its_diff():
    actions = [Action("create", "a", "create a", before=None, after={"x": 1})]
    assert converged(Module(), actions, {}, {"a": 1}, vpc_id="vpc-1") == dict(
        changed=True, actions=["create a"], vpc_id="vpc-1")
    assert converged(Module(diff=True), actions, {}, {"a": 1})["diff"] == {"before": {}, "after": {"a": 1}}
    assert converged(Module(diff=True), [], diff=lambda: {"before": 1, "after": 1}) == dict(
        changed=False, actions=[], diff={"before": 1, "after": 1})
    assert converged(Module(), actions, changed=False, texts=["one line"]) == dict(changed=False, actions=["one line"])
    module = Module()
    assert converged(module, actions, warnings=["zone x is not ours", "record y kept"]) == dict(
        changed=True, actions=["create a"])
    assert module.warnings == ["zone x is not ours", "record y kept"]


def test_owned_resources_no_longer_listed_and_kept_are_warned_with_the_option_that_deletes_them():
    assert unplanned_warnings(["logs", "sts"], "production", "endpoint vpce/%s", "endpoints") == [
        "endpoint vpce/logs is owned by production but not in endpoints; purge_endpoints: true deletes it",
        "endpoint vpce/sts is owned by production but not in endpoints; purge_endpoints: true deletes it"]
    assert unplanned_warnings(["db/aurora"], "production", "subnet group %s", "groups") == [
        "subnet group db/aurora is owned by production but not in groups; purge_groups: true deletes it"]
    assert unplanned_warnings([], "production", "security group sg/%s", "groups") == []


def test_unknown_errors_are_not_swallowed():
    with pytest.raises(KeyError):
        outcome("x", lambda: {}["missing"])
    assert failure(KeyError("k"), "x") is None


def test_poll_checks_at_once_and_backs_off():
    clock = Clock()
    answers = iter([False, False, True])
    poll(lambda: next(answers), "thing", clock=clock, sleep=clock.sleep)
    assert clock.slept == [0.2, 0.2]
    with pytest.raises(WaitTimeout):
        poll(lambda: False, "thing", timeout=1, clock=clock, sleep=clock.sleep)


def test_a_name_is_matched_whole_not_as_part_of_another():
    created = {"web"}
    assert is_propagation(error("NoSuchEntity", "The role with name web cannot be found."), created, {})
    assert not is_propagation(error("NoSuchEntity", "The role with name web-api cannot be found."), created, {})


@pytest.mark.parametrize("ready_at", [1.0, 30.0, 90.0, 300.0])
def test_a_wait_ends_soon_after_the_resource_is_ready(ready_at):
    clock = Clock()
    poll(lambda: clock.now >= ready_at, "thing", timeout=900, clock=clock, sleep=clock.sleep)
    assert clock.now <= ready_at * 1.125 + 0.2
    assert max(clock.slept) <= 15.0


def test_a_missing_prerequisite_stops_a_real_run_and_only_warns_in_check_mode():
    error = InputError("owner", "no VPC owned by dev")
    with pytest.raises(InputError):
        prerequisite_missing(Module(), error)
    quiet, told = Module(check_mode=True), Module(check_mode=True)
    prerequisite_missing(quiet, error)
    prerequisite_missing(told, Refused("nothing to prove"), warn=True)
    assert quiet.warnings == [] and told.warnings == ["nothing to prove"]


def test_a_missing_prerequisite_stops_a_real_run_and_lets_check_mode_go_on():
    class Module(object):
        def __init__(self, check_mode):
            self.check_mode, self.warnings = check_mode, []

        def warn(self, text):
            self.warnings.append(text)
    error = InputError("vpc_id", "no VPC yet")
    with pytest.raises(InputError):
        engine.on_missing(Module(False))(error)
    checking = Module(True)
    assert engine.on_missing(checking)(error) is None and checking.warnings == []
    engine.on_missing(checking, warn=True)(error)
    assert checking.warnings == [str(error)]
