#!/usr/bin/env python
"""The reliability and security suite (issue 10): one entry point, one table, non-zero on a miss.

    python tools/reliability.py            # make reliability: >= 100 interruption trials
    python tools/reliability.py --quick    # make test: the same sections, cut to ~3 minutes

Sections (tests/reliability/): the demo environments converged clean (the reference state),
the security baseline over them, the bad-input matrix, foreign resources through converge and
teardown, a converge through 20% injected faults compared with the clean state, the whole
estate built cold through AWS's documented behaviour (realistic proxy, with and without
faults), and interruption trials (SIGKILL, rerun, count duplicates and orphans). Everything runs against
one local emulator started here; logs go to build/reliability/.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "reliability"))

import baseline  # noqa: E402
import bad_inputs  # noqa: E402
import checkov  # noqa: E402
import faults  # noqa: E402
import foreign  # noqa: E402
import interrupt  # noqa: E402
import state  # noqa: E402
from harness import LOGS, ENVIRONMENTS, changed_count, log_tail, new_emulator, run_playbook  # noqa: E402


def log(text):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), text))
    sys.stderr.flush()


def converge(emu, playbook, name, extra_vars=None, inventories=None):
    rc, seconds = run_playbook(playbook, emu.url, name, inventories=inventories, extra_vars=extra_vars)
    if rc:
        raise RuntimeError("%s failed (rc=%s), see build/reliability/%s:\n%s" % (playbook, rc, name, log_tail(name)))
    return seconds


def section_baseline(emu, results):
    """Render the EKS plugins (with the demo clusters' records), then the baseline checks."""
    env = dict(os.environ, AWS_ENDPOINT_URL=emu.url)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "eks_demo_clusters.py")] + list(ENVIRONMENTS),
                   env=env, check=True, cwd=ROOT, capture_output=True)
    converge(emu, "eks_plugins.yml", "eks-plugins.log", {"eks_plugins_mode": "render"})
    found = baseline.run(emu.url, log)
    directories = [os.path.join(ROOT, "build", e, "k8s") for e in ENVIRONMENTS
                   if os.path.isdir(os.path.join(ROOT, "build", e, "k8s"))]
    # checkov in --quick too (installed on first use, about a minute): its fallback knows only a core of its checks
    scan = checkov.run(directories, log)
    results["baseline"] = dict(found, checkov=scan, not_run=baseline.not_run(found["counts"], scan))
    results["baseline"]["findings"] = found["findings"] + scan["findings"]
    if results["baseline"]["not_run"]:
        log("baseline NOT RUN: %s" % "; ".join(results["baseline"]["not_run"]))


def section_foreign(emu, results):
    made = foreign.create(emu.url)
    converge(emu, "site.yml", "foreign-converge.log")
    after_converge = foreign.check(emu.url, made)
    # a teardown of the whole converged state: its duration sizes site.yml teardown trials
    results["destroy_seconds"] = converge(emu, "destroy.yml", "foreign-destroy.log", {"refarch_state": "absent"})
    after_destroy = foreign.check(emu.url, made)
    foreign.remove(emu.url, made)
    # only the environment holding the foreign resources kept anything; orphans are still
    # counted over every account
    converge(emu, "destroy.yml", "foreign-final-destroy.log", {"refarch_state": "absent"},
             inventories=["-i", os.path.join(ROOT, "inventories", foreign.ENV)])
    left = state.orphans(state.snapshot(emu.url))
    touched = sorted(set(after_converge) | set(after_destroy))
    results["foreign"] = dict(count=foreign.COUNT, touched=len(touched), orphans=left,
                              second_run_changed=changed_count("foreign-converge.log"),
                              problems=["after converge: %s" % after_converge] * bool(after_converge) +
                              ["after destroy: %s" % after_destroy] * bool(after_destroy))
    log("foreign: %d of %d touched; %d owned left after the final destroy" % (len(touched), foreign.COUNT, len(left)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--quick", action="store_true", help="the reduced run make test uses")
    parser.add_argument("--trials", type=int, help="vpc.yml interruption trials (default 100, quick 2)")
    parser.add_argument("--site-trials", type=int, help="site.yml interruption trials (default 2, quick 0)")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--fault-runs", type=int, help="converges through faults, one seed each (default 3, quick 1)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("RELIABILITY_SEED", "10")))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    trials = args.trials if args.trials is not None else (2 if args.quick else 100)
    site_trials = args.site_trials if args.site_trials is not None else (0 if args.quick else 2)
    fault_runs = args.fault_runs if args.fault_runs is not None else (1 if args.quick else 3)
    started = time.monotonic()
    results, errors = {}, []
    # a TERM (make interrupted) unwinds through the finally below, so the emulator stops too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    emu = new_emulator()
    log("emulator on %s; logs in %s" % (emu.url, os.path.relpath(LOGS, ROOT)))
    realistic_run = None
    try:
        # 1. the reference: a clean converge of the three environments
        emu.reset()
        t0 = time.monotonic()
        seconds = converge(emu, "site.yml", "clean-site.log")
        clean = state.snapshot(emu.url)
        results["seconds"] = {"reference": round(time.monotonic() - t0)}
        log("clean converge of %s: %.0f s" % (", ".join(ENVIRONMENTS), seconds))
        # the realistic builds have emulators of their own and spend most of their time waiting out AWS's
        # pending windows: they run beside the other sections from here, and are joined in their turn
        realistic_run = Background(lambda: run_realistic((0.0, args.fault_rate), args.seed))
        steps = [
            ("baseline", lambda: section_baseline(emu, results)),
            ("bad inputs", lambda: results.__setitem__("bad_inputs", bad_inputs.run(emu, args.quick, log))),
            ("foreign", lambda: section_foreign(emu, results)),
            ("faults", lambda: results.__setitem__("faults", run_faults(
                emu, args.fault_rate, [args.seed + n for n in range(fault_runs)], (clean, seconds)))),
            ("realistic", lambda: results.__setitem__("realistic", realistic_run.result())),
            ("interruption", lambda: results.__setitem__("interruption", run_interruption(
                emu, trials, site_trials, args.seed, (clean, seconds, results.get("destroy_seconds"))))),
        ]
        for name, step in steps:
            t0 = time.monotonic()
            try:
                step()
            except Exception as e:  # a broken section is reported, the others still run  # pylint: disable=broad-except
                errors.append("%s: %s" % (name, e))
                log("%s FAILED: %s" % (name, e))
            results["seconds"][name] = round(realistic_run.seconds if name == "realistic" else time.monotonic() - t0)
            log("%s done in %.0f s" % (name, results["seconds"][name]))
    finally:
        emu.stop()
        if realistic_run:  # its proxies and emulators stop while the interpreter still runs
            realistic_run.result(wait_only=True)
    results["faults"] = results.get("faults") or {}
    results["faults"].pop("clean_snapshot", None)
    ok = print_table(results, errors, time.monotonic() - started, trials, site_trials, args.quick)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(results=results, errors=errors, ok=ok), f, indent=2, default=str)
    return 0 if ok else 1


def run_realistic(rates, seed):
    """realistic.run_each in a process of its own: the other sections run modules in this one, which
    redirect the process's output while they run."""
    out = os.path.join(LOGS, "realistic-figures.json")
    with open(os.path.join(LOGS, "realistic-section.log"), "w") as log_file:
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "reliability", "realistic.py")]
                       + ["%g" % r for r in rates] + ["--seed", str(seed), "--json", out],
                       stdout=log_file, stderr=subprocess.STDOUT, check=True, cwd=ROOT)
    with open(out) as f:
        return json.load(f)


class Background(object):
    """A section run in a thread of its own from now on; ``result()`` waits for it (and raises its error)."""

    def __init__(self, work):
        self.value, self.error, self.seconds = None, None, 0.0
        self.thread = threading.Thread(target=self._run, args=(work,))
        self.thread.start()

    def _run(self, work):
        t0 = time.monotonic()
        try:
            self.value = work()
        except Exception as e:  # pylint: disable=broad-except
            self.error = e
        self.seconds = time.monotonic() - t0

    def result(self, wait_only=False):
        self.thread.join()
        if self.error and not wait_only:
            raise self.error
        return self.value


def run_faults(emu, rate, seeds, clean):
    """One converge through faults per seed (each from empty), compared with the clean state."""
    total = dict(requests=0, faults=0, injected={}, differences=[], duplicates={}, seeds=seeds, failed_seeds=[])
    for seed in seeds:
        one = faults.run(emu, rate=rate, seed=seed, clean=clean)
        log("faults seed %d: %d faults in %d requests %s, %d differences, rc=%s, %.0f s" % (
            seed, one["faults"], one["requests"], one["injected"], len(one["differences"]), one["rc"], one["seconds"]))
        total["requests"] += one["requests"]
        total["faults"] += one["faults"]
        for kind, n in one["injected"].items():
            total["injected"][kind] = total["injected"].get(kind, 0) + n
        total["differences"] += ["seed %d: %s" % (seed, d) for d in one["differences"]]
        total["duplicates"].update(one["duplicates"])
        if one["differences"]:
            total["failed_seeds"].append(seed)
    return total


def run_interruption(emu, trials, site_trials, seed, site_reference):
    emu.reset()
    converge(emu, "accounts.yml", "interrupt-accounts.log")
    clean, converge_s, teardown_s = site_reference
    reference = (clean, converge_s, teardown_s) if teardown_s else None
    return interrupt.run(emu, trials, site_trials, seed=seed, log=log, site_reference=reference)


def print_table(results, errors, seconds, trials, site_trials, quick=False):
    """The one table; returns True when every target is met."""
    f = results.get("faults", {})
    i = results.get("interruption", {})
    fo = results.get("foreign", {})
    b = results.get("bad_inputs", {})
    base = results.get("baseline", {})
    real = results.get("realistic", [])
    rows = [
        ("realistic AWS: cold estate (0%% / %s faults)" % ("/".join("%d%%" % (r["rate"] * 100) for r in real[1:]) or "-"),
         "; ".join("%s s, hits %s, re-run writes %d, dup %d, teardown hits %d, orphans %d" % (
             sum(r["seconds"].values()) // 1, sum(r["realism_hits"].values()), r["rerun_writes"], r["duplicates"],
             sum(r.get("teardown_hits", {}).values()), r["orphans"]) for r in real) or "-", "all ok", bool(real) and not any(r["problems"] for r in real)),
        ("interruption trials (vpc.yml + site.yml)", "%s (%d + %d), %s kills" % (
            i.get("trials", "-"), trials, site_trials, i.get("kills", "-")),
         ">= %d" % (trials + site_trials), i.get("trials") == trials + site_trials and not i.get("problems")),
        ("faults injected (throttle/500/503/drop/lost reply)", "%s of %s requests %s" % (
            f.get("faults", "-"), f.get("requests", "-"), f.get("injected", "")), "> 0",
         bool(f.get("faults"))),
        ("state differences after faults vs clean run", "%s (seeds failing: %s of %s)" % (
            len(f.get("differences", [])), f.get("failed_seeds"), f.get("seeds")) if f else "-", "0",
         bool(f) and not f.get("differences")),
        ("duplicates (same refarch:key twice)", i.get("duplicates", "-"), "0",
         i.get("duplicates") == 0 and not f.get("duplicates")),
        ("orphans after teardown (refarch:owner left)", "%s" % (i.get("orphans", 0) + len(fo.get("orphans", []))
                                                                if i and fo else "-"), "0",
         bool(i) and bool(fo) and i.get("orphans") == 0 and not fo.get("orphans")),
        ("foreign resources touched", "%s of %s" % (fo.get("touched", "-"), fo.get("count", "-")), "0",
         fo.get("touched") == 0),
        ("bad inputs refused / writes seen", "%s of %s / %s" % (
            b.get("refused", "-"), b.get("cases", "-"), b.get("writes", "-")),
         "all / 0", bool(b) and b.get("refused") == b.get("cases") and b.get("writes") == 0),
        ("baseline findings (state, no_log, %s)" % base.get("checkov", {}).get("tool", "-"),
         "%s (checkov: %s checks run on %s objects)" % (
             len(base.get("findings", [])), base.get("checkov", {}).get("checks", 0),
             base.get("checkov", {}).get("objects", "-")) if base else "-", "0",
         bool(base) and not base.get("findings") and not base.get("not_run")),
    ]
    # a check that checked nothing is not run, whatever its findings
    unrun = {rows[-1][0]} if base.get("not_run") else set()
    width = max(len(r[0]) for r in rows)
    out = ["", "refarch.network reliability (%s, %.0f s)" % ("--quick" if quick else "full", seconds),
           "%-*s  %-40s  %-8s  %s" % (width, "measure", "figure", "target", "result"), "-" * (width + 64)]
    for name, figure, target, met in rows:
        result = "NOT RUN" if name in unrun else "ok" if met else "MISSED"
        out.append("%-*s  %-40s  %-8s  %s" % (width, name, str(figure)[:80], target, result))
    problems = (["not run: %s" % p for p in base.get("not_run", [])] +
                [p for r in real for p in r["problems"]] + i.get("problems", []) + f.get("differences", [])[:20] + fo.get("problems", []) +
                ["orphan: %s" % o for o in fo.get("orphans", [])] + b.get("problems", []) + base.get("findings", []) +
                errors)
    if results.get("seconds"):
        out.append("")
        out.append("seconds per section: %s; per interruption trial: %s" % (
            ", ".join("%s %s" % item for item in results["seconds"].items()), i.get("trial_seconds", "-")))
    if problems:
        out.append("")
        out.append("problems:")
        out.extend("  - " + str(p)[:600] for p in problems)
    print("\n".join(out))
    return all(r[3] for r in rows) and not errors


if __name__ == "__main__":
    sys.exit(main())
