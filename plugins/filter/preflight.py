# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import importlib
import os

import yaml
from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

# Ansible loads every filter file of the collection to find any one of them (Jinja2Loader), in
# each worker process: what this filter needs (the modules, and with them boto3; the roles' YAML)
# is loaded on its first call, not with the file.
MODULES = ("dns_zones", "eks_irsa", "organization_accounts", "security_groups", "service_subnet_groups",
           "transit_gateway", "vpc_endpoints", "vpc_peering", "vpc_tiers")
COLLECTION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ROLES = os.path.join(COLLECTION, "roles")
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _validation():
    from ansible_collections.refarch.network.plugins.module_utils import preflight as validation
    return validation


@functools.lru_cache(maxsize=None)
def module_specs():
    """Each module's own argument spec: the preflight validates the options exactly as the module will."""
    return dict((name, importlib.import_module("ansible_collections.refarch.network.plugins.modules." + name).ARGUMENT_SPEC)
                for name in MODULES)


def _yaml(*path):
    try:
        with open(os.path.join(ROLES, *path)) as f:
            return yaml.load(f, Loader=YAML_LOADER) or {}
    except (IOError, OSError, yaml.YAMLError):
        return {}


@functools.lru_cache(maxsize=None)
def role_defaults(role, prefix):
    """The plain (untemplated) defaults of one of the collection's roles, read from its defaults file:
    the module options that role gives when the inventory says nothing (pritunl_vpn calls vpn_instance;
    its defaults, pritunl_vpn_client_cidr..., are not host variables)."""
    return dict((k, v) for k, v in _yaml(role, "defaults", "main.yml").items()
                if k.startswith(prefix) and "{{" not in repr(v))


@functools.lru_cache(maxsize=None)
def role_options():
    """{variable: its option} from the main entry point of every role's meta/argument_specs.yml."""
    options = {}
    for role in sorted(os.listdir(ROLES)) if os.path.isdir(ROLES) else []:
        spec = _yaml(role, "meta", "argument_specs.yml")
        options.update(((spec.get("argument_specs") or {}).get("main") or {}).get("options") or {})
    return options


def _set_names(node):
    """The variables a task list, play or vars file sets: register, set_fact, vars, loop_var."""
    if isinstance(node, list):
        return set().union(*[_set_names(item) for item in node]) if node else set()
    if not isinstance(node, dict):
        return set()
    names = set()
    for key, value in node.items():
        if key == "register" or key == "loop_var":
            names.add(value)
        elif key in ("vars", "set_fact", "ansible.builtin.set_fact") and isinstance(value, dict):
            names.update(name for name in value if name != "cacheable")
        names |= _set_names(value)
    return names


@functools.lru_cache(maxsize=None)
def collection_names():
    """Every variable the collection's playbooks and roles set themselves (their registered results and
    facts are host variables of the later plays of a run): none is a misspelling of the user's."""
    names = set()
    for top in ("playbooks", "roles"):
        for folder, _dirs, files in os.walk(os.path.join(COLLECTION, top)):
            kind = os.path.basename(folder)
            if top == "roles" and kind not in ("tasks", "handlers", "defaults", "vars"):
                continue
            for name in files:
                if name.endswith((".yml", ".yaml")):
                    data = _yaml(os.path.join(folder, name))  # absolute: os.path.join keeps it
                    names |= set(data) if kind in ("defaults", "vars") and isinstance(data, dict) else _set_names(data)
    return frozenset(name for name in names if isinstance(name, str))


def plain(value):
    """A host variable as plain data, evaluated all the way down (a template error shows here;
    from ansible-core 2.19 an undefined name is a value, not an error, until it is used)."""
    if isinstance(value, Undefined):
        raise ValueError(getattr(value, "_undefined_message", "undefined"))
    if isinstance(value, dict):
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def inventory(hostvars, present):
    """({environment: {variable: value}}, {environment: {variable: why it cannot be evaluated}},
    {environment: the names of all its variables})."""
    environments, unreadable, names = {}, {}, {}
    for name in present:
        data, found = hostvars[name], {}
        names[name] = list(data)
        known = _validation().INVENTORY_VARIABLES
        for var in sorted(set(known) | set(role_options())):
            try:
                if var in data:
                    found[var] = plain(data[var])
            except Exception as e:  # pylint: disable=broad-except  # any template error is the input's
                # but a role variable may name the role's own defaults (network_verify_single_vpc_intents),
                # which only the role's task sees: its module checks it there
                if var in known:
                    unreadable.setdefault(name, {})[var] = str(e).splitlines()[0] if str(e) else type(e).__name__
        environments[name] = found
    return environments, unreadable, names


def preflight(hostvars, present):
    present = sorted(present)
    environments, unreadable, names = inventory(hostvars, present)
    errors = _validation().validate_run(environments, module_specs(), unreadable, role_defaults("pritunl_vpn", "pritunl_vpn_"),
                                        role_options(), names, _validation().known_variables(role_options()) | collection_names())
    if errors:
        raise AnsibleFilterError("Invalid input, refused before any AWS write (%d error%s):\n%s" % (
            len(errors), "" if len(errors) == 1 else "s", "\n".join(errors)))
    return present


class FilterModule(object):
    def filters(self):
        return {"preflight": preflight}
