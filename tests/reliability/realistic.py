# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section: the whole estate built cold through AWS as it behaves, not as the emulator does.

The realistic proxy (tools/aws_realism.py) makes new ids answer NotFound and hides them from
filtered Describes for ``notfound_window`` seconds, keeps NAT gateways, transit gateways,
attachments, endpoints and instances pending for ``pending_window`` seconds, refuses a new
instance profile, and optionally injects faults (lost replies included). Through it: accounts,
the three environments, their EKS IRSA side and the single-VPC layout are built from nothing.
Then, through a plain recording proxy, a re-run must write nothing and report changed=0; the
state must hold no duplicate; destroy.yml, through the realistic proxy again (a deleting NAT
gateway or a shutting-down instance holds what it used), must leave no owned resource.
"""

import os
import subprocess
import sys
import threading

import state
from harness import ROOT, AwsProxy, changed_count, log_tail, new_emulator, playbook_env, run_playbook

sys.path.insert(0, os.path.join(ROOT, "tools"))
from aws_realism import Realism  # noqa: E402  (tools/ is not a package)

SINGLE = ["-i", os.path.join(ROOT, "inventories", "single_vpc", "production"),
          "-i", os.path.join(ROOT, "inventories", "single_vpc", "staging")]
ENVIRONMENTS = ("management", "development", "production")


def _play(playbook, endpoint, log_name, inventories=None, extra_vars=None):
    rc, seconds = run_playbook(playbook, endpoint, log_name, inventories=inventories, extra_vars=extra_vars)
    if rc:
        raise RuntimeError("%s failed (rc=%s), see build/reliability/%s:\n%s" % (playbook, rc, log_name, log_tail(log_name)))
    return seconds


def build(endpoint, tag, emulator_url):
    """accounts, site, EKS IRSA (plugins rendered) for the three environments, then the single VPC."""
    seconds = {}
    seconds["accounts"] = _play("accounts.yml", endpoint, "%s-accounts.log" % tag)
    seconds["site"] = _play("site.yml", endpoint, "%s-site.log" % tag)
    # the clusters are not ours (eksctl makes them): their records go straight to the emulator
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "eks_demo_clusters.py")] + list(ENVIRONMENTS),
                   env=playbook_env(emulator_url), check=True, cwd=ROOT, capture_output=True)
    seconds["eks_plugins"] = _play("eks_plugins.yml", endpoint, "%s-eks.log" % tag,
                                   extra_vars={"eks_plugins_mode": "render"})
    seconds["single_vpc"] = _play("site.yml", endpoint, "%s-single.log" % tag, inventories=SINGLE)
    return seconds


def run(emu, rate=0.0, seed=10, realism=None):
    """Returns figures and ``problems`` (empty when every target holds)."""
    realism = realism or Realism()
    tag = "realistic-faults%d" % int(rate * 100) if rate else "realistic"
    emu.reset()
    with AwsProxy(emu.port, fault_rate=rate, seed=seed, realism=realism) as proxy:
        seconds = build(proxy.url, tag, emu.url)
        hits = dict(proxy.realism_hits)
        faults = sum(1 for _a, _w, f in proxy.requests if f and f != "refused")
    problems = []
    if not (hits.get("notfound") or hits.get("hidden")) or not hits.get("pending"):
        problems.append("the proxy reproduced nothing (%s): the test proves nothing" % hits)
    with AwsProxy(emu.port) as plain:
        _play("site.yml", plain.url, "%s-rerun.log" % tag)
        _play("site.yml", plain.url, "%s-rerun-single.log" % tag, inventories=SINGLE)
        writes = plain.estate_writes()
    changed = changed_count("%s-rerun.log" % tag) + changed_count("%s-rerun-single.log" % tag)
    if writes or changed:
        problems.append("re-run after the realistic build: changed=%d, writes %s" % (changed, writes[:10]))
    built = state.snapshot(emu.url)
    duplicates = state.duplicates(built)
    if duplicates:
        problems.append("duplicates: %s" % duplicates)
    # the teardown through AWS as it behaves too: a deleting NAT gateway or a shutting-down instance holds
    # what it used (its address, groups, subnet, VPC)
    with AwsProxy(emu.port, fault_rate=rate, seed=seed + 1, realism=realism) as proxy:
        _play("destroy.yml", proxy.url, "%s-destroy.log" % tag, extra_vars={"refarch_state": "absent"})
        _play("destroy.yml", proxy.url, "%s-destroy-single.log" % tag, inventories=SINGLE,
              extra_vars={"refarch_state": "absent"})
        teardown_hits = dict(proxy.realism_hits)
    if not teardown_hits.get("deleting"):
        problems.append("the teardown saw no deleting NAT gateway (%s): it proves nothing" % teardown_hits)
    orphans = state.orphans(state.snapshot(emu.url))
    if orphans:
        problems.append("owned resources left after destroy: %s" % orphans[:20])
    return dict(rate=rate, seconds=seconds, realism_hits=hits, teardown_hits=teardown_hits, faults=faults,
                rerun_writes=len(writes), rerun_changed=changed, duplicates=len(duplicates), orphans=len(orphans),
                problems=problems)


def run_each(rates, seed=10):
    """One build per rate, side by side, each on an emulator of its own: the builds spend most
    of their time waiting out AWS's pending windows, so two share the machine's two cores."""
    results = [None] * len(rates)

    def one(i, rate):
        emu = new_emulator()
        try:
            results[i] = run(emu, rate=rate, seed=seed)
        except Exception as e:  # reported as the section's problem, the other build goes on  # pylint: disable=broad-except
            results[i] = dict(rate=rate, seconds={}, realism_hits={}, teardown_hits={}, faults=0, rerun_writes=0, rerun_changed=0,
                              duplicates=0, orphans=0, problems=["%s: %s" % (type(e).__name__, e)])
        finally:
            emu.stop()

    threads = [threading.Thread(target=one, args=(i, rate)) for i, rate in enumerate(rates)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main(argv):
    """``realistic.py RATE [RATE...] --seed N --json FILE``: the builds side by side, their figures to FILE.
    tools/reliability.py runs this in a process of its own beside its other sections."""
    import argparse
    import json
    parser = argparse.ArgumentParser()
    parser.add_argument("rates", nargs="+", type=float)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    with open(args.json, "w") as f:
        json.dump(run_each(args.rates, args.seed), f, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
