# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight: every environment of a run validated before the run's first AWS write.

Pure: no AWS call. Each environment's inventory variables become each module's options
exactly as ``playbooks/*.yml`` pass them, go through that module's own argument spec (defaults
applied, types converted), then through its own planner (``plan``, ``sg_plan``,
``endpoint_plan``, ``subnet_group_plan``, ``dns_diff.plan_dns``, ``peering_plan``, ``vpn``,
``irsa``, ``accounts``): nothing a planner validates is validated again here. What is here is
what no single module can see before its own turn:

- references between concerns: a tier named by peering, the transit gateway, an endpoint, a
  subnet group, the VPN or the EKS persistence CIDRs must be a tier of the environment's plan;
  an endpoint's security group must be one of the environment's groups;
- booleans given as strings (the modules would convert ``"false"``; a filter or ``bool()``
  would not): every boolean inventory field must be a real boolean;
- tags that only meet on one resource (the resource tags with a tier's or a group's);
- misspelled variable names: a variable the collection neither reads nor sets, a letter or two
  away from one it reads (``peering_tier``), would otherwise be ignored without a word.

Every error is collected, not only the first: ``<environment>: <inventory field>: <reason>``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.refarch.network.plugins.module_utils import accounts, irsa, peering_plan, vpn
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import plan_dns
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import plan_endpoints
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.names import misspellings, unknown_option
from ansible_collections.refarch.network.plugins.module_utils.plan import MAX_TAGS, OWN_TAGS, USER_TAG_LIMIT, check_user_tags
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import plan_groups
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import plan_subnet_groups
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import check_flow_logs, desired_tags, plan_from_params

# (inventory variable, module option) as the playbooks pass them. The same pairs turn a
# planner's field (groups[0].ingress[0]) back into the inventory's (security_groups[0].ingress[0]).
COMMON = (("owner", "owner"), ("resource_tags", "tags"), ("refarch_state", "state"))
VPC = COMMON + (("vpc_name", "name"), ("vpc_cidr", "cidr"), ("azs", "azs"), ("az_slots", "az_slots"), ("tiers", "tiers"),
                ("nat_mode", "nat_mode"), ("required_prefix", "required_prefix"),
                ("lockdown_default_sg", "lockdown_default_sg"), ("flow_logs", "flow_logs"), ("purge_unplanned", "purge"),
                ("refarch_account_limits", "account_limits"))
GROUPS = COMMON + (("security_groups", "groups"), ("purge_unplanned", "purge_groups"))
ENDPOINTS = COMMON + (("vpc_endpoints.subnet_tier", "subnet_tier"), ("vpc_endpoints.security_groups", "security_groups"),
                      ("vpc_endpoints.endpoints", "endpoints"), ("purge_unplanned", "purge_endpoints"))
SUBNET_GROUPS = COMMON + (("service_subnet_groups", "groups"), ("purge_unplanned", "purge_groups"))
DOMAIN_ZONE = COMMON + (("dns_domain_zone", "public_zone.name"), ("dns_domain_zone", "public_zone"))
DNS = COMMON + (("dns_private_zone", "private_zone.name"), ("dns_private_zone_vpcs", "private_zone.vpcs"),
                ("dns_parent_zone.name", "public_zone.parent_zone.name"), ("dns_parent_zone.ttl", "public_zone.parent_zone.ttl"),
                ("dns_parent_zone", "public_zone.parent_zone"), ("dns_public_zone", "public_zone.name"),
                ("dns_public_zone", "public_zone"), ("dns_records", "records"), ("dns_vpc_id", "vpc_id"))
VPN = (("owner", "owner"), ("refarch_state", "state"), ("pritunl_vpn_image_id", "image_id"),
       ("pritunl_vpn_instance_type", "instance_type"), ("pritunl_vpn_root_volume_size", "root_volume_size"),
       ("pritunl_vpn_replace", "replace"), ("pritunl_vpn_subnet_tier", "subnet_tier"), ("pritunl_vpn_port", "vpn_port"),
       ("pritunl_vpn_protocol", "vpn_protocol"), ("pritunl_vpn_admin_cidrs", "admin_cidrs"),
       ("pritunl_vpn_ssh_cidrs", "ssh_cidrs"), ("pritunl_vpn_allow_world_console", "allow_world_console"),
       ("pritunl_vpn_mode", "mode"), ("pritunl_vpn_client_cidr", "client_cidr"), ("pritunl_vpn_peers", "peers"),
       ("pritunl_vpn_dns_zone", "dns_zone"), ("pritunl_vpn_dns_record", "dns_record"))
# The load balancer controller's policy and chart: the policy must be the one of the controller it runs.
LBC_POLICY, LBC_CHART = "eks_load_balancer_controller_policy", "aws_load_balancer_controller_chart_version"
IRSA = COMMON + (("eks_cluster_name", "cluster_name"), ("eks_public_zone", "zone_name"),
                 (LBC_POLICY, "aws_load_balancer_controller_policy"))
ACCOUNT = (("aws_account_name", "accounts[0].name"), ("aws_account_email", "accounts[0].email"),
           ("aws_account_role", "accounts[0].role_name"), ("aws_organizational_unit", "organizational_unit"))
# Booleans no module option stands for (the filters and conditions of the playbooks read them).
BOOLEANS = ("vpn_enabled", "pritunl_vpn_validate_certs", "peering_dns_resolution", "transit_gateway_hub",
            "dns_split_horizon")
DNS_PARENT_KEYS = ("name", "environment", "assume_role_arn", "ttl")
ENDPOINTS_KEYS = ("subnet_tier", "security_groups", "endpoints")

# The EKS plugins' names (playbooks/eks_plugins.yml): namespaces are DNS-1123 labels, service accounts subdomains.
EKS_NAMES = dict((name, irsa.LABEL_RE if name.endswith("_namespace") else irsa.SUBDOMAIN_RE) for name in (
    "external_dns_namespace", "external_dns_service_account", "cert_manager_namespace", "cert_manager_service_account",
    "aws_load_balancer_controller_namespace", "aws_load_balancer_controller_service_account", "traefik_namespace"))

# The user's own variables that look like the collection's (not misspellings of them).
OWN_VARIABLES = "refarch_own_variables"
# Every variable the preflight reads from an environment's host vars.
INVENTORY_VARIABLES = tuple(sorted(set(
    [pair[0].split(".")[0] for pairs in (VPC, GROUPS, ENDPOINTS, SUBNET_GROUPS, DOMAIN_ZONE, DNS, VPN, IRSA, ACCOUNT)
     for pair in pairs] + list(BOOLEANS) + list(peering_plan.INVENTORY_KEYS) + [
        "aws_account_id", "eks_persistence_cidrs", "eks_database_ports", "refarch_org_tags", "pritunl_vpn_distribution",
        "pritunl_vpn_image_ssm_parameters", "eks_acme_email", "eks_plugins_mode", OWN_VARIABLES] + list(EKS_NAMES))))
# Variables the playbooks read that no module or role option stands for (a unit test holds this list to
# the playbooks' and roles' templates).
PLAYBOOK_VARIABLES = ("eks_app_namespaces", "eks_external_dns_policy", "eks_kubeconfig", "eks_render_dir", "eks_vpc_id",
                      "refarch_diagram_dir", "refarch_org_owner", "refarch_unlock_run")
# A region's name (us-east-1, us-gov-west-1, eu-isoe-west-1) and a zone's (us-east-1a): the zone names its region.
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
ZONE_RE = re.compile(r"^([a-z]{2}(-[a-z]+)+-[0-9]+)[a-z]$")
# Domains Let's Encrypt refuses in an ACME contact (reserved for examples and tests, RFC 2606/6761);
# the demo inventories' placeholder (set-me@acme-contact.invalid) is one of them on purpose.
ACME_REFUSED = re.compile(r"(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$")

_FAILED = object()
_MISSING = object()


def inventory_field(field, pairs):
    """A module's field (``groups[0](app).tags``) as the inventory names it (``security_groups[0](app).tags``)."""
    for inventory, option in sorted(pairs, key=lambda pair: -len(pair[1])):
        if field == option or field.startswith((option + ".", option + "[", option + "(")):
            return inventory + field[len(option):]
    return field


def lookup(data, path, default=_MISSING):
    """``data[a][b]`` for the path ``a.b``, or ``default`` when a step is missing."""
    for step in path.split("."):
        if not isinstance(data, dict) or step not in data:
            return default
        data = data[step]
    return data


def string_booleans(value, option, field):
    """(field, value) for each boolean option given anything but true or false: the modules
    would read the string "false" as false, ``bool()`` in a filter as true; both are refused."""
    if value is None:
        return []
    if option.get("type") == "bool":
        return [] if isinstance(value, bool) else [(field, value)]
    found, sub = [], option.get("options") or {}
    if option.get("type") == "list" and isinstance(value, list):
        items = [("%s[%d]" % (field, index), item) for index, item in enumerate(value)]
    else:
        items = [(field, value)]
    for where, item in items:
        if isinstance(item, dict):
            for name, suboption in sub.items():
                found += string_booleans(item.get(name), suboption, "%s.%s" % (where, name))
    return found


UNSUPPORTED = "Unsupported parameters: "


def _messages(result):
    """An argument spec validation's errors as AnsibleModule words them."""
    return [(UNSUPPORTED if isinstance(error, UnsupportedError) else "") + error.msg for error in result.errors]


def unknown_keys(value, spec, field):
    """(field of the key, why) for every key, at any depth of ``value``, that the suboptions of the
    option ``spec`` do not know: ``tiers[0](public).prefx``, with the option meant (``prefix``). A list
    item is named by its index and its ``name``, as the planners name them."""
    options = spec.get("options")
    if not options:
        return
    if spec.get("type") == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            name = item.get("name") if isinstance(item, dict) else None
            label = "%s[%d]%s" % (field, index, "(%s)" % name if isinstance(name, str) else "")
            yield from unknown_keys(item, dict(spec, type="dict"), label)
        return
    if not isinstance(value, dict):
        return
    known = sorted(set(options) | set(alias for option in options.values() for alias in option.get("aliases") or ()))
    for key in sorted(value, key=str):
        if key not in known:
            yield "%s.%s" % (field, key), unknown_option(key, sorted(options))
    for key, option in sorted(options.items()):
        if key in value:
            yield from unknown_keys(value[key], option, "%s.%s" % (field, key))


class Preflight(object):
    """The errors of one run, in order, each once: ``<environment>: <field>: <reason>``."""

    def __init__(self, specs):
        self.specs = specs
        self.lines = []

    def add(self, env, field, reason):
        line = "%s: %s: %s" % (env, field, reason)
        if line not in self.lines:
            self.lines.append(line)

    def call(self, env, pairs, function, *args):
        """``function(*args)``, or _FAILED with its InputError recorded under the inventory's name."""
        try:
            return function(*args)
        except InputError as e:
            self.add(env, inventory_field(e.field, pairs), e.reason)
            return _FAILED

    def options(self, env, module, pairs, data, built=None):
        """The options the playbook gives ``module`` (``pairs`` from inventory variables, plus
        ``built`` ones), through the module's argument spec; _FAILED when the spec refuses them."""
        spec = self.specs[module]
        params = dict(built or {})
        for inventory, option in pairs:
            value = lookup(data, inventory)
            if value is not _MISSING and option in spec and option not in params:
                params[option] = value
        ok = True
        for option, value in params.items():
            field = inventory_field(option, pairs)
            for path, raw in string_booleans(value, spec[option], field):
                self.add(env, path, "expected true or false (unquoted), got %r" % (raw,))
            messages = _messages(ArgumentSpecValidator({option: spec[option]}).validate({option: value}))
            unknown = list(unknown_keys(value, spec[option], field))
            for path, reason in unknown:   # said where, and which option was meant, not "Unsupported parameters"
                self.add(env, path, reason)
            messages = [message for message in messages if not (unknown and message.startswith(UNSUPPORTED))]
            for message in messages:
                if not any(message in other for other in messages if other != message):
                    self.add(env, field, message)
            ok = ok and not messages and not unknown
        if not ok:
            return _FAILED
        result = ArgumentSpecValidator(spec).validate(params)
        for message in _messages(result):
            self.add(env, module, message)
        return _FAILED if result.error_messages else result.validated_parameters

    def tier(self, env, tiers, field, name):
        """A reference to a tier: it must be one of the environment's (``tiers``; None: unknown)."""
        if tiers is not None and name not in tiers:
            self.add(env, field, "%r is not a tier of %s (tiers: %s)" % (name, env, ", ".join(tiers)))

    def merged_tags(self, env, resource_tags, tags, field):
        """A resource carrying the resource tags and its own (a tier's, a group's) within AWS's 50."""
        if not (tags and isinstance(tags, dict) and isinstance(resource_tags, dict)):
            return   # alone, each is checked where it is given
        merged = dict(resource_tags, **tags)
        if len(merged) > USER_TAG_LIMIT:
            self.add(env, field, "%d tags with resource_tags; AWS allows %d on a resource and the collection adds up "
                                 "to %d of its own, so at most %d" % (len(merged), MAX_TAGS, len(OWN_TAGS), USER_TAG_LIMIT))


def known_variables(role_options=()):
    """Every variable an inventory may set for the collection: the modules' (``INVENTORY_VARIABLES``),
    the roles' (``role_options``) and those the playbooks read themselves."""
    return frozenset(INVENTORY_VARIABLES) | frozenset(role_options) | frozenset(PLAYBOOK_VARIABLES)


def _misspelled(check, env, names, known, own):
    """A variable the collection never reads but one letter or two away from one it does: refused, as the
    run would go on without it (``refarch_stat: absent`` builds the environment it meant to remove)."""
    if own is not None and not (isinstance(own, list) and all(isinstance(name, str) for name in own)):
        check.add(env, OWN_VARIABLES, "expected a list of variable names, got %r" % (own,))
        own = None
    for name, meant in misspellings(names, set(known) | set(own or ())):
        check.add(env, name, "not a variable of the collection; did you mean %s? (a variable of your own: list it "
                             "in %s)" % (meant, OWN_VARIABLES))


def role_variables(check, env, data, role_options):
    """The variables of the collection's roles that an inventory sets, each through its role's
    argument spec: the roles are run without their own check (it would come only when the role's
    play runs, after the writes of the plays before it, and costs a task per host). A variable a
    module option stands for is checked as that option (``INVENTORY_VARIABLES``)."""
    for name in sorted(set(data) & set(role_options) - set(INVENTORY_VARIABLES)):
        for message in _messages(ArgumentSpecValidator({name: role_options[name]}).validate({name: data[name]})):
            check.add(env, name, message)


def validate_run(environments, specs, unreadable=None, role_defaults=None, role_options=None, variable_names=None, known=None):
    """Every error of the run, as lines ``<environment>: <field>: <reason>`` (empty: valid).

    ``environments``: {name: its inventory variables (``INVENTORY_VARIABLES`` that are set, and
    the ``role_options`` that are)};
    ``specs``: {module name: its argument spec} (``vpn_instance`` defaults to ``vpn.ARGUMENT_SPEC``);
    ``unreadable``: {name: {variable: why it could not be evaluated}}: reported, and the concerns
    reading such a variable are not validated further; ``role_defaults``: {variable: value}, the
    defaults of the roles that call modules (``pritunl_vpn``), for the variables an inventory leaves out;
    ``role_options``: {variable: its option in a role's argument spec};
    ``variable_names``: {name: the names of all its variables}, checked for misspellings of ``known``
    (default ``known_variables(role_options)``).
    """
    check = Preflight(dict({"vpn_instance": vpn.ARGUMENT_SPEC}, **specs))
    unreadable = unreadable or {}
    for env in sorted(unreadable):
        for var, why in sorted(unreadable[env].items()):
            check.add(env, var, "cannot be evaluated: %s" % why)
    plans, names = {}, {}
    for env in sorted(environments):
        data = dict(role_defaults or {}, **environments[env])
        broken = set(unreadable.get(env, {}))
        data["owner"] = _owner(check, env, data)
        for var in BOOLEANS:
            if data.get(var) is not None and not isinstance(data[var], bool):
                check.add(env, var, "expected true or false (unquoted), got %r" % (data[var],))
        check.call(env, (), check_user_tags, data.get("resource_tags"), "resource_tags")
        role_variables(check, env, environments[env], role_options or {})
        if variable_names and env in variable_names:
            _misspelled(check, env, variable_names[env], known_variables(role_options or {}) if known is None else known,
                        environments[env].get(OWN_VARIABLES))
        data["aws_region"] = region = _region(check, env, data)   # None when not a region (reported)
        plans[env], names[env] = _vpc(check, env, data, region) if not broken & _vars(VPC) else (None, None)
        tiers = names[env]
        groups = _security_groups(check, env, data) if not broken & _vars(GROUPS) else None
        if not broken & _vars(ENDPOINTS):
            _endpoints(check, env, data, tiers, groups)
        if not broken & _vars(SUBNET_GROUPS):
            _subnet_groups(check, env, data, tiers, plans[env])
        if not broken & (_vars(DNS) | _vars(DOMAIN_ZONE)):
            _dns(check, env, data)
        if not broken & (_vars(VPN) | {"vpn_enabled"}):
            _vpn(check, env, data, tiers)
        if not broken & (_vars(IRSA) | {"eks_persistence_cidrs", "eks_database_ports"}):
            _eks(check, env, data, tiers, plans[env], ((role_options or {}).get(LBC_CHART) or {}).get("default"))
    readable = dict((env, data) for env, data in environments.items()
                    if not set(unreadable.get(env, {})) & set(peering_plan.INVENTORY_KEYS))
    _links(check, readable, names)
    _accounts(check, environments)
    return sorted(check.lines, key=lambda line: line.split(":")[0])


def _vars(pairs):
    return set(pair[0].split(".")[0] for pair in pairs)


def _owner(check, env, data):
    owner = data.get("owner")
    if not isinstance(owner, str) or not owner.strip():
        check.add(env, "owner", "required: the environment's identity (the refarch:owner tag on everything it owns), "
                                "got %r" % (owner,))
        return env  # the other checks go on with the environment's name
    return owner


def _region(check, env, data):
    """The environment's ``aws_region``, or None when it is not set or not a region's name (reported):
    botocore would make an endpoint of any string, and the run would fail at its first AWS call."""
    region = data.get("aws_region")
    if region is not None and not (isinstance(region, str) and REGION_RE.match(region)):
        check.add(env, "aws_region", "%r is not the name of an AWS region (like us-east-1)" % (region,))
        return None
    return region


def _vpc(check, env, data, region):
    """(the environment's plan (vpc_tiers) or None when it is refused, its tier names or None
    when even they are unknown): references to tiers are checked whatever else is wrong. The zones
    must be ``region``'s: vpc_tiers would find out only after another environment's writes."""
    params = check.options(env, "vpc_tiers", VPC, data)
    if params is _FAILED:
        return None, None
    if params["flow_logs"]:
        check.call(env, VPC, check_flow_logs, params["flow_logs"])
    tiers = [tier["name"] for tier in params["tiers"] or []]
    tiers = tiers if tiers and len(set(tiers)) == len(tiers) else None
    plan = check.call(env, VPC, plan_from_params, params)
    if plan is _FAILED:
        return None, tiers
    check.call(env, VPC, desired_tags, params["owner"], params["name"] or params["owner"], plan, params["tags"])
    for index, zone in enumerate(params["azs"] if region else []):
        match = ZONE_RE.match(zone)
        if match and match.group(1) != region:
            check.add(env, "azs[%d]" % index, "%s is a zone of %s, not of aws_region %s" % (zone, match.group(1), region))
    for index, tier in enumerate(params["tiers"]):
        check.merged_tags(env, params["tags"], tier.get("tags"), "tiers[%d](%s).tags" % (index, tier["name"]))
    return plan, list(plan["tiers"])


def _security_groups(check, env, data):
    """The names of the environment's groups (security_groups), or None."""
    if "security_groups" not in data:
        return None
    params = check.options(env, "security_groups", GROUPS, data)
    if params is _FAILED:
        return None
    planned = check.call(env, GROUPS, plan_groups, params["groups"], params["owner"])
    if planned is _FAILED:
        return None
    for group in planned:
        check.merged_tags(env, params["tags"], group["tags"], inventory_field(group["field"], GROUPS) + ".tags")
    return [group["name"] for group in planned]


def _endpoints(check, env, data, tiers, groups):
    if "vpc_endpoints" not in data:
        return
    given = data["vpc_endpoints"]
    if not isinstance(given, dict):
        check.add(env, "vpc_endpoints", "expected a mapping with subnet_tier, security_groups and endpoints")
        return
    for key in sorted(set(given) - set(ENDPOINTS_KEYS)):
        check.add(env, "vpc_endpoints.%s" % key, unknown_option(key, ENDPOINTS_KEYS))
    params = check.options(env, "vpc_endpoints", ENDPOINTS, data)
    if params is _FAILED:
        return
    region = data.get("aws_region") or "us-east-1"
    if check.call(env, ENDPOINTS, plan_endpoints, params["endpoints"], params, region) is _FAILED:
        return
    known_groups = None if groups is None else set(groups) | {"default"}
    references = [("vpc_endpoints", params)] + [
        ("vpc_endpoints.endpoints[%d]" % index, item) for index, item in enumerate(params["endpoints"])]
    for field, item in references:
        if item.get("subnet_tier"):
            check.tier(env, tiers, field + ".subnet_tier", item["subnet_tier"])
        for number, name in enumerate(item.get("route_table_tiers") or []):
            check.tier(env, tiers, "%s.route_table_tiers[%d]" % (field, number), name)
        for number, name in enumerate(item.get("security_groups") or []):
            if known_groups is not None and not name.startswith("sg-") and name not in known_groups:
                check.add(env, "%s.security_groups[%d]" % (field, number), "%r is not a group of security_groups "
                          "or 'default' (groups: %s)" % (name, ", ".join(sorted(known_groups))))


def _subnet_groups(check, env, data, tiers, plan):
    if "service_subnet_groups" not in data:
        return
    params = check.options(env, "service_subnet_groups", SUBNET_GROUPS, data)
    if params is _FAILED:
        return
    planned = check.call(env, SUBNET_GROUPS, plan_subnet_groups, params["groups"], params["owner"])
    if planned is _FAILED:
        return
    for group in planned:
        field = inventory_field(group["field"], SUBNET_GROUPS)
        check.tier(env, tiers, field + ".tier", group["tier"])
        zones = set(s["az"] for s in (plan or {}).get("subnets", {}).values() if s["tier"] == group["tier"])
        if plan and group["family"] == "db" and len(zones) == 1:
            check.add(env, field + ".tier", "%s subnet groups need subnets in two availability zones; tier %r has "
                                            "only %s" % (group["kind"], group["tier"], ", ".join(zones)))
        check.merged_tags(env, params["tags"], group["tags"], field + ".tags")


def _dns(check, env, data):
    """Both dns_zones calls of playbooks/dns.yml: the domain zone, then the environment's zones."""
    if "dns_domain_zone" in data:
        params = check.options(env, "dns_zones", DOMAIN_ZONE, data, built=dict(
            private_zone={"enabled": False}, public_zone={"name": data["dns_domain_zone"]}))
        if params is not _FAILED:
            check.call(env, DOMAIN_ZONE, plan_dns, params)
    built = dict(private_zone={"name": data.get("dns_private_zone", data["owner"] + ".internal"),
                               "vpcs": data.get("dns_private_zone_vpcs", [])},
                 records=data.get("dns_records", []))
    if data.get("dns_split_horizon") is True:
        if not data.get("dns_public_zone"):
            check.add(env, "dns_split_horizon", "needs dns_public_zone: the split-horizon private zone takes its name")
            return
        public, private = str(data["dns_public_zone"]), data.get("dns_private_zone")
        if private is not None and str(private).lower().rstrip(".") != public.lower().rstrip("."):
            check.add(env, "dns_private_zone", "is %r, but dns_split_horizon names the private zone after dns_public_zone "
                                               "(%s); remove dns_private_zone or give it that name" % (private, public))
            return
        built["private_zone"]["name"] = public
    if "dns_public_zone" in data:
        built["public_zone"] = {"name": data["dns_public_zone"]}
        parent = data.get("dns_parent_zone")
        for key in sorted(set(parent) - set(DNS_PARENT_KEYS) if isinstance(parent, dict) else ()):
            check.add(env, "dns_parent_zone.%s" % key, unknown_option(key, DNS_PARENT_KEYS))
        if "dns_parent_zone" in data and not (isinstance(parent, dict) and parent.get("name")):
            check.add(env, "dns_parent_zone.name", "required: the parent zone's name (and its environment)")
            return
        if parent:
            built["public_zone"]["parent_zone"] = {"name": parent["name"], "assume_role_arn": "",
                                                   "ttl": parent.get("ttl", 3600)}
    params = check.options(env, "dns_zones", DNS, data, built=built)
    if params is not _FAILED:
        check.call(env, DNS, plan_dns, params)


def _vpn(check, env, data, tiers):
    """vpn_instance as the pritunl_vpn role calls it, where vpn_enabled is true."""
    if data.get("vpn_enabled") is not True:
        return
    built = {}
    if not data.get("pritunl_vpn_image_id"):
        built["image_id"] = None
    if "pritunl_vpn_dns_zone" not in data and data.get("dns_public_zone"):
        built["dns_zone"] = data["dns_public_zone"]   # the role's default
    pairs = tuple(pair for pair in VPN if pair[1] not in built)
    params = check.options(env, "vpn_instance", pairs, data, built=built)
    if params is _FAILED:
        return
    if params["mode"] != "routed":
        params["peers"] = []   # the role passes them in routed mode only
    elif params["peers"] and (data.get("connectivity") or "peering") == "peering":
        check.add(env, "pritunl_vpn_peers", "a VPC peering carries no traffic whose source is outside the two VPCs (AWS "
                                            "has no edge-to-edge routing), so the client network cannot cross it; serve "
                                            "the environment with pritunl_vpn_serves instead (reached from the server's "
                                            "address)")
        params["peers"] = []
    pairs += (("dns_public_zone", "dns_zone"),) if "dns_zone" in built else ()
    check.call(env, pairs, vpn.validate, params)
    check.tier(env, tiers, "pritunl_vpn_subnet_tier", params["subnet_tier"])
    images = data.get("pritunl_vpn_image_ssm_parameters")
    if "pritunl_vpn_distribution" in data and isinstance(images, dict) and not data.get("pritunl_vpn_image_id") \
            and data["pritunl_vpn_distribution"] not in images:
        check.add(env, "pritunl_vpn_distribution", "%r is not one of %s (pritunl_vpn_image_ssm_parameters)"
                  % (data["pritunl_vpn_distribution"], ", ".join(sorted(images))))


def _eks(check, env, data, tiers, plan, shipped_chart):
    """eks_irsa as playbooks/eks_plugins.yml calls it, and the persistence CIDRs its policies allow."""
    if "eks_cluster_name" not in data:
        return
    params = check.options(env, "eks_irsa", IRSA, data)
    if params is not _FAILED:
        check.call(env, IRSA, irsa.plan_irsa, params)
        _lbc_policy(check, env, data, params.get("aws_load_balancer_controller_policy"), shipped_chart)
    for name, pattern in sorted(EKS_NAMES.items()):
        value = data.get(name)
        if name in data and not (isinstance(value, str) and len(value) <= (63 if name.endswith("_namespace") else 253)
                                 and pattern.match(value)):
            check.add(env, name, "%r is not a valid Kubernetes %s name" % (value, "namespace" if name.endswith(
                "_namespace") else "service account"))
    email = data.get("eks_acme_email")
    if not isinstance(email, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        check.add(env, "eks_acme_email", "expected the ACME account's contact address, got %r" % (email,))
    elif data.get("eks_plugins_mode") == "apply" and data.get("refarch_state", "present") == "present" \
            and ACME_REFUSED.search(email.split("@")[1].lower()):
        check.add(env, "eks_acme_email", "%s is a placeholder: Let's Encrypt refuses contacts at %s; set the address "
                                         "that should get expiry notices" % (email, email.split("@")[1]))
    cidrs = data.get("eks_persistence_cidrs")
    if plan is None or cidrs is None:
        return
    tiers = ", ".join(tiers)
    subnets = set(s["cidr"] for s in plan["subnets"].values())
    if not isinstance(cidrs, list):
        check.add(env, "eks_persistence_cidrs", "expected a list of the persistence tier's subnet CIDRs")
    elif not cidrs and data.get("eks_database_ports"):
        check.add(env, "eks_persistence_cidrs", "selects no subnet of %s, so no database is reachable: the tier it "
                                                "names is not one of %s" % (env, tiers))
    else:
        for index, cidr in enumerate(cidrs):
            if str(cidr) not in subnets:
                check.add(env, "eks_persistence_cidrs[%d]" % index, "%s is not a subnet of %s (its tiers: %s)"
                          % (cidr, env, tiers))


def _lbc_policy(check, env, data, policy, shipped_chart):
    """The load balancer controller's policy fits the run's partition and the controller's version:
    the collection ships upstream's for the chart version its role defaults to, in the aws partition."""
    partition = irsa.region_partition(data.get("aws_region"))
    if policy is not None:
        check.call(env, IRSA, irsa.check_lbc_policy, policy, partition)
    elif data.get("refarch_state", "present") != "present":
        return   # a removal gives no policy
    elif partition != "aws":
        check.add(env, LBC_POLICY, "is needed in %s (region %s): the collection ships the aws partition's policy; "
                                   "give upstream's for %s" % (partition, data.get("aws_region"), partition))
    elif data.get(LBC_CHART, shipped_chart) != shipped_chart:
        check.add(env, LBC_POLICY, "is needed for chart %s: the collection ships the IAM policy of chart %s's "
                                   "controller; give upstream's docs/install/iam_policy.json of the version you run"
                  % (data.get(LBC_CHART), shipped_chart))


def _links(check, environments, names):
    """Peering and transit gateway links (peering_plan): each environment's own data, then the
    links between them, then the tiers each side routes over a link."""
    data = dict((env, dict((k, v) for k, v in environments[env].items() if k in peering_plan.INVENTORY_KEYS))
                for env in environments)
    valid = {}
    for env in sorted(data):
        if _split(check, peering_plan.plan_pairs, {env: data[env]}) is not _FAILED:
            valid[env] = data[env]
    if len(valid) == len(data):
        _split(check, peering_plan.plan_pairs, data)
        _split(check, peering_plan.plan_transit, data)
    for env in sorted(data):
        tiers = names.get(env)
        routed = data[env].get("peering_tiers", peering_plan.DEFAULT_TIERS)
        if (data[env].get("peers") or "peering_tiers" in data[env]) and isinstance(routed, list):
            for index, name in enumerate(routed):
                check.tier(env, tiers, "peering_tiers[%d]" % index, name)
        if data[env].get("peers") and data[env].get("connectivity") == "transit_gateway":
            check.tier(env, tiers, "transit_gateway_subnet_tier", data[env].get("transit_gateway_subnet_tier") or "private")
        _vpn_serves(check, env, data, names)


def _vpn_serves(check, env, data, names):
    """The tiers the VPN serves must be tiers of the environment served (when it is in the run)
    that it routes back over the link (its peering_tiers); the rest of pritunl_vpn_serves is
    checked by plan_pairs (vpn_reach.plan_served)."""
    serves = data[env].get("pritunl_vpn_serves")
    if data[env].get("vpn_enabled") is not True or not isinstance(serves, list):
        return
    for index, entry in enumerate(serves):
        if not isinstance(entry, dict) or not isinstance(entry.get("tiers"), list) or entry.get("environment") not in data:
            continue
        served, tiers = entry["environment"], names.get(entry["environment"])
        routed = data[served].get("peering_tiers", peering_plan.DEFAULT_TIERS)
        for position, tier in enumerate(entry["tiers"]):
            field = "pritunl_vpn_serves[%d].tiers[%d]" % (index, position)
            if tiers is not None and tier not in tiers:
                check.add(env, field, "%r is not a tier of %s (tiers: %s)" % (tier, served, ", ".join(tiers)))
            elif isinstance(routed, list) and tier not in routed and (tiers is None or set(routed) <= set(tiers)):
                check.add(env, field, "%s does not route %s back to %s (add it to %s's peering_tiers)"
                          % (served, tier, env, served))


def _split(check, function, *args):
    """``function(*args)`` whose InputError names ``<environment>.<variable>``."""
    try:
        return function(*args)
    except InputError as e:
        env, dot, field = e.field.partition(".")
        if not dot:
            env, field = "run", e.field
        check.add(env, field, e.reason)
        return _FAILED


def _accounts(check, environments):
    """organization_accounts as playbooks/accounts.yml calls it: one account per environment that
    gives an e-mail and no id, in the organizational unit of the first that names one."""
    wanted = []
    for env in sorted(environments):
        data = environments[env]
        if data.get("aws_account_id") is not None:
            check.call(env, (), accounts.validate_account_id, str(data["aws_account_id"]), "aws_account_id")
        if data.get("aws_account_role") is not None:
            check.call(env, (), accounts.validate_role_name, data["aws_account_role"], "aws_account_role")
        if data.get("aws_organizational_unit"):
            check.call(env, ACCOUNT, accounts.validate_accounts, [], data["aws_organizational_unit"])
        account = accounts.account_to_create(data)
        if account is not None:
            if check.call(env, ACCOUNT, accounts.validate_accounts, [account]) is not _FAILED:
                wanted.append((env, account))
    try:
        accounts.validate_accounts([account for env, account in wanted])
    except InputError as e:  # a name or an e-mail used twice: the later environment is named
        index = int(e.field.split("[")[1].split("]")[0])
        check.add(wanted[index][0], inventory_field(e.field.replace("[%d]" % index, "[0]"), ACCOUNT), e.reason)
    tags = [environments[env]["refarch_org_tags"] for env in sorted(environments) if "refarch_org_tags" in environments[env]]
    if tags:
        check.call("run", (), check_user_tags, tags[0], "refarch_org_tags")
