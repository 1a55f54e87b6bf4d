"""Shared test plumbing: the collection on sys.path, the emulator, and in-process module runs.

Module tests run the real module code in this process (``run_module``) against the real
emulator over HTTP; nothing in boto3 is stubbed.
"""

import importlib
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "refarch", "network")
if not os.path.exists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink("../../..", LINK)
sys.path.insert(0, COLLECTIONS)
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from emulator import Emulator  # noqa: E402

# Playbooks run by tests write their run report here, not over the demo's build/report.html.
os.environ.setdefault("REFARCH_REPORT", os.path.join(ROOT, "tests", "output", "report", "report.html"))


@pytest.fixture(scope="session")
def emulator():
    emu = Emulator().start()
    saved = dict(os.environ)
    os.environ.update(emu.env())
    try:
        yield emu
    finally:
        emu.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def kube_apiserver():
    """A real etcd + kube-apiserver on 127.0.0.1 (tools/kube_apiserver.py); ``.kubeconfig`` reaches it as admin.

    Its binaries come from ``make tools-kube``, which ``make test`` runs first."""
    from kube_apiserver import KubeApiServer

    with KubeApiServer() as kube:
        yield kube


@pytest.fixture
def aws(emulator):
    """A clean emulator for one test."""
    emulator.reset()
    return emulator


class ModuleResult(dict):
    @property
    def failed(self):
        return bool(self.get("failed"))

    @property
    def warning_texts(self):
        """The warnings' texts (ansible-core 2.19+ gives each as a structured summary)."""
        return [w["event"]["msg"] if isinstance(w, dict) else w for w in self.get("warnings", [])]


def run_module(name, args, check_mode=False, diff=False):
    """Run refarch.network.<name> in-process, as the collection's action runs it in a worker."""
    from ansible.module_utils import basic
    from ansible_collections.refarch.network.plugins.plugin_utils.in_worker import run_main

    mod = importlib.import_module("ansible_collections.refarch.network.plugins.modules.%s" % name)
    full = dict(args)
    full["_ansible_check_mode"] = check_mode
    full["_ansible_diff"] = diff
    if hasattr(basic.AnsibleModule, "_record_module_result"):
        output, stderr = run_main(mod, full)
    else:   # ansible-core before 2.19.1 (make test-oldest): the result is what the module prints
        output, stderr = run_printing(mod, full)
    assert output is not None, "%s exited without a result: %s" % (name, stderr)
    return ModuleResult(json.loads(output))


def run_printing(module, args):
    """``module.main()`` in-process on an ansible-core without the result hook: (printed JSON or None, stderr)."""
    import contextlib
    import io

    from ansible.module_utils import basic
    from ansible.module_utils.common import warnings

    warnings._global_warnings.clear()
    warnings._global_deprecations.clear()
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                module.main()
            except SystemExit:
                pass
    finally:
        basic._ANSIBLE_ARGS = saved
    lines = [line for line in stdout.getvalue().splitlines() if line.startswith("{")]
    return (lines[-1] if lines else None), stderr.getvalue()


@pytest.fixture
def module():
    return run_module
