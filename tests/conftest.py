"""Shared test plumbing: the collection on sys.path, the emulator, and in-process module runs.

Module tests run the real module code in this process (``run_module``) against the real
emulator over HTTP; nothing in boto3 is stubbed.
"""

import contextlib
import importlib
import io
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


@pytest.fixture
def aws(emulator):
    """A clean emulator for one test."""
    emulator.reset()
    return emulator


class ModuleResult(dict):
    @property
    def failed(self):
        return bool(self.get("failed"))


def run_module(name, args, check_mode=False, diff=False):
    """Run refarch.network.<name> in-process; return its JSON result."""
    from ansible.module_utils.testing import patch_module_args

    mod = importlib.import_module("ansible_collections.refarch.network.plugins.modules.%s" % name)
    full = dict(args)
    full["_ansible_check_mode"] = check_mode
    full["_ansible_diff"] = diff
    out = io.StringIO()
    # Ansible gathers warnings process-wide; clear them so runs don't leak into each other
    from ansible.module_utils import _internal as module_internal
    from ansible.module_utils.common import warnings as module_warnings
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    # a module runs outside the controller: once a test has imported controller code (the
    # templar), warnings would otherwise go to the display instead of the module's result
    was_controller = module_internal.is_controller
    module_internal.is_controller = False
    try:
        with patch_module_args(full), contextlib.redirect_stdout(out):
            try:
                mod.main()
            except SystemExit:
                pass
    finally:
        module_internal.is_controller = was_controller
    return ModuleResult(json.loads(out.getvalue()))


@pytest.fixture
def module():
    return run_module
