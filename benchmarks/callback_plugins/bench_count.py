# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_count
type: aggregate
short_description: Count module invocations for benchmarks/bench.py
description:
  - Counts the module invocations of a run (one per host and loop item that ran a module;
    controller-only actions such as set_fact or debug are not modules) and the changed ones,
    and the seconds spent in each role (a task outside a role counts under its action), from a
    task's start to the next one's, and writes them as JSON to the file named by E(BENCH_COUNT_FILE).
author:
  - refarch.network developers (@refarch)
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

# Actions that run on the controller only: they start no module process.
CONTROLLER_ONLY = frozenset((
    "set_fact", "debug", "assert", "fail", "meta", "validate_argument_spec", "set_stats", "add_host",
    "group_by", "pause", "include_role", "import_role", "include_tasks", "import_tasks", "include_vars",
))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.by_action = {}
        self.changed = 0
        self.failed = 0
        self.seconds = {}
        self.current = None

    def _close(self):
        """Charge the time since the current task started to its role (or its action)."""
        if self.current:
            label, start = self.current
            self.seconds[label] = self.seconds.get(label, 0.0) + time.monotonic() - start
        self.current = None

    def _start(self, task):
        self._close()
        role = task._role.get_name(include_role_fqcn=False) if task._role else None
        self.current = (role or (task.action or "").split(".")[-1], time.monotonic())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_playbook_on_play_start(self, play):
        self._close()

    def _record(self, result, failed=False):
        action = result._task.action or ""
        if action.split(".")[-1] in CONTROLLER_ONLY:
            return
        res = result._result
        items = res["results"] if isinstance(res.get("results"), list) else [res]
        ran = [i for i in items if isinstance(i, dict) and not i.get("skipped")]
        self.by_action[action] = self.by_action.get(action, 0) + len(ran)
        self.changed += sum(1 for i in ran if i.get("changed"))
        self.failed += int(failed)

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("BENCH_COUNT_FILE")
        if not path:
            return
        with open(path, "w") as f:
            json.dump(dict(invocations=sum(self.by_action.values()), by_action=self.by_action,
                           changed=self.changed, failed=self.failed,
                           seconds=dict((k, round(v, 3)) for k, v in self.seconds.items())), f)
