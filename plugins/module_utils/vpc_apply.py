# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply layer of vpc_tiers: executes diff actions in order, resolving logical keys to ids."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, is_owned, owner_filter, tag_dict, tag_list, tag_spec,
)
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import create_once, retried, write
from ansible_collections.refarch.network.plugins.module_utils.waiters import poll


def client_token(owner, key, *parts):
    """Idempotency token: the same logical resource always asks with the same token."""
    digest = hashlib.sha256("|".join((owner, key) + tuple(parts)).encode()).hexdigest()
    return digest[:64]


class Ids(object):
    """Logical key -> AWS id, seeded from the snapshot and filled as resources are created."""

    def __init__(self, snap):
        self.ids = {}
        if snap["vpc"]:
            self.ids["vpc"] = snap["vpc"]["VpcId"]
        if snap["igw"]:
            self.ids["igw"] = snap["igw"]["InternetGatewayId"]
        for key, subnet in snap["subnets"].items():
            self.ids[key] = subnet["SubnetId"]
        for key, table in snap["route_tables"].items():
            self.ids[key] = table["RouteTableId"]
        for key, nat in snap["nat_gateways"].items():
            self.ids[key] = nat["NatGatewayId"]
        for key, eip in snap["eips"].items():
            self.ids[key] = eip["AllocationId"]
        if snap["default_sg"]:
            self.ids["sg/default"] = snap["default_sg"]["GroupId"]

    def __getitem__(self, key):
        return self.ids[key]

    def __setitem__(self, key, value):
        self.ids[key] = value


def _target_args(target, ids):
    if target == "igw":
        return {"GatewayId": ids["igw"]}
    return {"NatGatewayId": ids[target]}


def apply_actions(ec2, actions, snap, owner):
    ids = Ids(snap)
    for action in actions:
        HANDLERS[action["op"]](ec2, action, ids, owner)
    return ids


def _owned_ids(ec2, owner, key, operation, list_key, id_key, live=None, filter_arg="Filters"):
    """Ids of the resources tagged owner + key (to find what a lost reply created). Tags are
    checked here too: the emulator ignores tag filters on some calls (NAT gateways)."""
    found = getattr(ec2, operation)(**{filter_arg: owner_filter(owner, key)})[list_key]
    return [r[id_key] for r in found if tag_dict(r.get("Tags")).get(KEY_TAG) == key and is_owned(r.get("Tags"), owner)
            and (live is None or live(r))]


def _create_vpc(ec2, a, ids, owner):
    answer = ec2.create_vpc(CidrBlock=a["cidr"], TagSpecifications=tag_spec("vpc", a["tags"]))
    ids["vpc"] = answer["Vpc"]["VpcId"]
    create_once(answer, ids["vpc"], lambda: _owned_ids(ec2, owner, "vpc", "describe_vpcs", "Vpcs", "VpcId"),
                lambda i: write(ec2.delete_vpc, VpcId=i))
    poll(lambda: ec2.describe_vpcs(VpcIds=[ids["vpc"]])["Vpcs"][0]["State"] == "available",
         "vpc %s available" % ids["vpc"])
    found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]},
                                                  {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    if found:
        ids["sg/default"] = found[0]["GroupId"]


def _set_vpc_attribute(ec2, a, ids, owner):
    ec2.modify_vpc_attribute(VpcId=ids["vpc"], **{a["attribute"][0].upper() + a["attribute"][1:]: {"Value": True}})


def _tag(ec2, a, ids, owner):
    ec2.create_tags(Resources=[ids[a["key"]]], Tags=tag_list(a["tags"]))


def _create_igw(ec2, a, ids, owner):
    answer = ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", a["tags"]))
    ids["igw"] = answer["InternetGateway"]["InternetGatewayId"]
    create_once(answer, ids["igw"], lambda: _owned_ids(
        ec2, owner, "igw", "describe_internet_gateways", "InternetGateways", "InternetGatewayId"),
        lambda i: write(ec2.delete_internet_gateway, InternetGatewayId=i))


def _attach_igw(ec2, a, ids, owner):
    write(ec2.attach_internet_gateway, InternetGatewayId=ids["igw"], VpcId=ids["vpc"])


def _create_subnet(ec2, a, ids, owner):
    def find():
        return _owned_ids(ec2, owner, a["key"], "describe_subnets", "Subnets", "SubnetId")
    # a retry of a create that landed conflicts with it (same CIDR): adopt it by its key
    answer = write(ec2.create_subnet, verify=lambda: len(find()) == 1, VpcId=ids["vpc"], CidrBlock=a["cidr"],
                   AvailabilityZone=a["az"], TagSpecifications=tag_spec("subnet", a["tags"]))
    ids[a["key"]] = answer["Subnet"]["SubnetId"] if answer else find()[0]


def _map_public_ip(ec2, a, ids, owner):
    ec2.modify_subnet_attribute(SubnetId=ids[a["key"]], MapPublicIpOnLaunch={"Value": a["value"]})


def _create_route_table(ec2, a, ids, owner):
    answer = ec2.create_route_table(VpcId=ids["vpc"], ClientToken=client_token(owner, a["key"], ids["vpc"]),
                                    TagSpecifications=tag_spec("route-table", a["tags"]))
    ids[a["key"]] = answer["RouteTable"]["RouteTableId"]
    create_once(answer, ids[a["key"]], lambda: _owned_ids(ec2, owner, a["key"], "describe_route_tables",
                                                          "RouteTables", "RouteTableId"),
                lambda i: write(ec2.delete_route_table, RouteTableId=i))


def _allocate_eip(ec2, a, ids, owner):
    answer = ec2.allocate_address(Domain="vpc", TagSpecifications=tag_spec("elastic-ip", a["tags"]))
    ids[a["key"]] = answer["AllocationId"]
    create_once(answer, ids[a["key"]], lambda: _owned_ids(ec2, owner, a["key"], "describe_addresses",
                                                          "Addresses", "AllocationId"),
                lambda i: write(ec2.release_address, AllocationId=i))


def _create_nat(ec2, a, ids, owner):
    def find():
        return _owned_ids(ec2, owner, a["key"], "describe_nat_gateways", "NatGateways", "NatGatewayId",
                          live=lambda n: n["State"] in ("pending", "available"), filter_arg="Filter")
    # AWS answers a retry with the same token with the same NAT; a service that ignores the
    # token refuses the retry (the EIP is taken by the first one): adopt that one by its key
    answer = write(ec2.create_nat_gateway, verify=lambda: len(find()) == 1,
                   SubnetId=ids[a["subnet"]], AllocationId=ids[a["eip"]],
                   ClientToken=client_token(owner, a["key"], ids[a["subnet"]]),
                   TagSpecifications=tag_spec("natgateway", a["tags"]))
    ids[a["key"]] = answer["NatGateway"]["NatGatewayId"] if answer else find()[0]


def _nat_states(ec2, keys, ids):
    found = ec2.describe_nat_gateways(NatGatewayIds=[ids[k] for k in keys])["NatGateways"]
    return dict((n["NatGatewayId"], n["State"]) for n in found)


def _wait_nat(ec2, a, ids, owner):
    def ready():
        states = _nat_states(ec2, a["keys"], ids)
        failed = [i for i, s in states.items() if s == "failed"]
        if failed:
            raise RuntimeError("nat gateway %s failed to start" % ", ".join(failed))
        return all(s == "available" for s in states.values())
    poll(ready, "nat gateways available", timeout=900)


def _wait_nat_deleted(ec2, a, ids, owner):
    poll(lambda: all(s == "deleted" for s in _nat_states(ec2, a["keys"], ids).values()),
         "nat gateways deleted", timeout=900)


def _route_is(ec2, table_id, destination, target):
    """The route exists with this target (a retried CreateRoute's first attempt landed)."""
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    return any(r.get("DestinationCidrBlock") == destination and
               set(target.items()) <= set(r.items()) for r in table.get("Routes", []))


def _create_route(ec2, a, ids, owner):
    target = _target_args(a["target"], ids)
    write(ec2.create_route, verify=lambda: _route_is(ec2, ids[a["key"]], a["destination"], target),
          RouteTableId=ids[a["key"]], DestinationCidrBlock=a["destination"], **target)


def _replace_route(ec2, a, ids, owner):
    ec2.replace_route(RouteTableId=ids[a["key"]], DestinationCidrBlock=a["destination"],
                      **_target_args(a["target"], ids))


def _delete_route(ec2, a, ids, owner):
    write(ec2.delete_route, RouteTableId=ids[a["key"]], DestinationCidrBlock=a["destination"])


def _associate(ec2, a, ids, owner):
    write(ec2.associate_route_table, RouteTableId=ids[a["key"]], SubnetId=ids[a["subnet"]])


def _replace_association(ec2, a, ids, owner):
    ec2.replace_route_table_association(AssociationId=a["association_id"], RouteTableId=ids[a["key"]])


def _revoke_default_sg(ec2, a, ids, owner):
    group_id = ids["sg/default"]
    ingress, egress = a["ingress"], a["egress"]
    if ingress is None:  # the VPC was created in this run: read the rules AWS gave it
        group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        ingress, egress = group.get("IpPermissions", []), group.get("IpPermissionsEgress", [])
    if ingress:
        write(ec2.revoke_security_group_ingress, GroupId=group_id, IpPermissions=ingress)
    if egress:
        write(ec2.revoke_security_group_egress, GroupId=group_id, IpPermissions=egress)


def _create_flow_log(ec2, a, ids, owner):
    config = a["config"]
    kwargs = dict(ResourceIds=[ids["vpc"]], ResourceType="VPC", TrafficType=config["traffic_type"],
                  LogDestinationType=config["destination_type"],
                  TagSpecifications=tag_spec("vpc-flow-log", a["tags"]))
    if config["destination_type"] == "cloud-watch-logs":
        kwargs.update(LogGroupName=config["log_group_name"], DeliverLogsPermissionArn=config["iam_role_arn"])
    else:
        kwargs.update(LogDestination=config["destination_arn"])
    result = write(ec2.create_flow_logs, **kwargs)
    lost = [u for u in result.get("Unsuccessful", []) if u["Error"]["Code"] == "FlowLogAlreadyExists"]
    if result.get("Unsuccessful") and not (lost and retried(result)):
        raise RuntimeError("flow log not created: %s" % result["Unsuccessful"][0]["Error"]["Message"])


def _delete_flow_log(ec2, a, ids, owner):
    write(ec2.delete_flow_logs, FlowLogIds=[a["flow_log_id"]])


def _disassociate(ec2, a, ids, owner):
    write(ec2.disassociate_route_table, AssociationId=a["association_id"])


def _delete_nat(ec2, a, ids, owner):
    write(ec2.delete_nat_gateway, NatGatewayId=ids[a["key"]])


def _release_eip(ec2, a, ids, owner):
    write(ec2.release_address, AllocationId=ids[a["key"]])


def _delete_subnet(ec2, a, ids, owner):
    write(ec2.delete_subnet, SubnetId=ids[a["key"]])


def _delete_route_table(ec2, a, ids, owner):
    write(ec2.delete_route_table, RouteTableId=ids[a["key"]])


def _detach_igw(ec2, a, ids, owner):
    write(ec2.detach_internet_gateway, InternetGatewayId=ids["igw"], VpcId=ids["vpc"])


def _delete_igw(ec2, a, ids, owner):
    write(ec2.delete_internet_gateway, InternetGatewayId=ids["igw"])


def _delete_vpc(ec2, a, ids, owner):
    write(ec2.delete_vpc, VpcId=ids["vpc"])


HANDLERS = {
    "create_vpc": _create_vpc, "set_vpc_attribute": _set_vpc_attribute, "tag": _tag,
    "create_igw": _create_igw, "attach_igw": _attach_igw, "create_subnet": _create_subnet,
    "map_public_ip": _map_public_ip, "create_route_table": _create_route_table,
    "allocate_eip": _allocate_eip, "create_nat": _create_nat, "wait_nat": _wait_nat,
    "wait_nat_deleted": _wait_nat_deleted, "create_route": _create_route, "replace_route": _replace_route,
    "delete_route": _delete_route, "associate": _associate, "replace_association": _replace_association,
    "revoke_default_sg": _revoke_default_sg, "create_flow_log": _create_flow_log,
    "delete_flow_log": _delete_flow_log, "disassociate": _disassociate, "delete_nat": _delete_nat, "release_eip": _release_eip,
    "delete_subnet": _delete_subnet, "delete_route_table": _delete_route_table,
    "detach_igw": _detach_igw, "delete_igw": _delete_igw, "delete_vpc": _delete_vpc,
}
