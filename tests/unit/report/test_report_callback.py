"""The report callback's bookkeeping: what it keeps of each refarch.network result, and the
sections a run without them carries from the previous report of the same environments."""

import json

import report_facts as rf
from ansible_collections.refarch.network.plugins.callback.report import CallbackModule
from fake_results import Result


def test_results_feed_facts_verification_dns_and_changes():
    cb = CallbackModule()
    facts = rf.h.environment("production", 130)
    cb.v2_runner_on_ok(Result("production", "refarch.network.network_info", {"network_facts": facts, "actions": []}))
    cb.v2_runner_on_ok(Result("production", "refarch.network.vpc_tiers", {"changed": True, "actions": ["create vpc x"]}))
    cb.v2_runner_on_ok(Result("production", "refarch.network.dns_zones", {
        "changed": False, "actions": [],
        "public_zone": {"id": "ZPUB", "name": "prd.example.com.", "parent_zone_id": "ZROOT"},
        "reference": {"environment": "production", "vpc_id": "vpc-1", "resolver": "10.130.0.2"}}))
    cb.v2_runner_on_ok(Result("management", "refarch.network.network_verify", {
        "results": [{"name": "x", "status": "pass"}], "counts": {"pass": 1}}))
    cb.v2_runner_on_failed(Result("production", "refarch.network.vpc_endpoints", {"msg": "boom"}))
    cb.v2_runner_on_ok(Result("production", "ansible.builtin.debug", {"msg": "ignored"}))
    assert cb.facts == {"production": facts}
    assert cb.verification == {"results": [{"name": "x", "status": "pass"}], "counts": {"pass": 1}}
    assert cb.public_zones == {"production": [{"id": "ZPUB", "name": "prd.example.com.", "private": False}]}
    assert cb.delegations == [{"zone": "prd.example.com.", "parent": "ZROOT", "env": "production"}]
    assert cb.references["production"]["label"] == "production" and cb.references["production"]["resolver"] == "10.130.0.2"
    statuses = dict(((e, m), c["status"]) for (e, m), c in cb.changes.items())
    assert statuses == {("production", "network_info"): "ok", ("production", "vpc_tiers"): "changed",
                        ("production", "dns_zones"): "ok", ("management", "network_verify"): "ok",
                        ("production", "vpc_endpoints"): "FAILED"}


def test_missing_sections_come_from_the_previous_report_of_the_same_environments(tmp_path):
    path = str(tmp_path / "report.html")
    a, b = {"vpc": {"id": "vpc-a"}}, {"vpc": {"id": "vpc-b"}}
    previous = {"run": {"playbooks": ["site.yml"], "finished": "t1"}, "facts": {"a": a, "b": b},
                "verification": {"results": [], "counts": {"pass": 3}}, "dns": {"references": [{"environment": "a"}]},
                "public_zones": {"a": [{"id": "Z"}]}}
    with open(path + ".json", "w") as f:
        json.dump(previous, f)
    cb = CallbackModule()
    data = {"facts": {"b": b, "a": a}, "verification": None, "dns": None, "public_zones": {}}
    cb._carry(data, path)
    assert data["verification"] == {"results": [], "counts": {"pass": 3}, "from": "site.yml, t1"}
    assert data["dns"]["from"] == "site.yml, t1" and data["public_zones"] == {"a": [{"id": "Z"}]}
    for facts in ({"a": a}, {"a": a, "b": {"vpc": {"id": "vpc-rebuilt"}}}):
        other = {"facts": facts, "verification": None, "dns": None, "public_zones": {}}
        cb._carry(other, path)
        assert other["verification"] is None and other["dns"] is None and other["public_zones"] == {}
