#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Run, converged, execute, on_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.zone_assoc_aws import HANDLERS, read_associations
from ansible_collections.refarch.network.plugins.module_utils.zone_assoc_diff import (
    diff_associations, plan_associations, summarise,
)

ARGUMENT_SPEC = dict(
    owner=dict(type="str", required=True),
    vpc_id=dict(type="str"),
    zones=dict(type="list", elements="dict", default=[], options=dict(
        owner=dict(type="str", required=True), name=dict(type="str"), assume_role_arn=dict(type="str"))),
    recorded_only=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def converge(module):
    plan = plan_associations(module.params)
    snap, clients, warnings = read_associations(plan, Connection(module), lambda **kw: Connection(module, **kw),
                                                on_missing(module))
    actions, before, after = diff_associations(plan, snap)
    execute(module, actions, HANDLERS, Run(clients, owner=plan["owner"]))
    return converged(module, actions, before, after, warnings=warnings, **summarise(plan, snap))


def main():
    module, ok, result = run_module("vpc_zone_associations", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
