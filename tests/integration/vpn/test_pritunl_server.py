"""pritunl_server over real HTTP against the fake Pritunl API (pritunl_fake.py).

The fake checks signatures independently and enforces the offline rules; it is not Pritunl,
so these tests say nothing about a live server.
"""

import contextlib
import io
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from pritunl_fake import SECRET, TOKEN, FakePritunl

ENV_CIDRS = ["10.120.0.0/16", "10.110.0.0/16", "10.130.0.0/16"]


@pytest.fixture
def pritunl():
    with FakePritunl() as fake:
        yield fake


def args(fake, **extra):
    base = dict(pritunl_url=fake.url, pritunl_api_token=TOKEN, pritunl_api_secret=SECRET, name="management",
                network="172.27.224.0/20", port=1194, vpc_cidr="10.120.0.0/16",
                search_domain="management.internal", routes=ENV_CIDRS, allowed_networks=ENV_CIDRS,
                organizations=["refarch"])
    base.update(extra)
    return base


def run_org(fake, name):
    """community.general.pritunl_org, in process, against the same fake."""
    from ansible_collections.community.general.plugins.modules import pritunl_org
    out = io.StringIO()
    with patch_module_args(dict(pritunl_url=fake.url, pritunl_api_token=TOKEN, pritunl_api_secret=SECRET,
                                name=name)), contextlib.redirect_stdout(out):
        try:
            pritunl_org.main()
        except SystemExit:
            pass
    return json.loads(out.getvalue())


def test_converges_a_new_server(pritunl, module):
    assert run_org(pritunl, "refarch")["changed"] is True
    result = module("pritunl_server", args(pritunl))
    assert not result.failed, result
    server = result["server"]
    assert server["dns_servers"] == ["10.120.0.2"]  # the VPC resolver
    assert server["search_domain"] == "management.internal"
    assert server["routes"] == sorted("%s (nat)" % c for c in ENV_CIDRS)  # Pritunl's 0.0.0.0/0 is gone
    assert server["organizations"] == ["refarch"] and server["status"] == "online"
    assert "remove route 0.0.0.0/0" in result["actions"]
    pritunl.log[:] = []
    again = module("pritunl_server", args(pritunl))
    assert again["changed"] is False and pritunl.writes() == []


def test_check_mode_plans_without_writing(pritunl, module):
    run_org(pritunl, "refarch")
    planned = module("pritunl_server", args(pritunl), check_mode=True, diff=True)
    assert pritunl.writes() == [("POST", "/organization")]
    assert planned["changed"] and planned["diff"]["before"] == {}
    done = module("pritunl_server", args(pritunl))
    assert planned["actions"] == done["actions"]


def test_changes_to_a_running_server_stop_and_restart_it(pritunl, module):
    run_org(pritunl, "refarch")
    module("pritunl_server", args(pritunl))
    pritunl.log[:] = []
    result = module("pritunl_server", args(pritunl, routes=ENV_CIDRS[:2], port=1195), diff=True)
    assert not result.failed, result
    assert result["actions"][0] == "stop server management to change it"
    assert result["actions"][-1] == "start server management"
    assert "remove route 10.130.0.0/16" in result["actions"]
    assert result["diff"]["before"]["port"] == 1194 and result["diff"]["after"]["port"] == 1195
    assert result["server"]["status"] == "online"


def test_default_route_is_refused_before_any_request(pritunl, module):
    for bad in ("0.0.0.0/0", "::/0"):
        result = module("pritunl_server", args(pritunl, routes=[bad], allowed_networks=None))
        assert result.failed and result["field"] == "routes[0]" and "hardening" in result["msg"]
    assert pritunl.log == []


def test_missing_organization_is_a_clear_error(pritunl, module):
    result = module("pritunl_server", args(pritunl))
    assert result.failed and result["field"] == "organizations" and "pritunl_org" in result["msg"]
    assert pritunl.writes() == []


def test_bad_secret_is_reported(pritunl, module):
    result = module("pritunl_server", args(pritunl, pritunl_api_secret="wrong"))
    assert result.failed and result["status"] == 401
    assert "wrong" not in json.dumps(result)  # no_log


def test_absent_deletes_the_server(pritunl, module):
    run_org(pritunl, "refarch")
    module("pritunl_server", args(pritunl))
    gone = module("pritunl_server", dict(args(pritunl), state="absent"))
    assert gone["changed"] and pritunl.servers == {}
    assert module("pritunl_server", dict(args(pritunl), state="absent"))["changed"] is False


def test_routed_mode_turns_route_nat_off(pritunl, module):
    run_org(pritunl, "refarch")
    module("pritunl_server", args(pritunl))
    result = module("pritunl_server", args(pritunl, route_nat=False))
    assert result["changed"]
    assert all(not r.endswith("(nat)") for r in result["server"]["routes"])
    # the VPCs reached over a peering stay NATed (docs/vpn.md): check mode says so, then the run does it
    served = args(pritunl, route_nat=False, nat_routes=ENV_CIDRS[1:])
    planned = module("pritunl_server", served, check_mode=True)
    assert planned["actions"][1:3] == ["set nat on on route 10.110.0.0/16", "set nat on on route 10.130.0.0/16"]
    result = module("pritunl_server", served)
    assert result["server"]["routes"] == planned["server"]["routes"] == [
        "10.110.0.0/16 (nat)", "10.120.0.0/16", "10.130.0.0/16 (nat)"]


@pytest.mark.parametrize("change", [None, dict(port=1195, routes=ENV_CIDRS[:2], route_nat=False)])
def test_check_reports_exactly_what_the_real_run_does(pritunl, module, change):
    run_org(pritunl, "refarch")
    wanted = args(pritunl)
    if change is not None:
        module("pritunl_server", wanted)
        wanted.update(change)
    pritunl.log[:] = []
    check = module("pritunl_server", wanted, check_mode=True, diff=True)
    assert pritunl.writes() == []
    real = module("pritunl_server", wanted, diff=True)
    assert not real.failed, real
    assert check["actions"] == real["actions"] and check["changed"] is real["changed"] is True
    assert check["diff"] == real["diff"]
    assert module("pritunl_server", wanted, check_mode=True)["changed"] is False


SERVED = ["management.internal", "development.internal", "production.internal"]


def served(fake, domains):
    wanted = args(fake, search_domains=domains)
    del wanted["search_domain"]
    return wanted


def test_pushes_the_resolver_and_the_served_environments_search_domains(pritunl, module):
    """What the VPN role passes (vpc_zone_associations' resolver and search domains); turning a
    served environment off takes its domain out again."""
    run_org(pritunl, "refarch")
    pritunl.log[:] = []
    wanted = served(pritunl, SERVED)
    planned = module("pritunl_server", wanted, check_mode=True, diff=True)
    assert planned["diff"]["after"]["dns_servers"] == ["10.120.0.2"]
    assert planned["diff"]["after"]["search_domain"] == ",".join(SERVED)
    assert pritunl.writes() == []
    result = module("pritunl_server", wanted, diff=True)
    assert result["diff"] == planned["diff"]
    [server] = list(pritunl.servers.values())
    assert server["dns_servers"] == ["10.120.0.2"] and server["search_domain"] == ",".join(SERVED)
    assert module("pritunl_server", wanted)["changed"] is False

    fewer = served(pritunl, SERVED[:2])
    result = module("pritunl_server", fewer, diff=True)
    assert result["actions"][1] == "update server management: search_domain"
    assert result["diff"]["after"]["search_domain"] == "management.internal,development.internal"


def test_a_bad_search_domain_is_refused_before_any_request(pritunl, module):
    result = module("pritunl_server", served(pritunl, ["ok.internal", "bad domain"]))
    assert result.failed and "search_domains[1]" in result["msg"]
    assert pritunl.log == []
