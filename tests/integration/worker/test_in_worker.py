"""Modules run in the task's worker (plugins/plugin_utils/in_worker.py) give what a module process gives.

Playbooks run by ansible-playbook against the emulator; -vvv tells which way each module ran:
"Using module file" is printed only when a module process is built.
"""

import json
import os
import subprocess
import sys

import boto3
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
IN_WORKER = "in the task's worker"
MODULE_PROCESS = "Using module file"
VPC_TIERS_FILE = os.path.join(ROOT, ".collections/ansible_collections/refarch/network/plugins/modules/vpc_tiers.py")
TIERS = [{"name": "public", "route": "internet", "prefix": 20}, {"name": "private", "route": "nat", "prefix": 19}]
VPC_ARGS = {"owner": "worker", "cidr": "10.140.0.0/16", "azs": ["us-east-1a", "us-east-1b"], "tiers": TIERS,
            "nat_mode": "per_az", "region": "us-east-1"}


def play(tmp_path, tasks, *extra):
    """Run ``tasks`` on localhost; (rc, output, {register name: result} of every task that registers)."""
    results = tmp_path / "results.json"
    registered = [t["register"] for t in tasks if "register" in t]
    save = {"name": "Save results", "check_mode": False, "ansible.builtin.copy": {
        "dest": str(results), "content": "{{ {%s} | to_json }}" % ", ".join("'%s': %s" % (r, r) for r in registered)}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{
        "name": "In-worker test", "hosts": "localhost", "gather_facts": False, "tasks": tasks + [save]}]))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_INJECT_INVOCATION="true")  # off by default from ansible-core 2.21
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-vvv", "-i", str(tmp_path / "hosts.yml"),
                           str(tmp_path / "play.yml")] + list(extra),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    return proc.returncode, out, (json.loads(results.read_text()) if results.exists() else {})


def vpc_task(register, args=None, **keywords):
    task = {"name": register, "refarch.network.vpc_tiers": dict(args or VPC_ARGS), "register": register}
    task.update(keywords)
    return task


def comparable(result):
    return {k: v for k, v in result.items() if k not in ("invocation",)}


def test_same_result_in_the_worker_as_in_a_module_process(aws, tmp_path):
    rc, out, res = play(tmp_path, [
        vpc_task("cold"),
        vpc_task("process", vars={"refarch_in_worker": False}),
        vpc_task("worker"),
    ])
    assert rc == 0, out
    assert res["cold"]["changed"] is True
    assert res["process"]["changed"] is False and res["worker"]["changed"] is False
    assert comparable(res["process"]) == comparable(res["worker"])
    assert out.count("refarch.network.vpc_tiers " + IN_WORKER) == 2
    assert out.count(MODULE_PROCESS + " " + VPC_TIERS_FILE) == 1  # the task with refarch_in_worker: false
    assert len(boto3.client("ec2", region_name="us-east-1").describe_vpcs(
        Filters=[{"Name": "tag:refarch:owner", "Values": ["worker"]}])["Vpcs"]) == 1


def test_check_mode_and_diff_reach_the_module(aws, tmp_path):
    rc, out, res = play(tmp_path, [vpc_task("planned")], "--check", "--diff")
    assert rc == 0, out
    assert res["planned"]["changed"] is True
    assert IN_WORKER in out
    assert "create vpc 10.140.0.0/16" in res["planned"]["actions"]
    assert res["planned"]["diff"]["before"] == {} and res["planned"]["diff"]["after"]["vpc"]["cidr"] == "10.140.0.0/16"
    assert boto3.client("ec2", region_name="us-east-1").describe_vpcs(
        Filters=[{"Name": "tag:refarch:owner", "Values": ["worker"]}])["Vpcs"] == []


def test_each_loop_item_gets_its_own_arguments(aws, tmp_path):
    single = dict(VPC_ARGS, nat_mode="single")
    rc, out, res = play(tmp_path, [
        vpc_task("cold"),
        {"name": "loop", "refarch.network.vpc_tiers": "{{ item }}", "loop": [single, VPC_ARGS], "register": "loop"},
    ])
    assert rc == 0, out
    first, second = res["loop"]["results"]
    assert first["invocation"]["module_args"]["nat_mode"] == "single"
    assert second["invocation"]["module_args"]["nat_mode"] == "per_az"
    assert first["unplanned"] == ["nat/us-east-1a", "nat/us-east-1b", "rtb/private/us-east-1a", "rtb/private/us-east-1b"]
    assert second["unplanned"] == ["nat/single", "rtb/private"]
    assert "[WARNING]: nat/us-east-1a is owned but no longer planned; purge: true deletes it" in out
    assert out.count(IN_WORKER) == 3


def test_warnings_of_one_run_do_not_reach_the_next(aws, module):
    module("vpc_tiers", VPC_ARGS)
    warned = module("vpc_tiers", dict(VPC_ARGS, nat_mode="single"))
    assert "nat/us-east-1a is owned but no longer planned; purge: true deletes it" in [
        w["event"]["msg"] for w in warned["warnings"]]
    module("vpc_tiers", dict(VPC_ARGS, nat_mode="single", purge=True))
    assert "warnings" not in module("vpc_tiers", dict(VPC_ARGS, nat_mode="single"))


def test_bad_input_fails_with_the_module_message_both_ways(aws, tmp_path):
    bad = dict(VPC_ARGS, cidr="10.140.0.0/33")
    rc, out, res = play(tmp_path, [
        vpc_task("worker", bad, ignore_errors=True),
        vpc_task("process", bad, ignore_errors=True, vars={"refarch_in_worker": False}),
    ])
    assert rc == 0, out
    assert res["worker"]["failed"] is True and res["process"]["failed"] is True
    assert "cidr" in res["worker"]["msg"]
    assert res["worker"]["msg"] == res["process"]["msg"]


@pytest.mark.parametrize("keywords", [{"environment": {"AWS_MAX_ATTEMPTS": "3"}}, {"async": 60, "poll": 1}],
                         ids=["environment", "async"])
def test_a_module_process_when_the_worker_would_differ(aws, tmp_path, keywords):
    rc, out, res = play(tmp_path, [vpc_task("converged", **keywords)])
    assert rc == 0, out
    assert res["converged"]["changed"] is True
    assert IN_WORKER not in out
    assert MODULE_PROCESS + " " + VPC_TIERS_FILE in out
