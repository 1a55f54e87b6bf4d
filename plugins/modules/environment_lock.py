#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: environment_lock
short_description: Hold or release the run lock of one environment, kept in AWS
version_added: 0.1.0
description:
  - One writer at a time per environment - the lock is the SSM String parameter
    C(/refarch/lock/<owner>) in the environment's own account and region (the account the task
    assumes with O(assume_role_arn)). The role C(refarch.network.run_lock) holds it for a whole
    ansible-playbook run; see C(docs/locking.md).
  - O(state=held) takes the lock when it is free, refreshes it when this run already holds it (the
    same run id in every task of a run), and takes it over when its holder's lease expired or its
    holder was a process of this machine that no longer runs. A lock another run holds is waited for up
    to O(wait) seconds, then the task fails naming the holder, its operation, host, start and expiry,
    and how to break the lock.
  - Every write is a compare-and-swap on the parameter's version history, so two runs that take over
    the same expired lock at once cannot both win. Expiry is judged on AWS's clock, not the controller's.
  - O(state=released) gives the lock back when this run holds it; a lock another run holds is left
    alone (and reported). With O(break_run), it releases the lock of that run instead, on purpose
    (C(playbooks/unlock.yml)).
  - The lock is the run's bookkeeping, not a change to the environment - the module reports
    C(changed=false), except when O(break_run) broke a lock.
  - In check mode, as with O(operation=check), nothing is written - the lock is read, another run's is
    waited for or refused, and the result says what a real run would do.
attributes:
  diff_mode:
    support: none
options:
  owner:
    description:
      - The environment (its C(refarch:owner)); the lock is C(/refarch/lock/<owner>). Letters,
        digits, C(.), C(-) and C(_). Required unless O(scope=organization).
    type: str
  scope:
    description:
      - V(environment) - the lock of O(owner).
      - V(organization) - C(/refarch/lock/organization), the lock M(refarch.network.organization_accounts)
        holds around its writes in the organization's management account. Its region is Organizations'
        own in the partition (V(us-east-1) in the commercial one) whatever O(region) says.
    type: str
    choices: [environment, organization]
    default: environment
  state:
    description: V(held) takes or refreshes the lock; V(released) gives it back.
    type: str
    choices: [held, released]
    default: held
  operation:
    description:
      - What the run does, recorded in the lock and shown to any run that finds it held. V(check)
        writes nothing, as in check mode.
    type: str
    choices: [converge, check, destroy]
    default: converge
  ttl:
    description:
      - Seconds the lock stays valid after it is taken or refreshed. A run refreshes it at the start of
        every playbook, so it must outlast the longest playbook; a killed run's lock lasts this long
        (unless it was a process of this machine, detected at once).
    type: int
    default: 3600
  wait:
    description: Seconds to wait for another run's lock before failing; V(0) fails at once.
    type: int
    default: 0
  break_run:
    description:
      - With O(state=released), release the lock held by this run id instead of this run's own (a run
        that died on another machine before its lock expired). A lock held by any other run is left alone.
    type: str
  run:
    description:
      - Who holds the lock - the run's identity (C(id) C(<host>:<pid>:<start>), C(host), C(pid), C(user),
        C(started), and the process's C(boot), C(ns), C(ticks)). The module's action plugin sets it from the
        ansible-playbook process, so every task of one run has the same; set it only to act as another
        process.
    type: dict
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Take or refresh this run's lock on the environment
  refarch.network.environment_lock:
    owner: production
    operation: "{{ 'destroy' if refarch_state | default('present') == 'absent' else 'converge' }}"
    wait: 600
    region: us-east-1
    assume_role_arn: "{{ refarch_role_arn }}"

- name: Give it back at the end of the run
  refarch.network.environment_lock:
    owner: production
    state: released
    region: us-east-1
    assume_role_arn: "{{ refarch_role_arn }}"

- name: Break the lock a dead run left (its run id as the refusal named it)
  refarch.network.environment_lock:
    owner: production
    state: released
    break_run: "ci-runner-7:48213:98765432"
"""

RETURN = r"""
lock:
  description: The lock's SSM parameter.
  returned: always
  type: str
  sample: /refarch/lock/production
action:
  description:
    - What was done - V(acquired), V(refreshed), V(taken over), V(released), V(broken), V(none) (nothing to
      do, or the lock is another run's); in check mode C(would be ...) what a real run would do.
  returned: always
  type: str
  sample: acquired
run:
  description: This run's id, as locks record it.
  returned: always
  type: str
  sample: ctl-01:12345:98765432
holder:
  description: The lock's record after the call (null when free) - C(run), C(operation), C(user), C(host), C(pid),
    C(started), C(expires), C(ttl).
  returned: always
  type: dict
  sample: {"run": "ctl-01:12345:98765432", "operation": "converge", "user": "alice", "host": "ctl-01",
           "pid": 12345, "started": "2025-03-01T10:15:00Z", "expires": "2025-03-01T11:20:00Z", "ttl": 3600}
previous:
  description: The record in force before the call (null when the lock was free); for a takeover, the holder replaced.
  returned: always
  type: dict
reason:
  description: Why a lock was taken over (expired, or its holder's process is gone).
  returned: when the lock was taken over
  type: str
  sample: it expired at 2025-03-01T11:20:00Z
waited:
  description: Seconds spent waiting for another run's lock.
  returned: when O(state=held)
  type: int
held:
  description:
    - This run's hold - C(operation), and C(refresh_by), a quarter of O(ttl) after the call (seconds since the epoch,
      the controller's clock). Added by the action plugin; role run_lock registers it, and a later playbook of the
      same run holds the lock without a call until then (filter P(refarch.network.run_context_due#filter)).
  returned: when O(state=held) and the lock is held (in check mode, would be)
  type: dict
  sample: {"operation": "converge", "refresh_by": 1740824100.5}
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.lock import (
    DEFAULT_TTL, ORGANIZATION, Store, describe, hold, organization_region, parameter_name, process_identity, release)

ARGUMENT_SPEC = dict(
    owner=dict(type="str"),
    scope=dict(type="str", default="environment", choices=["environment", ORGANIZATION]),
    state=dict(type="str", default="held", choices=["held", "released"]),
    operation=dict(type="str", default="converge", choices=["converge", "check", "destroy"]),
    ttl=dict(type="int", default=DEFAULT_TTL),
    wait=dict(type="int", default=0),
    break_run=dict(type="str"),
    run=dict(type="dict"),
)
SHOWN = ("run", "operation", "user", "host", "pid", "started", "expires", "ttl", "state", "released")


def shown(record):
    return dict((k, record[k]) for k in SHOWN if k in record) if record else None


def converge(module):
    p = module.params
    name = parameter_name(p["owner"], p["scope"])
    if p["ttl"] < 60:
        raise InputError("ttl", "must be at least 60 seconds (a lock shorter than a playbook protects nothing)")
    if p["wait"] < 0:
        raise InputError("wait", "must be 0 or more seconds")
    if p["break_run"] and p["state"] != "released":
        raise InputError("break_run", "only with state: released")
    me = p["run"] or process_identity()
    if not me.get("id"):
        raise InputError("run", "needs the run's id")
    connection = Connection(module)
    if p["scope"] == ORGANIZATION:
        region = connection.client("ssm").meta.region_name
        if organization_region(region) != region:
            connection = Connection(module, region=organization_region(region))
    store = Store.for_module(module, connection.client("ssm"), name, p["operation"])

    if p["state"] == "held":
        result = hold(store, me, p["operation"], ttl=p["ttl"], wait=p["wait"])
        if result["action"] == "taken over":
            module.warn("took over %s from %s: %s" % (name, describe(result["previous"]), result["reason"]))
    else:
        result = release(store, me, break_run=p["break_run"])
        other = result["holder"]
        if result["action"] == "none" and other is not None:
            module.warn("%s is held by %s, not by run %s: left alone" % (name, describe(other), p["break_run"] or me["id"]))
    result.update(holder=shown(result["holder"]), previous=shown(result["previous"]), run=me["id"])
    return dict(result, changed=result["action"] == "broken")


def main():
    module, ok, result = run_module("environment_lock", converge, ARGUMENT_SPEC, required_if=[("scope", "environment", ["owner"])])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
