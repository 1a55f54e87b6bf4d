# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff layer of vpc_tiers: plan + snapshot -> ordered actions, and before/after models.

Pure: no AWS calls. Actions name resources by logical key; the apply layer resolves keys
to ids. A route is ours only when its target is one of our gateways; anything else in an
owned route table belongs to someone else and is left alone, except a route to a destination
the plan routes there: converge points it back at our gateway (a hand-made change undone),
as the last actions of the run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.refarch.network.plugins.module_utils.ec2_read import route_target, tag_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC, plan_network
from ansible_collections.refarch.network.plugins.module_utils.tags import (
    KEY_TAG, OWNER_TAG, ROUTE_TABLE_TAG, TIER_TAG, owned_tags, tag_dict,
)


def _action(op, key, text, **params):
    return Action(op, key, text, **params)


# the module's options (plugins/modules/vpc_tiers.py documents them)
TIER_SPEC = dict(
    name=dict(type="str", required=True),
    route=dict(type="str", required=True, choices=["internet", "nat", "none"]),
    prefix=dict(type="int", required=True),
    block=dict(type="str"),
    az_count=dict(type="int"),
    route_table=dict(type="str"),
    kubernetes_role=dict(type="str", choices=["elb", "internal-elb"]),
    map_public_ip=dict(type="bool"),
    tags=dict(type="dict"),
)
FLOW_LOG_SPEC = dict(
    destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
    log_group_name=dict(type="str"),
    iam_role_arn=dict(type="str"),
    destination_arn=dict(type="str"),
    traffic_type=dict(type="str", default="ALL", choices=["ACCEPT", "REJECT", "ALL"]),
    log_format=dict(type="str"),
    max_aggregation_interval=dict(type="int", choices=[60, 600]),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    name=dict(type="str"),
    cidr=dict(type="str"),
    azs=dict(type="list", elements="str"),
    az_slots=dict(type="int", default=4),
    tiers=dict(type="list", elements="dict", options=TIER_SPEC),
    nat_mode=dict(type="str", default="single", choices=["none", "single", "per_az"]),
    required_prefix=dict(type="int"),
    lockdown_default_sg=dict(type="bool", default=True),
    flow_logs=dict(type="dict", options=FLOW_LOG_SPEC),
    purge=dict(type="bool", default=False),
    account_demand=dict(type="list", elements="dict"),
    account_limits=dict(type="bool", default=True),
)


def plan_from_params(params):
    tiers = [dict((k, v) for k, v in tier.items() if v is not None) for tier in params["tiers"] or []]
    spec = dict(cidr=params["cidr"], azs=params["azs"], tiers=tiers, nat_mode=params["nat_mode"],
                az_slots=params["az_slots"])
    if params["required_prefix"] is not None:
        spec["required_prefix"] = params["required_prefix"]
    return plan_network(spec)


# flow log option -> DescribeFlowLogs field: the settings a flow log is compared on (AWS
# cannot modify a flow log, so a difference replaces it)
FLOW_LOG_FIELDS = (("traffic_type", "TrafficType"), ("destination_type", "LogDestinationType"),
                   ("log_group_name", "LogGroupName"), ("iam_role_arn", "DeliverLogsPermissionArn"),
                   ("destination_arn", "LogDestination"), ("log_format", "LogFormat"),
                   ("max_aggregation_interval", "MaxAggregationInterval"))
DESTINATION_OPTIONS = {"cloud-watch-logs": ("log_group_name", "iam_role_arn"), "s3": ("destination_arn",)}


def check_flow_logs(config):
    """The flow log wanted, with only the options that apply to its destination type (the
    others are not sent, so not compared), or None when ``flow_logs`` is omitted."""
    if not config:
        return None
    kind = config["destination_type"]
    for field in DESTINATION_OPTIONS[kind]:
        if not config.get(field):
            raise InputError("flow_logs." + field, "required when destination_type is %s" % kind)
    used = ("traffic_type", "destination_type", "log_format", "max_aggregation_interval") + DESTINATION_OPTIONS[kind]
    return dict((k, config[k]) for k in used if config.get(k) is not None)


def flow_log_drift(flow, wanted):
    """[(option, have, want)] for each wanted setting the flow log ``flow`` does not have."""
    fields = dict(FLOW_LOG_FIELDS)
    return [(opt, flow.get(fields[opt]), want) for opt, want in sorted(wanted.items()) if flow.get(fields[opt]) != want]


def flow_log_view(flow, wanted=None):
    """The settings of a flow log the diff compares (all but the format when none is wanted)."""
    if wanted is None:
        kind = flow.get("LogDestinationType")
        wanted = dict.fromkeys(("traffic_type", "destination_type") + DESTINATION_OPTIONS.get(kind, ()))
    fields = dict(FLOW_LOG_FIELDS)
    return dict((opt, flow.get(fields[opt])) for opt in wanted)


def resource_names(name, plan):
    """Name tags: readable in the console, derived from keys."""
    names = {"vpc": name, "igw": name + "-igw"}
    for key, subnet in plan["subnets"].items():
        names[key] = "%s-%s-%s" % (name, subnet["tier"], subnet["az"])
    for key, table in plan["route_tables"].items():
        names[key] = "%s-%s%s" % (name, table["name"], "-" + table["az"] if table["az"] else "")
    for key, nat in plan["nat_gateways"].items():
        names[key] = "%s-%s" % (name, key.replace("/", "-"))
        names[nat["eip"]] = "%s-%s" % (name, nat["eip"].replace("/", "-"))
    return names


def desired_tags(owner, name, plan, user_tags):
    names = resource_names(name, plan)
    tags = dict((key, owned_tags(owner, key, names[key], user_tags)) for key in names)
    for key, subnet in plan["subnets"].items():
        tags[key].update(subnet["tags"])
        tags[key][TIER_TAG] = subnet["tier"]
        if subnet["kubernetes_role"]:
            tags[key]["kubernetes.io/role/%s" % subnet["kubernetes_role"]] = "1"
    for key, table in plan["route_tables"].items():
        tags[key][ROUTE_TABLE_TAG] = table["name"]
    return tags


def after_model(plan, options, snap):
    wanted = options["flow_logs"]
    if wanted:
        flow_logs = [dict(wanted)]
    else:  # omitted: ours are kept unless purged
        flow_logs = [] if options["purge"] else [flow_log_view(f) for f in snap["flow_logs"]]
    return {
        "vpc": {"cidr": plan["cidr"], "dns_support": True, "dns_hostnames": True},
        "internet_gateway": plan["internet_gateway"],
        "subnets": dict((k, {"cidr": s["cidr"], "az": s["az"], "map_public_ip": s["public"]})
                        for k, s in plan["subnets"].items()),
        "nat_gateways": dict((k, {"subnet": n["subnet"]}) for k, n in plan["nat_gateways"].items()),
        "route_tables": dict((k, {"routes": dict(t["routes"]), "subnets": list(t["subnets"])})
                             for k, t in plan["route_tables"].items()),
        "default_security_group_rules": 0 if options["lockdown_default_sg"] else "unmanaged",
        "flow_logs": flow_logs,
    }


def _target_keys(snap):
    """Map of gateway id -> logical key for the gateways we own."""
    targets = {}
    if snap["igw"]:
        targets[snap["igw"]["InternetGatewayId"]] = "igw"
    for key, nat in snap["nat_gateways"].items():
        targets[nat["NatGatewayId"]] = key
    return targets


def _is_our_route(route, snap):
    target = route_target(route)
    return target in _target_keys(snap) or target in snap["nat_ids_any_state"]


def _rule_count(group):
    if not group:
        return 0
    return len(group.get("IpPermissions", [])) + len(group.get("IpPermissionsEgress", []))


def before_model(snap, options):
    if snap["vpc"] is None:
        return {}
    targets = _target_keys(snap)
    subnet_keys = dict((s["SubnetId"], k) for k, s in snap["subnets"].items())
    tables = {}
    for key, table in snap["route_tables"].items():
        routes = {}
        for route in table.get("Routes", []):
            target = route_target(route)
            if target in targets:
                routes[route.get("DestinationCidrBlock")] = targets[target]
        subnets = sorted(subnet_keys[a["SubnetId"]] for a in table.get("Associations", [])
                         if a.get("SubnetId") in subnet_keys)
        tables[key] = {"routes": routes, "subnets": subnets}
    return {
        "vpc": {"cidr": snap["vpc"]["CidrBlock"], "dns_support": snap["dns_support"],
                "dns_hostnames": snap["dns_hostnames"]},
        "internet_gateway": snap["igw"] is not None,
        "subnets": dict((k, {"cidr": s["CidrBlock"], "az": s["AvailabilityZone"],
                             "map_public_ip": s.get("MapPublicIpOnLaunch", False)})
                        for k, s in snap["subnets"].items()),
        "nat_gateways": dict((k, {"subnet": subnet_keys.get(n["SubnetId"], n["SubnetId"])})
                             for k, n in snap["nat_gateways"].items()),
        "route_tables": tables,
        "default_security_group_rules": _rule_count(snap["default_sg"]) if options["lockdown_default_sg"]
        else "unmanaged",
        "flow_logs": [flow_log_view(f, options.get("flow_logs")) for f in snap["flow_logs"]],
    }


def check_immutable(plan, snap):
    """Refuse changes AWS cannot make in place, before any write."""
    if snap["vpc"] is not None and snap["vpc"]["CidrBlock"] != plan["cidr"]:
        raise InputError("cidr", "the VPC %s has CIDR %s; changing it to %s would replace the VPC, "
                                 "which this module never does implicitly"
                         % (snap["vpc"]["VpcId"], snap["vpc"]["CidrBlock"], plan["cidr"]))
    for key, subnet in plan["subnets"].items():
        have = snap["subnets"].get(key)
        if have and (have["CidrBlock"] != subnet["cidr"] or have["AvailabilityZone"] != subnet["az"]):
            raise InputError("tiers(%s)" % subnet["tier"],
                             "%s is %s in %s; the plan wants %s in %s. AWS cannot change a subnet's "
                             "CIDR or zone in place and this module never replaces a subnet implicitly"
                             % (key, have["CidrBlock"], have["AvailabilityZone"], subnet["cidr"], subnet["az"]))
    for foreign in snap["foreign_subnets"]:
        theirs = ipaddress.ip_network(foreign["CidrBlock"])
        for key, subnet in plan["subnets"].items():
            if key not in snap["subnets"] and theirs.overlaps(ipaddress.ip_network(subnet["cidr"])):
                raise InputError("tiers(%s)" % subnet["tier"], "%s %s overlaps subnet %s (%s), which we do not own"
                                 % (key, subnet["cidr"], foreign["SubnetId"], foreign["CidrBlock"]))


def _tag_drift(key, have_tags, want_tags):
    missing = tag_changes(have_tags, want_tags)
    if missing:
        return [_action("tag", key, "tag %s %s" % (key, ", ".join(sorted(missing))), tags=missing)]
    return []


def diff_present(plan, snap, options):
    """Ordered actions that take ``snap`` to ``plan``."""
    check_immutable(plan, snap)
    tags = desired_tags(options["owner"], options["name"], plan, options["tags"])
    actions = []
    igw = snap["igw"]
    # what needs nothing else first, then one wait: the new ids age while the VPC comes up
    if snap["vpc"] is None:
        actions.append(_action("create_vpc", "vpc", "create vpc %s" % plan["cidr"], cidr=plan["cidr"],
                               tags=tags["vpc"]))
    else:
        actions += _tag_drift("vpc", snap["vpc"].get("Tags"), tags["vpc"])
    if plan["internet_gateway"] and igw is None:
        actions.append(_action("create_igw", "igw", "create internet gateway", tags=tags["igw"]))
    # the NAT gateways' addresses too: a NAT's create names its address, which AWS may not
    # know for a moment after allocating it
    for key, nat in sorted(plan["nat_gateways"].items()):
        if nat["eip"] not in snap["eips"]:
            actions.append(_action("allocate_eip", nat["eip"], "allocate elastic ip %s" % nat["eip"],
                                   tags=tags[nat["eip"]]))
    if snap["vpc"] is None:
        actions.append(_action("wait_vpc", "vpc", "wait for vpc available"))
    for attr, label in (("dns_support", "enableDnsSupport"), ("dns_hostnames", "enableDnsHostnames")):
        if snap[attr] is not True:
            actions.append(_action("set_vpc_attribute", "vpc", "set vpc %s true" % label, attribute=label))

    if plan["internet_gateway"]:
        if igw is not None:
            actions += _tag_drift("igw", igw.get("Tags"), tags["igw"])
        attached = igw is not None and snap["vpc"] is not None and any(
            a.get("VpcId") == snap["vpc"]["VpcId"] for a in igw.get("Attachments", []))
        if not attached:
            actions.append(_action("attach_igw", "igw", "attach internet gateway to vpc"))

    later = []
    for key, subnet in sorted(plan["subnets"].items()):
        have = snap["subnets"].get(key)
        if have is None:
            actions.append(_action("create_subnet", key, "create subnet %s %s %s" % (key, subnet["cidr"], subnet["az"]),
                                   cidr=subnet["cidr"], az=subnet["az"], tags=tags[key]))
        else:
            actions += _tag_drift(key, have.get("Tags"), tags[key])
        if (have or {}).get("MapPublicIpOnLaunch", False) != subnet["public"]:
            # after every create: the new subnet has aged by then (AWS may not know it at once)
            later.append(_action("map_public_ip", key, "set %s map_public_ip %s" % (key, subnet["public"]),
                                 value=subnet["public"]))

    for key in sorted(plan["route_tables"]):
        have = snap["route_tables"].get(key)
        if have is None:
            actions.append(_action("create_route_table", key, "create route table %s" % key, tags=tags[key]))
        else:
            actions += _tag_drift(key, have.get("Tags"), tags[key])

    new_nats = sorted(k for k in plan["nat_gateways"] if k not in snap["nat_gateways"])
    actions += _free_addresses(plan, snap, new_nats)
    actions += _nat_actions(plan, snap, tags)
    actions += later
    if new_nats:
        actions.append(_action("wait_nat", "nat", "wait for nat gateways %s" % ", ".join(new_nats), keys=new_nats))

    routes, repairs = _route_actions(plan, snap)
    actions += routes
    actions += _association_actions(plan, snap)
    if options["lockdown_default_sg"]:
        group = snap["default_sg"]
        if snap["vpc"] is None or _rule_count(group):
            actions.append(_action("revoke_default_sg", "sg/default", "remove all rules of the default security group",
                                   ingress=(group or {}).get("IpPermissions", []) if group else None,
                                   egress=(group or {}).get("IpPermissionsEgress", []) if group else None))
    actions += _flow_log_actions(snap, options, tags["vpc"])
    if options["purge"]:
        actions += _purge_actions(plan, snap, options)
    # last: AWS refusing a repair (a route someone else made) stops nothing else of the run
    return actions + repairs


def _nat_actions(plan, snap, tags):
    """A NAT gateway for each planned one that is not live (never made, or deleted out of band
    or failed: its routes are then repaired after the wait for the new one)."""
    actions = []
    for key, nat in sorted(plan["nat_gateways"].items()):
        have = snap["nat_gateways"].get(key)
        if have is None:
            actions.append(_action("create_nat", key, "create nat gateway %s in %s" % (key, nat["subnet"]),
                                   subnet=nat["subnet"], eip=nat["eip"], tags=tags[key]))
            continue
        subnet = snap["subnets"].get(nat["subnet"])
        if subnet is None or have["SubnetId"] != subnet["SubnetId"]:
            raise InputError("nat_mode", "%s lives in %s, not in %s; delete it or restore its subnet"
                             % (key, have["SubnetId"], nat["subnet"]))
        actions += _tag_drift(key, have.get("Tags"), tags[key])
    return actions


def _holder(address, dead_nats):
    """The dead NAT gateway of ours whose interface still holds ``address``, or None."""
    eni = address.get("NetworkInterfaceId")
    for nat in dead_nats:
        if eni and any(a.get("NetworkInterfaceId") == eni for a in nat.get("NatGatewayAddresses", [])):
            return nat
    return None


def _free_addresses(plan, snap, new_nats):
    """The address of a NAT gateway to make again, still held by the one deleted out of band:
    AWS frees it once that one is deleted (waited for when still deleting), the emulator never."""
    holders = []
    for key in new_nats:
        address = snap["eips"].get(plan["nat_gateways"][key]["eip"])
        nat = _holder(address, snap["dead_nats"]) if address and address.get("AssociationId") else None
        if nat is not None:
            holders.append((plan["nat_gateways"][key]["eip"], nat))
    deleting = sorted(n["NatGatewayId"] for _key, n in holders if n["State"] == "deleting")
    actions = []
    if deleting:
        actions.append(_action("wait_nat_deleted", "nat", "wait for nat gateways %s (deleted out of band) to be deleted"
                               % ", ".join(deleting), keys=[], nat_ids=deleting))
    for key, nat in holders:
        actions.append(_action("free_eip", key, "disassociate elastic ip %s from deleted nat gateway %s"
                               % (key, nat["NatGatewayId"]), association_id=snap["eips"][key]["AssociationId"]))
    return actions


def _route_actions(plan, snap):
    """(actions, repairs): creates, replaces and deletes of our routes, and the replaces of
    routes the plan wants that someone pointed at a target we do not own."""
    actions, repairs = [], []
    targets = _target_keys(snap)
    for key, table in sorted(plan["route_tables"].items()):
        have = snap["route_tables"].get(key)
        existing = dict((r.get("DestinationCidrBlock"), r) for r in (have or {}).get("Routes", [])
                        if r.get("DestinationCidrBlock"))
        for dest, target in sorted(table["routes"].items()):
            route = existing.get(dest)
            if route is None:
                actions.append(_action("create_route", key, "route %s %s -> %s" % (key, dest, target),
                                       destination=dest, target=target))
            elif not _is_our_route(route, snap):
                repairs.append(_action("replace_route", key, "replace route %s %s -> %s (was %s, not ours)"
                                       % (key, dest, target, route_target(route)), destination=dest, target=target))
            elif targets.get(route_target(route)) != target or route.get("State") == "blackhole":
                actions.append(_action("replace_route", key, "route %s %s -> %s (was %s)"
                                       % (key, dest, target, targets.get(route_target(route), "blackhole")),
                                       destination=dest, target=target))
        for dest, route in sorted(existing.items()):
            if dest not in table["routes"] and _is_our_route(route, snap):
                actions.append(_action("delete_route", key, "delete route %s %s" % (key, dest), destination=dest))
    return actions, repairs


def _association_actions(plan, snap):
    actions = []
    current = {}
    for table in list(snap["route_tables"].values()) + snap["foreign_route_tables"]:
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId"):
                current[assoc["SubnetId"]] = (table, assoc)
    for key, table in sorted(plan["route_tables"].items()):
        for subnet_key in table["subnets"]:
            subnet = snap["subnets"].get(subnet_key)
            pair = current.get(subnet["SubnetId"]) if subnet else None
            if pair is None:
                actions.append(_action("associate", key, "associate %s with %s" % (subnet_key, key), subnet=subnet_key))
            elif tag_dict(pair[0].get("Tags")).get(KEY_TAG) != key or \
                    tag_dict(pair[0].get("Tags")).get(OWNER_TAG) != tag_dict(snap["vpc"].get("Tags")).get(OWNER_TAG):
                actions.append(_action("replace_association", key, "associate %s with %s (was %s)"
                                       % (subnet_key, key, pair[0]["RouteTableId"]),
                                       subnet=subnet_key, association_id=pair[1]["RouteTableAssociationId"]))
    return actions


def _delete_flow_logs(flows, why=""):
    return [_action("delete_flow_log", "flowlog", "delete flow log %s%s" % (f["FlowLogId"], why),
                    flow_log_id=f["FlowLogId"]) for f in flows]


def _flow_log_actions(snap, options, vpc_tags):
    """One owned flow log with the wanted settings: kept if one has them, else the first is
    replaced (deleted, then created: AWS cannot modify one, and refuses a second with the same
    destination). Omitted ``flow_logs``: nothing here (reported as unplanned, purge deletes)."""
    wanted = options["flow_logs"]
    if not wanted:
        return []
    flows = snap["flow_logs"]
    tags = dict(vpc_tags, **{KEY_TAG: "flowlog"})
    keep = [f for f in flows if not flow_log_drift(f, wanted)][:1]
    if keep:
        return _delete_flow_logs([f for f in flows if f is not keep[0]], " (a second one of ours)")
    if not flows:
        return [_action("create_flow_log", "flowlog", "create vpc flow log to %s" % wanted["destination_type"],
                        config=wanted, tags=tags)]
    drift = ", ".join("%s %s -> %s" % d for d in flow_log_drift(flows[0], wanted))
    return _delete_flow_logs(flows[1:], " (a second one of ours)") + [_action(
        "replace_flow_log", "flowlog", "replace vpc flow log %s: %s" % (flows[0]["FlowLogId"], drift),
        flow_log_id=flows[0]["FlowLogId"], config=wanted, tags=tags)]


def _purge_actions(plan, snap, options):
    """Owned resources no longer in the plan (only with purge: true), in dependency order:
    flow logs (when ``flow_logs`` is omitted), NAT gateways (and their deletion waited for,
    since their EIPs and subnets are held until then), subnets (which takes their route-table
    associations), route tables, EIPs."""
    actions = [] if options["flow_logs"] else _delete_flow_logs(snap["flow_logs"])
    nat_keys = sorted(k for k in snap["nat_gateways"] if k not in plan["nat_gateways"])
    for key in nat_keys:
        actions.append(_action("delete_nat", key, "delete nat gateway %s" % key))
    if nat_keys:
        actions.append(_action("wait_nat_deleted", "nat", "wait for nat gateways to be deleted", keys=nat_keys))
    gone = dict((s["SubnetId"], k) for k, s in snap["subnets"].items() if k not in plan["subnets"])
    for key, table in sorted(snap["route_tables"].items()):
        # the emulator keeps a deleted subnet's association, which then blocks the table's deletion
        actions += [_action("disassociate", key, "disassociate %s from %s" % (gone[a["SubnetId"]], key),
                            association_id=a["RouteTableAssociationId"])
                    for a in table.get("Associations", []) if a.get("SubnetId") in gone]
    for key in sorted(gone.values()):
        actions.append(_action("delete_subnet", key, "delete subnet %s" % key))
    for key in sorted(snap["route_tables"]):
        if key not in plan["route_tables"]:
            actions.append(_action("delete_route_table", key, "delete route table %s" % key))
    wanted_eips = set(n["eip"] for n in plan["nat_gateways"].values())
    for key in sorted(snap["eips"]):
        if key not in wanted_eips:
            actions.append(_action("release_eip", key, "release elastic ip %s" % key))
    return actions


def unplanned(plan, snap, options):
    """Owned resources the plan no longer names (reported when purge is off): flow logs are
    when ``flow_logs`` is omitted."""
    keys = [k for k in snap["subnets"] if k not in plan["subnets"]]
    keys += [k for k in snap["route_tables"] if k not in plan["route_tables"]]
    keys += [k for k in snap["nat_gateways"] if k not in plan["nat_gateways"]]
    if snap["flow_logs"] and not options["flow_logs"]:
        keys.append("flowlog")
    return sorted(keys)


def diff_absent(snap):
    """Teardown of owned resources in reverse dependency order; foreign ones are kept.

    Returns (actions, kept) where kept explains what stays and why.
    """
    actions, kept = [], []
    actions += _delete_flow_logs(snap["flow_logs"])
    foreign_subnet_ids = set(s["SubnetId"] for s in snap["foreign_subnets"])
    keep_tables = {}
    for key, table in sorted(snap["route_tables"].items()):
        theirs = ["%s -> %s" % (r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId"), route_target(r))
                  for r in table.get("Routes", []) if r.get("GatewayId") != "local" and not _is_our_route(r, snap)]
        theirs += ["association with subnet %s" % a["SubnetId"] for a in table.get("Associations", [])
                   if a.get("SubnetId") in foreign_subnet_ids]
        # our subnets' associations go in any case (a kept table must not hold them after the
        # subnets are deleted), and so do associations left by subnets that no longer exist
        actions += [_action("disassociate", key, "disassociate %s from %s" % (a["SubnetId"], key),
                            association_id=a["RouteTableAssociationId"])
                    for a in table.get("Associations", []) if a.get("SubnetId") and a["SubnetId"] not in foreign_subnet_ids]
        if not theirs:
            continue
        keep_tables[key] = theirs
        kept.append("%s: kept, it holds what we do not own (%s)" % (key, ", ".join(theirs)))
        for route in table.get("Routes", []):
            if _is_our_route(route, snap) and route.get("DestinationCidrBlock"):
                actions.append(_action("delete_route", key, "delete route %s %s" % (key, route["DestinationCidrBlock"]),
                                       destination=route["DestinationCidrBlock"]))
    nat_keys = sorted(snap["nat_gateways"])
    for key in nat_keys:
        actions.append(_action("delete_nat", key, "delete nat gateway %s" % key))
    if nat_keys:
        actions.append(_action("wait_nat_deleted", "nat", "wait for nat gateways to be deleted", keys=nat_keys))
    for key in sorted(snap["eips"]):
        actions.append(_action("release_eip", key, "release elastic ip %s" % key))
    for key in sorted(snap["subnets"]):
        actions.append(_action("delete_subnet", key, "delete subnet %s" % key))
    for key in sorted(snap["route_tables"]):
        if key not in keep_tables:
            actions.append(_action("delete_route_table", key, "delete route table %s" % key))
    blockers = ["subnet %s (%s)" % (s["SubnetId"], s["CidrBlock"]) for s in snap["foreign_subnets"]]
    blockers += ["route table %s" % t["RouteTableId"] for t in snap["foreign_route_tables"]]
    blockers += ["route table %s" % k for k in sorted(keep_tables)]
    if snap["igw"]:
        if snap["vpc"] is not None and any(a.get("VpcId") == snap["vpc"]["VpcId"] for a in snap["igw"].get("Attachments", [])):
            actions.append(_action("detach_igw", "igw", "detach internet gateway"))
        actions.append(_action("delete_igw", "igw", "delete internet gateway"))
    if snap["vpc"] is not None:
        if blockers:
            kept.append("vpc: kept because it still holds resources we do not own: %s" % ", ".join(blockers))
        else:
            actions.append(_action("delete_vpc", "vpc", "delete vpc %s" % snap["vpc"]["VpcId"]))
    return actions, kept
