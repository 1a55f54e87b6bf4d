# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff layer of vpc_endpoints: planned endpoints + what was read -> ordered actions.

Pure: no AWS calls. ``resolve`` turns tiers and group names into ids (or, before the VPC
exists, into planned logical names); ``diff_endpoints`` gives the creates, the in-place
modifications (one ModifyVpcEndpoint per endpoint, however many of its properties drifted),
the deletes, then the waits for the new endpoints to be available and the deleted ones gone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import endpoint_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, refuse
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import PLANNED


def _tier_tables(tables, subnets_by_tier, tiers):
    subnet_ids = set(s["SubnetId"] for tier in tiers for s in subnets_by_tier.get(tier, []))
    return set(t["RouteTableId"] for t in tables
               if any(a.get("SubnetId") in subnet_ids for a in t.get("Associations", [])))


def resolve(planned, refs, owner, missing=refuse):
    """The planned endpoints with their subnets, groups and route tables as id sets.

    ``refs`` is what ``endpoint_read.read_references`` read. A group name that is not in the
    VPC is answered by ``missing(error)``: refused, or in check mode (``engine.on_missing``: the
    security_groups task before this one made no group either) a planned name.
    """
    resolved = []
    for endpoint in planned:
        endpoint = dict(endpoint)
        if endpoint["type"] == "Interface":
            tier = refs["subnets"].get(endpoint["subnet_tier"])
            if not tier:
                raise InputError(endpoint["field"] + ".subnet_tier", "tier %r has no subnets owned by %s (tiers: %s)"
                                 % (endpoint["subnet_tier"], owner, ", ".join(sorted(refs["subnets"])) or "none"))
            endpoint["subnets"] = set(s["SubnetId"] for s in tier)
            endpoint["groups"] = set()
            for name in endpoint["security_groups"]:
                if name.startswith("sg-"):
                    endpoint["groups"].add(name)
                elif name in refs["groups"]:
                    endpoint["groups"].add(refs["groups"][name])
                else:
                    missing(InputError(endpoint["field"] + ".security_groups", "no group %r in the VPC (groups: %s)"
                                       % (name, ", ".join(sorted(refs["groups"])) or "none")))
                    endpoint["groups"].add(PLANNED % ("sg/" + name))
        else:
            endpoint["route_tables"] = _tier_tables(refs["route_tables"], refs["subnets"], endpoint["route_table_tiers"])
            if not endpoint["route_tables"]:
                raise InputError(endpoint["field"] + ".route_table_tiers", "no owned route tables serve tiers %s"
                                 % ", ".join(endpoint["route_table_tiers"]))
        resolved.append(endpoint)
    return resolved


def resolve_planned(planned):
    """Check mode before vpc_tiers made the VPC: subnets, groups and route tables by logical name."""
    resolved = []
    for endpoint in planned:
        endpoint = dict(endpoint)
        if endpoint["type"] == "Interface":
            endpoint["subnets"] = set([PLANNED % ("subnet/%s/*" % endpoint["subnet_tier"])])
            endpoint["groups"] = set(n if n.startswith("sg-") else PLANNED % ("sg/" + n)
                                     for n in endpoint["security_groups"])
        else:
            endpoint["route_tables"] = set(PLANNED % ("rtb of tier " + t) for t in endpoint["route_table_tiers"])
        resolved.append(endpoint)
    return resolved


def _create(endpoint, options):
    name = endpoint["name"]
    interface = endpoint["type"] == "Interface"
    return Action("create_endpoint", "vpce/" + name, "create %s endpoint vpce/%s %s" % (
        endpoint["type"], name, endpoint["service"]), service=endpoint["service"], type=endpoint["type"],
        subnets=sorted(endpoint["subnets"]) if interface else None,
        groups=sorted(endpoint["groups"]) if interface else None,
        private_dns=endpoint["private_dns"] if interface else None,
        route_tables=None if interface else sorted(endpoint["route_tables"]), policy=endpoint["policy"],
        tags=owned_tags(options["owner"], "vpce/" + name, "%s-%s" % (options["owner"], name), options["tags"]))


def diff_endpoints(planned, owned, options):
    """(actions, unplanned names). ``planned`` is resolved (empty for state=absent); ``owned``
    is ``read_endpoints``' snapshot; ``options``: owner, tags, purge (delete owned endpoints
    that are not planned), wait.

    A modify action carries one ``texts`` line per drifted property: the result lists them.
    """
    creates, modifies = [], []
    for endpoint in planned:
        current = owned.get(endpoint["name"])
        if current is None:
            creates.append(_create(endpoint, options))
            continue
        changes, texts = endpoint_changes(endpoint, current)
        if changes:
            lines = ["modify vpce/%s %s" % (endpoint["name"], t) for t in texts]
            modifies.append(Action("modify_endpoint", "vpce/" + endpoint["name"], "; ".join(lines), texts=lines,
                                   changes=changes))
    names = set(e["name"] for e in planned)
    leftover = sorted(n for n in owned if n not in names)
    deleted = leftover if options["purge"] else []
    deletes = [Action("delete_endpoint", "vpce/" + n, "delete endpoint vpce/%s %s" % (n, owned[n]["VpcEndpointId"]))
               for n in deleted]
    waits = []
    if options["wait"] and creates:
        waits.append(Action("wait_available", "vpce", "wait for %d VPC endpoints to be available" % len(creates),
                            keys=[a.key for a in creates]))
    if options["wait"] and deletes:
        waits.append(Action("wait_deleted", "vpce", "wait for %d VPC endpoints to be deleted" % len(deletes),
                            keys=[a.key for a in deletes]))
    return creates + modifies + deletes + waits, leftover


def unknown_services(planned, actions, offered):
    """Refuse, listing every one, a service to create that the region lacks or that does not
    offer the endpoint type (``offered``: {service: set of types})."""
    creating = set(a.key for a in actions if a.op == "create_endpoint")
    bad = []
    for endpoint in planned:
        if "vpce/" + endpoint["name"] not in creating:
            continue
        if endpoint["service"] not in offered:
            bad.append((endpoint["field"], "service %s does not exist in this region" % endpoint["service"]))
        elif endpoint["type"] not in offered[endpoint["service"]]:
            bad.append((endpoint["field"], "service %s offers %s endpoints, not %s" % (
                endpoint["service"], "/".join(sorted(offered[endpoint["service"]])), endpoint["type"])))
    if bad:
        raise InputError(bad[0][0], "Unknown endpoint services, nothing was created: "
                         + "; ".join("%s: %s" % item for item in bad))


def texts(actions):
    """What the result's ``actions`` lists: one line per change (waits are not changes)."""
    return [line for a in actions if not a.is_wait for line in a.get("texts") or [a.text]]


def summary(endpoint, endpoint_id):
    """An endpoint as planned (the result and the ``after`` of ``--diff``)."""
    if endpoint["type"] == "Interface":
        subnets, groups = sorted(endpoint["subnets"]), sorted(endpoint["groups"])
    else:
        subnets, groups = [], []
    return dict(id=endpoint_id, service=endpoint["service"], type=endpoint["type"],
                private_dns=endpoint.get("private_dns", False), subnets=subnets, security_groups=groups,
                route_tables=sorted(endpoint.get("route_tables", [])))


def observed(current):
    """An endpoint as read (the ``before`` of ``--diff``)."""
    return dict(id=current["VpcEndpointId"], service=current["ServiceName"], type=current["VpcEndpointType"],
                private_dns=bool(current.get("PrivateDnsEnabled")) and current["VpcEndpointType"] == "Interface",
                subnets=sorted(current.get("SubnetIds", [])),
                security_groups=sorted(g["GroupId"] for g in current.get("Groups", [])),
                route_tables=sorted(current.get("RouteTableIds", [])))
