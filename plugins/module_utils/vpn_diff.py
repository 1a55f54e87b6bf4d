# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff of vpn_instance: a snapshot (``vpn_read.read_vpn``) and the request -> ordered actions.

Pure: no AWS call. ``diff_present``/``diff_absent`` return a dict with ``actions``, the
``before``/``after`` of ``--diff``, ``warnings``, and what the result needs (``routes``,
``dns_name``, ``launch``). Ids that only exist after the run are named by their logical
key in the texts (``instance/vpn``, ``sg/vpn``, ``eip/vpn``); the handlers resolve them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils import vpn as plan
from ansible_collections.refarch.network.plugins.module_utils import vpn_reach
from ansible_collections.refarch.network.plugins.module_utils.tags import MODULE_TAG, is_owned, owned_tags, tag_dict, tag_list, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import tag_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

NEW_IP = "(new elastic IP)"


def _eni(instance):
    interfaces = (instance or {}).get("NetworkInterfaces") or []
    return interfaces[0]["NetworkInterfaceId"] if interfaces else None


def _tags(params, names, key, extra=None):
    """What everything the VPN server owns carries: owner, key, Name, the user's tags and the
    module's stamp (``refarch:module``), which keeps it out of other modules' key spaces."""
    tags = owned_tags(names["owner"], key, names["name"], params["tags"])
    tags[MODULE_TAG] = names["module"]
    tags.update(extra or {})
    return tags


def _retag(op, key, what, have_tags, want_tags, **params):
    """A ``tag`` action when a resource lacks some of ``want_tags`` (made before the module
    stamped its resources, or the user's tags changed); tags we do not name stay."""
    missing = tag_changes(have_tags, want_tags)
    if not missing:
        return []
    return [Action(op, key, "tag %s %s" % (what, ", ".join(sorted(missing))), tags=missing, **params)]


def check_ownership(snap, names):
    """IAM names are per account: a role or profile of that name that is not ours is never taken over."""
    for what, item in (("IAM role", snap.get("role")), ("instance profile", snap.get("profile"))):
        if item is not None and not is_owned(item.get("Tags"), names["owner"]):
            raise InputError("owner", "%s %s exists and is not tagged refarch:owner=%s; it is never taken over" % (
                what, names["iam"], names["owner"]))


def check_route_conflicts(cidr, snap):
    """A client route that points somewhere we do not own is refused before any write."""
    eni = _eni(snap["instance"])
    for table in snap["tables"]:
        for route in table.get("Routes", []):
            if route.get("DestinationCidrBlock") == cidr and route.get("State") != "blackhole" and \
                    (eni is None or route.get("NetworkInterfaceId") != eni):
                raise InputError("client_cidr", "route table %s already routes %s to a target that is not "
                                                "the VPN instance" % (table["RouteTableId"], cidr))
    for peer in snap["peers"]:
        for table in peer["tables"]:
            for route in table.get("Routes", []):
                if route.get("DestinationCidrBlock") == cidr and \
                        route.get("VpcPeeringConnectionId") != peer["pcx"] and route.get("State") != "blackhole":
                    raise InputError(peer["field"], "route table %s already routes %s elsewhere" % (
                        table["RouteTableId"], cidr))


def route_text(rtb, cidr, target, names, eni=None):
    """``<table> <cidr> -> <target>``; a target of None is the interface of the instance
    launched in this run (``eni`` once known, else the instance's key)."""
    return "%s %s -> %s" % (rtb, cidr, target or eni or names["instance"])


# -- present ------------------------------------------------------------------------------

def diff_present(params, desired, snap):
    names = plan.names(params)
    out = dict(actions=[], before={}, after={}, warnings=[], routes=[], dns_name=None, launch=False)
    if snap["vpc"] is None:  # --check on a new environment: the VPC is only planned, so is everything in it
        out["actions"].append(Action("unbuilt", names["instance"], "launch VPN instance %s, its security group, "
                                     "Elastic IP and profile (VPC of %s not built yet)" % (names["instance"], names["owner"])))
        return out
    check_ownership(snap, names)
    plan.check_client_cidr(desired["client_cidr"], [snap["vpc"]["CidrBlock"]] + [p["vpc"]["CidrBlock"] for p in snap["peers"]])
    if params["mode"] == "routed":
        check_route_conflicts(desired["client_cidr"], snap)
    launch, drift = plan.launches(params, snap["instance"], snap["image_id"])
    out["launch"] = launch
    if drift and not params["replace"]:
        out["warnings"].append(plan.drift_warning(drift))
    _iam(params, names, snap, out)
    _security_group(params, names, desired, snap, out)
    if snap["eip"] is None:
        out["actions"].append(Action("allocate_eip", names["eip"], "allocate elastic IP %s" % names["eip"],
                                     tags=_tags(params, names, names["eip"])))
    else:
        out["actions"] += _retag("tag", names["eip"], names["eip"], snap["eip"].get("Tags"),
                                 _tags(params, names, names["eip"]))
    if launch:
        _launch(params, names, snap, drift, out)
    else:
        _fix_instance(params, names, snap, out)
    _associate_eip(names, snap, launch, out)
    eni = None if launch else _eni(snap["instance"])
    _routes(params, names, desired["client_cidr"], params["mode"] == "routed", eni, snap, out)
    source = None if launch else snap["instance"].get("PrivateIpAddress")
    reach_rules(params, names, snap, "%s/32" % source if source else None, True, out)
    _dns(params, names, snap, True, out)
    return out


def _iam(params, names, snap, out):
    name, role, profile = names["iam"], snap["role"], snap["profile"]
    out["before"]["iam"] = dict(role=bool(role), policy=bool(snap["role_policy"]), profile=bool(profile))
    out["after"]["iam"] = dict(role=True, policy=True, profile=True)
    want = _tags(params, names, "iam/" + names["base"])
    tags = tag_list(want)
    add = out["actions"].append
    if role is None:
        add(Action("create_role", names["iam"], "create IAM role %s" % name, name=name, tags=tags,
                   description="SSM Session Manager for the %s VPN server" % names["owner"]))
    else:
        out["actions"] += _retag("tag_role", name, "IAM role " + name, role.get("Tags"), want, name=name)
    if snap["role_policy"] is None or not plan.same_policy(snap["role_policy"], plan.ssm_policy()):
        add(Action("put_role_policy", names["iam"], "put IAM role policy %s/%s" % (name, plan.SSM_POLICY_NAME),
                   name=name))
    if profile is None:
        add(Action("create_profile", names["profile"], "create instance profile %s" % name, name=name, tags=tags))
    else:
        out["actions"] += _retag("tag_profile", names["profile"], "instance profile " + name, profile.get("Tags"), want,
                                 name=name)
    if name not in [r["RoleName"] for r in (profile or {}).get("Roles", [])]:
        add(Action("add_role", names["profile"], "add IAM role %s to instance profile %s" % (name, name), name=name))


def _security_group(params, names, desired, snap, out):
    sg, key = snap["sg"], names["sg"]
    want = plan.desired_ingress(params, desired)
    have = plan.ingress_of(sg["IpPermissions"]) if sg else set()
    out["before"]["security_group"] = sorted(plan.rule_text(r) for r in have) if sg else None
    out["after"]["security_group"] = sorted(plan.rule_text(r) for r in want)
    if sg is None:
        out["actions"].append(Action(
            "create_sg", key, "create security group %s in %s" % (key, snap["vpc"]["VpcId"]), name=names["name"],
            vpc_id=snap["vpc"]["VpcId"], description="Pritunl VPN server of %s" % names["owner"],
            tags=_tags(params, names, key)))
    else:
        out["actions"] += _retag("tag", key, key, sg.get("Tags"), _tags(params, names, key))
    stale = sorted(have - set(want))
    if stale:
        perms = [json.loads(r[3]) if r[0] == "other" else plan.permission(r) for r in stale]
        out["actions"].append(Action("revoke", key, "revoke %s from %s" % (", ".join(plan.rule_text(r) for r in stale), key),
                                     permissions=perms))
    missing = sorted(set(want) - have)
    if missing:
        out["actions"].append(Action("authorize", key, "allow %s in %s" % (", ".join(plan.rule_text(r) for r in missing), key),
                                     permissions=[plan.permission(r, want[r]) for r in missing]))


def launch_request(params, names, snap):
    """RunInstances arguments known before the run (groups, profile and token are added then)."""
    user_data = plan.digest(params["user_data"]) if params["user_data"] is not None else None
    ebs = dict(VolumeSize=params["root_volume_size"], VolumeType="gp3", Encrypted=True, DeleteOnTermination=True)
    if params["kms_key_id"]:
        ebs["KmsKeyId"] = params["kms_key_id"]
    extra = {plan.USER_DATA_TAG: user_data} if user_data else {}
    request = dict(
        ImageId=snap["image_id"], InstanceType=params["instance_type"], MinCount=1, MaxCount=1,
        SubnetId=snap["subnet"]["SubnetId"],
        MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
        BlockDeviceMappings=[{"DeviceName": snap["root_device"], "Ebs": ebs}],
        DisableApiTermination=True,
        TagSpecifications=tag_spec("instance", _tags(params, names, names["instance"],
                                                     dict(extra, **vpn_reach.record_tags(params.get("reach")))))
        + tag_spec("volume", _tags(params, names, names["instance"] + "/root")),
    )
    if params["user_data"] is not None:
        request["UserData"] = params["user_data"]
    if params["key_name"]:
        request["KeyName"] = params["key_name"]
    launch_id = "|".join([snap["image_id"], params["instance_type"], snap["subnet"]["SubnetId"], user_data or ""])
    return request, launch_id


def _launch(params, names, snap, drift, out):
    """A new instance (the old one terminated first when replaced); its waits are polled together."""
    key, old = names["instance"], snap["instance"]
    request, launch_id = launch_request(params, names, snap)
    out["after"]["instance"] = dict(type=params["instance_type"], image_id=snap["image_id"],
                                    subnet_id=snap["subnet"]["SubnetId"], imdsv2=True, termination_protection=True,
                                    source_dest_check=params["mode"] != "routed")
    add = out["actions"].append
    if old is not None:
        out["before"]["instance"] = _instance_view(old, snap["protected"])
        add(Action("terminate", key, "replace instance %s (%s)" % (old["InstanceId"], ", ".join(d[0] for d in drift)),
                   instance_id=old["InstanceId"]))
    add(Action("launch", key, "launch instance %s %s %s in %s" % (key, params["instance_type"], snap["image_id"],
                                                                  snap["subnet"]["SubnetId"]),
               request=request, launch_id=launch_id, sg=names["sg"], profile=names["profile"], eni=names["eni"]))
    if old is not None:
        add(Action("wait_terminated", key, "wait for instance %s to terminate" % old["InstanceId"],
                   instance_id=old["InstanceId"]))
    add(Action("wait_running", key, "wait for instance %s to run" % key, eni=names["eni"]))
    # RunInstances could tag the interface, but the emulator ignores that: tagged once known
    out["actions"] += _retag("tag", names["eni"], names["eni"], [], _tags(params, names, names["eni"]))
    # the emulator ignores DisableApiTermination at launch; the handler sets it only when missing
    add(Action("protect", key, "enable termination protection of %s" % key))
    if params["mode"] == "routed":
        add(Action("source_dest_check", key, "disable source/dest check of %s" % key, value=False))


def _instance_view(inst, protected):
    return dict(type=inst["InstanceType"], image_id=inst["ImageId"], subnet_id=inst.get("SubnetId"),
                imdsv2=plan.metadata_ok(inst), termination_protection=protected,
                source_dest_check=inst.get("SourceDestCheck", True))


def _fix_instance(params, names, snap, out):
    """In-place settings of an existing instance: hardening, groups, profile, routing."""
    inst, key = snap["instance"], names["instance"]
    iid, routed = inst["InstanceId"], params["mode"] == "routed"
    out["before"]["instance"] = _instance_view(inst, snap["protected"])
    out["after"]["instance"] = dict(out["before"]["instance"], imdsv2=True, termination_protection=True,
                                    source_dest_check=not routed)
    add = out["actions"].append
    if inst["State"]["Name"] in ("stopped", "stopping"):
        out["warnings"].append("the VPN instance %s is %s" % (iid, inst["State"]["Name"]))
    records = vpn_reach.record_tags(params.get("reach"))
    out["actions"] += _retag("tag", key, key, inst.get("Tags"), _tags(params, names, key, records))
    stale = sorted(k for k in tag_dict(inst.get("Tags")) if k.startswith(vpn_reach.RECORD_TAG % "") and k not in records)
    if stale:
        out["actions"].append(Action("untag", key, "untag %s %s" % (key, ", ".join(stale)), keys=stale))
    if _eni(inst):
        out["actions"] += _retag("tag", names["eni"], names["eni"], (snap.get("eni") or {}).get("TagSet"),
                                 _tags(params, names, names["eni"]))
    if not plan.metadata_ok(inst):
        add(Action("require_imdsv2", key, "require IMDSv2 (hop limit 1) on %s" % iid))
    if not snap["protected"]:
        add(Action("protect", key, "enable termination protection of %s" % iid))
    sg_id = snap["sg"]["GroupId"] if snap["sg"] else None
    if [g["GroupId"] for g in inst.get("SecurityGroups", [])] != [sg_id]:
        add(Action("set_groups", key, "set security groups of %s to %s" % (iid, sg_id or names["sg"]), sg=names["sg"]))
    if inst.get("SourceDestCheck", True) == routed:
        add(Action("source_dest_check", key, "%s source/dest check of %s" % ("disable" if routed else "enable", iid),
                   value=not routed))
    current = (inst.get("IamInstanceProfile") or {}).get("Arn")
    wanted = snap["profile"]["Arn"] if snap["profile"] else None
    if current is None:
        add(Action("associate_profile", key, "associate instance profile %s with %s" % (names["iam"], iid),
                   profile=names["profile"]))
    elif current != wanted:
        out["warnings"].append("instance %s uses instance profile %s, not %s" % (iid, current, wanted or names["iam"]))


def _associate_eip(names, snap, launch, out):
    eip = snap["eip"]
    iid = None if launch else snap["instance"]["InstanceId"]
    out["before"]["elastic_ip"] = dict(public_ip=eip["PublicIp"], instance=eip.get("InstanceId") or None) if eip else None
    out["after"]["elastic_ip"] = dict(public_ip=eip and eip.get("PublicIp"), instance=iid)
    if eip is None or iid is None or eip.get("InstanceId") != iid:
        out["actions"].append(Action("associate_eip", names["eip"], "associate elastic IP %s with %s" % (
            (eip or {}).get("PublicIp") or names["eip"], iid or names["instance"]), instance=names["instance"]))


# -- routes and DNS (present and absent) --------------------------------------------------

def _routes(params, names, cidr, routed, eni, snap, out):
    """Routed mode: the client route to our ENI in our tables, to the peering in the peers'.
    Otherwise (and on absent): remove the routes that point at our ENI / for our client net.
    ``eni`` None (with ``routed``) is the instance launched in this run."""
    before, after, add = [], [], out["actions"].append
    for table in snap["tables"]:
        rtb = table["RouteTableId"]
        current = [r for r in table.get("Routes", []) if r.get("NetworkInterfaceId") and
                   (r.get("NetworkInterfaceId") == eni or r.get("DestinationCidrBlock") == cidr)]
        before.extend(route_text(rtb, r.get("DestinationCidrBlock"), r["NetworkInterfaceId"], names) for r in current)
        if routed:
            after.append((rtb, cidr, eni))
            match = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == cidr]
            route = dict(client="ec2", table=rtb, cidr=cidr, field="NetworkInterfaceId", target=eni,
                         target_key=names["eni"])
            if not match:
                add(Action("create_route", rtb, "create route %s" % route_text(rtb, cidr, eni, names), **route))
            elif match[0].get("NetworkInterfaceId") != eni or eni is None:
                add(Action("replace_route", rtb, "replace route %s" % route_text(rtb, cidr, eni, names), **route))
        for r in current:
            if r.get("NetworkInterfaceId") == eni and not (routed and r["DestinationCidrBlock"] == cidr):
                add(Action("delete_route", rtb, "delete route %s %s" % (rtb, r["DestinationCidrBlock"]), client="ec2",
                           table=rtb, cidr=r["DestinationCidrBlock"]))
    for peer in snap["peers"]:
        for table in peer["tables"]:
            rtb, pcx = table["RouteTableId"], peer["pcx"]
            match = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == cidr]
            ours = bool(match) and match[0].get("VpcPeeringConnectionId") == pcx
            route = dict(client=peer["client"], table=rtb, cidr=cidr, field="VpcPeeringConnectionId", target=pcx)
            if ours:
                before.append(route_text(rtb, cidr, pcx, names))
            if routed:
                after.append((rtb, cidr, pcx))
                if not match:
                    add(Action("create_route", rtb, "create route %s" % route_text(rtb, cidr, pcx, names), **route))
                elif not ours:  # a blackhole left behind (check_route_conflicts refused the rest)
                    add(Action("replace_route", rtb, "replace route %s" % route_text(rtb, cidr, pcx, names), **route))
            elif ours:
                add(Action("delete_route", rtb, "delete route %s %s" % (rtb, cidr), client=peer["client"], table=rtb,
                           cidr=cidr))
    out["routes"] = after
    out["before"]["routes"] = sorted(before)
    out["after"]["routes"] = sorted(route_text(rtb, c, t, names) for rtb, c, t in after)


def reach_rules(params, names, snap, source, present, out):
    """The served environments' security groups admit the VPN's address (``source``; None: the
    instance launched in this run) on the served ports, exactly: our rules there that are not
    wanted (an environment no longer served, a port or group dropped, the instance replaced)
    are revoked. ``out["reach"]`` is what the result reports per environment."""
    out["reach"], before, after = [], [], []
    for index, found in enumerate(snap.get("reach") or []):
        entry = dict(found["entry"], served=present and found["entry"].get("served", True)
                     and bool(found["entry"]["ports"] and found["entry"]["groups"]))
        env = entry["environment"]
        if found["vpc"] is None:
            if entry["served"]:
                out["warnings"].append("reach[%d]: %s has no VPC tagged refarch:owner=%s; no rule written there"
                                       % (index, env, found["owner"]))
            continue
        try:
            desired = vpn_reach.desired_rules(entry, found["groups"], source)
        except InputError as e:
            raise InputError("reach[%d].groups" % index, e.reason)
        authorize, revoke = vpn_reach.diff_rules(desired, found["rules"])
        group_names = dict((gid, name) for name, gid in found["groups"].items())
        before += [vpn_reach.rule_text(env, group_names.get(g, g), p, c) for g, p, c, _i in found["rules"].values()]
        after += [vpn_reach.rule_text(env, group_names.get(g, g), p, c) for g, p, c in desired.values()]
        for key, group_id, port, cidr, rule_id in revoke:
            out["actions"].append(Action("revoke_rule", key, "revoke %s" % vpn_reach.rule_text(
                env, group_names.get(group_id, group_id), port, cidr), client=found["client"], group_id=group_id,
                rule_id=rule_id))
        for key, group_id, port, cidr in authorize:
            out["actions"].append(Action("authorize_rule", key, "allow %s" % vpn_reach.rule_text(
                env, group_names.get(group_id, group_id), port, cidr), client=found["client"], group_id=group_id,
                port=port, cidr=cidr, instance=names["instance"], tags=_tags(params, names, key),
                description="Pritunl VPN of %s" % names["owner"]))
        if entry["served"]:
            out["reach"].append(dict(environment=env, tiers=entry["tiers"], ports=sorted(entry["ports"]),
                                     groups=entry["groups"], route_cidrs=found["cidrs"]))
    out["before"]["reach"], out["after"]["reach"] = sorted(before), sorted(after)


def _dns(params, names, snap, present, out):
    zone = snap["zone"]
    if zone is None:
        return
    name = dns.record_name(params["dns_record"], zone["name"])
    ip = snap["eip"].get("PublicIp") if present and snap["eip"] else None
    desired = {("A", name): (params["dns_ttl"], [ip or NEW_IP])} if present else {}
    changes, texts, before, after = dns.plan_zone_records(names["dns_owner"], zone["name"], desired, snap["rrsets"],
                                                          field="dns_record")
    out["before"]["dns"], out["after"]["dns"] = before, after
    if changes:
        out["actions"].append(Action(
            "change_records", "dns", "; ".join(texts) or "update the ownership registry of %s" % zone["name"],
            owner=names["dns_owner"], zone=zone["name"], zone_id=zone["id"], record=name if present else None,
            ttl=params["dns_ttl"], ip=ip, eip=names["eip"], rrsets=snap["rrsets"]))
    if present:
        out["dns_name"] = name.rstrip(".")


# -- absent -------------------------------------------------------------------------------

def diff_absent(params, snap):
    names = plan.names(params)
    check_ownership(snap, names)
    out = dict(actions=[], before={}, after={}, warnings=[], routes=[], dns_name=None, launch=False)
    add = out["actions"].append
    _dns(params, names, snap, False, out)
    _routes(params, names, params["client_cidr"], False, _eni(snap["instance"]), snap, out)
    reach_rules(params, names, snap, None, False, out)
    inst, sg, eip, name = snap["instance"], snap["sg"], snap["eip"], names["iam"]
    out["before"].update(instance=inst and inst["InstanceId"], security_group=sg and sg["GroupId"],
                         elastic_ip=eip and eip["PublicIp"], iam=name if (snap["role"] or snap["profile"]) else None)
    if eip:
        if eip.get("AssociationId"):
            add(Action("disassociate_eip", names["eip"], "disassociate elastic IP %s" % eip["PublicIp"],
                       association_id=eip["AssociationId"]))
        add(Action("release_eip", names["eip"], "release elastic IP %s" % eip["PublicIp"]))
    if inst:
        iid = inst["InstanceId"]
        add(Action("terminate", names["instance"], "terminate instance %s (termination protection off first)" % iid,
                   instance_id=iid))
        add(Action("wait_terminated", names["instance"], "wait for instance %s to terminate" % iid, instance_id=iid))
    if sg:
        add(Action("delete_sg", names["sg"], "delete security group %s" % sg["GroupId"]))
    if snap["profile"]:
        for role in snap["profile"].get("Roles", []):
            add(Action("remove_role", names["profile"], "remove IAM role %s from instance profile" % role["RoleName"],
                       name=name, role=role["RoleName"]))
        add(Action("delete_profile", names["profile"], "delete instance profile %s" % name, name=name))
    if snap["role"]:
        if snap["role_policy"] is not None:
            add(Action("delete_role_policy", name, "delete IAM role policy %s" % plan.SSM_POLICY_NAME, name=name))
        add(Action("delete_role", name, "delete IAM role %s" % name, name=name))
    out["after"] = dict((k, None) for k in out["before"])
    out["after"]["routes"] = []
    return out


# -- result -------------------------------------------------------------------------------

EMPTY_RESULT = dict(instance={}, security_group={}, elastic_ip={}, public_ip=None, dns_name=None,
                    iam_instance_profile=None, routes=[], reach=[], route_cidrs=[])


def planned_snapshot(snap, out):
    """``snap`` as the actions of ``out`` plan it (check mode, or nothing to do): an instance the
    run would launch (new, or a replacement) is not there yet, so its ids show as None."""
    return dict(snap, instance=None) if out["launch"] else snap


def result_of(params, snap, out):
    """The module's facts: from ``snap`` re-read after a run, or ``planned_snapshot``."""
    if params["state"] == "absent" or snap["vpc"] is None:
        return dict(EMPTY_RESULT)
    names = plan.names(params)
    inst = snap["instance"]
    subnet = snap["subnet"]
    if inst:
        instance = dict(id=inst["InstanceId"], type=inst["InstanceType"], image_id=inst.get("ImageId"),
                        subnet_id=inst.get("SubnetId"), private_ip=inst.get("PrivateIpAddress"),
                        network_interface_id=_eni(inst), state=inst["State"]["Name"])
    else:
        instance = dict(id=None, type=params["instance_type"], image_id=snap["image_id"], subnet_id=subnet["SubnetId"],
                        private_ip=None, network_interface_id=None, state=None)
    instance["availability_zone"] = subnet["AvailabilityZone"]
    eip = snap["eip"] or {}
    return dict(
        instance=instance,
        security_group=dict(id=snap["sg"]["GroupId"] if snap["sg"] else None, ingress=out["after"]["security_group"]),
        elastic_ip=dict(allocation_id=eip.get("AllocationId"), public_ip=eip.get("PublicIp")),
        public_ip=eip.get("PublicIp"), dns_name=out["dns_name"],
        iam_instance_profile=snap["profile"]["Arn"] if snap["profile"] else None,
        routes=sorted(route_text(rtb, cidr, target, names, instance["network_interface_id"])
                      for rtb, cidr, target in out["routes"]),
        reach=out.get("reach", []),
        # what Pritunl pushes: the VPN's own VPC and the subnets of every served tier
        route_cidrs=sorted(set([snap["vpc"]["CidrBlock"]] + [c for r in out.get("reach", []) for c in r["route_cidrs"]])))
