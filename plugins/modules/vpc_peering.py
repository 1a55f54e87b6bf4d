#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.connectivity import credentials_connection, execute_named
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, on_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.peering_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import (
    deferral, diff_absent, diff_present, known_ids, placeholders, plan_peering, resolve, result_of)
from ansible_collections.refarch.network.plugins.module_utils.peering_read import read_peering

ARGUMENT_SPEC = dict(
    requester_owner=dict(type="str", required=True),
    accepter_owner=dict(type="str", required=True),
    requester_vpc_id=dict(type="str"),
    accepter_vpc_id=dict(type="str"),
    accepter_region=dict(type="str"),
    accepter_assume_role_arn=dict(type="str"),
    accepter_access_key=dict(type="str", no_log=False),
    accepter_secret_key=dict(type="str", no_log=True),
    accepter_session_token=dict(type="str", no_log=True),
    accepter_profile=dict(type="str"),
    requester_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
    accepter_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
    allow_dns_resolution=dict(type="bool", default=False),
    name=dict(type="str"),
    tags=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    absent_side=dict(type="str", choices=["requester", "accepter"]),
    wait_timeout=dict(type="int", default=300),
)


def converge(module):
    p = module.params
    want = plan_peering(p)
    present = p["state"] == "present"
    req_ec2 = Connection(module).client("ec2")
    acc_ec2 = credentials_connection(
        module, p["accepter_assume_role_arn"], p["accepter_region"] or req_ec2.meta.region_name,
        p["accepter_access_key"], p["accepter_secret_key"], p["accepter_session_token"], p["accepter_profile"],
    ).client("ec2")
    want, snap = read_peering(req_ec2, acc_ec2, want, present,
                              dict(requester=p["requester_vpc_id"], accepter=p["accepter_vpc_id"]))
    deferred = deferral(want, snap) if present else None
    if deferred:
        module.warn(deferred)
        return dict(changed=False, actions=[], deferred=[deferred], peering={}, routes={})
    if present:
        # --check on new environments: their VPCs are only planned, so is the link
        actions, before, after = diff_present(want, snap, on_missing(module))
    else:
        actions, before, after = diff_absent(want, snap)
    run = Run({"ec2": req_ec2, "peer_ec2": acc_ec2}, ids=Ids(known_ids(want, snap)), owner=want["owners"]["requester"])
    made = execute_named(module, actions, HANDLERS, run, placeholders(want), p["wait_timeout"])
    after = resolve(after, made)
    return converged(module, actions, before, after, texts=[resolve(a.text, made) for a in actions], deferred=[],
                     **result_of(want, snap, after))


def main():
    module, ok, result = run_module("vpc_peering", converge, ARGUMENT_SPEC,
                                    required_together=[("accepter_access_key", "accepter_secret_key")],
                                    mutually_exclusive=[("accepter_profile", "accepter_access_key")])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
