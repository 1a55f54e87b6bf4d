#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.lock import (
    DEFAULT_TTL, ORGANIZATION, Store, describe, hold, organization_region, parameter_name, process_identity, release)

ARGUMENT_SPEC = dict(
    owner=dict(type="str"),
    scope=dict(type="str", default="environment", choices=["environment", ORGANIZATION]),
    state=dict(type="str", default="held", choices=["held", "released"]),
    operation=dict(type="str", default="converge", choices=["converge", "check", "destroy"]),
    ttl=dict(type="int", default=DEFAULT_TTL),
    wait=dict(type="int", default=0),
    break_run=dict(type="str"),
    run=dict(type="dict"),
)
SHOWN = ("run", "operation", "user", "host", "pid", "started", "expires", "ttl", "state", "released")


def shown(record):
    return dict((k, record[k]) for k in SHOWN if k in record) if record else None


def converge(module):
    p = module.params
    name = parameter_name(p["owner"], p["scope"])
    if p["ttl"] < 60:
        raise InputError("ttl", "must be at least 60 seconds (a lock shorter than a playbook protects nothing)")
    if p["wait"] < 0:
        raise InputError("wait", "must be 0 or more seconds")
    if p["break_run"] and p["state"] != "released":
        raise InputError("break_run", "only with state: released")
    me = p["run"] or process_identity()
    if not me.get("id"):
        raise InputError("run", "needs the run's id")
    connection = Connection(module)
    if p["scope"] == ORGANIZATION:
        region = connection.client("ssm").meta.region_name
        if organization_region(region) != region:
            connection = Connection(module, region=organization_region(region))
    store = Store.for_module(module, connection.client("ssm"), name, p["operation"])

    if p["state"] == "held":
        result = hold(store, me, p["operation"], ttl=p["ttl"], wait=p["wait"])
        if result["action"] == "taken over":
            module.warn("took over %s from %s: %s" % (name, describe(result["previous"]), result["reason"]))
    else:
        result = release(store, me, break_run=p["break_run"])
        other = result["holder"]
        if result["action"] == "none" and other is not None:
            module.warn("%s is held by %s, not by run %s: left alone" % (name, describe(other), p["break_run"] or me["id"]))
    result.update(holder=shown(result["holder"]), previous=shown(result["previous"]), run=me["id"])
    return dict(result, changed=result["action"] == "broken")


def main():
    module, ok, result = run_module("environment_lock", converge, ARGUMENT_SPEC, required_if=[("scope", "environment", ["owner"])])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
