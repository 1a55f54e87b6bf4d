#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import as_text
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute_and_read, run_module, read_back
from ansible_collections.refarch.network.plugins.module_utils.limits import creates, own_demand
from ansible_collections.refarch.network.plugins.module_utils.limits_read import check_limits
from ansible_collections.refarch.network.plugins.module_utils.vpc_apply import HANDLERS, known_ids
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import (
    ARGUMENT_SPEC, after_model, before_model, check_flow_logs, diff_absent, diff_present, plan_from_params, unplanned,
)
from ansible_collections.refarch.network.plugins.module_utils.vpc_read import all_subnets, check_zones, read_vpc, summarise


def converge(module):
    params = module.params
    owner = params["owner"]
    options = dict(owner=owner, name=params["name"] or owner, tags=params["tags"],
                   lockdown_default_sg=params["lockdown_default_sg"], purge=params["purge"])
    plan = None
    if params["state"] == "present":
        plan = plan_from_params(params)
        wanted = own_demand(params["account_demand"], owner, plan)
        options["flow_logs"] = check_flow_logs(params["flow_logs"])

    connection = Connection(module)
    ec2 = connection.client("ec2")
    kept, leftover = [], []
    snap = read_vpc(ec2, owner)
    if plan is not None:
        check_zones(ec2, plan["azs"], snap)
        actions = diff_present(plan, snap, options)
        leftover = [] if options["purge"] else unplanned(plan, snap, options)
        after = after_model(plan, options, snap)
        if params["account_limits"] and creates(actions):   # before the first write: AWS would refuse one midway
            check_limits(ec2, connection.client("service-quotas"), wanted, module.warn)
    else:
        actions, kept = diff_absent(snap)
        after = {}
    before = before_model(snap, options)
    run = Run({"ec2": ec2}, ids=Ids(known_ids(snap)), owner=owner)
    snap = execute_and_read(module, actions, HANDLERS, run, planned=lambda: snap,
                            written=lambda: read_back(lambda: read_vpc(run.ec2, owner), lambda s: known_ids(s).values(), run))

    result = converged(module, actions, before, after, kept=kept, unplanned=leftover, **summarise(snap))
    # read after our writes (read_back), so later modules of the run may take it (known_vpcs)
    result["known_vpc"] = dict(region=run.ec2.meta.region_name, vpc=snap["vpc"], subnets=as_text(all_subnets(snap))) if snap["vpc"] else {}
    if snap["vpc"] and not result["changed"]:  # what our own writes leave in flux (a NAT deleting) is read again
        result["known_vpc"].update((kind, as_text(items)) for kind, items in snap["reads"].items())
    if plan is not None:
        result["plan"] = plan
    for item in leftover:
        module.warn("%s is owned but no longer planned; purge: true deletes it" % item)
    return result


def main():
    module, ok, result = run_module("vpc_tiers", converge, ARGUMENT_SPEC, required_if=[("state", "present", ("cidr", "azs", "tiers"))])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
