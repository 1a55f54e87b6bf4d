"""Misspelled inventory variables: refused by the preflight, not ignored.

A variable the collection neither reads nor sets, a letter or two away from one it reads
(``peering_tier``), used to be ignored without a word: the run went on with the default.
"""

import copy
import glob
import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.vars.reserved import get_reserved_names
from jinja2 import Environment, meta

from ansible_collections.refarch.network.plugins.filter.preflight import collection_names, preflight, role_options
from ansible_collections.refarch.network.plugins.module_utils.names import edits, misspellings, unknown_option
from ansible_collections.refarch.network.plugins.module_utils.preflight import OWN_VARIABLES, known_variables, validate_run

from test_preflight import DEMO, ROOT, SINGLE, module_specs

KNOWN = known_variables(role_options()) | collection_names()
# Ansible's magic variables (docs: "Special Variables"), besides ansible_* and the reserved names
MAGIC = {"groups", "group_names", "hostvars", "inventory_dir", "inventory_file", "inventory_hostname",
         "inventory_hostname_short", "omit", "play_hosts", "playbook_dir", "role_name", "role_names", "role_path",
         "item", "lookup", "query", "q", "now", "undef"}


def lines(names, **data):
    """The preflight's lines for production with ``data`` laid over and ``names`` as all its variables."""
    environments = {"production": dict(copy.deepcopy(DEMO["production"]), **data)}
    return validate_run(environments, module_specs(), role_options=role_options(),
                        variable_names={"production": list(environments["production"]) + list(names)}, known=KNOWN)


@pytest.mark.parametrize("typo,meant", [
    ("peering_tier", "peering_tiers"), ("nat_mod", "nat_mode"), ("vpc_cdir", "vpc_cidr"), ("refarch_stat", "refarch_state"),
    ("security_group", "security_groups"), ("purge_unplaned", "purge_unplanned"), ("vpn_enable", "vpn_enabled"),
    ("eks_app_namespace", "eks_app_namespaces"), ("traefik_chart_versoin", "traefik_chart_version"),
    ("securty_grups", "security_groups"), ("az", "azs"),
])
def test_a_misspelled_variable_is_refused_naming_the_one_meant(typo, meant):
    assert lines([typo]) == ["production: %s: not a variable of the collection; did you mean %s? (a variable of "
                             "your own: list it in %s)" % (typo, meant, OWN_VARIABLES)]


@pytest.mark.parametrize("name", ["vpc_base_cidr", "env_name", "dns_reference_label", "region", "team", "cost_center",
                                  "vpc_id", "account_id", "endpoints", "public_zone", "transit_gateway", "vpc_cidr_ofset"])
def test_a_variable_unlike_the_collections_is_left_alone(name):
    assert lines([name]) == []


def test_a_look_alike_of_the_users_own_is_left_alone_when_listed():
    assert lines(["tier"], **{OWN_VARIABLES: ["tier"]}) == []
    assert lines(["tier"])[0].startswith("production: tier: not a variable of the collection; did you mean tiers?")


def test_the_own_list_must_be_a_list_of_names():
    assert lines([], **{OWN_VARIABLES: "tier"}) == [
        "production: %s: expected a list of variable names, got 'tier'" % OWN_VARIABLES]


@pytest.mark.parametrize("a,b,distance", [
    ("nat_mod", "nat_mode", 1), ("vpc_cdir", "vpc_cidr", 1), ("tiers", "tiers", 0), ("securty_grups", "security_groups", 2),
    ("vpc_id", "vpc_cidr", 2), ("account_id", "aws_account_id", 4), ("abc", "cab", 2),
])
def test_edits_counts_inserts_deletes_replacements_and_swaps(a, b, distance):
    assert edits(a, b, 5) == distance
    assert edits(a, b, distance) == distance
    if distance:
        assert edits(a, b, distance - 1) == distance   # over the limit: limit + 1


def test_an_unknown_option_is_named_where_it_is_with_the_one_meant():
    groups = copy.deepcopy(DEMO["production"]["security_groups"])
    groups[0]["ingres"] = groups[0].pop("ingress")
    groups[1]["ingress"][0]["port"] = groups[1]["ingress"][0].pop("ports")
    tiers = copy.deepcopy(DEMO["production"]["tiers"])
    tiers[2]["prefx"] = tiers[2].pop("prefix")
    found = lines([], security_groups=groups, tiers=tiers)
    assert "production: tiers: missing required arguments: prefix found in tiers" in found   # the spec's own word on it
    assert sorted(line.split(" (known")[0] for line in found if "unknown option" in line) == [
        "production: security_groups[0](public_lb).ingres: unknown option; did you mean ingress?",
        "production: security_groups[1](app).ingress[0].port: unknown option; did you mean ports?",
        "production: tiers[2](persistence).prefx: unknown option; did you mean prefix?"]


def test_an_unknown_option_is_named_even_beside_a_missing_one():
    found = lines([], dns_parent_zone={"nmae": "example.com."})
    assert "production: dns_parent_zone.nmae: unknown option; did you mean name? (known: name, environment, " \
           "assume_role_arn, ttl)" in found
    assert any(line.startswith("production: dns_parent_zone.name: required") for line in found)


def test_an_unknown_option_unlike_any_lists_the_known_ones():
    assert unknown_option("zones", ["az_count", "name", "prefix"]) == "unknown option (known: az_count, name, prefix)"
    assert unknown_option(3, ["name"]) == "unknown option (known: name)"


def test_ansible_s_own_variables_are_never_misspellings():
    names = MAGIC | set(get_reserved_names()) | {"ansible_connection", "ansible_python_interpreter", "ansible_host"}
    assert misspellings(names, KNOWN) == []


def test_the_shipped_inventories_have_no_misspelling():
    for hosts in (DEMO, SINGLE):
        for data in hosts.values():
            assert misspellings(data, KNOWN) == []


def test_what_the_collection_sets_itself_is_known():
    """Registered results and facts are host variables of the later plays of a run, and one looks like an
    input: pritunl_vpn_server (the role's registered result) is one letter from pritunl_vpn_serves."""
    assert {"network_verify_info", "run_lock_held", "refarch_dns_state", "pritunl_vpn_server", "preflight_validated",
            "refarch_eks_plugin"} <= collection_names()
    assert misspellings(collection_names(), known_variables(role_options())) == [("pritunl_vpn_server", "pritunl_vpn_serves")]
    assert misspellings(collection_names(), KNOWN) == []


def _templates():
    """Every template string of the playbooks and roles (task values, conditions, .j2 files)."""
    def strings(node, condition=False):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from strings(value, key in ("when", "until", "changed_when", "failed_when", "that"))
        elif isinstance(node, list):
            for value in node:
                yield from strings(value, condition)
        elif isinstance(node, str) and condition:
            yield "{{ %s }}" % node
        elif isinstance(node, str) and ("{{" in node or "{%" in node):
            yield node
    for path in glob.glob(os.path.join(ROOT, "playbooks", "**", "*.yml"), recursive=True) + glob.glob(
            os.path.join(ROOT, "roles", "*", "*", "*.yml")):
        with open(path) as f:
            yield from strings(yaml.safe_load(f))
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "templates", "*.j2")):
        with open(path) as f:
            yield f.read()


class _AnyName(dict):
    """Filters and tests by any name: only the variables a template reads matter here."""
    def get(self, key, default=None):
        return lambda *args, **kwargs: None

    def __contains__(self, key):
        return True


def test_every_variable_the_playbooks_read_is_known():
    """PLAYBOOK_VARIABLES is complete: a variable the playbooks read and nothing in the collection sets
    is an input, and a misspelling of it must be caught like any other's."""
    env = Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    env.filters, env.tests = _AnyName(), _AnyName()
    read = set()
    for template in _templates():
        read |= meta.find_undeclared_variables(env.parse(template))
    inputs = set(name for name in read if not name.startswith("ansible_")) - MAGIC - set(collection_names())
    assert inputs - known_variables(role_options()) == set()
    assert "eks_app_namespaces" in inputs   # the scan sees the playbooks' own reads


def test_the_filter_refuses_a_misspelling_before_any_write():
    hostvars = copy.deepcopy(DEMO)
    hostvars["development"]["peering_tier"] = ["private"]
    with pytest.raises(AnsibleFilterError, match="development: peering_tier: not a variable of the collection; "
                                                 "did you mean peering_tiers"):
        preflight(hostvars, list(hostvars))
