#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.connectivity import execute_named
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, run_module
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import resolve
from ansible_collections.refarch.network.plugins.module_utils.tgw_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.tgw_diff import (
    diff_absent, diff_present, known_ids, placeholders, plan_tgw)
from ansible_collections.refarch.network.plugins.module_utils.tgw_read import read_tgw

ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    name=dict(type="str"),
    amazon_side_asn=dict(type="int"),
    attachments=dict(type="list", elements="dict", default=[], options=dict(
        owner=dict(type="str", required=True),
        vpc_id=dict(type="str"),
        subnet_tier=dict(type="str", default="private"),
        route_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
        peers=dict(type="list", elements="str", default=[]),
    )),
    wait_timeout=dict(type="int", default=900),
)


def converge(module):
    p = module.params
    want = plan_tgw(p)
    ec2 = Connection(module).client("ec2")
    snap = read_tgw(ec2, want["owner"], want["attachments"])
    if p["state"] == "present":
        actions, before, after = diff_present(want, snap)
    else:
        actions, before, after = diff_absent(want, snap)
    run = Run({"ec2": ec2}, ids=Ids(known_ids(snap)), owner=want["owner"])
    made = execute_named(module, actions, HANDLERS, run, placeholders, p["wait_timeout"])
    after = resolve(after, made)
    return converged(module, actions, before, after, texts=[resolve(a.text, made) for a in actions],
                     transit_gateway=after["transit_gateway"] or {}, routes=after["routes"])


def main():
    module, ok, result = run_module("transit_gateway", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
