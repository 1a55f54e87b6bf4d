#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.engine import Refused, prerequisite_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.network_facts import combine
from ansible_collections.refarch.network.plugins.module_utils.reachability import check_intents

INTENT_SPEC = {
    "name": dict(type="str"),
    "from": dict(type="raw", required=True),
    "to": dict(type="raw", required=True),
    "protocol": dict(type="str", default="tcp", choices=["tcp", "udp", "icmp", "all"]),
    "port": dict(type="int"),
    "expect": dict(type="str", default="allow", choices=["allow", "deny"]),
}


ARGUMENT_SPEC = dict(
    facts=dict(type="raw", required=True),
    intents=dict(type="list", elements="dict", required=True, options=INTENT_SPEC),
    unverifiable=dict(type="str", default="warn", choices=["warn", "fail", "ignore"]),
)


def verify(module):
    try:
        combined = combine(module.params["facts"])
    except ValueError as e:
        raise Refused(str(e))
    results = check_intents(combined, module.params["intents"])
    violations = [r["message"] for r in results if r["status"] == "violated"]
    unverifiable = [r["message"] for r in results if r["status"] == "unverifiable"]
    counts = dict((s, sum(1 for r in results if r["status"] == s)) for s in ("pass", "violated", "unverifiable"))
    out = dict(changed=False, results=results, violations=violations, unverifiable=unverifiable, counts=counts,
               actions=[])
    mode = module.params["unverifiable"]
    if mode == "warn":
        for message in unverifiable:
            module.warn(message)
    failing = violations + (unverifiable if mode == "fail" else [])
    if not counts["pass"] + counts["violated"]:
        nothing = ("no intent could be verified (%d of %d unverifiable): this check proves nothing about the network; "
                   "give intents that name its tiers, groups or endpoints" % (len(unverifiable), len(results)))
        prerequisite_missing(module, Refused(nothing, **out), warn=True)
    if failing:
        raise Refused("%d of %d intents do not hold:\n- %s" % (len(failing), len(results), "\n- ".join(failing)), **out)
    return out


def main():
    module, ok, result = run_module("network_verify", verify, ARGUMENT_SPEC, aws=False)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
