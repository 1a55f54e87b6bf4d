#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: network_verify
short_description: Prove reachability intents over network facts, offline
version_added: 0.1.0
description:
  - Checks a list of intents (C(from), C(to), C(protocol), C(port), C(expect)) against the facts
    that M(refarch.network.network_info) returned for one or several environments, by following
    route tables (longest prefix match - local, internet gateway, NAT, peering, transit gateway,
    gateway endpoints), network ACLs (both directions, ordered rules, replies on an ephemeral
    port) and security groups (stateful - source egress and destination ingress), like
    AWS Reachability Analyzer does, but without any AWS call.
  - A tier or subnet endpoint means every subnet of it - an intent holds only if every
    (source subnet, destination subnet) pair has the expected outcome.
  - Fails listing each violated intent with the component that blocks it (for C(expect=allow))
    or the unexpected path (for C(expect=deny)).
  - Intents that name something absent from the facts (an environment not in this run, no VPN)
    are reported as unverifiable, never as passed.
  - A check that verified nothing (every intent unverifiable, or no intent at all) fails whatever
    O(unverifiable) says - it proved nothing about the network. In check mode it only warns - a
    first C(--check) of an estate reads nothing built yet.
options:
  facts:
    description:
      - The C(network_facts) of each environment, as a list or as a dict keyed by environment.
    type: raw
    required: true
  intents:
    description:
      - The intents to check. C({env}) in C(name), C(from) or C(to) repeats the intent for every
        environment present in O(facts).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name shown in the report; defaults to C(from -> to).
        type: str
      from:
        description:
          - Source. V(internet); C(<env>/<tier>) or C(<env>/<tier>/<group>) (without a group,
            security groups at that end are not evaluated); C(<env>/subnet:<key-or-id>);
            C(<env>/sg:<group>) (where the group's interfaces are); C(<env>/vpn) (the VPN instance,
            clients are source-NATed behind it); C(<env>/endpoint:<service-suffix-or-key>).
          - A dict with keys C(env), C(tier), C(subnet), C(group), C(vpn), C(endpoint), C(internet) works too.
        type: raw
        required: true
      to:
        description: Destination, same forms as O(intents[].from).
        type: raw
        required: true
      protocol:
        description: Protocol of the flow.
        type: str
        choices: [tcp, udp, icmp, all]
        default: tcp
      port:
        description: Destination port (required for C(tcp) and C(udp)).
        type: int
      expect:
        description: Expected outcome.
        type: str
        choices: [allow, deny]
        default: allow
  unverifiable:
    description:
      - What to do with unverifiable intents - V(warn) (report and warn), V(fail) (fail like a
        violation) or V(ignore) (report only).
    type: str
    choices: [warn, fail, ignore]
    default: warn
extends_documentation_fragment:
  - refarch.network.common.read_only
"""

EXAMPLES = r"""
- name: Prove the network isolates what it should
  refarch.network.network_verify:
    # each host's refarch.network.network_info result, registered as refarch_network_info
    facts: "{{ ansible_play_hosts | map('extract', hostvars, ['refarch_network_info', 'network_facts']) | list }}"
    intents:
      - {name: "internet reaches the load balancers", from: internet, to: "{env}/public/public_lb", port: 443}
      - {name: "persistence stays private", from: internet, to: "{env}/persistence", port: 5432, expect: deny}
      - {name: "development cannot reach production", from: development/private, to: production/private,
         port: 443, expect: deny}
  run_once: true
"""

RETURN = r"""
results:
  description: One entry per (expanded) intent.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Intent name.
      type: str
    status:
      description: C(pass), C(violated) or C(unverifiable).
      type: str
    outcome:
      description: C(allow), C(deny) or C(mixed) (pairs differ); null when unverifiable.
      type: str
    message:
      description: One line naming the intent and, when violated, the blocking component or the path.
      type: str
      sample: "private reaches the internet (production): expected allow, tcp/443
        production/subnet/private/us-east-1b -> internet is blocked by route-table rtb-0abc
        (production rtb/private/us-east-1b) [forward]: no route to the internet"
    blocked_by:
      description: The blocking component (C(kind), C(id), C(key), C(env), C(direction), C(reason)) or null.
      type: dict
    path:
      description: Hops (C(kind), C(id), C(key), C(env), optional C(note)) of the reported pair.
      type: list
      elements: dict
    pair:
      description: The (from, to) subnets of the pair that violated the intent.
      type: dict
violations:
  description: Messages of the violated intents.
  returned: always
  type: list
  elements: str
unverifiable:
  description: Messages of the unverifiable intents.
  returned: always
  type: list
  elements: str
counts:
  description: Number of intents per status.
  returned: always
  type: dict
  sample: {"pass": 20, "violated": 0, "unverifiable": 1}
actions:
  description: Always empty; this module changes nothing.
  returned: always
  type: list
  elements: str
"""

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
