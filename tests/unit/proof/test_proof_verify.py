"""network_verify and the role's default intents over the hand-built demo (no AWS calls)."""

import os

import pytest
import yaml

import proof_handmade as h
from ansible_collections.refarch.network.plugins.module_utils import reachability as r

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def default_intents(db_port=5432):
    with open(os.path.join(ROOT, "roles", "network_verify", "defaults", "main.yml")) as f:
        defaults = yaml.safe_load(f)
    text = yaml.safe_dump(defaults["network_verify_intents"])
    text = text.replace("'{{ network_verify_db_port }}'", str(db_port))
    text = text.replace("{{ network_verify_vpn_environment }}", defaults["network_verify_vpn_environment"])
    assert "{{" not in text
    return yaml.safe_load(text)


def verify(module, envs, intents=None, **extra):
    args = dict(facts=list(envs.values()), intents=intents or default_intents())
    args.update(extra)
    return module("network_verify", args)


def test_default_intents_hold_on_the_demo(module):
    result = verify(module, h.demo())
    assert not result.failed, result.get("msg")
    assert result["counts"] == {"pass": len(result["results"]), "violated": 0, "unverifiable": 0}
    # per-environment intents are expanded for each of the three environments
    names = [x["name"] for x in result["results"]]
    assert "internet reaches the public load balancers (production)" in names
    assert "internet reaches the public load balancers (development)" in names
    assert len(result["results"]) == 9 * 3 + 6 + 1
    assert result["changed"] is False and result["actions"] == []


def test_deleted_route_names_intent_and_component(module):
    envs = h.demo()
    table = envs["production"]["route_tables"]["rtb-production-private-b"]
    table["routes"] = [x for x in table["routes"] if x["destination"] != "0.0.0.0/0"]
    result = verify(module, envs)
    assert result.failed
    assert result["violations"] == [
        "private tier reaches the internet through NAT (production): expected allow, tcp/443 "
        "production/subnet/private/us-east-1b -> internet is blocked by route-table rtb-production-private-b "
        "(production rtb/private/us-east-1b) [forward]: no route to the internet"]
    assert result["msg"].startswith("1 of 34 intents do not hold:\n- private tier reaches the internet")


def test_group_open_to_the_world_names_the_path(module):
    envs = h.demo()
    db = envs["production"]["security_groups"]["sg-production-persistence"]
    db["ingress"].append(h.sg_rule("tcp", 5432, cidrs=["0.0.0.0/0"]))
    result = verify(module, envs)
    assert result.failed
    [violation] = result["violations"]
    assert violation.startswith("load balancers cannot reach persistence (production): expected deny, tcp/5432 "
                                "production/subnet/public/us-east-1a -> production/subnet/persistence/us-east-1a "
                                "is allowed via ")
    assert "security-group sg-production-persistence (production sg/persistence) [ingress]" in violation


def test_development_production_peering_is_a_violation(module):
    envs = h.demo()
    h.peer(envs["development"], envs["production"])
    result = verify(module, envs)
    violated = dict((x["name"], x) for x in result["results"] if x["status"] == "violated")
    assert sorted(violated) == ["development cannot reach production", "production cannot reach development"]
    assert any(hop["id"] == "pcx-development-production" for hop in violated["development cannot reach production"]["path"])
    assert "pcx-development-production (development pcx/production)" in result["msg"]


def test_missing_components_are_unverifiable_not_passed(module):
    envs = {"production": h.environment("production", 130)}
    result = verify(module, envs)
    assert not result.failed, result.get("msg")
    assert result["counts"]["unverifiable"] == 7
    assert "VPN clients reach the private subnets: unverifiable: environment 'management' has no network facts in " \
           "this run" in result["unverifiable"]
    assert any("unverifiable" in str(w) for w in result.get("warnings", []))
    failed = verify(module, envs, unverifiable="fail")
    assert failed.failed and "7 of 16 intents do not hold" in failed["msg"]


@pytest.mark.parametrize("mode", ["warn", "ignore"])
def test_a_check_in_which_every_intent_is_unverifiable_fails(module, mode):
    # the three-tier intents over an environment that has none of those tiers: nothing proven
    intents = [i for i in default_intents() if "{env}" in i["name"]]
    facts = {"production": h.environment("production", 130)}
    absent = [dict(i, to=i["to"].replace("{env}/", "{env}/x"), **{"from": i["from"].replace("{env}/", "{env}/x")})
              for i in intents]
    result = verify(module, facts, intents=absent, unverifiable=mode)
    assert result.failed and result["counts"]["pass"] == 0
    assert result["msg"].startswith("no intent could be verified (9 of 9 unverifiable)")
    nothing = module("network_verify", dict(facts=list(facts.values()), intents=[], unverifiable=mode))
    assert nothing.failed and nothing["msg"].startswith("no intent could be verified (0 of 0 unverifiable)")
    # a first --check of an estate reads nothing built yet: a warning, not a failure
    checked = module("network_verify", dict(facts=list(facts.values()), intents=absent, unverifiable=mode),
                     check_mode=True)
    assert not checked.failed and any("no intent could be verified" in str(w) for w in checked["warnings"])


def test_bad_input_fails_clearly(module):
    result = verify(module, h.demo(), intents=[{"from": "internet", "to": "production/public", "port": 443,
                                                "expect": "maybe"}])
    assert result.failed and "expect" in result["msg"]
    result = module("network_verify", {"facts": [{"vpc": None}], "intents": []})
    assert result.failed and result["msg"] == "facts[0]: not network_info facts (no 'environment' key)"


@pytest.mark.parametrize("expect,status", [("allow", "pass"), ("deny", "violated")])
def test_check_intent_single(expect, status):
    res = r.check_intent(h.demo(), {"name": "x", "from": "internet", "to": "production/public/public_lb",
                                    "port": 443, "expect": expect})
    assert res["status"] == status
