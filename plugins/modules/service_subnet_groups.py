#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    Ids, Run, converged, execute, run_module, unplanned_warnings)
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_apply import HANDLERS, clients_needed
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_diff import (
    diff_subnet_groups, models, with_subnets)
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import plan_subnet_groups
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_read import (
    FAMILIES, known_ids, read_subnet_groups)
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import target_vpc

GROUP_SPEC = dict(
    name=dict(type="str", required=True),
    kind=dict(type="str", default="rds", choices=["rds", "docdb", "elasticache"]),
    tier=dict(type="str", required=True),
    description=dict(type="str"),
    tags=dict(type="dict"),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    vpc_id=dict(type="str"),
    groups=dict(type="list", elements="dict", default=[], options=GROUP_SPEC),
    purge_groups=dict(type="bool", default=False),
)


def converge(module):
    params = module.params
    owner, present = params["owner"], params["state"] == "present"
    planned = plan_subnet_groups(params["groups"], owner) if present else []

    conn = Connection(module)
    vpc_id = target_vpc(module, conn.client("ec2"))
    # every family, also one no group asks for any more: its owned groups are unplanned (or purged)
    families = sorted(FAMILIES)
    snap, subnets_by_tier = read_subnet_groups(conn.client, families, vpc_id, owner)
    # before vpc_tiers made the VPC (check mode) each group spans its tier by planned name
    planned = with_subnets(planned, subnets_by_tier)
    purge = params["purge_groups"] or not present
    actions, leftover = diff_subnet_groups(planned, snap, dict(owner=owner, tags=params["tags"], purge=purge))

    run = Run(dict((name, conn.client(name)) for name in clients_needed(families, actions)),
              ids=Ids(known_ids(snap)), owner=owner)
    execute(module, actions, HANDLERS, run)

    unplanned = [] if purge else ["%s/%s" % item for item in leftover]
    groups = dict((g["name"], dict(kind=g["kind"], tier=g["tier"], subnets=g["subnets"], arn=run.ids.get(g["key"])))
                  for g in planned)
    return converged(module, actions, groups=groups, vpc_id=vpc_id, unplanned=unplanned,
                     warnings=unplanned_warnings(unplanned, owner, "subnet group %s", "groups"),
                     diff=lambda: dict(zip(("before", "after"), models(planned, snap))))


def main():
    module, ok, result = run_module("service_subnet_groups", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
