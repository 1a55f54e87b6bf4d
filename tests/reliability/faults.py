# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 1: converge the three demo environments through the fault proxy; compare to a clean run.

The clean run and the faulty run start from an empty emulator; the faulty one goes through
AwsProxy answering ``rate`` of the requests with throttling, 500, 503, a dropped connection or
a lost reply (carried out, answer lost). Any difference between the two normalised snapshots
(state.py), or a failed playbook, is a failure.
"""

import collections

import state
from harness import AwsProxy, log_tail, run_playbook


def clean_snapshot(emu, playbook="site.yml"):
    emu.reset()
    rc, seconds = run_playbook(playbook, emu.url, "clean-%s.log" % playbook)
    if rc:
        raise RuntimeError("clean %s failed (rc=%s):\n%s" % (playbook, rc, log_tail("clean-%s.log" % playbook)))
    return state.snapshot(emu.url), seconds


def run(emu, rate=0.2, seed=10, playbook="site.yml", clean=None):
    """Returns a result dict: faults injected by kind, differences, playbook rc and timings."""
    clean_snap, clean_seconds = clean or clean_snapshot(emu, playbook)
    emu.reset()
    with AwsProxy(emu.port, fault_rate=rate, seed=seed) as proxy:
        log_name = "faults-%s-seed%d.log" % (playbook, seed)
        rc, seconds = run_playbook(playbook, proxy.url, log_name)
        injected = collections.Counter(f for _a, _w, f in proxy.requests if f)
        requests = len(proxy.requests)
    faulty = state.snapshot(emu.url)
    differences = state.compare(clean_snap, faulty)
    if rc:
        differences.insert(0, "%s through faults failed (rc=%s):\n%s" % (playbook, rc, log_tail(log_name)))
    return dict(requests=requests, injected=dict(injected), faults=sum(injected.values()), rc=rc,
                differences=differences, clean_seconds=clean_seconds, seconds=seconds,
                duplicates=state.duplicates(faulty), clean_snapshot=clean_snap)


if __name__ == "__main__":
    import sys
    from harness import new_emulator
    emulator = new_emulator()
    try:
        result = run(emulator, rate=float(sys.argv[1]) if len(sys.argv) > 1 else 0.2,
                     seed=int(sys.argv[2]) if len(sys.argv) > 2 else 10)
        for line in result["differences"]:
            print(line)
        print(dict((k, v) for k, v in result.items() if k not in ("differences", "clean_snapshot")))
    finally:
        emulator.stop()
