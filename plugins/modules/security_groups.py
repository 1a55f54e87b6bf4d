#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    Ids, Run, converged, execute_and_read, read_back, run_module, unplanned_warnings)
from ansible_collections.refarch.network.plugins.module_utils.sg_apply import HANDLERS, RUN_CREATES
from ansible_collections.refarch.network.plugins.module_utils.sg_diff import (
    diff_absent, diff_models, diff_present, unmanaged_report, unmanaged_rules)
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import plan_groups
from ansible_collections.refarch.network.plugins.module_utils.sg_read import (
    empty, known_ids, listed_group_ids, planned_vpc, read_groups, resolve_prefix_list_names)
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import target_vpc

RULE_SPEC = dict(
    proto=dict(type="str"), ports=dict(type="raw"), icmp_type=dict(type="int"), icmp_code=dict(type="int"),
    cidr=dict(type="raw"), cidr_ipv6=dict(type="raw"), group=dict(type="raw"), prefix_list=dict(type="raw"),
    description=dict(type="str"), allow_world=dict(type="bool", default=False),
)
GROUP_SPEC = dict(
    name=dict(type="str", required=True), group_name=dict(type="str"), description=dict(type="str"),
    purge_rules=dict(type="bool"), tags=dict(type="dict"),
    ingress=dict(type="list", elements="dict", options=RULE_SPEC),
    egress=dict(type="list", elements="dict", options=RULE_SPEC),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC, vpc_id=dict(type="str"),
    groups=dict(type="list", elements="dict", default=[], options=GROUP_SPEC),
    purge_groups=dict(type="bool", default=False),
)


def converge(module):
    params = module.params
    owner, present = params["owner"], params["state"] == "present"
    planned = plan_groups(params["groups"], owner)   # refused before any AWS call

    ec2 = Connection(module).client("ec2")
    vpc_id = target_vpc(module, ec2)
    # no VPC: nothing to remove, or check mode plans against the VPC vpc_tiers will create
    snap = read_groups(ec2, vpc_id, owner) if vpc_id else planned_vpc() if present else empty()
    leftover, kept, unmanaged = [], [], []
    if present:
        resolve_prefix_list_names(ec2, planned)
        # from the snapshot read before any write: check mode reports what a real run does
        unmanaged, warnings = unmanaged_report(unmanaged_rules(planned, snap))
        for warning in warnings:
            module.warn(warning)
        actions, leftover = diff_present(planned, snap, dict(owner=owner, tags=params["tags"],
                                                             purge_groups=params["purge_groups"]))
    else:
        actions, kept = diff_absent(planned, snap)
    before, after = diff_models(planned, snap, present, vpc_exists=bool(vpc_id))

    run = Run({"ec2": ec2}, ids=Ids(known_ids(snap) if vpc_id else {}), owner=owner, creates=RUN_CREATES,
              vpc_id=vpc_id)
    # the next module (vpc_endpoints) finds new groups with a filtered Describe: wait until it lists them
    execute_and_read(module, actions, HANDLERS, run,
                     written=lambda: run.ids.new() and read_back(lambda: listed_group_ids(run.ec2, vpc_id), list, run))

    unplanned = [] if params["purge_groups"] else leftover
    groups = dict((g["name"], dict(id=run.ids.get("sg/" + g["name"]), group_name=g["group_name"],
                                   adopted=g["adopted"])) for g in planned) if present else {}
    return converged(module, actions, before, after, groups=groups, vpc_id=vpc_id, kept=kept, unplanned=unplanned,
                     unmanaged_rules=unmanaged, warnings=unplanned_warnings(unplanned, owner, "security group sg/%s", "groups"))


def main():
    module, ok, result = run_module("security_groups", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
