#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.endpoint_apply import HANDLERS, known_ids
from ansible_collections.refarch.network.plugins.module_utils.endpoint_diff import (
    diff_endpoints, observed, resolve, resolve_planned, summary, texts, unknown_services)
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import plan_endpoints
from ansible_collections.refarch.network.plugins.module_utils.endpoint_read import (
    read_endpoints, read_references, read_services)
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    Ids, Run, converged, execute, on_missing, run_module, unplanned_warnings)
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import target_vpc

ENDPOINT_SPEC = dict(
    service=dict(type="str", required=True), name=dict(type="str"),
    type=dict(type="str", default="Interface", choices=["Interface", "Gateway", "interface", "gateway"]),
    subnet_tier=dict(type="str"), security_groups=dict(type="list", elements="str"),
    private_dns=dict(type="bool"), policy=dict(type="raw"), route_table_tiers=dict(type="list", elements="str"),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    vpc_id=dict(type="str"),
    subnet_tier=dict(type="str"),
    security_groups=dict(type="list", elements="str"),
    endpoints=dict(type="list", elements="dict", default=[], options=ENDPOINT_SPEC),
    purge_endpoints=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def converge(module):
    params = module.params
    owner, present = params["owner"], params["state"] == "present"
    ec2 = Connection(module).client("ec2")
    planned = plan_endpoints(params["endpoints"], params, ec2.meta.region_name) if present else []

    vpc_id = target_vpc(module, ec2)
    owned = read_endpoints(ec2, vpc_id, owner) if vpc_id else {}
    if vpc_id:   # in check mode the groups of the security_groups task before this one are planned too
        planned = resolve(planned, read_references(ec2, vpc_id, owner, planned), owner, on_missing(module))
    else:        # check mode before vpc_tiers made the VPC
        planned = resolve_planned(planned)
    purge = params["purge_endpoints"] or not present
    actions, leftover = diff_endpoints(planned, owned, dict(owner=owner, tags=params["tags"], purge=purge,
                                                            wait=params["wait"]))
    if any(a.op == "create_endpoint" for a in actions):
        unknown_services(planned, actions, read_services(ec2))

    run = Run({"ec2": ec2}, ids=Ids(known_ids(owned)), owner=owner, vpc_id=vpc_id)
    execute(module, actions, HANDLERS, run, wait_timeout=params["wait_timeout"])

    unplanned = [] if purge else leftover
    after = dict((e["name"], summary(e, run.ids.get("vpce/" + e["name"]))) for e in planned)
    return converged(module, actions, dict((n, observed(e)) for n, e in owned.items()), after,
                     changed=any(not a.is_wait for a in actions), texts=texts(actions), endpoints=after,
                     vpc_id=vpc_id, unplanned=unplanned, warnings=unplanned_warnings(unplanned, owner, "endpoint vpce/%s", "endpoints"))


def main():
    module, ok, result = run_module("vpc_endpoints", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
