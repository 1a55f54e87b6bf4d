# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""refarch.network.environment_lock: the lock is held in the name of the ansible-playbook run.

Every task runs in a worker process that ansible-playbook forked, so the run's identity is the
worker's parent: its host, pid and start time are the same in every task of the run (and so in
the seven playbooks of site.yml), and differ between two runs. It is passed to the module as
``run`` unless the task gives one. The module itself runs in the task's worker when that gives
the same result (plugin_utils/in_worker.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os
import time

from ansible_collections.refarch.network.plugins.module_utils.lock import DEFAULT_TTL, process_identity
from ansible_collections.refarch.network.plugins.plugin_utils.in_worker import InWorkerAction, preload

preload("ssm")


def playbook_pid():
    """The ansible-playbook process: the worker's parent (this process outside a worker)."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


class ActionModule(InWorkerAction):

    def run(self, tmp=None, task_vars=None):
        if not self._task.args.get("run"):
            self._task.args = dict(self._task.args, run=process_identity(playbook_pid()))
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        if args.get("state", "held") == "held" and not result.get("failed") and not result.get("skipped"):
            result["held"] = dict(operation=args.get("operation") or "converge",
                                  refresh_by=time.time() + int(args.get("ttl") or DEFAULT_TTL) / 4.0)
        return result
