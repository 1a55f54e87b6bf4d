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


def plan(server=None, routes=(), attached=(), orgs=None, started=True, nat=True, **extra):
    settings, wanted = api.desired_settings(params(**extra))
    return api.plan_server(settings, wanted, nat, ["refarch"], server, list(routes), list(attached),
                           orgs if orgs is not None else {"refarch": "o1"}, started)


def test_new_server_plan_creates_routes_removes_default_attaches_and_starts():
    steps = plan()
    assert [s[0] for s in steps] == [
        "create server management", "add route 10.120.0.0/16 (nat on)", "add route 10.110.0.0/16 (nat on)",
        "remove route 0.0.0.0/0", "attach organization refarch", "start server management"]
    create = steps[0]
    assert create[1:3] == ("POST", "/server")
    assert create[3]["dns_servers"] == ["10.120.0.2"] and create[3]["search_domain"] == "management.internal"
    assert steps[3][2] == "/server/<new>/route/%s" % api.route_id("0.0.0.0/0")


def current(status="online"):
    settings = api.desired_settings(params())[0]
    return dict(settings, id="s1", status=status)


def test_converged_running_server_needs_nothing():
    routes = [{"network": "10.120.0.0/16", "nat": True}, {"network": "10.110.0.0/16", "nat": True},
              {"network": "172.27.224.0/20", "virtual_network": True}]
    assert plan(current(), routes, [{"id": "o1", "name": "refarch"}]) == []


def test_changing_a_running_server_stops_it_first_and_starts_it_last():
    routes = [{"network": "10.120.0.0/16", "nat": True}, {"network": "0.0.0.0/0", "nat": True}]
    steps = plan(current(), routes, [{"id": "o1", "name": "refarch"}], search_domain="other.internal")
    texts = [s[0] for s in steps]
    assert texts[0] == "stop server management to change it" and texts[-1] == "start server management"
    assert "update server management: search_domain" in texts
    assert "remove route 0.0.0.0/0" in texts and "add route 10.110.0.0/16 (nat on)" in texts


def test_routed_mode_switches_nat_off_on_existing_routes():
    routes = [{"network": "10.120.0.0/16", "nat": True}, {"network": "10.110.0.0/16", "nat": False}]
    steps = plan(current("offline"), routes, [{"id": "o1", "name": "refarch"}], nat=False)
    assert [(s[0], s[1]) for s in steps] == [("set nat off on route 10.120.0.0/16", "PUT"),
                                             ("start server management", "PUT")]
    assert steps[0][3] == {"network": "10.120.0.0/16", "nat": False, "comment": "refarch"}


def test_missing_organization_shows_its_name_in_check_mode():
    steps = plan(orgs={})
    assert ("attach organization refarch", "PUT", "/server/<new>/organization/<refarch>", None) in steps
