#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import pritunl_api as api
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute_and_read, prerequisite_missing, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.pritunl_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.pritunl_diff import diff_absent, diff_present, planned_view, view

ARGUMENT_SPEC = dict(
    api.PRITUNL_SPEC,
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    started=dict(type="bool", default=True),
    network=dict(type="str"),
    port=dict(type="int", default=1194),
    protocol=dict(type="str", default="udp", choices=["udp", "tcp"]),
    dns_servers=dict(type="list", elements="str"),
    vpc_cidr=dict(type="str"),
    search_domain=dict(type="str"),
    search_domains=dict(type="list", elements="str"),
    routes=dict(type="list", elements="str", default=[]),
    allowed_networks=dict(type="list", elements="str"),
    route_nat=dict(type="bool", default=True),
    nat_routes=dict(type="list", elements="str", default=[]),
    organizations=dict(type="list", elements="str", default=[]),
)


def converge(module):
    p = module.params
    present = p["state"] == "present"
    settings, routes = api.desired_settings(p) if present else (None, None)
    client = api.Client.from_module(module)
    snap = api.read_server(client, p["name"])
    before = view(snap)
    if present:
        missing = set(p["organizations"]) - set(o["name"] for o in snap["attached"])
        if missing:
            snap["organizations"] = api.read_organizations(client)
            unknown = sorted(missing - set(snap["organizations"]))
            if unknown:  # in --check, pritunl_org may only have planned them
                prerequisite_missing(module, InputError("organizations", "%s not found in Pritunl; create them first with "
                                                                         "community.general.pritunl_org" % ", ".join(unknown)))
        actions = diff_present(settings, routes, p["route_nat"], p["organizations"], snap, p["started"],
                               nat_routes=p["nat_routes"])
    else:
        actions = diff_absent(p["name"], snap)
    run = Run(ids=Ids({"server": snap["server"]["id"]} if snap["server"] else {}), api=client)

    def written():
        return view(api.read_server(client, p["name"])) if present else {}

    def planned():  # what the actions will make; with nothing to do, what is there
        if not present:
            return {}
        return planned_view(before, settings, routes, p["route_nat"], p["organizations"], actions,
                            nat_routes=p["nat_routes"]) if actions else before
    after = execute_and_read(module, actions, HANDLERS, run, written, planned)
    server_id = run.ids.get("server")
    return converged(module, actions, before, after, server=dict(after, id=server_id) if after else {})


def main():
    module, ok, result = run_module("pritunl_server", converge, ARGUMENT_SPEC, aws=False,
                                    required_if=[("state", "present", ("network",))],
                                    mutually_exclusive=[("search_domain", "search_domains")])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
