"""pritunl_server's pure diff (snapshots as plain dicts, as pritunl_api.read_server returns
them), and its handlers run by the engine against a recording stand-in of the API client."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils import pritunl_api as api
from ansible_collections.refarch.network.plugins.module_utils.engine import ExecutionFailed, Ids, Run, execute
from ansible_collections.refarch.network.plugins.module_utils.pritunl_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.pritunl_diff import (
    diff_absent, diff_present, planned_view, view,
)

ORG = {"id": "o1", "name": "refarch"}


def params(**extra):
    base = dict(name="management", network="172.27.224.0/20", port=1194, protocol="udp", dns_servers=None,
                vpc_cidr="10.120.0.0/16", search_domain="management.internal",
                routes=["10.120.0.0/16", "10.110.0.0/16"], allowed_networks=None)
    base.update(extra)
    return base


def snapshot(server=None, routes=(), attached=(), organizations=None):
    return dict(server=server, routes=list(routes), attached=list(attached),
                organizations={"refarch": "o1"} if organizations is None else organizations)


def diff(snap, started=True, nat=True, organizations=("refarch",), **extra):
    settings, wanted = api.desired_settings(params(**extra))
    return diff_present(settings, wanted, nat, list(organizations), snap, started)


def current(status="online", **extra):
    return dict(api.desired_settings(params(**extra))[0], id="s1", status=status)


CONVERGED_ROUTES = [{"network": "10.120.0.0/16", "nat": True}, {"network": "10.110.0.0/16", "nat": True},
                    {"network": "172.27.224.0/20", "virtual_network": True}]


def test_a_new_server_is_created_routed_attached_and_started():
    actions = diff(snapshot())
    assert [a.text for a in actions] == [
        "create server management", "add route 10.120.0.0/16 (nat on)", "add route 10.110.0.0/16 (nat on)",
        "remove route 0.0.0.0/0", "attach organization refarch", "start server management"]
    assert [a.op for a in actions] == ["create_server", "add_route", "add_route", "remove_route",
                                       "attach_organization", "start"]
    body = actions[0]["body"]
    assert body["dns_servers"] == ["10.120.0.2"] and body["search_domain"] == "management.internal"
    assert actions[1]["body"] == {"network": "10.120.0.0/16", "nat": True, "comment": "refarch"}
    assert actions[4]["organization_id"] == "o1"


def test_a_converged_running_server_needs_nothing():
    assert diff(snapshot(current(), CONVERGED_ROUTES, [ORG])) == []


def test_changing_a_running_server_stops_it_first_and_starts_it_last():
    routes = [{"network": "10.120.0.0/16", "nat": True}, {"network": "0.0.0.0/0", "nat": True}]
    texts = [a.text for a in diff(snapshot(current(), routes, [ORG]), search_domain="other.internal")]
    assert texts[0] == "stop server management to change it" and texts[-1] == "start server management"
    assert "update server management: search_domain" in texts
    assert "remove route 0.0.0.0/0" in texts and "add route 10.110.0.0/16 (nat on)" in texts


def test_routed_mode_switches_nat_off_on_existing_routes():
    routes = [{"network": "10.120.0.0/16", "nat": True}, {"network": "10.110.0.0/16", "nat": False}]
    actions = diff(snapshot(current("offline"), routes, [ORG]), nat=False)
    assert [(a.op, a.text) for a in actions] == [("set_route", "set nat off on route 10.120.0.0/16"),
                                                 ("start", "start server management")]
    assert actions[0]["body"] == {"network": "10.120.0.0/16", "nat": False, "comment": "refarch"}


def test_routes_pritunl_manages_are_never_touched():
    routes = CONVERGED_ROUTES + [{"network": "10.0.0.0/8", "server_link": True}]
    assert diff(snapshot(current(), routes, [ORG])) == []


def test_other_organizations_are_never_detached():
    other = {"id": "o2", "name": "contractors"}
    assert diff(snapshot(current(), CONVERGED_ROUTES, [ORG, other])) == []


def test_a_stopped_server_is_started_and_started_false_stops_it():
    assert [a.text for a in diff(snapshot(current("offline"), CONVERGED_ROUTES, [ORG]))] == ["start server management"]
    assert [a.text for a in diff(snapshot(current(), CONVERGED_ROUTES, [ORG]), started=False)] == ["stop server management"]


def test_an_organization_not_made_yet_has_no_id():
    actions = diff(snapshot(organizations={}))
    [attach] = [a for a in actions if a.op == "attach_organization"]
    assert attach["organization"] == "refarch" and attach["organization_id"] is None


def test_absent_deletes_only_an_existing_server():
    assert [a.text for a in diff_absent("management", snapshot(current(), CONVERGED_ROUTES, [ORG]))] == [
        "delete server management"]
    assert diff_absent("management", snapshot()) == []


def test_views_for_diff_and_check_mode():
    snap = snapshot(current(), CONVERGED_ROUTES, [ORG])
    before = view(snap)
    assert before["routes"] == ["10.110.0.0/16 (nat)", "10.120.0.0/16 (nat)"] and before["status"] == "online"
    settings, wanted = api.desired_settings(params(routes=["10.120.0.0/16"]))
    actions = diff_present(settings, wanted, False, ["refarch"], snap, True)
    after = planned_view(before, settings, wanted, False, ["refarch"], actions)
    assert after["routes"] == ["10.120.0.0/16"] and after["organizations"] == ["refarch"]
    assert after["status"] == "online"  # stopped to change it, started again
    new = planned_view({}, settings, wanted, False, [], diff_present(settings, wanted, False, [], snapshot(), True))
    assert new["status"] == "offline" and new["organizations"] == []  # no organization: it cannot start
    assert view(snapshot()) == {}


class Api(object):
    """Records requests; answers POST /server with a new id; refuses what ``refuse`` names."""

    def __init__(self, refuse=None):
        self.requests = []
        self.refuse = refuse or {}

    def request(self, method, path, body=None):
        self.requests.append((method, path))
        if (method, path) in self.refuse:
            raise api.PritunlError(self.refuse[(method, path)], "%s %s: refused" % (method, path))
        return {"id": "new1"} if (method, path) == ("POST", "/server") else {}


class Module(object):
    check_mode = False


def test_handlers_address_the_new_server_by_the_id_it_was_given():
    client = Api(refuse={("DELETE", "/server/new1/route/%s" % api.route_id("0.0.0.0/0")): 404})
    run = Run(ids=Ids(), api=client)
    assert execute(Module(), diff(snapshot()), HANDLERS, run) is True
    assert client.requests == [
        ("POST", "/server"), ("POST", "/server/new1/route"), ("POST", "/server/new1/route"),
        ("DELETE", "/server/new1/route/%s" % api.route_id("0.0.0.0/0")),  # already gone: done
        ("PUT", "/server/new1/organization/o1"), ("PUT", "/server/new1/operation/start")]


def test_a_refused_request_stops_the_run_and_names_the_action():
    routes = [{"network": "10.120.0.0/16", "nat": True}]
    client = Api(refuse={("POST", "/server/s1/route"): 400})
    with pytest.raises(ExecutionFailed) as failed:
        execute(Module(), diff(snapshot(current(), routes, [ORG])), HANDLERS, Run(ids=Ids({"server": "s1"}), api=client))
    assert failed.value.action.text == "add route 10.110.0.0/16 (nat on)"
    assert failed.value.done == ["stop server management to change it"] and failed.value.error.status == 400
