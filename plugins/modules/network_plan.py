#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.engine import run_module
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network


ARGUMENT_SPEC = dict(
    cidr=dict(type="str", required=True),
    azs=dict(type="list", elements="str", required=True),
    az_slots=dict(type="int", default=4),
    tiers=dict(type="list", elements="dict", required=True),
    nat_mode=dict(type="str", default="single", choices=["none", "single", "per_az"]),
    required_prefix=dict(type="int"),
)


def plan(module):
    return dict(changed=False, plan=plan_network(dict((k, v) for k, v in module.params.items() if v is not None)))


def main():
    module, ok, result = run_module("network_plan", plan, ARGUMENT_SPEC, aws=False)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
