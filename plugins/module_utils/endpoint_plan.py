# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure VPC endpoint planning: endpoint data -> validated intents -> per-endpoint changes.

No boto3 here. An endpoint's identity is its logical name (key ``vpce/<name>``, by default
the short service name, plus ``-gateway`` for gateway endpoints), so the S3 interface and
the S3 gateway endpoint can live side by side.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, mappings

TYPES = {"interface": "Interface", "gateway": "Gateway"}
ENDPOINT_KEYS = ("service", "name", "type", "subnet_tier", "security_groups", "private_dns", "policy",
                 "route_table_tiers")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
# states in which an endpoint still exists for our purposes
LIVE_STATES = ("pendingacceptance", "pending", "available", "modifying")


def service_name(service, region):
    """Short names (``ecr.api``) become ``com.amazonaws.<region>.ecr.api``; full names stay."""
    if service.startswith("com.amazonaws.") or service.startswith("aws."):
        return service
    return "com.amazonaws.%s.%s" % (region, service)


def _policy(value, field):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise InputError(field, "not valid JSON (%s)" % e)
    if not isinstance(value, dict):
        raise InputError(field, "expected a policy document (a mapping or a JSON string)")
    return value


def plan_endpoints(endpoints, defaults, region):
    """Validate and normalise endpoints; ``defaults`` gives subnet_tier and security_groups."""
    planned, seen = [], {}
    for i, field, item in mappings(endpoints, "endpoints", ENDPOINT_KEYS, "endpoints", "at least service"):
        service = item.get("service")
        if not isinstance(service, str) or not service.strip():
            raise InputError(field + ".service", "required: a service such as ec2, ecr.api or com.amazonaws.us-east-1.s3")
        full = service_name(service.strip(), region)
        kind = TYPES.get(str(item.get("type") or "interface").lower())
        if kind is None:
            raise InputError(field + ".type", "%r is not Interface or Gateway" % item.get("type"))
        short = full.split(".", 3)[-1] if full.startswith("com.amazonaws.") else full
        name = item.get("name") or (short if kind == "Interface" else short + "-gateway")
        if not NAME_RE.match(name):
            raise InputError(field + ".name", "%r is not a valid endpoint name" % name)
        field = "endpoints[%d](%s)" % (i, name)
        if name in seen:
            raise InputError(field + ".name", "duplicate endpoint name %r (also %s); set name to tell them apart"
                             % (name, seen[name]))
        seen[name] = field
        endpoint = {"name": name, "field": field, "service": full, "type": kind,
                    "policy": _policy(item.get("policy"), field + ".policy")}
        if kind == "Interface":
            tier = item.get("subnet_tier") or defaults.get("subnet_tier")
            if not tier:
                raise InputError(field + ".subnet_tier",
                                 "required for interface endpoints (or give subnet_tier for all endpoints)")
            groups = item.get("security_groups")
            groups = defaults.get("security_groups") or [] if groups is None else groups
            private_dns = item.get("private_dns")
            endpoint.update(subnet_tier=tier, security_groups=list(groups),
                            private_dns=True if private_dns is None else bool(private_dns))
            for option in ("route_table_tiers",):
                if item.get(option):
                    raise InputError("%s.%s" % (field, option), "only gateway endpoints have route tables")
        else:
            tiers = item.get("route_table_tiers")
            if not tiers:
                raise InputError(field + ".route_table_tiers", "required for gateway endpoints: the tiers whose "
                                                               "route tables get the endpoint's routes")
            for option in ("subnet_tier", "security_groups", "private_dns"):
                if item.get(option) is not None:
                    raise InputError("%s.%s" % (field, option), "gateway endpoints have no %s" % option)
            endpoint["route_table_tiers"] = list(tiers)
        planned.append(endpoint)
    return planned


def endpoint_changes(desired, actual):
    """Keyword arguments for ModifyVpcEndpoint plus readable change texts; ({}, []) when in sync.

    ``desired`` holds resolved IDs (subnets, groups, route_tables: sets); ``actual`` is the
    endpoint as DescribeVpcEndpoints returns it.
    """
    if actual["VpcEndpointType"] != desired["type"] or actual["ServiceName"] != desired["service"]:
        raise InputError(desired["field"], "existing endpoint %s is a %s endpoint for %s; AWS cannot change that "
                                           "in place: delete it or give this one another name"
                         % (actual["VpcEndpointId"], actual["VpcEndpointType"], actual["ServiceName"]))
    kwargs, texts = {}, []
    pairs = [("subnets", "SubnetIds", set(actual.get("SubnetIds", [])), "Subnet"),
             ("groups", "SecurityGroupIds", set(g["GroupId"] for g in actual.get("Groups", [])), "SecurityGroup"),
             ("route_tables", "RouteTableIds", set(actual.get("RouteTableIds", [])), "RouteTable")]
    for key, label, have, api in pairs:
        want = desired.get(key)
        if want is None:
            continue
        add, remove = sorted(want - have), sorted(have - want)
        if add:
            kwargs["Add%sIds" % api] = add
        if remove:
            kwargs["Remove%sIds" % api] = remove
        if add or remove:
            texts.append("%s %s -> %s" % (label, ",".join(sorted(have)) or "-", ",".join(sorted(want)) or "-"))
    if desired["type"] == "Interface" and bool(actual.get("PrivateDnsEnabled")) != desired["private_dns"]:
        kwargs["PrivateDnsEnabled"] = desired["private_dns"]
        texts.append("private_dns %s -> %s" % (bool(actual.get("PrivateDnsEnabled")), desired["private_dns"]))
    if desired["policy"] is not None:
        have = json.loads(actual["PolicyDocument"]) if actual.get("PolicyDocument") else None
        if have != desired["policy"]:
            kwargs["PolicyDocument"] = json.dumps(desired["policy"], sort_keys=True)
            texts.append("policy changed")
    return kwargs, texts
