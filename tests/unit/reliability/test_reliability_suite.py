"""The reliability suite's own logic: snapshots without ids, duplicate and orphan counting,
the bad-input matrix's shape, checkov exception judging and the baseline checks."""

import contextlib
import copy
import io
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "reliability"))

import bad_inputs  # noqa: E402
import baseline  # noqa: E402
import checkov  # noqa: E402
import foreign  # noqa: E402
import harness  # noqa: E402
import state  # noqa: E402


def tags(**kw):
    return [{"Key": k.replace("__", ":"), "Value": v} for k, v in kw.items()]


def raw_account(vpc_id="vpc-0a1b2c3d4e5f60718", subnet_id="subnet-0a1b2c3d4e5f6071", rtb_id="rtb-0a1b2c3d4e5f6071",
                igw_id="igw-0a1b2c3d4e5f6071", extra_subnet=None):
    vpc = {"VpcId": vpc_id, "CidrBlock": "10.130.0.0/16", "IsDefault": False, "_dns": [True, True],
           "CidrBlockAssociationSet": [{"CidrBlock": "10.130.0.0/16", "CidrBlockState": {"State": "associated"}}],
           "Tags": tags(refarch__owner="production", refarch__key="vpc", Name="production")}
    subnets = [{"SubnetId": subnet_id, "VpcId": vpc_id, "CidrBlock": "10.130.0.0/20", "AvailabilityZone": "us-east-1a",
                "MapPublicIpOnLaunch": True, "Tags": tags(refarch__owner="production",
                                                          refarch__key="subnet/public/us-east-1a")}]
    if extra_subnet:
        subnets.append(extra_subnet)
    table = {"RouteTableId": rtb_id, "VpcId": vpc_id,
             "Associations": [{"SubnetId": subnet_id, "Main": False}],
             "Routes": [{"DestinationCidrBlock": "10.130.0.0/16", "GatewayId": "local", "State": "active"},
                        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw_id, "State": "active"}],
             "Tags": tags(refarch__owner="production", refarch__key="rtb/public", **{"refarch__vpc/" + vpc_id: "x"})}
    igw = {"InternetGatewayId": igw_id, "Attachments": [{"VpcId": vpc_id}],
           "Tags": tags(refarch__owner="production", refarch__key="igw")}
    empty = dict((k, []) for k in ("nat_gateways", "eips", "security_groups", "endpoints", "peerings", "instances",
                                   "volumes", "flow_logs", "zones", "roles"))
    return dict(empty, vpcs=[vpc], subnets=subnets, route_tables=[table], igws=[igw])


def test_snapshots_of_two_builds_with_different_ids_are_equal():
    first = state.normalise({"production": raw_account()})
    second = state.normalise({"production": raw_account("vpc-0ffffffffffffff1", "subnet-0ffffffffffffff1",
                                                        "rtb-0ffffffffffffff1", "igw-0ffffffffffffff1")})
    assert state.compare(first, second) == []
    routes = dict(first["route_tables"])["production:production/rtb/public"]["routes"]
    assert ("0.0.0.0/0", "production:production/igw", "active") in routes
    # an id inside a tag key is replaced by the label too
    assert ("refarch:vpc/production:production/vpc", "x") in dict(first["route_tables"])[
        "production:production/rtb/public"]["tags"]


def test_a_changed_attribute_and_a_duplicate_are_differences():
    clean = state.normalise({"production": raw_account()})
    changed = raw_account()
    changed["route_tables"][0]["Routes"].pop()
    assert any("route_tables" in d for d in state.compare(clean, state.normalise({"production": changed})))
    twice = raw_account()
    dup = copy.deepcopy(twice["subnets"][0])
    dup["SubnetId"] = "subnet-0eeeeeeeeeeeeee1"
    twice["subnets"].append(dup)
    snap = state.normalise({"production": twice})
    assert state.duplicates(snap) == {"subnets production:production/subnet/public/us-east-1a": 2}
    assert any("x1 in the clean run, x2 here" in d for d in state.compare(clean, snap))


def zone(zone_id, name="production.internal."):
    return {"Id": "/hostedzone/" + zone_id, "Name": name, "Config": {"PrivateZone": True}, "Tags": [], "VPCs": [],
            "Records": []}


def test_a_zone_id_of_no_aws_shape_in_a_tag_key_is_named_like_its_zone():
    """moto's zone ids (22 characters, no Z) sit in the VPN VPC's refarch:zone/<id> tags: two builds compare equal."""
    def account(zone_id):
        raw = raw_account()
        raw["zones"] = [zone(zone_id)]
        raw["vpcs"][0]["Tags"] += tags(**{"refarch__zone/" + zone_id: "production"})
        return {"production": raw}
    first, second = state.normalise(account("4PUDSWJKVQPNU1NWLI5FNY")), state.normalise(account("T9JFE6FUY60Z5VW63E5IRE"))
    assert state.compare(first, second) == []
    assert ("refarch:zone/production:zone/production.internal.(private)", "production") in dict(first["vpcs"])[
        "production:production/vpc"]["tags"]


def test_a_difference_names_the_attribute_and_the_values_on_one_side_only():
    clean = state.normalise({"production": raw_account()})
    changed = raw_account()
    changed["vpcs"][0]["Tags"] += tags(extra="1")
    found = state.compare(clean, state.normalise({"production": changed}))
    assert len(found) == 2 and all("differs in tags: " in d for d in found)
    assert '[["extra", "1"]]' in found[1] or '[["extra", "1"]]' in found[0]


def test_orphans_are_owned_resources_and_foreign_ones_are_not():
    foreign_subnet = {"SubnetId": "subnet-0ddddddddddddd01", "VpcId": "vpc-0a1b2c3d4e5f60718", "CidrBlock": "10.130.255.0/24",
                      "AvailabilityZone": "us-east-1a", "Tags": tags(Name="foreign-subnet")}
    snap = state.normalise({"production": raw_account(extra_subnet=foreign_subnet)})
    left = state.orphans(snap)
    assert "vpcs production:production/vpc" in left
    assert not [o for o in left if "foreign-subnet" in o]
    assert "production:name/foreign-subnet" in [label for label, _a in snap["subnets"]]


def test_bad_input_matrix_has_forty_well_formed_cases():
    defaults, cases = bad_inputs.load()
    assert len(cases) >= 40
    modules = set(os.path.basename(p)[:-3] for p in os.listdir(os.path.join(ROOT, "plugins", "modules")))
    playbooks = set(os.listdir(os.path.join(ROOT, "playbooks")))
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    for case in cases:
        assert case.get("field") and case.get("reason"), case["name"]
        assert ("module" in case) != ("playbook" in case), case["name"]
        if "module" in case:
            assert case["module"] in modules and case["module"] in defaults, case["name"]
        else:
            assert case["playbook"] in playbooks and case["envs"], case["name"]


def test_module_args_lay_the_case_over_defaults_and_fill_roles():
    defaults = {"vpc_tiers": {"owner": "production", "assume_role_arn": "{role:production}", "cidr": "10.130.0.0/16"}}
    case = {"module": "vpc_tiers", "args": {"cidr": "10.0.0.0/8", "assume_role_arn": None}}
    args = bad_inputs.module_args(defaults, case, {"production": "arn:aws:iam::1:role/x"}, "http://127.0.0.1:1")
    assert args == {"owner": "production", "cidr": "10.0.0.0/8", "region": "us-east-1", "endpoint_url": "http://127.0.0.1:1"}
    args = bad_inputs.module_args(defaults, {"module": "vpc_tiers"}, {"production": "arn:aws:iam::1:role/x"}, "u")
    assert args["assume_role_arn"] == "arn:aws:iam::1:role/x"


def test_checkov_exceptions_need_a_reason_and_must_still_fail():
    exceptions = [{"check": "CKV_K8S_1", "resource": "Deployment.web.*", "why": "documented"},
                  {"check": "CKV_K8S_2", "resource": "*"},
                  {"check": "CKV_K8S_3", "resource": "*", "why": "no longer needed"}]
    failed = [("CKV_K8S_1", "Deployment.web.traefik", "a.yaml"), ("CKV_K8S_2", "Pod.x", "b.yaml"),
              ("CKV_K8S_9", "Pod.y", "c.yaml")]
    findings, accepted = checkov.judge(failed, exceptions)
    assert accepted == [("CKV_K8S_1", "Deployment.web.traefik"), ("CKV_K8S_2", "Pod.x")]
    assert any("CKV_K8S_9" in f for f in findings)
    assert any("CKV_K8S_2 has no justification" in f for f in findings)
    assert any("CKV_K8S_3" in f and "stale" in f for f in findings)


def test_baseline_flags_world_open_rules_open_default_groups_and_weak_instances():
    raw = raw_account()
    vpc_id = raw["vpcs"][0]["VpcId"]
    world = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    web = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    raw["security_groups"] = [
        {"GroupId": "sg-1", "GroupName": "default", "VpcId": vpc_id, "IpPermissions": [], "IpPermissionsEgress": [web]},
        {"GroupId": "sg-2", "GroupName": "lb", "VpcId": vpc_id, "IpPermissions": [web],
         "Tags": tags(refarch__key="sg/public_lb", refarch__owner="production")},
        {"GroupId": "sg-3", "GroupName": "admin", "VpcId": vpc_id, "IpPermissions": [world, web],
         "Tags": tags(refarch__key="sg/admin", refarch__owner="production")},
    ]
    raw["instances"] = [{"InstanceId": "i-1", "MetadataOptions": {"HttpTokens": "optional"},
                         "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-1"}}]}]
    raw["volumes"] = [{"VolumeId": "vol-1", "Encrypted": False}]
    raw["roles"] = [{"RoleName": "r", "AssumeRolePolicyDocument": {"Statement": [{
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringLike": {"oidc:sub": "system:serviceaccount:*:*"}}}]}}]
    findings = baseline.check_state({"production": raw})
    text = "\n".join(findings)
    assert "default security group of production has rules" in text
    assert "admin (sg/admin) opens tcp 22-22" in text and "opens tcp 443-443" in text
    assert "lb (" not in text
    assert "does not require IMDSv2" in text and "is not encrypted" in text
    assert "no flow log" in text
    assert "IRSA role r trust is not limited" in text


def test_no_log_scan_flags_secret_options_and_accepts_explicit_public_keys():
    specs = {"m": {"api_token": {"type": "str"}, "password": {"type": "str", "no_log": False},
                   "key": {"type": "str", "no_log": False}, "secret": {"type": "str", "no_log": True},
                   "nested": {"type": "dict", "options": {"client_secret": {"type": "str"}}}}}
    findings, accepted = baseline.check_no_log(specs)
    assert sorted(findings) == ["m: option api_token looks secret but is not no_log",
                                "m: option nested.client_secret looks secret but is not no_log",
                                "m: option password looks secret but is not no_log"]
    assert accepted == ["m.key"]


def test_every_module_spec_is_read_and_secret_options_are_no_log():
    specs = baseline.argument_specs()
    modules = [os.path.basename(p)[:-3] for p in os.listdir(os.path.join(ROOT, "plugins", "modules")) if p.endswith(".py")]
    assert sorted(specs) == sorted(modules)
    findings, _accepted = baseline.check_no_log(specs)
    assert findings == []


def test_free_cidr_is_the_highest_block_clear_of_every_subnet():
    assert foreign.free_cidr("10.130.0.0/16", ["10.130.0.0/17", "10.130.255.0/24"]) == "10.130.254.0/24"


# a stand-in for ansible-playbook: a worker that leaves the group with setsid() and forks a
# "module" of its own, all waiting for a signal (the SIGKILL)
TREE = """
import os, signal
if os.fork() == 0:
    os.setsid()
    os.fork()
signal.pause()
"""


def _tree(root):
    """Live pids descending from root, and their sessions."""
    table = harness._processes(live_only=True)  # pylint: disable=protected-access
    tree = harness.descendants(table, root) & set(table)
    return tree, set(table[p][1] for p in tree)


def test_kill_group_kills_the_whole_tree_at_once_and_leaves_no_process():
    proc = subprocess.Popen([sys.executable, "-c", TREE], start_new_session=True)
    proc.log_file = open(os.devnull, "w")
    delay = 0.01
    while len(_tree(proc.pid)[0]) < 3:
        time.sleep(delay)  # the worker and its module start: poll with backoff
        delay = min(delay * 2, 0.2)
    _pids, sessions = _tree(proc.pid)
    assert len(sessions) == 2  # the playbook's and the worker's own
    started = time.monotonic()
    harness.kill_group(proc)
    # a dead process stays listed (a zombie) until reaped: waiting for it to vanish cost 10 s a kill
    assert time.monotonic() - started < 3
    assert proc.returncode == -9
    alive = [p for p, (_ppid, sid) in harness._processes(live_only=True).items()  # pylint: disable=protected-access
             if sid in sessions]
    assert alive == []


def test_snapshot_clients_are_made_once_per_session_service_and_endpoint():
    import boto3
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    first = state.client(session, "ec2", "http://127.0.0.1:1")
    assert state.client(session, "ec2", "http://127.0.0.1:1") is first
    assert state.client(session, "ec2", "http://127.0.0.1:2") is not first
    assert state.client(session, "route53", "http://127.0.0.1:1") is not first


def test_a_baseline_that_checked_nothing_is_not_run_never_passed(tmp_path):
    # no manifests: the fallback made no check, so the scan was not run
    scan = checkov.fallback_scan([str(tmp_path)], "python fallback")
    assert scan["findings"] == [] and scan["checks"] == 0
    counts = dict(vpcs=3, modules=20, instances=1, irsa_roles=2)
    assert baseline.not_run(counts, scan) == ["python fallback: 0 checks run on 0 objects"]
    assert baseline.not_run(dict(counts, vpcs=0), dict(scan, checks=12)) == ["state: 0 owned VPCs read"]
    assert baseline.not_run(counts, dict(tool="checkov", checks=40, objects=9)) == []
    # the suite's table: the row reads NOT RUN and the run fails
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import reliability  # pylint: disable=import-outside-toplevel
    base = dict(findings=[], counts=counts, checkov=dict(tool="checkov", passed=0, failed=0, checks=0, objects=0),
                not_run=["checkov: 0 checks run on 0 objects"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ok = reliability.print_table(dict(baseline=base), [], 1, 0, 0)
    row = [line for line in out.getvalue().splitlines() if line.startswith("baseline findings")]
    assert not ok and row and row[0].endswith("NOT RUN")
    assert "not run: checkov: 0 checks run on 0 objects" in out.getvalue()


def test_the_fallback_counts_its_checks(tmp_path):
    (tmp_path / "d.yaml").write_text(
        "kind: Deployment\nmetadata: {name: web, namespace: web}\n"
        "spec: {template: {spec: {containers: [{name: c, resources: {limits: {cpu: 1}},"
        " securityContext: {allowPrivilegeEscalation: false}}]}}}\n")
    findings, checks = checkov.fallback([str(tmp_path)])
    assert findings == [] and checks == 5
