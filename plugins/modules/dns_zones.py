#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.dns_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import diff_dns, plan_dns, summarise
from ansible_collections.refarch.network.plugins.module_utils.dns_read import known_ids, known_zones, read_dns
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute, on_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC

RECORD_SPEC = dict(zone=dict(type="str", choices=["private", "public"], default="private"),
                   name=dict(type="str", required=True),
                   type=dict(type="str", required=True, choices=list(dns.RECORD_TYPES)),
                   ttl=dict(type="int", default=300),
                   values=dict(type="list", elements="str", required=True))
VPC_SPEC = dict(vpc_id=dict(type="str"), owner=dict(type="str"), region=dict(type="str"), assume_role_arn=dict(type="str"))
PARENT_SPEC = dict(name=dict(type="str", required=True), id=dict(type="str"), assume_role_arn=dict(type="str"),
                   ttl=dict(type="int", default=3600))
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    vpc_id=dict(type="str"),
    private_zone=dict(type="dict", default={}, apply_defaults=True, options=dict(
        enabled=dict(type="bool", default=True), name=dict(type="str"), comment=dict(type="str"),
        vpcs=dict(type="list", elements="dict", default=[], options=VPC_SPEC))),
    public_zone=dict(type="dict", options=dict(
        name=dict(type="str", required=True), comment=dict(type="str"),
        parent_zone=dict(type="dict", options=PARENT_SPEC))),
    records=dict(type="list", elements="dict", default=[], options=RECORD_SPEC),
    **dns.KNOWN_ZONES_SPEC
)


def converge(module):
    plan = plan_dns(module.params)
    snap, clients = read_dns(plan, Connection(module), lambda **kw: Connection(module, **kw), on_missing(module),
                             dns.known_records(module.params["known_zones"]))
    actions, before, after, warnings = diff_dns(plan, snap)
    run = Run(clients, ids=Ids(known_ids(snap)), owner=plan["owner"], name_servers={})
    execute(module, actions, HANDLERS, run)
    return converged(module, actions, before, after, warnings=snap["warnings"] + warnings,
                     known_zones=[] if actions else known_zones(snap), **summarise(plan, snap, run.ids, run.data["name_servers"]))


def main():
    module, ok, result = run_module("dns_zones", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
