#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: our playbooks against one amazon.aws task per resource, on a fresh emulator.

Every sequence (cold converge, idempotent re-run, --check on the converged state) starts a
fresh AWS emulator behind a counting proxy. Figures: wall time and CPU time (of
ansible-playbook and every process it waits for; robust when the machine is shared), AWS
calls split into reads and writes by action, and module invocations. Prints one table and
writes everything to build/bench/results.json. See benchmarks/README.md.
"""

from __future__ import absolute_import, division, print_function

import argparse
import ast
import glob
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)

from aws_proxy import LOCK_ACTIONS, AwsProxy, resource_type  # noqa: E402
from aws_realism import Realism  # noqa: E402
from emulator import FAKE_ENV, Emulator  # noqa: E402
import per_resource  # noqa: E402

DEMO_ENVS = ("management", "development", "production")
BIN = os.path.dirname(sys.executable)
PLAYBOOKS = os.path.join(ROOT, "playbooks")
DEMO_TIERS = [
    {"name": "public", "route": "internet", "prefix": 20},
    {"name": "private", "route": "nat", "prefix": 19},
    {"name": "persistence", "route": "none", "prefix": 21},
]
# Six AZs need eight slots per tier, so the tiers are smaller; the whole AZ series uses them.
AZ_SERIES_TIERS = [
    {"name": "public", "route": "internet", "prefix": 21},
    {"name": "private", "route": "nat", "prefix": 20},
    {"name": "persistence", "route": "none", "prefix": 22},
]
# Three more tiers fit in the /19 the demo layout leaves free.
EXTRA_TIERS = [
    {"name": "edge", "route": "internet", "prefix": 23},
    {"name": "app", "route": "nat", "prefix": 23},
    {"name": "data", "route": "none", "prefix": 23},
]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
# config -> (environments, azs, az_slots, tiers); one fresh emulator per point
SERIES = {
    "envs": [("1 env", (1, 3, 4, DEMO_TIERS)), ("3 envs", (3, 3, 4, DEMO_TIERS)), ("6 envs", (6, 3, 4, DEMO_TIERS))],
    "azs": [("2 AZs", (1, 2, 8, AZ_SERIES_TIERS)), ("3 AZs", (1, 3, 8, AZ_SERIES_TIERS)),
            ("6 AZs", (1, 6, 8, AZ_SERIES_TIERS))],
    "tiers": [("3 tiers", (1, 3, 4, DEMO_TIERS)), ("6 tiers", (1, 3, 4, DEMO_TIERS + EXTRA_TIERS))],
}


# The run lock's reads (take, read-back, release), counted apart from the estate's like its writes.
LOCK_READS = ("GetParameterHistory",)
# The envs series is the VPC alone (issue 11's 1.5x target); the AZ and tier series run the whole
# site (its security groups and zones too): a no-op's calls must stay flat as zones and tiers double.
SERIES_PLAYBOOK = {"envs": "vpc.yml", "azs": "site.yml", "tiers": "site.yml"}
# (key, environments, label): site.yml of the three demo environments and of the single-VPC layout
SITE_ESTATES = (("site_3", 3, "site.yml, 3 envs"), ("site_single", 2, "site.yml, single VPC"))
SITE_INVENTORIES = {"site_3": DEMO_ENVS, "site_single": ("single_vpc/production", "single_vpc/staging")}


def over_quota(host_vars):
    """The check of the account's quotas off for an estate of the bench: in one account, the demo's three
    environments (6 Elastic IPs) and the envs series' six (7 VPCs with the default one) pass AWS's default
    quotas, which the emulator does not enforce, and vpc_tiers would refuse them. Set for the demo copies
    and the generated series; the single-VPC layout fits and keeps the check."""
    with open(os.path.join(host_vars, "bench.yml"), "w") as f:
        yaml.safe_dump({"refarch_account_limits": False}, f)


class Workspace(object):
    """Temporary inventories and playbooks (never committed) under one temp dir."""

    def __init__(self, path):
        self.path = path
        self.logs = os.path.join(ROOT, "build", "bench", "logs")
        os.makedirs(self.logs, exist_ok=True)

    def demo_inventory(self, env):
        """A copy of a demo environment's network and peering data: one account, as per-resource."""
        dest = os.path.join(self.path, "demo", env)
        if not os.path.isdir(dest):
            os.makedirs(os.path.join(dest, "host_vars", env))
            shutil.copy(os.path.join(ROOT, "inventories", env, "hosts.yml"), dest)
            for name in ("network.yml", "peering.yml"):
                src = os.path.join(ROOT, "inventories", env, "host_vars", env, name)
                if os.path.exists(src):
                    shutil.copy(src, os.path.join(dest, "host_vars", env))
            over_quota(os.path.join(dest, "host_vars", env))
        return dest

    def site_inventory(self, rel):
        """A copy of an environment's whole inventory but its account and EKS data: site.yml in the
        caller's account, as the per-resource side (``rel``: management, single_vpc/staging...)."""
        dest = os.path.join(self.path, "site", rel)
        if not os.path.isdir(dest):
            src = os.path.join(ROOT, "inventories", rel)
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("account.yml", "eks.yml"))
            if rel in DEMO_ENVS:
                over_quota(os.path.join(dest, "host_vars", rel))
        return dest

    def generated_inventory(self, series, index, azs, az_slots, tiers, site=False):
        name = "env%d" % (index + 1)
        dest = os.path.join(self.path, series, name)
        os.makedirs(os.path.join(dest, "host_vars", name), exist_ok=True)
        hosts = {"all": {"children": {"environments": {"hosts": {name: {
            "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}}}
        network = {"env_name": name, "owner": name, "aws_region": "us-east-1",
                   "vpc_cidr": "10.%d.0.0/16" % (150 + index), "azs": ZONES[:azs], "az_slots": az_slots,
                   "nat_mode": "single", "tiers": tiers}
        files = [(os.path.join(dest, "hosts.yml"), hosts), (os.path.join(dest, "host_vars", name, "network.yml"), network)]
        over_quota(os.path.join(dest, "host_vars", name))
        if site:
            # site.yml's other concerns, the same at every point: the demo's groups and two zones
            with open(os.path.join(ROOT, "inventories", "production", "host_vars", "production", "security.yml")) as f:
                security = yaml.safe_load(f)
            files += [(os.path.join(dest, "host_vars", name, "security.yml"), security),
                      (os.path.join(dest, "host_vars", name, "dns.yml"),
                       {"dns_private_zone": "%s.internal" % name, "dns_public_zone": "%s.example.com" % name})]
        for path, data in files:
            with open(path, "w") as f:
                yaml.safe_dump(data, f, sort_keys=False)
        return dest

    def network_playbook(self, in_worker=True):
        """The like-for-like estate: vpc.yml, then peering.yml when the collection has it."""
        path = os.path.join(self.path, "network.yml" if in_worker else "network_processes.yml")
        plays = [{"name": "VPCs", "ansible.builtin.import_playbook": os.path.join(PLAYBOOKS, "vpc.yml")}]
        if os.path.exists(os.path.join(PLAYBOOKS, "peering.yml")):
            plays.append({"name": "Peerings", "ansible.builtin.import_playbook": os.path.join(PLAYBOOKS, "peering.yml")})
        if not in_worker:
            for play in plays:
                play["vars"] = {"refarch_in_worker": False}
        with open(path, "w") as f:
            yaml.safe_dump(plays, f, sort_keys=False)
        return path

    def per_resource_playbook(self, inventories, label, site=False):
        envs = {}
        for inv in inventories:
            envs.update(per_resource.load_inventory(inv))
        return per_resource.write_playbook(envs, os.path.join(self.path, "per_resource_%s.yml" % label), site=site)


# How long AWS keeps these pending (seconds, typical): the realistic row divides them by a scale
AWS_WAITS = {"nat_gateway": 90.0, "vpc_endpoint": 60.0, "instance": 30.0, "transit_gateway": 90.0,
             "transit_gateway_attachment": 60.0}
REALISTIC_SCALE = 3.0
NOTFOUND_WINDOW = 1.5  # seconds a new id answers NotFound (AWS: "eventually"; issue 17 asks >= 1.5)


class Session(object):
    """A fresh emulator behind a counting proxy (realistic when ``realism`` is given)."""

    def __init__(self, ws, realism=None):
        self.ws = ws
        self.realism = realism

    def __enter__(self):
        self.emulator = Emulator().start()
        self.proxy = AwsProxy(self.emulator.port, realism=self.realism)
        # The proxy writes headers and body separately: with Nagle's algorithm on, each reply
        # waits for the client's delayed ACK (~40 ms per call). Counting must not cost that.
        self.proxy.server.RequestHandlerClass.disable_nagle_algorithm = True
        self.proxy.start()
        self.warm_up()
        return self

    def warm_up(self):
        """Make the emulator load its EC2 backend now (about 1 s of its CPU on the first EC2 request).

        AWS has no such first-request cost; left in, it lands on whichever cold run comes first
        and is noise in every cold figure. Straight to the emulator, so nothing is counted.
        """
        import boto3
        boto3.client("ec2", endpoint_url=self.emulator.url, region_name=FAKE_ENV["AWS_REGION"],
                     aws_access_key_id=FAKE_ENV["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=FAKE_ENV["AWS_SECRET_ACCESS_KEY"]).describe_vpcs()

    def __exit__(self, *exc):
        self.proxy.stop()
        self.emulator.stop()

    def env(self):
        env = dict(os.environ)
        # Python's default, as on a user's machine (this sandbox turns bytecode writing off): our
        # files' pyc is what a user's second run imports (plugin_utils/bytecode.py). Both sides alike.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(FAKE_ENV)
        env.update(
            AWS_ENDPOINT_URL=self.proxy.url,
            ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="refarch.network.summary,bench_count",
            BENCH_COUNT_FILE=os.path.join(self.ws.path, "count.json"),
            PATH=BIN + os.pathsep + env.get("PATH", ""),
        )
        return env

    def run(self, label, playbook, inventories, check=False):
        cmd = [os.path.join(BIN, "ansible-playbook")]
        for inv in inventories:
            cmd += ["-i", inv]
        cmd.append(playbook)
        if check:
            cmd.append("--check")
        count_file = os.path.join(self.ws.path, "count.json")
        if os.path.exists(count_file):
            os.remove(count_file)
        self.proxy.clear()
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        log = os.path.join(self.ws.logs, re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") + ".log")
        with open(log, "wb") as f:
            f.write(proc.stdout)
        if proc.returncode != 0:
            raise RuntimeError("%s failed (rc %d); see %s" % (label, proc.returncode, log))
        with open(count_file) as f:
            counted = json.load(f)
        with self.proxy.lock:
            requests = [(a, w) for a, w, fault in self.proxy.requests if fault is None]
        return {
            "wall": round(wall, 3),
            "cpu": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3),
            "load": round(load, 2),
            "reads": sum(1 for _action, w in requests if not w),
            # the run lock's SSM writes are the run's bookkeeping, counted apart from the estate's
            "writes": sum(1 for a, w in requests if w and a not in LOCK_ACTIONS),
            "lock_writes": sum(1 for a, w in requests if w and a in LOCK_ACTIONS),
            "read_calls": _count(resource_type(a) for a, w in requests if not w),
            # Route53's calls on one zone (its details, its record sets), by zone: one a zone is the floor
            "zone_reads": _count(a for a, w in requests if not w and resource_type(a) != a),
            "write_calls": _count(resource_type(a) for a, w in requests if w),
            "sequence": [a for a, _write in requests],
            "invocations": counted["invocations"],
            "modules": counted["by_action"],
            "changed": counted["changed"],
            "roles": counted.get("seconds", {}),
        }


def _count(actions):
    counts = {}
    for action in actions:
        counts[action] = counts.get(action, 0) + 1
    return dict(sorted(counts.items()))


def sequence(ws, label, playbook, inventories, phases=("cold", "idempotent", "check"), failures=None):
    """cold, idempotent (and check) runs on one fresh emulator; a failed sequence is retried once."""
    try:
        return _sequence(ws, label, playbook, inventories, phases)
    except RuntimeError as e:
        if failures is None:
            raise
        failures.append(str(e))
        print("  %s; retrying the sequence on a fresh emulator" % e, flush=True)
        return _sequence(ws, label, playbook, inventories, phases)


def alternated(phases, run):
    """The phases of a run, with the two that measure the built estate (idempotent, check) in
    turn first and second: whichever runs right after the cold build is slower on this machine
    (measured, interleaved: check 7.39 s against idempotent 7.52 s, where the bench in a fixed
    order had check 1.05 to 1.07 of idempotent), so a fixed order would bend their ratio."""
    if run % 2 and "idempotent" in phases and "check" in phases:
        phases = list(phases)
        i, j = phases.index("idempotent"), phases.index("check")
        phases[i], phases[j] = phases[j], phases[i]
    return tuple(phases)


def _sequence(ws, label, playbook, inventories, phases, realism=None):
    out = {}
    with Session(ws, realism) as session:
        for phase in phases:
            out[phase] = session.run("%s %s" % (label, phase), playbook, inventories, check=(phase == "check"))
            print("  %-34s %-10s wall %6.2fs cpu %6.2fs calls %4d r / %3d w  modules %3d  (load %.1f)" % (
                label, phase, out[phase]["wall"], out[phase]["cpu"], out[phase]["reads"], out[phase]["writes"],
                out[phase]["invocations"], out[phase]["load"]), flush=True)
    return out


def realistic_cold(ws, playbook, inventories, scale, failures):
    """The cold build through AWS's documented behaviour: new ids NotFound for 1.5 s, and
    NAT gateways, endpoints, instances, transit gateways pending for AWS's typical time / scale.

    Its floor is the longest chain of waits that cannot overlap, the same in every environment
    (they run in parallel): the new VPC becomes known, then the new subnet the NAT gateway is
    created in, then the NAT gateway becomes available (its routes need it), then the peering
    becomes known to the accepter: three NotFound windows and one NAT gateway.
    """
    # the three environments in one account pass its default quotas (over_quota): not AWS's, for this row
    realism = Realism(notfound_window=NOTFOUND_WINDOW, account_quotas=False,
                      pending_window=dict((k, v / scale) for k, v in AWS_WAITS.items()))
    label = "ours, 3 env(s), realistic AWS /%g" % scale
    try:
        measured = _sequence(ws, label, playbook, inventories, ("cold",), realism)["cold"]
    except RuntimeError as e:
        failures.append(str(e))
        measured = _sequence(ws, label, playbook, inventories, ("cold",), realism)["cold"]
    return dict(measured, scale=scale, chain=round(3 * NOTFOUND_WINDOW + AWS_WAITS["nat_gateway"] / scale, 2))


def summarise(samples):
    """Median, min and max of wall and cpu; counts from the first sample (they are deterministic)."""
    first = dict(samples[0])
    first.pop("sequence", None)
    for key in ("wall", "cpu"):
        values = [s[key] for s in samples]
        first[key] = {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values),
                      "samples": values}
    first["load"] = [s["load"] for s in samples]
    roles = set(k for s in samples for k in s.get("roles", {}))
    first["roles"] = dict((k, round(statistics.median([s.get("roles", {}).get(k, 0.0) for s in samples]), 2)) for k in roles)
    first["calls_vary"] = len(set((s["reads"], s["writes"]) for s in samples)) > 1
    return first


def breakdown(ws):
    """Where the time of one task goes: Python, Ansible start, a trivial module, an AWS module's parts."""
    out = {}
    inv = ws.demo_inventory("production")
    empty = os.path.join(ws.path, "empty.yml")
    ping = os.path.join(ws.path, "ping.yml")
    play = {"name": "Measure", "hosts": "environments", "gather_facts": False, "tasks": []}
    with open(empty, "w") as f:
        yaml.safe_dump([play], f)
    with open(ping, "w") as f:
        yaml.safe_dump([dict(play, tasks=[{"name": "Ping", "ansible.builtin.ping": {}}])], f)
    with Session(ws) as session:
        out["python_start"] = _timed([sys.executable, "-c", "pass"])
        out["empty_play"] = session.run("breakdown empty play", empty, [inv])
        out["one_trivial_module"] = session.run("breakdown ping", ping, [inv])
        probe = subprocess.run([sys.executable, os.path.join(HERE, "module_cost.py")], env=session.env(),
                               stdout=subprocess.PIPE, check=True)
        out["in_process"] = json.loads(probe.stdout)
    for key in ("empty_play", "one_trivial_module"):
        out[key] = dict((k, out[key][k]) for k in ("wall", "cpu"))
    return out


def _timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": round(time.monotonic() - start, 3),
            "cpu": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 3)}


def sleep_scan():
    """sleep() calls in the collection's plugins that are not a backoff.

    A call passes when its delay uses a name its function grows by multiplication
    (``delay = min(delay * 2, cap)``); a constant or never-grown delay is a fixed sleep.
    """
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True)):
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        owner = {}  # call node -> innermost scope (scopes are walked outermost first)
        for scope in scopes:
            for node in ast.walk(scope):
                if isinstance(node, ast.Call) and _callee(node) == "sleep":
                    owner[node] = scope
        for call, scope in owner.items():
            names = set(n.id for a in call.args for n in ast.walk(a) if isinstance(n, ast.Name))
            if not names & _grown(scope):
                found.append("%s:%d" % (os.path.relpath(path, ROOT), call.lineno))
    return sorted(found)


def _grown(scope):
    """Names a scope multiplies (delay *= 2, delay = min(delay * 2, cap))."""
    grown = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Mult):
            grown.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Assign) and any(
                isinstance(b, ast.BinOp) and isinstance(b.op, (ast.Mult, ast.Pow)) for b in ast.walk(node.value)):
            grown.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return grown


def _callee(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def nats_before_wait(calls):
    """True when every CreateNatGateway comes before the first NAT poll that follows one."""
    creates = [i for i, a in enumerate(calls) if a == "CreateNatGateway"]
    if not creates:
        return None
    polls = [i for i, a in enumerate(calls) if a == "DescribeNatGateways" and i > creates[0]]
    return not polls or creates[-1] < polls[0]


def ratio(a, b):
    return round(a / b, 2) if b else None


def estate_reads(measured):
    """{read action: calls} of the estate: the run lock's reads are the run's bookkeeping, counted
    apart like its writes (a playbook that imports vpc.yml and peering.yml takes and gives it back twice)."""
    return dict((k, v) for k, v in measured["read_calls"].items() if k not in LOCK_READS)


def evaluate(results):
    """The issue's targets, each with the measured value."""
    demo, series = results["demo"], results.get("series", {})
    targets = []

    def add(name, value, limit, ok):
        targets.append({"target": name, "value": value, "limit": limit, "met": bool(ok)})

    for n, limit in (("3", 10), ("1", 5)):
        for phase in ("idempotent",) + (("cold",) if n == "3" else ()):
            ours, theirs = demo.get("ours_%s" % n, {}).get(phase), demo.get("per_resource_%s" % n, {}).get(phase)
            if ours and theirs:
                need = limit if phase == "idempotent" else 4
                value = ratio(theirs["wall"]["median"], ours["wall"]["median"])
                add("%s, %s env(s): per-resource / ours (wall)" % (phase, n), value, ">= %d" % need,
                    value is not None and value >= need)
    for n in ("1", "3"):
        idem = demo.get("ours_%s" % n, {}).get("idempotent")
        if idem:
            add("no-op re-run, %s env(s): writes" % n, idem["writes"], "0", idem["writes"] == 0)
            per_type = max(estate_reads(idem).values() or [0])
            allowed = 2 * max(1, idem["invocations"]) if n == "3" else 2
            add("no-op re-run, %s env(s): most reads of one type" % n, per_type, "<= %d (%s)" % (
                allowed, "2 per module invocation" if n == "3" else "2 in the run"), per_type <= allowed)
    for name, small, big in (("azs", "3 AZs", "6 AZs"), ("tiers", "3 tiers", "6 tiers")):
        points = dict(series.get(name, []))
        if small in points and big in points:
            a, b = points[small]["idempotent"], points[big]["idempotent"]
            add("no-op calls %s -> %s (site.yml)" % (small, big), "%d -> %d" % (a["reads"] + a["writes"], b["reads"] + b["writes"]),
                "no growth", b["reads"] + b["writes"] <= a["reads"] + a["writes"])
    points = dict(series.get("envs", []))
    if "1 env" in points and "3 envs" in points:
        paired = results.get("envs_ratios") or {}
        for phase in ("cold", "idempotent"):
            # each run's 3-env point is measured right after its 1-env point: the median of those
            # paired ratios is what load drift between points cannot bend
            value = (round(statistics.median(paired[phase]), 2) if paired.get(phase) else
                     ratio(points["3 envs"][phase]["wall"]["median"], points["1 env"][phase]["wall"]["median"]))
            add("3 envs in parallel / 1 env, %s (wall, paired)" % phase, value, "<= 1.5", value is not None and value <= 1.5)
    real = results.get("realistic")
    if real:
        value = ratio(real["wall"]["median"], real["chain"])
        add("realistic AWS cold, 3 envs / longest wait chain (waits /%g)" % real["scale"], value, "<= 1.3",
            value is not None and value <= 1.3)
    for key, envs, label in SITE_ESTATES:
        ours, theirs = demo.get("ours_" + key, {}), demo.get("per_resource_" + key, {})
        if key == "site_3":   # issue 22's targets: the full site of the three demo environments
            for phase, need in (("idempotent", 10), ("cold", 6)):
                if ours.get(phase) and theirs.get(phase):
                    value = ratio(theirs[phase]["wall"]["median"], ours[phase]["wall"]["median"])
                    add("%s, %s: per-resource / ours (wall)" % (phase, label), value, ">= %d" % need,
                        value is not None and value >= need)
            if ours.get("check") and ours.get("idempotent"):
                paired = (results.get("check_ratios") or {}).get("ours_" + key)
                value = (round(statistics.median(paired), 2) if paired else
                         ratio(ours["check"]["wall"]["median"], ours["idempotent"]["wall"]["median"]))
                add("--check on the built estate / idempotent, %s (wall, paired)" % label, value, "<= 1",
                    value is not None and value <= 1)
        idem = ours.get("idempotent")
        if idem:
            add("no-op %s: estate writes" % label, idem["writes"], "0", idem["writes"] == 0)
            reads = estate_reads(idem)
            worst = max(sorted(reads.items()), key=lambda kv: kv[1]) if reads else ("-", 0)
            per_env = round(worst[1] / float(envs), 2)
            add("no-op %s: reads of one type per env (%s)" % (label, worst[0]), per_env, "<= 2", per_env <= 2)
            zone = max(sorted((idem.get("zone_reads") or {"-": 0}).items()), key=lambda kv: kv[1])
            add("no-op %s: reads of one hosted zone, per call (%s)" % (label, resource_type(zone[0])), zone[1], "<= 1",
                zone[1] <= 1)
    sleeps = results["sleep_scan"]
    add("no fixed sleep() in plugins (only growing backoff)", len(sleeps), "0", not sleeps)
    order = results.get("nats_created_before_wait")
    if order is not None:
        add("all NAT gateways created before waiting on any", order, "true", order)
    return targets


def fmt(stat):
    if not stat:
        return "-"
    return "%.2f (%.2f-%.2f)" % (stat["median"], stat["min"], stat["max"])


def table(results):
    lines = []
    info = results["machine"]
    lines.append("refarch.network benchmark: %d run(s), median (min-max) seconds; %d CPUs, load average %s" % (
        results["runs"], info["cpus"], " -> ".join("%.1f" % x for x in info["load"])))
    lines.append("")
    head = "%-34s | %-20s %-20s %-9s %-4s | %-20s %-20s %-9s %-4s | %-6s %-6s" % (
        "phase", "ours wall", "ours cpu", "calls r/w", "mods", "per-resource wall", "per-resource cpu",
        "calls r/w", "mods", "x wall", "x cpu")
    lines.append(head)
    lines.append("-" * len(head))
    demo = results["demo"]
    rows = [("ours_1", "per_resource_1", "1 env (%s)" % results["one_env"]),
            ("ours_3", "per_resource_3", "3 envs + peering"), ("ours_3_process", "per_resource_3", "3 envs, module processes")]
    rows += [("ours_" + key, "per_resource_" + key, label) for key, _envs, label in SITE_ESTATES]
    for key, their_key, label in rows:
        for phase in ("cold", "idempotent", "check"):
            ours = demo.get(key, {}).get(phase)
            theirs = demo.get(their_key, {}).get(phase)
            if not ours and not theirs:
                continue

            def cols(m):
                if not m:
                    return ["-", "-", "-", "-"]
                return [fmt(m["wall"]), fmt(m["cpu"]), "%d/%d" % (m["reads"], m["writes"]), str(m["invocations"])]
            x_wall = ratio(theirs["wall"]["median"], ours["wall"]["median"]) if ours and theirs else None
            x_cpu = ratio(theirs["cpu"]["median"], ours["cpu"]["median"]) if ours and theirs else None
            lines.append("%-34s | %-20s %-20s %-9s %-4s | %-20s %-20s %-9s %-4s | %-6s %-6s" % tuple(
                ["%s, %s" % (phase, label)] + cols(ours) + cols(theirs) + [x_wall or "-", x_cpu or "-"]))
    real = results.get("realistic")
    if real:
        lines.append("%-34s | %-20s %-20s %-9s %-4s | longest unavoidable wait chain %.1f s (3 NotFound windows "
                     "+ a NAT gateway: AWS's ~90 s / %g); x chain %s" % (
                         "cold, 3 envs, realistic AWS", fmt(real["wall"]), fmt(real["cpu"]),
                         "%d/%d" % (real["reads"], real["writes"]), real["invocations"], real["chain"], real["scale"],
                         ratio(real["wall"]["median"], real["chain"])))
    if results.get("series"):
        lines.append("")
        head = "%-18s | %-20s %-10s %-9s | %-20s %-10s %-9s" % (
            "scaling", "cold wall", "cold cpu", "calls r/w", "no-op wall", "no-op cpu", "calls r/w")
        lines.append(head)
        lines.append("-" * len(head))
        for name in ("envs", "azs", "tiers"):
            for label, point in results["series"].get(name, []):
                c, i = point["cold"], point["idempotent"]
                lines.append("%-18s | %-20s %-10.2f %-9s | %-20s %-10.2f %-9s" % (
                    "%s (%s)" % (label, SERIES_PLAYBOOK[name]), fmt(c["wall"]), c["cpu"]["median"], "%d/%d" % (c["reads"], c["writes"]),
                    fmt(i["wall"]), i["cpu"]["median"], "%d/%d" % (i["reads"], i["writes"])))
    lines.append("")
    for key, what in (("ours_1", "ours, 1 env"), ("ours_3", "ours, 3 envs"), ("per_resource_1", "per-resource, 1 env"),
                      ("per_resource_3", "per-resource, 3 envs")) + tuple(
            (side + key, "%s, %s" % (side.rstrip("_").replace("_", "-"), label))
            for key, _envs, label in SITE_ESTATES for side in ("ours_", "per_resource_")):
        idem = demo.get(key, {}).get("idempotent")
        if idem:
            lines.append("no-op re-run, %s: reads %s; writes %s" % (
                what, ", ".join("%s %d" % kv for kv in idem["read_calls"].items()),
                ", ".join("%s %d" % kv for kv in idem["write_calls"].items()) or "none"))
    for key, _envs, label in SITE_ESTATES:
        lines.extend(role_breakdown(demo.get("ours_" + key, {}), "ours, " + label))
    bd = results.get("breakdown")
    if bd:
        lines.append("")
        lines.append("where the time goes (wall / cpu seconds)")
        lines.append("  python start                         %5.2f / %5.2f" % (bd["python_start"]["wall"], bd["python_start"]["cpu"]))
        lines.append("  ansible-playbook, empty play         %5.2f / %5.2f" % (bd["empty_play"]["wall"], bd["empty_play"]["cpu"]))
        lines.append("  + one trivial module task (ping)     %5.2f / %5.2f" % (
            bd["one_trivial_module"]["wall"] - bd["empty_play"]["wall"], bd["one_trivial_module"]["cpu"] - bd["empty_play"]["cpu"]))
        for key, value in bd["in_process"].items():
            lines.append("  in a module: %-24s %5.2f / %5.2f" % (key, value["wall"], value["cpu"]))
        per = bd.get("per_invocation")
        if per:
            for key, value in per.items():
                lines.append("  %-37s %5.2f / %5.2f" % (key, value["wall"], value["cpu"]))
    for failure in results.get("failures", []):
        lines.append("retried after a failure: %s" % failure)
    lines.append("")
    lines.append("targets")
    for t in results["targets"]:
        lines.append("  [%s] %-58s %-12s %s" % ("met" if t["met"] else "MISSED", t["target"], t["value"], t["limit"]))
    return "\n".join(lines)


def role_breakdown(estate, label, shown=14):
    """Seconds per role (a task outside a role counts under its action), each phase, most first."""
    phases = [p for p in ("cold", "idempotent", "check") if estate.get(p, {}).get("roles")]
    if not phases:
        return []
    seconds = dict((p, estate[p]["roles"]) for p in phases)
    order = sorted(seconds[phases[-1] if "idempotent" not in phases else "idempotent"].items(), key=lambda kv: -kv[1])
    lines = ["", "where the time of %s goes, per role (median seconds; tasks outside a role by action)" % label,
             "  %-28s %s" % ("role", " ".join("%9s" % p for p in phases))]
    for name, _secs in order[:shown]:
        lines.append("  %-28s %s" % (name, " ".join("%9.2f" % seconds[p].get(name, 0.0) for p in phases)))
    rest = order[shown:]
    if rest:
        lines.append("  %-28s %s" % ("(%d others)" % len(rest), " ".join(
            "%9.2f" % sum(seconds[p].get(n, 0.0) for n, _seconds in rest) for p in phases)))
    lines.append("  %-28s %s" % ("total", " ".join("%9.2f" % sum(seconds[p].values()) for p in phases)))
    return lines


def per_invocation(results):
    """Cost of one module invocation, each side: (no-op run - empty play) / invocations."""
    bd, demo = results.get("breakdown"), results["demo"]
    if not bd:
        return None
    out = {}
    for key, label in (("ours_1", "ours, per module invocation"), ("per_resource_1", "amazon.aws, per invocation")):
        idem = demo.get(key, {}).get("idempotent")
        if idem and idem["invocations"]:
            out[label] = dict((k, round((idem[k]["median"] - bd["empty_play"][k]) / idem["invocations"], 3))
                              for k in ("wall", "cpu"))
    return out


def measure_series(ws, runs, failures):
    """The scaling series, every point once per run (interleaved, like the estates).

    Returns ({series: [(label, summary)]}, {phase: [3 envs / 1 env wall, one ratio per run]}).
    """
    points = [(name, label, [ws.generated_inventory("%s-%s" % (name, label.replace(" ", "")), i, azs, slots, tiers,
                                                    site=SERIES_PLAYBOOK[name] == "site.yml")
                             for i in range(count)])
              for name, entries in SERIES.items() for label, (count, azs, slots, tiers) in entries]
    got = {}
    for run in range(runs):
        for name, label, invs in points:
            for phase, measured in sequence(ws, "%s: %s" % (name, label), os.path.join(PLAYBOOKS, SERIES_PLAYBOOK[name]),
                                            invs, ("cold", "idempotent"), failures).items():
                got.setdefault((name, label), {}).setdefault(phase, []).append(measured)
    series = {}
    for name, label, _invs in points:
        series.setdefault(name, []).append((label, dict((p, summarise(s)) for p, s in got[(name, label)].items())))
    one, three = got[("envs", "1 env")], got[("envs", "3 envs")]
    ratios = dict((phase, [ratio(t["wall"], o["wall"]) for o, t in zip(one[phase], three[phase])])
                  for phase in ("cold", "idempotent"))
    return series, ratios


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median, min, max)")
    parser.add_argument("--quick", action="store_true", help="one run, no scaling series (CI: does it work)")
    parser.add_argument("--no-series", action="store_true", help="skip the scaling series")
    parser.add_argument("--env", default="production", choices=DEMO_ENVS, help="the one-environment case")
    parser.add_argument("--only", action="append",
                        choices=["ours_1", "per_resource_1", "ours_3", "ours_3_process", "per_resource_3", "ours_site_3",
                                 "per_resource_site_3", "ours_site_single", "per_resource_site_single"],
                        help="measure only these estates (repeatable; default all)")
    parser.add_argument("--realistic-scale", type=float, default=REALISTIC_SCALE,
                        help="AWS's pending times are divided by this in the realistic row (0: no realistic row)")
    parser.add_argument("--output", default=os.path.join(ROOT, "build", "bench", "results.json"))
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    series = not (args.quick or args.no_series)

    results = {"runs": runs, "one_env": args.env, "demo": {}, "series": {}, "failures": [],
               "machine": {"cpus": os.cpu_count(), "load": list(os.getloadavg()[:1])}}
    work = tempfile.mkdtemp(prefix="refarch-bench-")
    try:
        ws = Workspace(work)
        network = ws.network_playbook()
        estates = []
        for n, envs in (("1", [args.env]), ("3", list(DEMO_ENVS))):
            invs = [ws.demo_inventory(e) for e in envs]
            estates.append(("ours_" + n, "ours, %s env(s)" % n, network, invs, ("cold", "idempotent", "check")))
            estates.append(("per_resource_" + n, "per-resource, %s env(s)" % n,
                            ws.per_resource_playbook(invs, n), invs, ("cold", "idempotent")))
        # the same estate with every module in its own process, as without plugins/action
        estates.append(("ours_3_process", "ours, 3 env(s), module processes", ws.network_playbook(in_worker=False),
                        [ws.demo_inventory(e) for e in DEMO_ENVS], ("cold", "idempotent")))
        # the whole site.yml against the per-resource playbook of all its concerns
        site = os.path.join(PLAYBOOKS, "site.yml")
        for key, _envs, label in SITE_ESTATES:
            invs = [ws.site_inventory(rel) for rel in SITE_INVENTORIES[key]]
            estates.append(("ours_" + key, "ours, " + label, site, invs, ("cold", "idempotent", "check")))
            estates.append(("per_resource_" + key, "per-resource, " + label.replace("site.yml", "site"),
                            ws.per_resource_playbook(invs, key, site=True), invs, ("cold", "idempotent")))
        estates = [e for e in estates if not args.only or e[0] in args.only]
        samples = dict((estate[0], {}) for estate in estates)
        for run in range(runs):
            print("run %d/%d" % (run + 1, runs), flush=True)
            # interleaved, so load changes hit both sides of every ratio alike
            for key, label, playbook, invs, phases in estates:
                for phase, measured in sequence(ws, label, playbook, invs, alternated(phases, run), results["failures"]).items():
                    samples[key].setdefault(phase, []).append(measured)
            if args.realistic_scale and not args.only:
                samples.setdefault("realistic", []).append(realistic_cold(
                    ws, network, [ws.demo_inventory(e) for e in DEMO_ENVS], args.realistic_scale, results["failures"]))
        # check and idempotent of one run measure the same built estate one after the other: the
        # median of their ratios run by run is what load drift across runs cannot bend
        results["check_ratios"] = dict(
            (key, [c["wall"] / i["wall"] for c, i in zip(phases["check"], phases["idempotent"])])
            for key, phases in samples.items()
            if key != "realistic" and phases.get("check") and len(phases["check"]) == len(phases.get("idempotent", ())))
        realistic_samples = samples.pop("realistic", None)
        if realistic_samples:
            results["realistic"] = dict(summarise(realistic_samples), scale=args.realistic_scale,
                                        chain=realistic_samples[0]["chain"])
        for key, phases in samples.items():
            results["demo"][key] = dict((phase, summarise(s)) for phase, s in phases.items())
        if "ours_1" in samples:
            results["nats_created_before_wait"] = nats_before_wait(samples["ours_1"]["cold"][0]["sequence"])
        if series:
            results["series"], results["envs_ratios"] = measure_series(ws, runs, results["failures"])
        results["breakdown"] = breakdown(ws)
        results["breakdown"]["per_invocation"] = per_invocation(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load"].append(os.getloadavg()[0])
    results["sleep_scan"] = sleep_scan()
    results["targets"] = evaluate(results)
    text = table(results)
    print()
    print(text)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    print("\nfigures written to %s" % os.path.relpath(args.output, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
