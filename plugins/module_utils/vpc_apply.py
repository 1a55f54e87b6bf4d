# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of vpc_tiers' actions, run by ``engine.execute``.

Each handler gets the run (``run.ec2`` is guarded against lost replies and propagation
delays, ``run.ids`` resolves logical keys) and one action. A wait handler returns the
condition the engine polls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import routed_to
from ansible_collections.refarch.network.plugins.module_utils.engine import poll
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import FLOW_LOG_FIELDS

DEAD_NAT_STATES = ("deleting", "deleted", "failed")


def client_token(owner, key, *parts):
    """Idempotency token: the same logical resource always asks with the same token."""
    digest = hashlib.sha256("|".join((owner, key) + tuple(parts)).encode()).hexdigest()
    return digest[:64]


def known_ids(snap):
    """Logical key -> id of everything the snapshot holds."""
    ids = {}
    if snap["vpc"]:
        ids["vpc"] = snap["vpc"]["VpcId"]
    if snap["igw"]:
        ids["igw"] = snap["igw"]["InternetGatewayId"]
    for key, subnet in snap["subnets"].items():
        ids[key] = subnet["SubnetId"]
    for key, table in snap["route_tables"].items():
        ids[key] = table["RouteTableId"]
    for key, nat in snap["nat_gateways"].items():
        ids[key] = nat["NatGatewayId"]
    for key, eip in snap["eips"].items():
        ids[key] = eip["AllocationId"]
    if snap["default_sg"]:
        ids["sg/default"] = snap["default_sg"]["GroupId"]
    return ids


def _target_args(target, ids):
    if target == "igw":
        return {"GatewayId": ids["igw"]}
    return {"NatGatewayId": ids[target]}


def _create_vpc(run, a):
    run.ids["vpc"] = run.ec2.create_vpc(CidrBlock=a["cidr"], TagSpecifications=tag_spec("vpc", a["tags"]))["Vpc"]["VpcId"]


def _wait_vpc(run, a):
    return lambda: run.ec2.describe_vpcs(VpcIds=[run.ids["vpc"]])["Vpcs"][0]["State"] == "available"


def _set_vpc_attribute(run, a):
    run.ec2.modify_vpc_attribute(VpcId=run.ids["vpc"], **{a["attribute"][0].upper() + a["attribute"][1:]: {"Value": True}})


def _tag(run, a):
    run.ec2.create_tags(Resources=[run.ids[a.key]], Tags=tag_list(a["tags"]))


def _create_igw(run, a):
    answer = run.ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", a["tags"]))
    run.ids["igw"] = answer["InternetGateway"]["InternetGatewayId"]


def _attach_igw(run, a):
    run.ec2.attach_internet_gateway(InternetGatewayId=run.ids["igw"], VpcId=run.ids["vpc"])


def _create_subnet(run, a):
    answer = run.ec2.create_subnet(VpcId=run.ids["vpc"], CidrBlock=a["cidr"], AvailabilityZone=a["az"],
                                   TagSpecifications=tag_spec("subnet", a["tags"]))
    run.ids[a.key] = answer["Subnet"]["SubnetId"]


def _map_public_ip(run, a):
    run.ec2.modify_subnet_attribute(SubnetId=run.ids[a.key], MapPublicIpOnLaunch={"Value": a["value"]})


def _create_route_table(run, a):
    answer = run.ec2.create_route_table(VpcId=run.ids["vpc"], ClientToken=client_token(run.owner, a.key, run.ids["vpc"]),
                                        TagSpecifications=tag_spec("route-table", a["tags"]))
    run.ids[a.key] = answer["RouteTable"]["RouteTableId"]


def _allocate_eip(run, a):
    run.ids[a.key] = run.ec2.allocate_address(Domain="vpc", TagSpecifications=tag_spec("elastic-ip", a["tags"]))["AllocationId"]


def _create_nat(run, a):
    # AWS answers a retry with the same token with the same NAT; a service that ignores the
    # token refuses the retry (the EIP is taken by the first one) and the engine adopts it.
    # A NAT deleted since answers its token too: asked again, the token names the dead one.
    salt = ()
    for _attempt in range(4):
        answer = run.ec2.create_nat_gateway(SubnetId=run.ids[a["subnet"]], AllocationId=run.ids[a["eip"]],
                                            ClientToken=client_token(run.owner, a.key, run.ids[a["subnet"]], *salt),
                                            TagSpecifications=tag_spec("natgateway", a["tags"]))
        nat = answer["NatGateway"]
        if nat.get("State") not in DEAD_NAT_STATES:
            break
        salt = (nat["NatGatewayId"],)
    else:
        raise RuntimeError("CreateNatGateway keeps answering deleted NAT gateways for the token of %s" % a.key)
    run.ids[a.key] = nat["NatGatewayId"]


def _free_eip(run, a):
    """The address of a NAT gateway deleted out of band, unless already free (AWS frees it
    when the NAT is deleted; the emulator keeps it associated)."""
    found = run.ec2.describe_addresses(AllocationIds=[run.ids[a.key]])["Addresses"]
    if found and found[0].get("AssociationId") == a["association_id"]:
        run.ec2.disassociate_address(AssociationId=a["association_id"])


def _nat_states(run, nat_ids):
    found = run.ec2.describe_nat_gateways(NatGatewayIds=list(nat_ids))["NatGateways"]
    return dict((n["NatGatewayId"], n["State"]) for n in found)


def _wait_nat(run, a):
    def ready():
        states = _nat_states(run, [run.ids[k] for k in a["keys"]])
        failed = [i for i, s in states.items() if s == "failed"]
        if failed:
            raise RuntimeError("nat gateway %s failed to start" % ", ".join(failed))
        return all(s == "available" for s in states.values())
    return ready


def _wait_nat_deleted(run, a):
    nat_ids = a.get("nat_ids") or [run.ids[k] for k in a["keys"]]
    return lambda: all(s == "deleted" for s in _nat_states(run, nat_ids).values())


def _create_route(run, a):
    target = _target_args(a["target"], run.ids)
    run.ec2.create_route(done_if=lambda: routed_to(run.ec2, run.ids[a.key], a["destination"]) in target.values(),
                         RouteTableId=run.ids[a.key], DestinationCidrBlock=a["destination"], **target)


def _replace_route(run, a):
    run.ec2.replace_route(RouteTableId=run.ids[a.key], DestinationCidrBlock=a["destination"],
                          **_target_args(a["target"], run.ids))


def _delete_route(run, a):
    run.ec2.delete_route(RouteTableId=run.ids[a.key], DestinationCidrBlock=a["destination"])


def _associate(run, a):
    run.ec2.associate_route_table(RouteTableId=run.ids[a.key], SubnetId=run.ids[a["subnet"]])


def _replace_association(run, a):
    run.ec2.replace_route_table_association(AssociationId=a["association_id"], RouteTableId=run.ids[a.key])


def _default_group(run):
    """The default security group AWS made with the VPC (it may take a moment to be listed)."""
    found = []

    def listed():
        found[:] = run.ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [run.ids["vpc"]]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
        return bool(found)
    poll(listed, "the default security group of %s" % run.ids["vpc"], timeout=run.bound)
    return found[0]


def _revoke_default_sg(run, a):
    ingress, egress = a["ingress"], a["egress"]
    if ingress is None:  # the VPC was created in this run: read the rules AWS gave it
        group = _default_group(run)
        run.ids["sg/default"] = group["GroupId"]
        ingress, egress = group.get("IpPermissions", []), group.get("IpPermissionsEgress", [])
    if ingress:
        run.ec2.revoke_security_group_ingress(GroupId=run.ids["sg/default"], IpPermissions=ingress)
    if egress:
        run.ec2.revoke_security_group_egress(GroupId=run.ids["sg/default"], IpPermissions=egress)


def _create_flow_log(run, a):
    # the config holds only the options of its destination type (vpc_diff.check_flow_logs);
    # DescribeFlowLogs names its fields as CreateFlowLogs' parameters
    kwargs = dict((field, a["config"][opt]) for opt, field in FLOW_LOG_FIELDS if opt in a["config"])
    kwargs.update(ResourceIds=[run.ids["vpc"]], ResourceType="VPC", TagSpecifications=tag_spec("vpc-flow-log", a["tags"]))
    result = run.ec2.create_flow_logs(**kwargs)
    lost = [u for u in result.get("Unsuccessful", []) if u["Error"]["Code"] == "FlowLogAlreadyExists"]
    if result.get("Unsuccessful") and not (lost and retried(result)):
        raise RuntimeError("flow log not created: %s" % result["Unsuccessful"][0]["Error"]["Message"])


def _delete_flow_log(run, a):
    run.ec2.delete_flow_logs(FlowLogIds=[a["flow_log_id"]])


def _replace_flow_log(run, a):
    """Delete, then create: AWS refuses a second flow log of a VPC to the same destination."""
    _delete_flow_log(run, a)
    _create_flow_log(run, a)


def _disassociate(run, a):
    run.ec2.disassociate_route_table(AssociationId=a["association_id"])


def _delete_nat(run, a):
    run.ec2.delete_nat_gateway(NatGatewayId=run.ids[a.key])


def _release_eip(run, a):
    run.ec2.release_address(AllocationId=run.ids[a.key])


def _delete_subnet(run, a):
    run.ec2.delete_subnet(SubnetId=run.ids[a.key])


def _delete_route_table(run, a):
    run.ec2.delete_route_table(RouteTableId=run.ids[a.key])


def _detach_igw(run, a):
    run.ec2.detach_internet_gateway(InternetGatewayId=run.ids["igw"], VpcId=run.ids["vpc"])


def _delete_igw(run, a):
    run.ec2.delete_internet_gateway(InternetGatewayId=run.ids["igw"])


def _delete_vpc(run, a):
    run.ec2.delete_vpc(VpcId=run.ids["vpc"])


HANDLERS = {
    "create_vpc": _create_vpc, "wait_vpc": _wait_vpc, "set_vpc_attribute": _set_vpc_attribute, "tag": _tag,
    "create_igw": _create_igw, "attach_igw": _attach_igw, "create_subnet": _create_subnet,
    "map_public_ip": _map_public_ip, "create_route_table": _create_route_table,
    "allocate_eip": _allocate_eip, "create_nat": _create_nat, "wait_nat": _wait_nat,
    "wait_nat_deleted": _wait_nat_deleted, "create_route": _create_route, "replace_route": _replace_route,
    "delete_route": _delete_route, "associate": _associate, "replace_association": _replace_association,
    "revoke_default_sg": _revoke_default_sg, "create_flow_log": _create_flow_log,
    "delete_flow_log": _delete_flow_log, "replace_flow_log": _replace_flow_log, "free_eip": _free_eip,
    "disassociate": _disassociate, "delete_nat": _delete_nat,
    "release_eip": _release_eip, "delete_subnet": _delete_subnet, "delete_route_table": _delete_route_table,
    "detach_igw": _detach_igw, "delete_igw": _delete_igw, "delete_vpc": _delete_vpc,
}
