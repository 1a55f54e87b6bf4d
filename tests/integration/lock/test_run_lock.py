"""One writer at a time per environment (issue 18), against the emulator.

(a) two site.yml runs of the three environments started together: one waits for the other, and
    the emulator then holds one account per name and one network per environment;
(b) site.yml started while a destroy holds a lock is refused, naming the holder, and gives back
    what it took; unlock.yml breaks the lock only with the holder's run id;
(c) an expired lock, or one whose process is gone, is taken over; a live one is not;
(d) check mode reads the locks and writes nothing.
"""

import datetime
import json
import os
import subprocess
import sys
import threading
import time

import boto3
from aws_proxy import AwsProxy

from ansible_collections.refarch.network.plugins.module_utils import lock
from lock_world import (ENVS, ROOT, accounts, finish, json_output, lock_record, owned_network, role_arn, run, session,
                        start, task_results, task_times)

LOCK_TASK = "Take or refresh the lock of each environment, in the order of their names"
RELEASE_TASK = "Release this run's lock on every environment of the play"


def in_force(env):
    history = lock_record(env)
    return lock.current([(n + 1, json.dumps(r)) for n, r in enumerate(history)]) if history else None


def plant(module, env, operation="destroy", pid=None, **extra):
    """A lock held in ``env``'s account by the process ``pid`` (default: this test's, alive)."""
    holder = lock.process_identity(pid or os.getpid())
    out = module("environment_lock", dict(owner=env, operation=operation, region="us-east-1",
                                          assume_role_arn=role_arn(env), run=holder, **extra))
    assert not out.failed and out["action"] in ("acquired", "refreshed"), out
    return holder


def test_two_site_runs_at_once_one_waits_and_nothing_is_built_twice(aws, tmp_path):
    logs = [tmp_path / "first.json", tmp_path / "second.json"]
    started = time.monotonic()
    procs = [start(str(log), "site.yml", "-e", "run_lock_wait=600", callback="json") for log in logs]
    codes = [finish(p) for p in procs]
    seconds = time.monotonic() - started
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], outputs

    found = accounts()
    assert sorted(found) == sorted(["master"] + list(ENVS)) and all(len(ids) == 1 for ids in found.values()), found
    for env in ENVS:
        network = owned_network(env)
        assert network[("vpc", "vpc")] == 1 and any(kind == "nat" for kind, _key in network), (env, network)
        assert [key for key, count in network.items() if count > 1] == [], (env, network)
        assert lock_record(env) == [], env          # given back at the end of the run
    assert lock_record(organization=True) == []

    # the second run to reach the environments waited for the first's whole run (it got the locks
    # only after the first began to give them back), then changed nothing
    waits = []
    for text in outputs:
        first_lock = task_results(json_output(text), LOCK_TASK)[0]
        items = list(first_lock.values())[0]["results"]
        waits.append(max(item.get("waited", 0) for item in items))
    assert sorted(waits)[0] == 0 and sorted(waits)[1] > 0, waits
    holder, waiter = (json_output(outputs[waits.index(w)]) for w in sorted(waits))
    assert task_times(waiter, LOCK_TASK)[0][1] >= task_times(holder, RELEASE_TASK)[-1][0], (
        task_times(waiter, LOCK_TASK), task_times(holder, RELEASE_TASK))
    later = waiter
    vpc = task_results(later, "Converge the VPC, its tiers, gateways and routes")[0]
    assert [r["changed"] for r in vpc.values()] == [False] * 3
    print("two concurrent site.yml runs: %.0f s" % seconds)


def test_site_refused_while_a_destroy_holds_the_lock_then_unlock(aws, module, tmp_path):
    rc, out = run("accounts.yml")
    assert rc == 0, out
    holder = plant(module, "management", "destroy")

    rc, out = run("site.yml")
    assert rc != 0
    for part in ("lock /refarch/lock/management is held by run %s (destroy)" % holder["id"],
                 "on %s, started %s, expires " % (holder["host"], holder["started"]),
                 "playbooks/unlock.yml -e refarch_unlock_run=%s" % holder["id"]):
        assert part in out, (part, out[-3000:])
    for env in ENVS:   # refused before any write; development, taken first, was given back
        assert owned_network(env) == {}, env
    assert in_force("development") is None and in_force("production") is None
    assert in_force("management")["run"] == holder["id"]

    # unlock.yml: nothing without a run id; another run id leaves the lock alone
    rc, out = run("unlock.yml")
    assert rc != 0 and "refarch_unlock_run" in out
    rc, out = run("unlock.yml", "-e", "refarch_unlock_run=elsewhere:1:20250101T000000Z")
    assert rc == 0 and in_force("management")["run"] == holder["id"], out
    rc, out = run("unlock.yml", "-e", "refarch_unlock_run=%s" % holder["id"])
    assert rc == 0, out
    assert in_force("management")["state"] == "free"

    # a concern playbook run on its own takes the locks and gives them back at its end
    rc, out = run("vpc.yml")
    assert rc == 0, out
    assert all(in_force(env) is None or in_force(env)["state"] == "free" for env in ENVS)
    assert all(owned_network(env)[("vpc", "vpc")] == 1 for env in ENVS)


def _expired_record(run_id, host):
    past = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)).strftime(lock.TIME_FORMAT)
    return dict(run=run_id, host=host, operation="converge", state="held", started=past, expires=past, ttl=3600,
                id="cafe0001", base="", user="ci")


def test_an_expired_lock_is_taken_over_a_live_one_is_not(aws, module):
    ssm = boto3.client("ssm", region_name="us-east-1")
    args = dict(owner="production", region="us-east-1")
    # live, on another machine: refused, whatever its age
    module("environment_lock", dict(args, run=dict(id="ci-7:4242:20250301T100000Z", host="ci-7", user="ci",
                                                   started="2025-03-01T10:00:00Z")))
    refused = module("environment_lock", args)
    assert refused.failed and "held by run ci-7:4242:20250301T100000Z (converge) of ci on ci-7" in refused["msg"]
    # expired: taken over, with a warning naming the run it replaced
    ssm.delete_parameter(Name="/refarch/lock/production")
    ssm.put_parameter(Name="/refarch/lock/production", Type="String",
                      Value=json.dumps(_expired_record("ci-7:4242:20250301T100000Z", "ci-7")))
    took = module("environment_lock", args)
    assert not took.failed and took["action"] == "taken over" and took["previous"]["run"] == "ci-7:4242:20250301T100000Z"
    assert "took over /refarch/lock/production from run ci-7:4242:20250301T100000Z" in took["warnings"][0]["event"]["msg"]
    assert took["changed"] is False


def test_a_lock_whose_process_is_gone_is_taken_over_at_once(aws, module):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    dead = lock.process_identity(gone.pid)
    gone.wait()
    args = dict(owner="development", region="us-east-1")
    assert module("environment_lock", dict(args, run=dead))["action"] == "acquired"
    took = module("environment_lock", args)
    assert took["action"] == "taken over" and took["reason"] == "its process (%d on %s) is gone" % (dead["pid"], dead["host"])


def test_the_lock_is_taken_once_per_run_and_refreshed_when_old(aws, tmp_path):
    """Four plays of one run import run_context like site.yml's playbooks: the second holds the run's
    locks already and makes no lock call; the third finds them older than a quarter of run_lock_ttl
    (its record is aged on purpose, no sleep) and refreshes each; the last play gives them back."""
    rc, out = run("accounts.yml")
    assert rc == 0, out
    context = {"name": "Resolve the accounts, validate the run and take its locks",
               "ansible.builtin.import_role": {"name": "refarch.network.run_context", "rolespec_validate": False}}
    age = {"name": "Age the run's record of its locks", "run_once": True, "ansible.builtin.set_fact": {
        "run_lock_held": "{{ {'results': run_lock_held.results | map('combine', {'held': {'operation': 'converge',"
                         " 'refresh_by': 0}}) | list} }}"}}
    release = {"name": "Give back the locks", "ansible.builtin.include_role": {
        "name": "refarch.network.run_lock", "tasks_from": "release"}}
    plays = [{"name": "play %d" % n, "hosts": "environments", "gather_facts": False, "tasks": tasks}
             for n, tasks in enumerate([[context], [context], [age, context], [release]], 1)]
    book = tmp_path / "four_plays.yml"
    book.write_text(json.dumps(plays))
    with AwsProxy(aws.port) as proxy:
        rc, out = run(str(book), endpoint=proxy.url)
        assert rc == 0, out
        # a take: read, create, read back; a refresh: read, overwrite; a release: read, delete
        assert proxy.writes().count("PutParameter") == 2 * len(ENVS), proxy.writes()
        assert proxy.writes().count("DeleteParameter") == len(ENVS), proxy.writes()
        assert proxy.reads().count("GetParameterHistory") == 4 * len(ENVS), proxy.reads()
    for env in ENVS:
        assert lock_record(env) == [], env


def test_check_mode_reads_the_locks_and_writes_nothing(aws, module):
    rc, out = run("accounts.yml")
    assert rc == 0, out
    with AwsProxy(aws.port) as proxy:
        rc, out = run("site.yml", "--check", endpoint=proxy.url)
        assert rc == 0, out
        assert proxy.writes() == [] and proxy.reads().count("GetParameterHistory") >= 3
        for env in ENVS:
            assert lock_record(env) == []
        # another run's live lock: the check run refuses too (and still writes nothing)
        holder = plant(module, "production", "converge")
        proxy.clear()
        rc, out = run("vpc.yml", "--check", endpoint=proxy.url)
        assert rc != 0 and "held by run %s (converge)" % holder["id"] in out
        assert proxy.writes() == []
    assert in_force("production")["run"] == holder["id"]
    assert session(accounts()["production"][0]).client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:refarch:owner", "Values": ["production"]}])["Vpcs"] == []


ACCOUNTS = [dict(name="development", email="development@example.com"),
            dict(name="production", email="production@example.com")]


def test_organization_accounts_writes_only_under_the_organization_lock(aws, module):
    """Another run holds the organization's lock and creates production meanwhile: ours waits,
    reads the organization again under the lock, and creates only what is still missing."""
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    other = lock.process_identity(aws.proc.pid)   # a live process of this machine, not this test's (ours runs in it)
    held = module("environment_lock", dict(scope="organization", region="eu-west-1", run=other))
    assert held["lock"] == "/refarch/lock/organization" and held["action"] == "acquired"

    # busy: refused after wait_timeout, before any write
    with AwsProxy(aws.port) as proxy:
        refused = module("organization_accounts", dict(owner="refarch", accounts=ACCOUNTS, wait_timeout=1,
                                                       endpoint_url=proxy.url))
        assert refused.failed and "/refarch/lock/organization is held by run %s" % other["id"] in refused["msg"]
        assert proxy.writes() == []

    outcome = {}
    with AwsProxy(aws.port) as proxy:
        worker = threading.Thread(target=lambda: outcome.update(module("organization_accounts", dict(
            owner="refarch", accounts=ACCOUNTS, wait_timeout=120, endpoint_url=proxy.url))))
        worker.start()
        deadline = time.monotonic() + 60
        while "GetParameterHistory" not in proxy.reads() and time.monotonic() < deadline:
            time.sleep(0.05)   # sampling the proxy until ours has read the organization and the lock
        # the other run creates production, then gives its lock back
        org.create_account(Email="production@example.com", AccountName="production",
                           Tags=[{"Key": "refarch:owner", "Value": "refarch"},
                                 {"Key": "refarch:key", "Value": "account/production"}])
        boto3.client("ssm", region_name="us-east-1").delete_parameter(Name="/refarch/lock/organization")
        worker.join(180)
        writes = proxy.writes()
    assert not outcome.get("failed"), outcome
    assert outcome["actions"] == ["create account development <development@example.com>"]
    assert sorted(a["Name"] for a in org.list_accounts()["Accounts"]) == ["development", "master", "production"]
    assert writes.count("CreateAccount") == 1 and writes[0] == "PutParameter" and writes[-1] == "DeleteParameter"
    assert lock_record(organization=True) == []

    # converged: no lock taken, no write at all
    with AwsProxy(aws.port) as proxy:
        again = module("organization_accounts", dict(owner="refarch", accounts=ACCOUNTS, endpoint_url=proxy.url))
        assert again["changed"] is False and proxy.writes() == [] and "GetParameterHistory" not in proxy.reads()


def test_a_run_of_one_environment_holds_the_locks_of_those_it_writes_into(aws, module):
    """production alone writes management's half of their peering and the delegation in
    management's zone: a run holding management's lock keeps it out, and its own run takes and
    gives back both locks."""
    rc, out = run("accounts.yml")
    assert rc == 0, out
    production = ["-i", os.path.join(ROOT, "inventories", "production")]
    holder = plant(module, "management", "converge")
    rc, out = run("vpc.yml", inventories=production)
    assert rc != 0 and "lock /refarch/lock/management is held by run %s (converge)" % holder["id"] in out, out[-3000:]
    assert owned_network("production") == {} and in_force("production") is None

    module("environment_lock", dict(owner="management", state="released", region="us-east-1",
                                    assume_role_arn=role_arn("management"), run=holder))
    rc, out = run("vpc.yml", inventories=production, callback="json")
    assert rc == 0, out[-3000:]
    [taken] = task_results(json_output(out), LOCK_TASK)
    assert [(item["item"]["name"], item["action"]) for item in taken["production"]["results"]] == [
        ("management", "acquired"), ("production", "acquired")]
    assert all(in_force(env) is None or in_force(env)["state"] == "free" for env in ("management", "production"))
