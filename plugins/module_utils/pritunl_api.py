# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pritunl API: request signing, an HTTP client, and pure planning of a server's settings.

Signing follows Pritunl's API documentation: the headers Auth-Token, Auth-Timestamp,
Auth-Nonce and Auth-Signature, where the signature is
``base64(HMAC-SHA256(secret, '&'.join([token, timestamp, nonce, METHOD, path])))``.

The planning functions take plain dicts (what the API returns) and return the ordered
requests that converge them, so they are unit-tested without any server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import time
import uuid

from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import Request, make_context

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

PRITUNL_SPEC = dict(
    pritunl_url=dict(type="str", required=True),
    pritunl_api_token=dict(type="str", required=True, no_log=True),
    pritunl_api_secret=dict(type="str", required=True, no_log=True),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)
# Pritunl gives every new server a route to 0.0.0.0/0; the plan of a new server removes it.
NEW_SERVER_ROUTES = [{"network": "0.0.0.0/0", "nat": True}]
SETTINGS = ("name", "network", "port", "protocol", "dns_servers", "search_domain")


class PritunlError(Exception):
    def __init__(self, status, message):
        self.status = status
        super(PritunlError, self).__init__("HTTP %s: %s" % (status, message))


def sign(token, secret, method, path, timestamp=None, nonce=None):
    """The four authentication headers of one request."""
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    nonce = uuid.uuid4().hex if nonce is None else nonce
    message = "&".join([token, timestamp, nonce, method.upper(), path])
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return {
        "Auth-Token": token,
        "Auth-Timestamp": timestamp,
        "Auth-Nonce": nonce,
        "Auth-Signature": base64.b64encode(digest).decode("ascii"),
    }


def build_request(base_url, token, secret, method, path, body=None, timestamp=None, nonce=None):
    """(url, headers, data) of a signed request; ``path`` is what is signed (no query string)."""
    headers = sign(token, secret, method, path, timestamp, nonce)
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body, sort_keys=True)
    return base_url.rstrip("/") + path, headers, data


class Client(object):
    def __init__(self, base_url, token, secret, validate_certs=True, timeout=30):
        self.base_url, self.token, self.secret = base_url, token, secret
        # one TLS context for all requests: building one loads the CA store (~150 ms)
        self.http = Request(timeout=timeout, context=make_context(validate_certs=validate_certs))

    @classmethod
    def from_module(cls, module):
        p = module.params
        return cls(p["pritunl_url"], p["pritunl_api_token"], p["pritunl_api_secret"],
                   p["validate_certs"], p["timeout"])

    def request(self, method, path, body=None):
        url, headers, data = build_request(self.base_url, self.token, self.secret, method, path, body)
        try:
            resp = self.http.open(method.upper(), url, headers=headers, data=data)
            text = resp.read()
        except HTTPError as e:
            detail = e.read()
            try:
                detail = json.loads(detail).get("error_msg") or detail
            except (ValueError, AttributeError):
                pass
            raise PritunlError(e.code, "%s %s: %s" % (method.upper(), path, detail))
        return json.loads(text) if text else None


def route_id(network):
    """Pritunl addresses a route by the hex encoding of its network string."""
    return binascii.hexlify(network.encode("utf-8")).decode("ascii")


def _network(value, field):
    try:
        return ipaddress.ip_network(u"%s" % value, strict=True)
    except ValueError as e:
        raise InputError(field, "%r is not a network in CIDR form (%s)" % (value, e))


def check_routes(routes, allowed_networks=None):
    """Normalized route networks; a default route is refused (Pritunl's hardening guide: a VPN
    must not carry all traffic of its clients), as is anything outside ``allowed_networks``."""
    allowed = [_network(n, "allowed_networks[%d]" % i) for i, n in enumerate(allowed_networks or [])]
    result = []
    for index, value in enumerate(routes or []):
        field = "routes[%d]" % index
        net = _network(value, field)
        if net.prefixlen == 0:
            raise InputError(field, "%s would send all client traffic through the VPN; Pritunl's hardening "
                             "guide advises against it - route the environments' VPC networks only" % net)
        if allowed and not any(net.version == a.version and net.subnet_of(a) for a in allowed):
            raise InputError(field, "%s is outside the environments' networks (%s)" % (
                net, ", ".join(str(a) for a in allowed)))
        if str(net) in result:
            raise InputError(field, "%s is listed twice" % net)
        result.append(str(net))
    return result


def resolver(vpc_cidr, field="vpc_cidr"):
    """The VPC's Amazon-provided DNS resolver: base address + 2 (10.120.0.0/16 -> 10.120.0.2)."""
    net = _network(vpc_cidr, field)
    if net.version != 4 or net.num_addresses < 4:
        raise InputError(field, "%s is not an IPv4 VPC network" % net)
    return str(net.network_address + 2)


def desired_settings(params):
    """The server settings to converge, validated (InputError names the option)."""
    network = _network(params["network"], "network")
    if network.version != 4 or not network.is_private:
        raise InputError("network", "%s must be a private IPv4 network (Pritunl refuses others)" % network)
    if not 1 <= params["port"] <= 65535:
        raise InputError("port", "%s is not a port number" % params["port"])
    dns_servers = params.get("dns_servers")
    if not dns_servers and params.get("vpc_cidr"):
        dns_servers = [resolver(params["vpc_cidr"])]
    for index, server in enumerate(dns_servers or []):
        try:
            ipaddress.ip_address(u"%s" % server)
        except ValueError:
            raise InputError("dns_servers[%d]" % index, "%r is not an IP address" % (server,))
    routes = check_routes(params.get("routes"), params.get("allowed_networks"))
    for route in routes:
        if _network(route, "routes").overlaps(network):
            raise InputError("routes", "%s overlaps the client network %s" % (route, network))
    settings = dict(name=params["name"], network=str(network), port=params["port"], protocol=params["protocol"],
                    dns_servers=list(dns_servers or []), search_domain=params.get("search_domain") or None)
    return settings, routes


def plan_server(settings, routes, nat, organizations, server, current_routes, attached, all_orgs, started):
    """Ordered requests converging one server: [(text, method, path, body)].

    ``server`` is the API's server dict or None; ``current_routes`` its routes; ``attached`` the
    organizations attached to it; ``all_orgs`` every organization ({name: id}). Pritunl refuses
    changes to a running server, so a stop comes first and a start last when anything changes.
    An organization that does not exist yet (check mode, before pritunl_org ran) shows as
    ``<name>`` in the path.
    """
    steps = []
    sid = server["id"] if server else "<new>"
    if server is None:
        steps.append(("create server %s" % settings["name"], "POST", "/server", dict(settings)))
        current_routes = NEW_SERVER_ROUTES
    else:
        changed = dict((k, v) for k, v in settings.items() if _differs(server.get(k), v))
        if changed:
            steps.append(("update server %s: %s" % (settings["name"], ", ".join(sorted(changed))),
                          "PUT", "/server/%s" % sid, dict(settings)))
    have = dict((r["network"], r) for r in current_routes if _managed_route(r))
    for network in routes:
        if network not in have:
            steps.append(("add route %s (nat %s)" % (network, "on" if nat else "off"), "POST",
                          "/server/%s/route" % sid, dict(network=network, nat=nat, comment="refarch")))
        elif bool(have[network].get("nat")) != nat:
            body = dict(network=network, nat=nat, comment="refarch")
            steps.append(("set nat %s on route %s" % ("on" if nat else "off", network), "PUT",
                          "/server/%s/route/%s" % (sid, route_id(network)), body))
    for network in sorted(set(have) - set(routes)):
        steps.append(("remove route %s" % network, "DELETE", "/server/%s/route/%s" % (sid, route_id(network)), None))
    attached_names = set(o["name"] for o in attached)
    for name in organizations:
        if name not in attached_names:
            org_id = all_orgs.get(name, "<%s>" % name)
            steps.append(("attach organization %s" % name, "PUT",
                          "/server/%s/organization/%s" % (sid, org_id), None))
    online = bool(server) and server.get("status") == "online"
    if steps and online:
        steps.insert(0, ("stop server %s to change it" % settings["name"], "PUT",
                         "/server/%s/operation/stop" % sid, None))
    will_have_orgs = bool(attached_names or organizations)
    if started and will_have_orgs and (not online or steps):
        steps.append(("start server %s" % settings["name"], "PUT", "/server/%s/operation/start" % sid, None))
    elif not started and online and not steps:
        steps.append(("stop server %s" % settings["name"], "PUT", "/server/%s/operation/stop" % sid, None))
    return steps


def _managed_route(route):
    """Routes Pritunl adds itself (the client network, links) are not ours to change."""
    return not any(route.get(k) for k in ("virtual_network", "server_link", "network_link", "link", "wg_network"))


def _differs(have, want):
    if isinstance(want, list):
        return sorted(have or []) != sorted(want)
    if want is None:
        return bool(have)
    return have != want


def snapshot(server, routes, attached):
    """The before/after view of a server for --diff."""
    if server is None:
        return {}
    view = dict((k, server.get(k)) for k in SETTINGS)
    view["routes"] = sorted("%s%s" % (r["network"], " (nat)" if r.get("nat") else "") for r in routes
                            if _managed_route(r))
    view["organizations"] = sorted(o["name"] for o in attached)
    view["status"] = server.get("status")
    return view
