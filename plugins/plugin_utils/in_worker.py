# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module of this collection inside the task's worker process instead of a new Python.

Every module here talks to an API (AWS, Pritunl) from the controller. Run the usual way, each
invocation builds an AnsiballZ payload, starts a Python, compiles ansible's and our module_utils
from the zip and imports boto3: measured, a no-op vpc_tiers process costs 0.75 s of CPU, of which
0.1 s is its AWS calls. Run here, in the worker Ansible has already forked for the task, the
same module code imports from cached bytecode (``bytecode``), and the items of a loop share one AWS session.
The module is unchanged: it builds its real AnsibleModule from the same arguments
(``_update_module_args`` adds check mode, diff, no_log...) and its result passes through
Ansible's own result parsing. ansible.netcommon does the same for
network modules (its ``import_modules`` option).

An action plugin also calls ``preload`` with the AWS services its module uses. Ansible's
strategy loads the action plugin in the controller before it forks the task's workers, so the
service models (0.14 s of CPU for EC2) are parsed once per run instead of once per worker.
Modules that run once per play (account_info, organization_accounts) gain nothing from it and
do not preload.

It is used only when the result cannot differ: a local connection, no become, no async, no
``environment:``, and the task's Python is the controller's own (``ansible_python_interpreter:
"{{ ansible_playbook_python }}"``, as our inventories set it). Otherwise, or with
``refarch_in_worker: false``, the module runs the usual way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import gc
import importlib
import inspect
import io
import json
import multiprocessing
import os
import sys

from ansible.module_utils import basic
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

from ansible_collections.refarch.network.plugins.plugin_utils import bytecode

try:  # ansible-core before 2.21; later, the parsed result cleans itself (UnifiedTaskResult)
    from ansible.vars.clean import remove_internal_keys
except ImportError:
    remove_internal_keys = None

display = Display()

# the serialization profile of modules without their own (all of ours)
PROFILE = "legacy"


FILTERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "filter")
_WARM = []


def load_filters():
    """Load this collection's filter plugins.

    Each worker that templates one of our filters (``known_vpcs`` in every AWS task of site.yml)
    otherwise finds and imports the plugin file itself, and loses it when it exits: measured,
    0.13 to 0.17 s of a worker's CPU; with the plugin loaded before the fork, 0.02 s.
    """
    from ansible.plugins.loader import filter_loader
    for name in sorted(os.listdir(FILTERS)) if os.path.isdir(FILTERS) else []:
        if name.endswith(".py") and not name.startswith("_"):
            filter_loader.get("refarch.network." + name[:-3])


def index_modules():
    """Let ``inspect`` map the controller's loaded modules to their files, once, before it forks.

    A looped task whose list is empty ends in ansible-core (2.21) with a deprecated value whose
    deprecator is found by walking the stack (``inspect.stack()``); that maps every loaded module
    to its file, with a ``realpath`` each, in every worker that meets such a task: measured,
    0.10 to 0.21 s of a worker's CPU. Workers inherit this index from the controller and add only
    the modules they load themselves."""
    if multiprocessing.parent_process() is None:
        inspect.getmodule(compile("", "<refarch.network: index the loaded modules>", "exec"))


def warm():
    """In the controller, once: cache our files' bytecode (``bytecode.install``), load our filters,
    index the loaded modules (``index_modules``), then ``gc.freeze()`` as ``preload`` does; every
    worker forked later inherits them. In a worker (a controller that never warmed), nothing.

    Importing our modules there too (boto3 and every module_util) made the run slower: measured
    on the demo's no-op site.yml, 10.8 s against 9.2 s (medians of 8, interleaved, a loaded
    machine): every fork of a larger controller costs more than the imports it spares."""
    if _WARM or multiprocessing.parent_process() is not None:
        return
    _WARM.append(True)
    bytecode.install()
    try:
        load_filters()
    except Exception as e:  # pylint: disable=broad-except  # only a speed-up: the workers load what they need
        display.vvv("refarch.network filters not loaded ahead: %s" % e)
    index_modules()
    gc.freeze()


def preload(*services):
    """Import the AWS side of our modules and parse these services' models in the controller.

    Then ``gc.freeze()``, as Python's documentation advises before fork() without exec(): the
    workers' garbage collections no longer walk (and so copy) the parsed models. Measured, without
    it a one-environment run was 0.1 s slower with the preload than without.
    """
    try:
        from ansible_collections.refarch.network.plugins.module_utils import aws
    except ImportError:  # no amazon.aws on the controller: the module processes bring their own
        return
    parsed = aws.preload(services)
    index_modules()  # the modules this plugin and the clients imported
    if parsed:
        gc.freeze()


class InWorkerAction(NormalAction):
    """The action of every module of this collection (see this file's docstring)."""

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        reason = self._why_not_in_worker(task_vars)
        if reason:
            display.vvv("%s in a module process: %s" % (self._task.action, reason), host=self._play_context.remote_addr)
            return super(InWorkerAction, self).run(tmp, task_vars)
        display.vvv("%s in the task's worker" % self._task.action, host=self._play_context.remote_addr)
        result = ActionBase.run(self, tmp, task_vars)  # the checks every action makes (check mode...)
        result.update(self._run_in_worker(task_vars))
        return result

    def _why_not_in_worker(self, task_vars):
        """Why a module process could give another result than this worker, or None."""
        if not boolean(self._templar.template(task_vars.get("refarch_in_worker", True)), strict=False):
            return "refarch_in_worker is false"
        if self._connection.transport != "local":
            return "the connection is %s, not local" % self._connection.transport
        if self._task.async_val:
            return "async"
        if self._play_context.become:
            return "become"
        if self._compute_environment_string():
            return "the task sets environment variables"
        if not hasattr(basic.AnsibleModule, "_record_module_result"):
            return "ansible-core before 2.19.1 has no module result hook"
        host_vars = task_vars
        if self._task.delegate_to:  # the Python of the host the task is delegated to
            host_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, {})
        interpreter = self._templar.template(host_vars.get("ansible_python_interpreter"))
        if not interpreter or os.path.realpath(interpreter) != os.path.realpath(sys.executable):
            return "ansible_python_interpreter is not the controller's Python (%s)" % sys.executable
        return None

    def _run_in_worker(self, task_vars):
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(
            self._task.action, collection_list=self._task.collections)
        module = importlib.import_module(context.plugin_resolved_name)
        args = dict(self._task.args)
        self._update_module_args(self._task.action, args, task_vars)
        output, stderr = run_main(module, args)
        if output is None:
            return {"failed": True, "msg": "%s exited without a result" % self._task.action,
                    "module_stderr": stderr}
        data = self._parse_returned_data({"stdout": output, "stderr": stderr, "rc": 0}, PROFILE)
        if remove_internal_keys is None:   # ansible-core 2.21+: as ActionBase._execute_module finishes
            data.remove_internal_keys()
            return data.as_result_dict(for_round_trip=True)
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data


def run_main(module, args):
    """Run ``module.main()`` with ``args`` as a module process would; (its JSON output or None, stderr).

    The module side of Ansible behaves as outside the controller (``is_controller`` off), so
    warnings go into the result, not to the display. A worker runs every item of a loop, so
    nothing recorded by one run (warnings, arguments) may reach the next.
    """
    from ansible.module_utils import _internal
    from ansible.module_utils.common import json as module_json
    from ansible.module_utils.common import warnings

    def record(_module, result):
        encoder = module_json.get_module_encoder(PROFILE, module_json.Direction.MODULE_TO_CONTROLLER)
        outputs.append(json.dumps(result, cls=encoder))

    outputs = []
    encoder = module_json.get_module_encoder(PROFILE, module_json.Direction.CONTROLLER_TO_MODULE)
    encoded = json.dumps({"ANSIBLE_MODULE_ARGS": args}, cls=encoder).encode()
    warnings._global_warnings.clear()
    warnings._global_deprecations.clear()
    saved = (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, basic.AnsibleModule._record_module_result,
             _internal.is_controller)
    basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = encoded, PROFILE
    basic.AnsibleModule._record_module_result = record
    _internal.is_controller = False
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            try:
                module.main()
            except SystemExit:
                pass
    finally:
        (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, basic.AnsibleModule._record_module_result,
         _internal.is_controller) = saved
    return (outputs[-1] if outputs else None), stderr.getvalue()


warm()  # the controller imports this file before it forks the first of our tasks' workers
