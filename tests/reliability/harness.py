# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the real playbooks against the emulator, optionally through the fault proxy."""

import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from emulator import FAKE_ENV, Emulator  # noqa: E402  (tools/ is not a package)
# AwsProxy is re-exported for the suite
from aws_proxy import AwsProxy  # noqa: E402,F401  # pylint: disable=unused-import

ENVIRONMENTS = ("management", "development", "production")
INVENTORIES = [arg for env in ENVIRONMENTS for arg in ("-i", os.path.join(ROOT, "inventories", env))]
LOGS = os.environ.get("RELIABILITY_LOGS", os.path.join(ROOT, "build", "reliability"))
# the suite's own boto3 calls (snapshots, foreign resources) use the same fake credentials
for _name, _value in FAKE_ENV.items():
    os.environ.setdefault(_name, _value)


def playbook_env(endpoint):
    env = dict(os.environ)
    env.update(FAKE_ENV)
    env.update(AWS_ENDPOINT_URL=endpoint, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + env.get("PATH", ""),
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default")
    env.pop("AWS_PROFILE", None)
    return env


def start_playbook(playbook, endpoint, log_name, inventories=None, extra_vars=None, flags=()):
    """Start ansible-playbook in its own process group (so SIGKILL reaches its workers)."""
    os.makedirs(LOGS, exist_ok=True)
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook")] + list(inventories or INVENTORIES) + list(flags)
    for key, value in (extra_vars or {}).items():
        cmd += ["-e", "%s=%s" % (key, value)]
    cmd.append(os.path.join(ROOT, "playbooks", playbook))
    log = open(os.path.join(LOGS, log_name), "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=playbook_env(endpoint), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.log_file = log
    return proc


def finish(proc, timeout=1800):
    try:
        return proc.wait(timeout=timeout)
    finally:
        proc.log_file.close()


def run_playbook(playbook, endpoint, log_name, inventories=None, extra_vars=None, timeout=1800, flags=()):
    """Run to completion; returns (rc, seconds)."""
    started = time.monotonic()
    proc = start_playbook(playbook, endpoint, log_name, inventories, extra_vars, flags)
    rc = finish(proc, timeout)
    return rc, time.monotonic() - started


def changed_count(log_name):
    """Sum of changed=N over the PLAY RECAP of a log in LOGS."""
    total = 0
    with open(os.path.join(LOGS, log_name)) as f:
        for line in f:
            if " changed=" in line and "ok=" in line:
                total += int(line.split(" changed=")[1].split()[0])
    return total


def inventories_with_roles(endpoint, work):
    """Copies of the demo inventories with each environment's role already resolved
    (refarch_role_arn), so short runs skip the account lookup; returns -i arguments."""
    import shutil
    import state
    import yaml
    found = state.accounts(endpoint)
    args = []
    for env in ENVIRONMENTS:
        target = os.path.join(work, env)
        shutil.copytree(os.path.join(ROOT, "inventories", env), target)
        account_id = found[env][0]
        with open(os.path.join(target, "host_vars", env, "zz_reliability.yml"), "w") as f:
            yaml.safe_dump({"refarch_role_arn": "arn:aws:iam::%s:role/%s" % (account_id, state.ROLE),
                            "refarch_account_id": account_id}, f)
        args += ["-i", target]
    return args


def _processes(live_only=False):
    """{pid: (parent pid, session id)} from /proc; ``live_only`` leaves zombies out (a killed
    process stays listed until its parent reaps it, and it can do nothing any more)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if live_only and fields[0] in ("Z", "X"):
            continue
        found[int(name)] = (int(fields[1]), int(fields[3]))
    return found


def descendants(table, root):
    """``root`` and every pid below it in ``table`` ({pid: (parent pid, session id)})."""
    tree = {root}
    while True:
        more = set(pid for pid, (ppid, _sid) in table.items() if ppid in tree) - tree
        if not more:
            return tree
        tree |= more


def kill_group(proc):
    """SIGKILL ansible-playbook and every worker and module process it started.

    Ansible's workers call setsid(), so they and their modules leave the playbook's process
    group: the whole tree is found by parent pid, and everything in the sessions it spans is
    killed (again, until none is left: a worker may fork a module meanwhile)."""
    table = _processes()
    tree = descendants(table, proc.pid)
    sessions = set(table[pid][1] for pid in tree if pid in table) - {os.getsid(0)}
    delay = 0.01
    for _attempt in range(10):
        proc.poll()  # reap the playbook itself once it is dead
        victims = [pid for pid, (_ppid, sid) in _processes(live_only=True).items()
                   if (sid in sessions or pid in tree) and pid != os.getpid()]
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(delay)  # let the kernel reap before looking again, backing off
        delay *= 2
    finish(proc)


def log_tail(log_name, lines=40):
    with open(os.path.join(LOGS, log_name)) as f:
        return "".join(f.readlines()[-lines:])


class LoggedEmulator(Emulator):
    """The emulator with its own log kept (build/reliability/moto-<port>.log): an emulator crash
    (an HTML 500 page) must be told apart from a fault of ours. The log goes to this server's
    Popen alone: the realistic section starts emulators while its other build runs playbooks."""

    def start(self, timeout=30.0):
        os.makedirs(LOGS, exist_ok=True)
        self.output = open(os.path.join(LOGS, "moto-%d.log" % self.port), "w")
        return Emulator.start(self, timeout)

    def stop(self):
        Emulator.stop(self)
        self.output.close()


def new_emulator():
    return LoggedEmulator().start()
