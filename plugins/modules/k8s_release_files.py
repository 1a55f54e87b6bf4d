#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import file_set
from ansible_collections.refarch.network.plugins.module_utils.engine import Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    files=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def render(module):
    path = module.params["path"]
    wanted = dict((name, content or None) for name, content in module.params["files"].items())
    bad = sorted(name for name in wanted if not name or "/" in name or name in (".", ".."))
    if bad:
        raise InputError("files", "%s is not a file name inside path" % ", ".join(repr(n) for n in bad))
    exists, have = file_set.read(path, wanted)
    actions = file_set.diff(path, exists, have, wanted, present=module.params["state"] == "present")
    execute(module, actions, file_set.HANDLERS, Run())
    return converged(module, actions, diff=lambda: file_set.file_diffs(actions))


def main():
    module, ok, result = run_module("k8s_release_files", render, ARGUMENT_SPEC, aws=False)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
