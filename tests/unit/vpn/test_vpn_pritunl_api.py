"""Pritunl API signing and request building, with no server."""

import base64
import hashlib
import hmac
import json

import pytest

from ansible_collections.refarch.network.plugins.module_utils import pritunl_api as api
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

TOKEN, SECRET = "cxHlHJsVLXnkQjSR2xXe6dbzBs1vDbCL", "ntM1q0Eu2SlNVNPZo3ZdwcYj3l4yTQg2"


def test_signature_matches_an_independent_computation():
    headers = api.sign(TOKEN, SECRET, "get", "/server", timestamp=1700000000, nonce="9f2a6c4d8e")
    message = "%s&1700000000&9f2a6c4d8e&GET&/server" % TOKEN
    expected = base64.b64encode(hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()).decode()
    assert headers == {"Auth-Token": TOKEN, "Auth-Timestamp": "1700000000", "Auth-Nonce": "9f2a6c4d8e",
                       "Auth-Signature": expected}


def test_signature_known_value():
    # computed once with: printf '%s' 'tok&1&n&PUT&/server/abc' | openssl dgst -sha256 -hmac sec -binary | base64
    headers = api.sign("tok", "sec", "PUT", "/server/abc", timestamp=1, nonce="n")
    assert headers["Auth-Signature"] == base64.b64encode(
        hmac.new(b"sec", b"tok&1&n&PUT&/server/abc", hashlib.sha256).digest()).decode()
    assert headers["Auth-Signature"] == "q578LnAiWrQG1VFlovcSS0meN925qvDI34RIzPpnHu0="


def test_each_request_gets_a_fresh_nonce_and_the_current_time():
    first, second = api.sign("t", "s", "GET", "/"), api.sign("t", "s", "GET", "/")
    assert first["Auth-Nonce"] != second["Auth-Nonce"]
    assert first["Auth-Timestamp"].isdigit()


def test_build_request_signs_the_path_and_sends_json():
    url, headers, data = api.build_request("https://vpn.example.com/", TOKEN, SECRET, "POST", "/server",
                                           {"name": "m", "port": 1194}, timestamp=5, nonce="x")
    assert url == "https://vpn.example.com/server"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(data) == {"name": "m", "port": 1194}
    assert headers["Auth-Signature"] == api.sign(TOKEN, SECRET, "POST", "/server", 5, "x")["Auth-Signature"]


def test_route_id_is_the_hex_of_the_network():
    assert api.route_id("10.120.0.0/16") == "31302e3132302e302e302f3136"
    assert bytes.fromhex(api.route_id("::/0")).decode() == "::/0"


@pytest.mark.parametrize("bad", ["0.0.0.0/0", "::/0"])
def test_default_routes_are_refused(bad):
    with pytest.raises(InputError) as err:
        api.check_routes(["10.120.0.0/16", bad])
    assert err.value.field == "routes[1]" and "hardening" in err.value.reason


def test_routes_outside_the_environments_are_refused():
    allowed = ["10.120.0.0/16", "10.110.0.0/16"]
    assert api.check_routes(["10.120.0.0/16", "10.110.4.0/24"], allowed) == ["10.120.0.0/16", "10.110.4.0/24"]
    with pytest.raises(InputError) as err:
        api.check_routes(["10.130.0.0/16"], allowed)
    assert err.value.field == "routes[0]" and "outside" in err.value.reason
    with pytest.raises(InputError):
        api.check_routes(["10.120.0.0/8"], allowed)  # host bits / too broad
    with pytest.raises(InputError):
        api.check_routes(["10.120.0.0/16", "10.120.0.0/16"])


def params(**extra):
    base = dict(name="management", network="172.27.224.0/20", port=1194, protocol="udp", dns_servers=None,
                vpc_cidr="10.120.0.0/16", search_domain="management.internal",
                routes=["10.120.0.0/16", "10.110.0.0/16"], allowed_networks=None)
    base.update(extra)
    return base


def test_dns_defaults_to_the_vpc_resolver_and_search_domain_is_kept():
    settings, routes = api.desired_settings(params())
    assert settings["dns_servers"] == ["10.120.0.2"]
    assert settings["search_domain"] == "management.internal"
    assert routes == ["10.120.0.0/16", "10.110.0.0/16"]
    assert api.resolver("10.130.0.0/16") == "10.130.0.2"
    explicit = api.desired_settings(params(dns_servers=["10.120.0.2", "10.110.0.2"]))[0]
    assert explicit["dns_servers"] == ["10.120.0.2", "10.110.0.2"]


@pytest.mark.parametrize("field,value", [
    ("network", "8.8.8.0/24"), ("network", "172.27.224.1/20"), ("port", 0),
    ("dns_servers", ["10.120.0.2", "resolver"]), ("routes", ["172.27.0.0/16"]),
])
def test_invalid_settings_name_their_option(field, value):
    with pytest.raises(InputError) as err:
        api.desired_settings(params(**{field: value}))
    assert err.value.field.startswith(field)


def test_an_unreachable_api_is_a_pritunl_error_without_status():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the request: nothing listens there
    client = api.Client("http://127.0.0.1:%d" % port, TOKEN, SECRET, timeout=5)
    with pytest.raises(api.PritunlError) as err:
        client.request("GET", "/server")
    assert err.value.status is None and "GET /server at http://127.0.0.1" in str(err.value)
    assert isinstance(err.value, RuntimeError)  # engine.outcome reports it
