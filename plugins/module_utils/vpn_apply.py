# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of vpn_instance's actions, run by ``engine.execute``.

``run.ec2``/``run.iam``/``run.route53`` and ``run.peer<N>`` (a peer's EC2) are guarded:
lost replies and propagation delays are handled there. The instance profile's name and ARN
are recorded as made by this run, so RunInstances refusing a profile made seconds ago is
retried by the engine. A wait handler returns the condition the engine polls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
except ImportError:  # the module's SDK check reports it
    BotoCoreError = ClientError = ResponseParserError = Exception

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils import vpn as plan
from ansible_collections.refarch.network.plugins.module_utils.tags import is_owned, tag_list, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate, routed_to
from ansible_collections.refarch.network.plugins.module_utils.engine import WaitTimeout, poll
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried
from ansible_collections.refarch.network.plugins.module_utils.vpn_read import owned_instances

GONE = ("shutting-down", "terminated")


def known_ids(snap, names):
    """Logical key -> id of what the snapshot holds."""
    ids = {}
    inst = snap.get("instance")
    if inst:
        ids[names["instance"]] = inst["InstanceId"]
        for interface in (inst.get("NetworkInterfaces") or [])[:1]:
            ids[names["eni"]] = interface["NetworkInterfaceId"]
    if snap.get("sg"):
        ids[names["sg"]] = snap["sg"]["GroupId"]
    if snap.get("eip"):
        ids[names["eip"]] = snap["eip"]["AllocationId"]
    if snap.get("profile"):
        ids[names["profile"]] = snap["profile"]["Arn"]
    return ids


# -- IAM ----------------------------------------------------------------------------------

def _create_role(run, a):
    name = a["name"]
    run.iam.create_role(done_if=lambda: is_owned(run.iam.get_role(RoleName=name)["Role"].get("Tags"), run.owner),
                        RoleName=name, Path="/refarch/", AssumeRolePolicyDocument=plan.trust_policy(), Tags=a["tags"],
                        Description=a["description"])
    run.ids.made(name)


def _put_role_policy(run, a):
    run.iam.put_role_policy(RoleName=a["name"], PolicyName=plan.SSM_POLICY_NAME, PolicyDocument=plan.ssm_policy())


def _profile(run, name):
    return run.iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]


def _create_profile(run, a):
    name = a["name"]
    answer = run.iam.create_instance_profile(done_if=lambda: is_owned(_profile(run, name).get("Tags"), run.owner),
                                             InstanceProfileName=name, Path="/refarch/", Tags=a["tags"])
    run.ids.made(name)  # RunInstances refuses it for a while: the engine retries while it propagates
    run.ids[a.key] = (answer.get("InstanceProfile") or _profile(run, name))["Arn"]


def _add_role(run, a):
    name = a["name"]
    run.iam.add_role_to_instance_profile(
        done_if=lambda: [r["RoleName"] for r in _profile(run, name)["Roles"]] == [name],
        InstanceProfileName=name, RoleName=name)
    run.ids.made(name)  # a newly filled profile propagates too


def _remove_role(run, a):
    """The emulator answers a retry after a lost reply with an HTML 500 (AWS: NoSuchEntity,
    which the engine takes as done), so the end state decides."""
    try:
        run.iam.remove_role_from_instance_profile(InstanceProfileName=a["name"], RoleName=a["role"])
    except (BotoCoreError, ClientError, ResponseParserError):
        if a["role"] in [r["RoleName"] for r in _profile(run, a["name"])["Roles"]]:
            raise


def _delete_profile(run, a):
    run.iam.delete_instance_profile(InstanceProfileName=a["name"])


def _delete_role_policy(run, a):
    run.iam.delete_role_policy(RoleName=a["name"], PolicyName=plan.SSM_POLICY_NAME)


def _delete_role(run, a):
    run.iam.delete_role(RoleName=a["name"])


def _tag_role(run, a):
    run.iam.tag_role(RoleName=a["name"], Tags=tag_list(a["tags"]))


def _tag_profile(run, a):
    run.iam.tag_instance_profile(InstanceProfileName=a["name"], Tags=tag_list(a["tags"]))


def _tag(run, a):
    """Tags of the instance, its interface, the group or the address (by logical key)."""
    run.ec2.create_tags(Resources=[run.ids[a.key]], Tags=tag_list(a["tags"]))


def _untag(run, a):
    run.ec2.delete_tags(Resources=[run.ids[a.key]], Tags=[{"Key": k} for k in a["keys"]])


# -- security group and Elastic IP --------------------------------------------------------

def _create_sg(run, a):
    answer = run.ec2.create_security_group(GroupName=a["name"], VpcId=a["vpc_id"], Description=a["description"],
                                           TagSpecifications=tag_spec("security-group", a["tags"]))
    run.ids[a.key] = answer["GroupId"]


def _revoke(run, a):
    run.ec2.revoke_security_group_ingress(GroupId=run.ids[a.key], IpPermissions=a["permissions"])


def _authorize(run, a):
    run.ec2.authorize_security_group_ingress(GroupId=run.ids[a.key], IpPermissions=a["permissions"])


def _delete_sg(run, a):
    run.ec2.delete_security_group(GroupId=run.ids[a.key])


def _allocate_eip(run, a):
    answer = run.ec2.allocate_address(Domain="vpc", TagSpecifications=tag_spec("elastic-ip", a["tags"]))
    run.ids[a.key] = answer["AllocationId"]
    run.data["public_ip"] = answer.get("PublicIp")


def _associate_eip(run, a):
    run.ec2.associate_address(AllocationId=run.ids[a.key], InstanceId=run.ids[a["instance"]], AllowReassociation=True)


def _disassociate_eip(run, a):
    run.ec2.disassociate_address(AssociationId=a["association_id"])


def _release_eip(run, a):
    run.ec2.release_address(AllocationId=run.ids[a.key])


# -- the instance -------------------------------------------------------------------------

def _describe(run, iid):
    return run.ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]


def _terminate_now(run, iid):
    run.ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": False})
    run.ec2.terminate_instances(InstanceIds=[iid])


def _remove_twins(run, key, new_id):
    """Terminate the other live instances carrying our key, listed once ours is (a filtered
    Describe leaves out a new instance for a moment, and the lost attempt's is older)."""
    listed = []

    def ours_listed():
        listed[:] = owned_instances(run.ec2, run.owner, key)
        return any(i["InstanceId"] == new_id for i in listed)
    run.ids.made(new_id)
    try:
        poll(ours_listed, "instance %s to be listed" % new_id, timeout=run.bound, clock=run.clock, sleep=run.sleep)
    except WaitTimeout:
        pass
    for twin in listed:
        if twin["InstanceId"] != new_id:
            run.ids.made(twin["InstanceId"])
            _terminate_now(run, twin["InstanceId"])


def _launch(run, a):
    """RunInstances with a token derived from owner, key and launch settings; a retried call
    that made a second instance (a service ignoring the token) has the other one terminated."""
    request = dict(a["request"], SecurityGroupIds=[run.ids[a["sg"]]], IamInstanceProfile={"Arn": run.ids[a["profile"]]})
    salt = ""
    for _attempt in range(4):
        request["ClientToken"] = plan.client_token(run.owner, a.key, a["launch_id"], salt)
        answer = run.ec2.run_instances(**request)
        instance = answer["Instances"][0]
        if retried(answer):
            _remove_twins(run, a.key, instance["InstanceId"])
        if instance["State"]["Name"] not in GONE:
            break
        salt = instance["InstanceId"]  # AWS replayed an earlier launch with this token whose instance is gone
    else:
        raise RuntimeError("RunInstances keeps returning terminated instances for the token of %s" % a.key)
    run.ids[a.key] = instance["InstanceId"]
    for interface in (instance.get("NetworkInterfaces") or [])[:1]:
        run.ids[a["eni"]] = interface["NetworkInterfaceId"]


def _wait_running(run, a):
    def running():
        instance = _describe(run, run.ids[a.key])
        state = instance["State"]["Name"]
        if state in GONE + ("stopping", "stopped"):
            raise RuntimeError("instance %s is %s instead of running" % (instance["InstanceId"], state))
        interfaces = instance.get("NetworkInterfaces") or []
        if state == "running" and interfaces and run.ids.get(a["eni"]) != interfaces[0]["NetworkInterfaceId"]:
            run.ids[a["eni"]] = interfaces[0]["NetworkInterfaceId"]
        return state == "running"
    return running


def _terminate(run, a):
    _terminate_now(run, a["instance_id"])


def _wait_terminated(run, a):
    return lambda: _describe(run, a["instance_id"])["State"]["Name"] == "terminated"


def _protect(run, a):
    """Termination protection on (the emulator ignores it at launch; AWS may lag too)."""
    iid = run.ids[a.key]
    if not run.ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")[
            "DisableApiTermination"]["Value"]:
        run.ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})


def _require_imdsv2(run, a):
    run.ec2.modify_instance_metadata_options(InstanceId=run.ids[a.key], HttpTokens="required",
                                             HttpPutResponseHopLimit=1, HttpEndpoint="enabled")


def _set_groups(run, a):
    run.ec2.modify_instance_attribute(InstanceId=run.ids[a.key], Groups=[run.ids[a["sg"]]])


def _source_dest_check(run, a):
    run.ec2.modify_instance_attribute(InstanceId=run.ids[a.key], SourceDestCheck={"Value": a["value"]})


def _profile_of(run, iid):
    found = run.ec2.describe_iam_instance_profile_associations(Filters=[
        {"Name": "instance-id", "Values": [iid]}, {"Name": "state", "Values": ["associating", "associated"]}])
    arns = [x["IamInstanceProfile"]["Arn"] for x in found["IamInstanceProfileAssociations"]]
    return arns[0] if arns else None


def _associate_profile(run, a):
    iid, arn = run.ids[a.key], run.ids[a["profile"]]
    run.ec2.associate_iam_instance_profile(done_if=lambda: _profile_of(run, iid) == arn, InstanceId=iid,
                                           IamInstanceProfile={"Arn": arn})


# -- routes and DNS -----------------------------------------------------------------------

def _route_args(run, a):
    return {"RouteTableId": a["table"], "DestinationCidrBlock": a["cidr"],
            a["field"]: a["target"] or run.ids[a["target_key"]]}


def _create_route(run, a):
    ec2, args = getattr(run, a["client"]), _route_args(run, a)
    ec2.create_route(done_if=lambda: routed_to(ec2, a["table"], a["cidr"]) == args[a["field"]], **args)


def _replace_route(run, a):
    getattr(run, a["client"]).replace_route(**_route_args(run, a))


def _delete_route(run, a):
    getattr(run, a["client"]).delete_route(RouteTableId=a["table"], DestinationCidrBlock=a["cidr"])


def _authorize_rule(run, a):
    """A served environment's group admits the VPN's address (known only now for an instance
    launched in this run); the rule carries our owner, key and module tags."""
    ec2 = getattr(run, a["client"])
    cidr = a["cidr"] or "%s/32" % _describe(run, run.ids[a["instance"]])["PrivateIpAddress"]
    permission = {"IpProtocol": "tcp", "FromPort": a["port"], "ToPort": a["port"],
                  "IpRanges": [{"CidrIp": cidr, "Description": a["description"]}]}
    ec2.authorize_security_group_ingress(GroupId=a["group_id"], IpPermissions=[permission],
                                         TagSpecifications=tag_spec("security-group-rule", a["tags"]))


def _revoke_rule(run, a):
    getattr(run, a["client"]).revoke_security_group_ingress(GroupId=a["group_id"], SecurityGroupRuleIds=[a["rule_id"]])


def _change_records(run, a):
    """The record (its address known only now when the Elastic IP is new) and the registry."""
    desired = {}
    if a["record"]:
        ip = a["ip"] or run.data.get("public_ip") or run.ec2.describe_addresses(
            AllocationIds=[run.ids[a["eip"]]])["Addresses"][0]["PublicIp"]
        desired = {("A", a["record"]): (a["ttl"], [ip])}

    def changes(rrsets):
        return dns.plan_zone_records(a["owner"], a["zone"], desired, rrsets, field="dns_record")[0]

    def converged():  # CREATE and DELETE are refused when retried after a lost reply
        return not changes(dns.index_rrsets(paginate(run.route53, "list_resource_record_sets", "ResourceRecordSets",
                                                     HostedZoneId=a["zone_id"])))
    batch = changes(a["rrsets"])
    if batch:
        run.route53.change_resource_record_sets(done_if=converged, HostedZoneId=a["zone_id"],
                                                ChangeBatch={"Changes": batch})


HANDLERS = {
    "create_role": _create_role, "put_role_policy": _put_role_policy, "create_profile": _create_profile,
    "add_role": _add_role, "remove_role": _remove_role, "delete_profile": _delete_profile,
    "delete_role_policy": _delete_role_policy, "delete_role": _delete_role, "tag_role": _tag_role,
    "tag_profile": _tag_profile, "tag": _tag,
    "create_sg": _create_sg, "revoke": _revoke, "authorize": _authorize, "delete_sg": _delete_sg,
    "allocate_eip": _allocate_eip, "associate_eip": _associate_eip, "disassociate_eip": _disassociate_eip,
    "release_eip": _release_eip,
    "launch": _launch, "wait_running": _wait_running, "terminate": _terminate, "wait_terminated": _wait_terminated,
    "protect": _protect, "require_imdsv2": _require_imdsv2, "set_groups": _set_groups,
    "source_dest_check": _source_dest_check, "associate_profile": _associate_profile,
    "create_route": _create_route, "replace_route": _replace_route, "delete_route": _delete_route,
    "change_records": _change_records, "authorize_rule": _authorize_rule, "revoke_rule": _revoke_rule,
    "untag": _untag,
}
