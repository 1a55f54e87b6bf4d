# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff of pritunl_server: a snapshot of one Pritunl server (``pritunl_api.read_server``) and
the wanted settings -> ordered actions. Pure: no request.

The snapshot is ``dict(server=<API server dict or None>, routes=[...], attached=[...],
organizations={name: id})``. Pritunl refuses changes to a running server, so a stop comes
first and a start last when anything changes. A new server's actions name it ``server`` (its
id is known once it is created); Pritunl gives a new server a route to 0.0.0.0/0, which the
plan removes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.pritunl_api import SETTINGS

# Pritunl gives every new server a route to 0.0.0.0/0; the plan of a new server removes it.
NEW_SERVER_ROUTES = [{"network": "0.0.0.0/0", "nat": True}]


def managed_route(route):
    """Routes Pritunl adds itself (the client network, links) are not ours to change."""
    return not any(route.get(k) for k in ("virtual_network", "server_link", "network_link", "link", "wg_network"))


def _differs(have, want):
    if isinstance(want, list):
        return sorted(have or []) != sorted(want)
    if want is None:
        return bool(have)
    return have != want


def _route_text(network, nat):
    return "%s%s" % (network, " (nat)" if nat else "")


def diff_present(settings, routes, nat, organizations, snap, started, nat_routes=()):
    """Actions converging one server to ``settings`` (``pritunl_api.desired_settings``), the
    route networks ``routes`` (NAT on or off; on for those in ``nat_routes`` in any case), the attached ``organizations`` (names; others are
    never detached), running or not (``started``)."""
    server, name = snap["server"], settings["name"]
    actions = []
    current_routes = snap["routes"]
    if server is None:
        actions.append(Action("create_server", "server", "create server %s" % name, body=dict(settings)))
        current_routes = NEW_SERVER_ROUTES
    else:
        changed = dict((k, v) for k, v in settings.items() if _differs(server.get(k), v))
        if changed:
            actions.append(Action("update_server", "server", "update server %s: %s" % (name, ", ".join(sorted(changed))),
                                  body=dict(settings)))
    have = dict((r["network"], r) for r in current_routes if managed_route(r))
    for network in routes:
        on = nat or network in nat_routes
        body = dict(network=network, nat=on, comment="refarch")
        if network not in have:
            actions.append(Action("add_route", "route/" + network, "add route %s (nat %s)" % (network, "on" if on else "off"),
                                  body=body))
        elif bool(have[network].get("nat")) != on:
            actions.append(Action("set_route", "route/" + network, "set nat %s on route %s" % ("on" if on else "off", network),
                                  network=network, body=body))
    for network in sorted(set(have) - set(routes)):
        actions.append(Action("remove_route", "route/" + network, "remove route %s" % network, network=network))
    attached = set(o["name"] for o in snap["attached"])
    for org in organizations:
        if org not in attached:
            # an organization not made yet (check mode, before pritunl_org ran) has no id
            actions.append(Action("attach_organization", "organization/" + org, "attach organization %s" % org,
                                  organization=org, organization_id=snap["organizations"].get(org)))
    online = bool(server) and server.get("status") == "online"
    if actions and online:
        actions.insert(0, Action("stop", "server", "stop server %s to change it" % name))
    if started and (attached or organizations) and (not online or actions):
        actions.append(Action("start", "server", "start server %s" % name))
    elif not started and online and not actions:
        actions.append(Action("stop", "server", "stop server %s" % name))
    return actions


def diff_absent(name, snap):
    if snap["server"] is None:
        return []
    return [Action("delete_server", "server", "delete server %s" % name)]


def view(snap):
    """The before/after of a server for --diff and the result."""
    server = snap["server"]
    if server is None:
        return {}
    result = dict((k, server.get(k)) for k in SETTINGS)
    result["routes"] = sorted(_route_text(r["network"], r.get("nat")) for r in snap["routes"] if managed_route(r))
    result["organizations"] = sorted(o["name"] for o in snap["attached"])
    result["status"] = server.get("status")
    return result


def planned_view(before, settings, routes, nat, organizations, actions, nat_routes=()):
    """What ``view`` will show after ``actions`` (check mode reports it)."""
    after = dict(before, **settings) if before else dict(settings)
    after["routes"] = sorted(_route_text(r, nat or r in nat_routes) for r in routes)
    after["organizations"] = sorted(set(before.get("organizations", [])) | set(organizations))
    after["status"] = before.get("status", "offline")  # Pritunl makes a server offline
    for action in actions:
        if action.op in ("start", "stop"):
            after["status"] = "online" if action.op == "start" else "offline"
    return after
