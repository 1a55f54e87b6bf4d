#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import vpn as plan
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute_and_read, prerequisite_missing, read_back, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.vpn import ARGUMENT_SPEC
from ansible_collections.refarch.network.plugins.module_utils.vpn_apply import HANDLERS, known_ids
from ansible_collections.refarch.network.plugins.module_utils.vpn_diff import diff_absent, diff_present, planned_snapshot, result_of
from ansible_collections.refarch.network.plugins.module_utils.vpn_read import core_ids, read_core, read_vpn


def converge(module):
    params = module.params
    desired = plan.validate(params) if params["state"] == "present" else None
    names = plan.names(params)
    conn, peers = Connection(module), {}

    def peer_ec2(index, spec):  # the peer's account and region; no assume_role_arn: our own account
        peers["peer%d" % index] = Connection(module, spec.get("assume_role_arn"), spec.get("region")).client("ec2")
        return peers["peer%d" % index]

    def reach_ec2(index, spec):  # a served environment's account and region
        peers["reach%d" % index] = Connection(module, spec.get("assume_role_arn"), spec.get("region")).client("ec2")
        return peers["reach%d" % index]
    snap = read_vpn(conn, params, peer_ec2, reach_ec2)
    if desired is None:
        out = diff_absent(params, snap)
    else:
        if snap["vpc"] is None:
            prerequisite_missing(module, InputError("owner", plan.no_vpc(names["owner"])))
        out = diff_present(params, desired, snap)
    clients = dict(peers, ec2=conn.client("ec2"), iam=conn.client("iam"))
    if snap["zone"]:
        clients["route53"] = conn.client("route53")
    run = Run(clients, ids=Ids(known_ids(snap, names)), owner=names["owner"])

    def written():
        return dict(snap, **read_back(lambda: read_core(run.ec2, run.iam, names, protection=False), core_ids, run)) \
            if desired is not None else snap
    snap = execute_and_read(module, out["actions"], HANDLERS, run, written, lambda: planned_snapshot(snap, out),
                            wait_timeout=params["wait_timeout"])
    return converged(module, out["actions"], out["before"], out["after"], warnings=snap["warnings"] + out["warnings"],
                     **result_of(params, snap, out))


def main():
    module, ok, result = run_module("vpn_instance", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
