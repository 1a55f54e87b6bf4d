# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pritunl API: request signing, an HTTP client, the read of a server, and the validation of
a server's settings.

Signing follows Pritunl's API documentation: the headers Auth-Token, Auth-Timestamp,
Auth-Nonce and Auth-Signature, where the signature is
``base64(HMAC-SHA256(secret, '&'.join([token, timestamp, nonce, METHOD, path])))``.

What to change is decided by ``pritunl_diff`` (pure); ``pritunl_apply`` makes the requests.
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

from ansible.module_utils.six.moves import http_client
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import Request, make_context

from ansible_collections.refarch.network.plugins.module_utils.dns import check_zone_name
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

PRITUNL_SPEC = dict(
    pritunl_url=dict(type="str", required=True),
    pritunl_api_token=dict(type="str", required=True, no_log=True),
    pritunl_api_secret=dict(type="str", required=True, no_log=True),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)
SETTINGS = ("name", "network", "port", "protocol", "dns_servers", "search_domain")


class PritunlError(RuntimeError):
    """A refused request (``status`` is the HTTP status) or an unreachable API (``status`` None)."""

    def __init__(self, status, message):
        self.status = status
        super(PritunlError, self).__init__("Pritunl API: %s%s" % ("HTTP %s: " % status if status else "", message))


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
        except (URLError, OSError, http_client.HTTPException) as e:  # refused, TLS errors, timeouts, cut off
            raise PritunlError(None, "%s %s at %s: %s" % (method.upper(), path, self.base_url, getattr(e, "reason", e)))
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
                    dns_servers=list(dns_servers or []), search_domain=search_domain(params))
    return settings, routes


def search_domain(params):
    """Pritunl's ``search_domain``: the domains comma-separated (Pritunl pushes the first as the
    clients' DOMAIN, the others as DOMAIN-SEARCH), without final dots, first occurrence kept."""
    domains = params.get("search_domains")
    field = "search_domains"
    if domains is None:
        domains, field = [d for d in (params.get("search_domain") or "").split(",") if d.strip()], "search_domain"
    result = []
    for index, domain in enumerate(domains):
        name = check_zone_name(domain, "%s[%d]" % (field, index) if field == "search_domains" else field).rstrip(".")
        if name not in result:
            result.append(name)
    return ",".join(result) or None


def read_server(client, name):
    """Snapshot of the server named ``name``: the server (or None), its routes, the
    organizations attached to it, and every organization ({name: id})."""
    servers = [s for s in client.request("GET", "/server") or [] if s.get("name") == name]
    if len(servers) > 1:
        raise InputError("name", "%d Pritunl servers are named %s" % (len(servers), name))
    snap = dict(server=servers[0] if servers else None, routes=[], attached=[], organizations={})
    if snap["server"]:
        snap["routes"] = client.request("GET", "/server/%s/route" % snap["server"]["id"]) or []
        snap["attached"] = client.request("GET", "/server/%s/organization" % snap["server"]["id"]) or []
    return snap


def read_organizations(client):
    return dict((o["name"], o["id"]) for o in client.request("GET", "/organization") or [])
