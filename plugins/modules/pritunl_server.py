#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pritunl_server
short_description: Converge a Pritunl VPN server, its routes and its organizations through the Pritunl API
version_added: 0.1.0
description:
  - Converges one Pritunl server by name - port, protocol, client network, DNS servers (by
    default the VPC's resolver, the VPC base address + 2) and search domains - its routes, and
    the organizations attached to it, in one call.
  - Routes are limited to the environments' networks - a default route (C(0.0.0.0/0) or
    C(::/0)) is refused, as Pritunl's hardening guide advises, and so is any route outside
    O(allowed_networks). Routes that are not listed are removed, including the default route
    Pritunl adds to a new server; routes Pritunl manages itself (the client network, server
    links) are left alone.
  - Pritunl refuses changes to a running server, so the module stops it first and starts it
    again afterwards when O(started=true).
  - Organizations are created with M(community.general.pritunl_org); this module only attaches
    them (and never detaches others).
  - Requests are signed with the API token and secret (HMAC-SHA256) as Pritunl documents.
  - Tested against a small fake Pritunl server speaking the same HTTP API; behaviour against a
    live Pritunl is untested here.
options:
  pritunl_url:
    description: Base URL of the Pritunl web console, for example C(https://vpn.example.com).
    type: str
    required: true
  pritunl_api_token:
    description: API token (Pritunl settings, API access).
    type: str
    required: true
  pritunl_api_secret:
    description: API secret.
    type: str
    required: true
  validate_certs:
    description: Verify the console's TLS certificate. Turn off only for a fresh self-signed console.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each API request.
    type: int
    default: 30
  name:
    description: Name of the server (its identity).
    type: str
    required: true
  state:
    description: V(present) converges the server; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  started:
    description: Leave the server running (it needs an attached organization to start).
    type: bool
    default: true
  network:
    description: The VPN client network, a private IPv4 CIDR. Required when O(state=present).
    type: str
  port:
    description: Port the server listens on.
    type: int
    default: 1194
  protocol:
    description: Protocol of O(port).
    type: str
    choices: [udp, tcp]
    default: udp
  dns_servers:
    description: DNS servers pushed to clients. Defaults to the resolver of O(vpc_cidr).
    type: list
    elements: str
  vpc_cidr:
    description: CIDR of the VPC the server runs in; its resolver (base + 2) is the default DNS server.
    type: str
  search_domain:
    description:
      - DNS search domain pushed to clients (the environment's internal zone); several are
        comma-separated, as Pritunl stores them. Prefer O(search_domains).
    type: str
  search_domains:
    description:
      - DNS search domains pushed to clients - the private zones of the environments the VPN
        serves. Pritunl pushes the first as the clients' domain and the others as search
        domains. Exactly these are kept; an empty list removes them.
    type: list
    elements: str
  routes:
    description: Networks routed through the VPN (the environments' VPC CIDRs). Exactly these are kept.
    type: list
    elements: str
    default: []
  allowed_networks:
    description: When given, every route must lie inside one of these networks.
    type: list
    elements: str
  route_nat:
    description:
      - NAT client traffic to the server's address (Pritunl's NAT route option). Turn off in the
        routed mode of M(refarch.network.vpn_instance), where the VPCs route the client network back.
    type: bool
    default: true
  nat_routes:
    description:
      - Routes NATed to the server's address even when O(route_nat) is off - in routed mode, the
        networks of other VPCs reached over a VPC peering, which carries no traffic from the client
        network (AWS has no edge-to-edge routing).
    type: list
    elements: str
    default: []
  organizations:
    description: Names of organizations to attach (they must exist; see M(community.general.pritunl_org)).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: The management VPN server, routes to the three environments only
  refarch.network.pritunl_server:
    pritunl_url: https://vpn.management.example.com
    pritunl_api_token: "{{ vault_pritunl_api_token }}"
    pritunl_api_secret: "{{ vault_pritunl_api_secret }}"
    name: management
    network: 172.27.224.0/20
    port: 1194
    vpc_cidr: 10.120.0.0/16
    search_domains: [management.internal, development.internal, production.internal]
    routes: [10.120.0.0/16, 10.110.0.0/16, 10.130.0.0/16]
    allowed_networks: [10.120.0.0/16, 10.110.0.0/16, 10.130.0.0/16]
    organizations: [refarch]
"""

RETURN = r"""
actions:
  description: The requests made (or that would be made in check mode), one short line each.
  returned: always
  type: list
  elements: str
  sample: ["stop server management to change it", "add route 10.110.0.0/16 (nat on)", "start server management"]
server:
  description: The server after the run (before it, in check mode).
  returned: always
  type: dict
  sample: {"id": "5f0c...", "name": "management", "network": "172.27.224.0/20", "port": 1194,
           "protocol": "udp", "dns_servers": ["10.120.0.2"], "search_domain": "management.internal",
           "routes": ["10.110.0.0/16 (nat)"], "organizations": ["refarch"], "status": "online"}
"""

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
