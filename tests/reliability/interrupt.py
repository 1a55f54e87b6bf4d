# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 2: SIGKILL ansible-playbook at random moments, rerun to completion, count damage.

Trials alternate a converge and a teardown, so each starts from the state the previous one
left and costs one killed run plus one complete run: an odd trial kills a converge from empty
and reruns it (then duplicates by refarch:key must be zero, and the state must equal a clean
converge's); an even trial kills the teardown and reruns it (then nothing tagged refarch:owner
may remain). The sequence always ends torn down.
The kill moment is the k-th write request seen by a pass-through proxy (k uniform over a clean
run's writes), or for one trial in four a random time, so it lands anywhere, including
between a request being carried out and its answer being read.
"""

import random
import shutil
import tempfile
import time

import state
from harness import AwsProxy, finish, inventories_with_roles, kill_group, log_tail, run_playbook, start_playbook

# how often the write counter is checked while waiting for the kill moment: a sampling period
# (a backoff would blur the moment), not a wait for a resource
POLL = 0.005


def killed_run(proxy, playbook, extra_vars, rng, window, log_name, inventories=None):
    """Start the playbook, kill it at a random moment; returns what the kill hit.

    ``window`` is (writes, seconds) of a clean run; with no write count the moment is a time."""
    writes_clean, seconds_clean = window
    proxy.clear()
    by_time = rng.random() < 0.25 or not writes_clean
    target_writes = rng.randint(1, max(1, writes_clean))
    target_time = rng.uniform(0.5, max(1.0, 0.9 * seconds_clean))
    started = time.monotonic()
    proc = start_playbook(playbook, proxy.url, log_name, inventories=inventories, extra_vars=extra_vars)
    while proc.poll() is None:
        elapsed = time.monotonic() - started
        if (by_time and elapsed >= target_time) or (not by_time and len(proxy.writes()) >= target_writes):
            kill_group(proc)
            return dict(killed=True, at_writes=len(proxy.writes()), at_seconds=round(elapsed, 2))
        time.sleep(POLL)
    finish(proc)
    return dict(killed=False, at_writes=len(proxy.writes()), at_seconds=round(time.monotonic() - started, 2))


def measure(emu, playbook, extra_vars=None, inventories=None):
    """A clean, uninterrupted run: its writes and duration size the kill window."""
    with AwsProxy(emu.port) as proxy:
        rc, seconds = run_playbook(playbook, proxy.url, "interrupt-measure.log", inventories=inventories,
                                   extra_vars=extra_vars)
        writes = len(proxy.writes())
    if rc:
        raise RuntimeError("%s failed: %s" % (playbook, log_tail("interrupt-measure.log")))
    return writes, seconds


EC2_ONLY = ("ec2",)


def run(emu, trials, site_trials=0, seed=10, log=print, site_reference=None):
    """``trials`` interruption trials of vpc.yml, then ``site_trials`` of site.yml/destroy.yml.

    Expects the accounts to exist and no environment to be built. vpc.yml trials run on copies
    of the inventories with the accounts' roles filled in (the account lookup is not what they
    test) and compare EC2 state only. ``site_reference`` = (snapshot, converge seconds, teardown
    seconds) of a clean site.yml run saves measuring it again. Returns figures and problems.
    """
    rng = random.Random(seed)
    problems, duplicates, orphan_count, kills, seconds = [], 0, 0, 0, {}
    work = tempfile.mkdtemp(prefix="refarch-interrupt-")
    fast = inventories_with_roles(emu.url, work)
    found = state.accounts(emu.url)  # the accounts stay for the whole sequence: enter them once
    setup = {"vpc.yml": dict(inventories=fast, services=EC2_ONLY, teardown="vpc.yml"),
             "site.yml": dict(inventories=None, services=state.ALL_SERVICES, teardown="destroy.yml")}
    windows, clean = {}, {}
    if trials:
        windows["vpc.yml"] = measure(emu, "vpc.yml", inventories=fast)
        clean["vpc.yml"] = state.snapshot(emu.url, EC2_ONLY, found)
        windows["vpc.yml/absent"] = measure(emu, "vpc.yml", {"refarch_state": "absent"}, inventories=fast)
    if site_trials:
        if site_reference:
            clean["site.yml"], converge_s, teardown_s = site_reference
            windows["site.yml"], windows["destroy.yml/absent"] = (0, converge_s), (0, teardown_s)
        else:
            windows["site.yml"] = measure(emu, "site.yml")
            clean["site.yml"] = state.snapshot(emu.url, found=found)
            windows["destroy.yml/absent"] = measure(emu, "destroy.yml", {"refarch_state": "absent"})
    books = ["vpc.yml"] * trials + ["site.yml"] * site_trials
    phases = [(n, books[n - 1], "converge" if n % 2 else "teardown") for n in range(1, len(books) + 1)]
    if phases and phases[-1][2] == "converge":  # always end torn down: orphans are counted then
        phases.append((None, books[-1], "teardown"))
    try:
        with AwsProxy(emu.port) as proxy:
            # a killed client leaves a broken pipe behind each time: expected, not worth a traceback
            proxy.server.handle_error = lambda _request, _address: None
            for number, playbook, phase in phases:
                conf = setup[playbook]
                book = playbook if phase == "converge" else conf["teardown"]
                extra = None if phase == "converge" else {"refarch_state": "absent"}
                window = windows[playbook if phase == "converge" else book + "/absent"]
                hit = "no kill (final teardown)"
                started = time.monotonic()
                if number is not None:
                    hit = killed_run(proxy, book, extra, rng, window, "interrupt-killed.log", conf["inventories"])
                    kills += hit["killed"]
                rc, _s = run_playbook(book, emu.url, "interrupt-rerun.log", inventories=conf["inventories"],
                                      extra_vars=extra)
                if rc:
                    problems.append("trial %s: %s rerun failed after %s: %s" % (
                        number, book, hit, log_tail("interrupt-rerun.log", 25)))
                    # a second rerun tells a stuck state from a passing hiccup; stop only when stuck
                    if run_playbook(book, emu.url, "interrupt-rerun2.log", inventories=conf["inventories"],
                                    extra_vars=extra)[0]:
                        break
                snap = state.snapshot(emu.url, conf["services"], found)
                if phase == "converge":
                    dups = state.duplicates(snap)
                    duplicates += sum(n - 1 for n in dups.values())
                    if dups:
                        problems.append("trial %d: duplicates %s after %s" % (number, dups, hit))
                    diff = state.compare(clean[playbook], snap)
                    if diff:
                        problems.append("trial %d: state differs from a clean converge after %s: %s" % (
                            number, hit, diff[:3]))
                else:
                    left = state.orphans(snap)
                    orphan_count += len(left)
                    if left:
                        problems.append("trial %s: orphans %s after %s" % (number, left, hit))
                if number is not None:  # the final teardown is no trial
                    seconds.setdefault(playbook, []).append(time.monotonic() - started)
                log("interruption trial %s/%d %s %s: %s, %.1f s" % (
                    number, len(books), book, phase, hit, time.monotonic() - started))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dict(trials=len([p for p in phases if p[0] is not None]), kills=kills, duplicates=duplicates,
                orphans=orphan_count, problems=problems,
                trial_seconds=", ".join("%s %.1f mean, %.1f max" % (book, sum(s) / len(s), max(s))
                                        for book, s in seconds.items()))
