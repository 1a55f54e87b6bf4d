# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of pritunl_server's actions, run by ``engine.execute``.

The Pritunl API is not AWS: the run carries the signed HTTP client as ``run.data["api"]``
(``pritunl_api.Client``), and ``run.ids["server"]`` is the server's id (known from the
snapshot, or set when the server is created).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.pritunl_api import PritunlError, route_id


def _server(run):
    return "/server/%s" % run.ids["server"]


def _create_server(run, a):
    run.ids["server"] = run.data["api"].request("POST", "/server", a["body"])["id"]


def _update_server(run, a):
    run.data["api"].request("PUT", _server(run), a["body"])


def _add_route(run, a):
    run.data["api"].request("POST", _server(run) + "/route", a["body"])


def _set_route(run, a):
    run.data["api"].request("PUT", "%s/route/%s" % (_server(run), route_id(a["network"])), a["body"])


def _remove_route(run, a):
    """A route already gone is removed (a new server's default route is planned before Pritunl made it)."""
    try:
        run.data["api"].request("DELETE", "%s/route/%s" % (_server(run), route_id(a["network"])))
    except PritunlError as e:
        if e.status != 404:
            raise


def _attach_organization(run, a):
    run.data["api"].request("PUT", "%s/organization/%s" % (_server(run), a["organization_id"]))


def _start(run, a):
    run.data["api"].request("PUT", _server(run) + "/operation/start")


def _stop(run, a):
    run.data["api"].request("PUT", _server(run) + "/operation/stop")


def _delete_server(run, a):
    run.data["api"].request("DELETE", _server(run))


HANDLERS = {
    "create_server": _create_server, "update_server": _update_server, "add_route": _add_route,
    "set_route": _set_route, "remove_route": _remove_route, "attach_organization": _attach_organization,
    "start": _start, "stop": _stop, "delete_server": _delete_server,
}
