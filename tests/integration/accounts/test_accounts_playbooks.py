"""playbooks/accounts.yml and the account_context role, run by ansible-playbook against the emulator."""

import json
import os
import subprocess

import boto3
import pytest
from aws_proxy import AwsProxy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENVS = ["management", "development", "production"]
PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "context_probe.yml")


def playbook(playbook_path, inventories, endpoint=None, extra=()):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json")
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), playbook_path]
    for inv in inventories:
        cmd += ["-i", inv]
    proc = subprocess.run(cmd + list(extra), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    # raw_decode: the collection's summary callback prints its table after the JSON document
    return proc.returncode, json.JSONDecoder().raw_decode(proc.stdout)[0], proc.stderr


def task_results(out, task_name):
    for play in out["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"].split(" : ")[-1] == task_name:
                return task["hosts"]
    raise AssertionError("task %r did not run" % task_name)


def demo_inventories():
    return [os.path.join(ROOT, "inventories", e) for e in ENVS]


@pytest.fixture
def extra_inventory(tmp_path):
    """One host with no account (single-account use) and one that gives its account id."""
    path = tmp_path / "extra.yml"
    path.write_text(json.dumps({"all": {"children": {"environments": {"hosts": {
        "solo": {"ansible_connection": "local", "aws_region": "us-east-1",
                 "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "legacy": {"ansible_connection": "local", "aws_region": "us-east-1", "aws_account_name": "legacy",
                   "aws_account_id": "444455556666",
                   "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
    }}}}}))
    return str(path)


def test_accounts_playbook_then_context_resolves_once(aws, extra_inventory):
    rc, out, err = playbook(os.path.join(ROOT, "playbooks", "accounts.yml"), demo_inventories())
    assert rc == 0, (out, err)
    converge = task_results(out, "Converge the organization, the OU and the accounts")
    assert len(converge) == 1 and list(converge.values())[0]["changed"]
    ids = dict((a["Name"], a["Id"]) for a in boto3.client("organizations").list_accounts()["Accounts"])

    rc, out, err = playbook(os.path.join(ROOT, "playbooks", "accounts.yml"), demo_inventories())
    assert rc == 0 and not list(task_results(out, "Converge the organization, the OU and the accounts")
                                .values())[0]["changed"]

    proxy = AwsProxy(aws.port).start()
    try:
        rc, out, err = playbook(PROBE, demo_inventories() + [extra_inventory], endpoint=proxy.url)
        actions = [a for a, _w, _f in proxy.requests]
    finally:
        proxy.stop()
    assert rc == 0, (out, err)
    shown = dict((h, r["msg"]) for h, r in task_results(out, "Show the resolved role").items())
    for env in ENVS:
        assert shown[env] == "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % ids[env]
    assert shown["legacy"] == "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"
    assert shown["solo"] == "UNDEFINED"
    # one ListAccounts for all hosts; each role assumed once to check it
    assert actions.count("ListAccounts") == 1
    assert actions.count("AssumeRole") == 4 and proxy.writes() == []


def test_context_names_an_account_that_does_not_exist(aws):
    boto3.client("organizations").create_organization(FeatureSet="ALL")
    rc, out, err = playbook(PROBE, demo_inventories()[:1])
    assert rc != 0
    failed = task_results(out, "Resolve the accounts of every environment in the play")
    msg = list(failed.values())[0]["msg"]
    assert "no account named 'management'" in msg and "known accounts: master" in msg
