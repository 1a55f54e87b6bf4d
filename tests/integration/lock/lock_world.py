"""Helpers of the run-lock tests: playbooks run by ansible-playbook against the emulator, and
what the emulator holds (accounts, owned network resources, lock parameters) read with boto3."""

import collections
import datetime
import json
import os
import subprocess

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENVS = ("management", "development", "production")
INVENTORIES = [arg for env in ENVS for arg in ("-i", os.path.join(ROOT, "inventories", env))]
ROLE = "OrganizationAccountAccessRole"


def command(playbook, *extra, **kw):
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook")] + list(kw.get("inventories", INVENTORIES))
    return cmd + [os.path.join(ROOT, "playbooks", playbook)] + list(extra)


def environ(callback="default", endpoint=None):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK=callback)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def start(log_path, playbook, *extra, **kw):
    """ansible-playbook in the background, its output to ``log_path``."""
    log = open(log_path, "w")
    proc = subprocess.Popen(command(playbook, *extra, **kw), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env=environ(kw.get("callback", "default"), kw.get("endpoint")))
    proc.log = log
    return proc


def finish(proc, timeout=600):
    try:
        return proc.wait(timeout=timeout)
    finally:
        proc.log.close()


def run(playbook, *extra, **kw):
    """(rc, output) of a playbook run to its end."""
    proc = subprocess.run(command(playbook, *extra, **kw), cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False, env=environ(kw.get("callback", "default"), kw.get("endpoint")))
    return proc.returncode, proc.stdout + proc.stderr


def json_output(text):
    """The json callback's document (the collection's summary table follows it)."""
    return json.JSONDecoder().raw_decode(text[text.index("{"):])[0]


def task_results(document, task_name):
    """{host: result} of every run of the task named ``task_name`` (one dict per play that ran it)."""
    runs = []
    for play in document["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"].split(" : ")[-1] == task_name:
                runs.append(task["hosts"])
    return runs


def task_times(document, task_name):
    """[(start, end)] of every run of the task named ``task_name``, as the json callback timed it (UTC)."""
    times = []
    for play in document["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"].split(" : ")[-1] == task_name:
                duration = task["task"]["duration"]
                times.append(tuple(datetime.datetime.fromisoformat(duration[k].replace("Z", "+00:00")) for k in ("start", "end")))
    return times


def accounts():
    """{name: [id, ...]} of the organization's accounts."""
    found = collections.defaultdict(list)
    for page in boto3.client("organizations").get_paginator("list_accounts").paginate():
        for account in page["Accounts"]:
            found[account["Name"]].append(account["Id"])
    return dict(found)


def session(account_id):
    creds = boto3.client("sts").assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (account_id, ROLE),
                                            RoleSessionName="lock-test")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name="us-east-1")


def role_arn(env):
    return "arn:aws:iam::%s:role/%s" % (accounts()[env][0], ROLE)


def _tags(item):
    return dict((t["Key"], t["Value"]) for t in item.get("Tags") or [])


def owned_network(env):
    """Counter of (kind, refarch:key) over the environment's owned VPCs, gateways, NATs, addresses,
    subnets and route tables (live ones): a key counted twice is a duplicate."""
    ec2 = session(accounts()[env][0]).client("ec2")
    found = collections.Counter()
    listings = (("vpc", ec2.describe_vpcs()["Vpcs"]),
                ("igw", ec2.describe_internet_gateways()["InternetGateways"]),
                ("nat", [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] not in ("deleted", "deleting", "failed")]),
                ("eip", ec2.describe_addresses()["Addresses"]),
                ("subnet", ec2.describe_subnets()["Subnets"]),
                ("rtb", ec2.describe_route_tables()["RouteTables"]))
    for kind, items in listings:
        for item in items:
            tags = _tags(item)
            if tags.get("refarch:owner") == env:
                found[(kind, tags.get("refarch:key"))] += 1
    return found


def lock_record(env=None, organization=False):
    """The lock parameter's versions as records ([] when there is none)."""
    ssm = (boto3.client("ssm", region_name="us-east-1") if organization
           else session(accounts()[env][0]).client("ssm"))
    name = "/refarch/lock/" + ("organization" if organization else env)
    try:
        history = ssm.get_parameter_history(Name=name)["Parameters"]
    except ssm.exceptions.ParameterNotFound:
        return []
    return [json.loads(p["Value"]) for p in sorted(history, key=lambda p: p["Version"])]
