"""vpc_tiers' drift of what it owns (flow logs, routes, NAT gateways) and its key space,
pure: snapshots as plain dicts, and the reader over a client that answers from lists."""

import copy
import os
import sys

from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import (
    after_model, before_model, check_flow_logs, desired_tags, diff_absent, diff_present, unplanned,
)
from ansible_collections.refarch.network.plugins.module_utils.vpc_read import KEY_SPACE, ours, read_vpc
from test_vpc_diff import OPTIONS, built, plan

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "reliability"))

import baseline  # noqa: E402

CWL = dict(destination_type="cloud-watch-logs", log_group_name="/refarch/flow", traffic_type="ALL",
           iam_role_arn="arn:aws:iam::123456789012:role/flow", destination_arn=None, log_format=None,
           max_aggregation_interval=None)
FLOW = check_flow_logs(CWL)


def flow_log(flow_id="fl-1", **changes):
    """An owned flow log as DescribeFlowLogs lists one made with CWL (AWS's defaults filled in)."""
    flow = {"FlowLogId": flow_id, "ResourceId": "vpc-1", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": "/refarch/flow", "DeliverLogsPermissionArn": CWL["iam_role_arn"],
            "LogDestination": "arn:aws:logs:us-east-1:123456789012:log-group:/refarch/flow",
            "LogFormat": "${version} ${account-id}", "MaxAggregationInterval": 600,
            "Tags": tag_list({"refarch:owner": "dev", "refarch:key": "flowlog"})}
    flow.update(changes)
    return flow


def logged(p, *flows):
    snap = built(p)
    snap["flow_logs"] = list(flows)
    return snap


def steps(actions):
    return [(a.op, a.text) for a in actions]


# -- flow logs ----------------------------------------------------------------------------

def test_a_flow_log_with_the_wanted_settings_is_kept():
    p = plan()
    options = dict(OPTIONS, flow_logs=FLOW)
    snap = logged(p, flow_log())
    assert diff_present(p, snap, options) == []
    assert before_model(snap, options)["flow_logs"] == after_model(p, options, snap)["flow_logs"] == [FLOW]


def test_a_flow_log_changed_out_of_band_is_replaced_saying_why():
    p = plan()
    options = dict(OPTIONS, flow_logs=FLOW)
    snap = logged(p, flow_log(TrafficType="REJECT", LogGroupName="other",
                              DeliverLogsPermissionArn="arn:aws:iam::999999999999:role/x"))
    actions = diff_present(p, snap, options)
    assert steps(actions) == [("replace_flow_log", "replace vpc flow log fl-1: iam_role_arn "
                                                   "arn:aws:iam::999999999999:role/x -> arn:aws:iam::123456789012:role/flow, "
                                                   "log_group_name other -> /refarch/flow, traffic_type REJECT -> ALL")]
    assert actions[0]["flow_log_id"] == "fl-1" and actions[0]["config"] == FLOW
    assert actions[0]["tags"]["refarch:key"] == "flowlog"


def test_format_and_interval_are_compared_only_when_given():
    p = plan()
    wanted = check_flow_logs(dict(CWL, log_format="${srcaddr} ${dstaddr}", max_aggregation_interval=60))
    actions = diff_present(p, logged(p, flow_log()), dict(OPTIONS, flow_logs=wanted))
    assert [a.op for a in actions] == ["replace_flow_log"]
    assert "log_format ${version} ${account-id} -> ${srcaddr} ${dstaddr}" in actions[0].text
    assert "max_aggregation_interval 600 -> 60" in actions[0].text
    same = flow_log(LogFormat="${srcaddr} ${dstaddr}", MaxAggregationInterval=60)
    assert diff_present(p, logged(p, same), dict(OPTIONS, flow_logs=wanted)) == []


def test_only_the_options_of_the_destination_type_are_sent_and_compared():
    s3 = check_flow_logs(dict(CWL, destination_type="s3", destination_arn="arn:aws:s3:::logs"))
    assert s3 == dict(destination_type="s3", destination_arn="arn:aws:s3:::logs", traffic_type="ALL")
    assert "destination_arn" not in check_flow_logs(dict(CWL, destination_arn="arn:aws:s3:::logs"))
    p = plan()
    flow = flow_log(LogDestinationType="s3", LogDestination="arn:aws:s3:::logs", LogGroupName=None,
                    DeliverLogsPermissionArn=None)
    assert diff_present(p, logged(p, flow), dict(OPTIONS, flow_logs=s3)) == []


def test_a_second_flow_log_of_ours_is_deleted_before_the_replacement():
    p = plan()
    options = dict(OPTIONS, flow_logs=FLOW)
    kept = diff_present(p, logged(p, flow_log("fl-1", TrafficType="REJECT"), flow_log("fl-2")), options)
    assert steps(kept) == [("delete_flow_log", "delete flow log fl-1 (a second one of ours)")]
    both_drifted = diff_present(p, logged(p, flow_log("fl-1", TrafficType="REJECT"),
                                          flow_log("fl-2", TrafficType="ACCEPT")), options)
    assert steps(both_drifted) == [("delete_flow_log", "delete flow log fl-2 (a second one of ours)"),
                                   ("replace_flow_log", "replace vpc flow log fl-1: traffic_type REJECT -> ALL")]


def test_omitted_flow_logs_are_kept_and_reported_and_deleted_only_with_purge():
    p = plan()
    snap = logged(p, flow_log())
    assert diff_present(p, snap, OPTIONS) == []
    assert unplanned(p, snap, OPTIONS) == ["flowlog"]
    assert before_model(snap, OPTIONS)["flow_logs"] == after_model(p, OPTIONS, snap)["flow_logs"] != []
    purge = dict(OPTIONS, purge=True)
    assert steps(diff_present(p, snap, purge)) == [("delete_flow_log", "delete flow log fl-1")]
    assert after_model(p, purge, snap)["flow_logs"] == []
    assert unplanned(p, built(p), OPTIONS) == []


def test_a_missing_flow_log_is_created():
    p = plan()
    actions = diff_present(p, built(p), dict(OPTIONS, flow_logs=FLOW))
    assert steps(actions) == [("create_flow_log", "create vpc flow log to cloud-watch-logs")]


# -- routes and NAT gateways --------------------------------------------------------------

def dead_nat(snap, key, state):
    """``key``'s NAT gateway deleted out of band (``state``); the emulator keeps its address
    associated, AWS frees it once deleted (``freed``)."""
    nat = snap["nat_gateways"].pop(key)
    eip = snap["eips"]["eip/" + key]
    eip.update(AssociationId="eipassoc-" + key, NetworkInterfaceId="eni-" + key)
    snap["dead_nats"].append(dict(nat, State=state, NatGatewayAddresses=[
        {"AllocationId": eip["AllocationId"], "NetworkInterfaceId": "eni-" + key}]))
    return snap


def test_a_nat_gateway_deleted_out_of_band_is_made_again_with_its_address_and_routes():
    p = plan()
    snap = dead_nat(built(p), "nat/us-east-1a", "deleted")
    actions = diff_present(p, snap, OPTIONS)
    assert steps(actions) == [
        ("free_eip", "disassociate elastic ip eip/nat/us-east-1a from deleted nat gateway id-nat/us-east-1a"),
        ("create_nat", "create nat gateway nat/us-east-1a in subnet/public/us-east-1a"),
        ("wait_nat", "wait for nat gateways nat/us-east-1a"),
        ("replace_route", "route rtb/private/us-east-1a 0.0.0.0/0 -> nat/us-east-1a (was blackhole)")]
    assert actions[0]["association_id"] == "eipassoc-nat/us-east-1a"


def test_a_nat_gateway_still_deleting_is_waited_for_and_a_failed_one_holds_nothing():
    p = plan()
    deleting = diff_present(p, dead_nat(built(p), "nat/us-east-1b", "deleting"), OPTIONS)
    assert [a.op for a in deleting][:3] == ["wait_nat_deleted", "free_eip", "create_nat"]
    assert deleting[0]["nat_ids"] == ["id-nat/us-east-1b"]
    failed = built(p)
    failed["dead_nats"].append(dict(failed["nat_gateways"].pop("nat/us-east-1b"), State="failed"))
    assert [a.op for a in diff_present(p, failed, OPTIONS)] == ["create_nat", "wait_nat", "replace_route"]


# -- key space ----------------------------------------------------------------------------

VPN_EIP = {"AllocationId": "eipalloc-vpn", "PublicIp": "198.51.100.7", "InstanceId": "i-vpn", "AssociationId": "a-vpn",
           "Tags": tag_list({"refarch:owner": "dev", "refarch:key": "eip/vpn", "refarch:module": "vpn_instance"})}


class Paginator(object):
    def __init__(self, items, key):
        self.items, self.key = items, key

    def paginate(self, **kwargs):
        return [{self.key: self.items}]


class ListedEc2(object):
    """Describe calls answered from lists, filters ignored (the emulator ignores some too, so
    the reader's own checks decide)."""
    KEYS = dict(describe_vpcs="Vpcs", describe_addresses="Addresses", describe_internet_gateways="InternetGateways",
                describe_subnets="Subnets", describe_route_tables="RouteTables", describe_nat_gateways="NatGateways",
                describe_security_groups="SecurityGroups", describe_flow_logs="FlowLogs")

    def __init__(self, **items):
        self.items = items

    def get_paginator(self, operation):
        return Paginator(self.items.get(operation, []), self.KEYS[operation])

    def describe_vpc_attribute(self, VpcId, Attribute):
        return {"EnableDnsSupport": {"Value": True}, "EnableDnsHostnames": {"Value": True}}

    def __getattr__(self, operation):
        if operation not in self.KEYS:
            raise AttributeError(operation)
        return lambda **kwargs: {self.KEYS[operation]: self.items.get(operation, [])}


def listed(snap, addresses=(), subnets=(), tables=(), nats=(), groups=()):
    """The reader's client for a built snapshot, plus what other modules made with our owner."""
    return ListedEc2(
        describe_vpcs=[snap["vpc"]], describe_addresses=list(snap["eips"].values()) + list(addresses),
        describe_internet_gateways=[snap["igw"]], describe_subnets=list(snap["subnets"].values()) + list(subnets),
        describe_route_tables=list(snap["route_tables"].values()) + list(tables),
        describe_nat_gateways=list(snap["nat_gateways"].values()) + list(nats),
        describe_security_groups=[snap["default_sg"]] + list(groups), describe_flow_logs=snap["flow_logs"])


def test_every_key_vpc_tiers_gives_is_in_its_key_space_and_the_vpn_keys_are_not():
    p = plan()
    kinds = dict(vpc="vpc", igw="igw", subnet="subnet", rtb="route_table", nat="nat", eip="eip")
    for key in desired_tags("dev", "dev", p, {}):
        assert KEY_SPACE[kinds[key.split("/")[0]]].match(key), key
    assert KEY_SPACE["flow_log"].match("flowlog")
    assert not any(KEY_SPACE[kind].match(key) for kind in KEY_SPACE for key in ("eip/vpn", "sg/vpn", "instance/vpn"))
    nat_address = {"refarch:owner": "dev", "refarch:key": "eip/nat/single"}
    assert ours({"Tags": tag_list(nat_address)}, "dev", "eip")
    assert ours({"Tags": tag_list(dict(nat_address, **{"refarch:module": "vpc_tiers"}))}, "dev", "eip")
    assert not ours({"Tags": tag_list(dict(nat_address, **{"refarch:module": "vpn_instance"}))}, "dev", "eip")
    assert not ours({"Tags": tag_list(nat_address)}, "prod", "eip")


def test_purge_with_the_vpn_address_present_keeps_it():
    p = plan()
    # one made before modules stamped what they make
    unstamped = dict(VPN_EIP, AllocationId="eipalloc-old", Tags=tag_list({"refarch:owner": "dev", "refarch:key": "eip/vpn"}))
    snap = read_vpc(listed(built(p), addresses=[VPN_EIP, unstamped]), "dev")
    assert sorted(snap["eips"]) == ["eip/nat/us-east-1a", "eip/nat/us-east-1b"]
    narrow = plan(nat_mode="single")
    purge = diff_present(narrow, snap, dict(OPTIONS, purge=True))
    released = [a.key for a in purge if a.op == "release_eip"]
    assert released == ["eip/nat/us-east-1a", "eip/nat/us-east-1b"]
    assert not [a for a in purge + diff_absent(snap)[0] if "vpn" in a.key or "vpn" in a.text]
    assert diff_present(p, snap, dict(OPTIONS, purge=True)) == []


def test_owned_resources_of_another_key_or_module_are_foreign_to_vpc_tiers():
    p = plan()
    snap = built(p)
    theirs = {"refarch:owner": "dev", "refarch:key": "subnet/private/us-east-1a", "refarch:module": "other"}
    subnet = {"SubnetId": "subnet-other", "CidrBlock": "10.0.250.0/24", "AvailabilityZone": "us-east-1a",
              "Tags": tag_list(theirs)}
    table = {"RouteTableId": "rtb-other", "Routes": [], "Associations": [],
             "Tags": tag_list({"refarch:owner": "dev", "refarch:key": "rtb/clients", "refarch:module": "vpn_instance"})}
    nat = {"NatGatewayId": "nat-other", "SubnetId": "subnet-other", "State": "available",
           "Tags": tag_list({"refarch:owner": "dev", "refarch:key": "nat/x", "refarch:module": "other"})}
    read = read_vpc(listed(snap, subnets=[subnet], tables=[table], nats=[nat]), "dev")
    assert read["subnets"]["subnet/private/us-east-1a"]["SubnetId"] == "id-subnet/private/us-east-1a"
    assert [s["SubnetId"] for s in read["foreign_subnets"]] == ["subnet-other"]
    assert [t["RouteTableId"] for t in read["foreign_route_tables"]] == ["rtb-other"]
    assert "nat/x" not in read["nat_gateways"] and "nat-other" not in read["nat_ids_any_state"]
    assert unplanned(p, read, OPTIONS) == []
    actions, kept = diff_absent(read)
    assert "delete_vpc" not in [a.op for a in actions] and any("subnet-other" in k for k in kept)


# -- the security baseline ----------------------------------------------------------------

def test_the_baseline_checks_the_flow_log_configuration_not_only_its_presence():
    vpc = {"VpcId": "vpc-1", "Tags": tag_list({"refarch:owner": "dev", "refarch:key": "vpc"})}

    def findings(*flows):
        raw = dict(vpcs=[vpc], flow_logs=list(flows), security_groups=[], instances=[], volumes=[], roles=[])
        return baseline.check_state({"dev": raw})
    assert findings(flow_log()) == []
    assert findings(flow_log(LogDestinationType="s3", LogDestination="arn:aws:s3:::logs", LogGroupName=None,
                             DeliverLogsPermissionArn=None)) == []
    assert findings() == ["dev: VPC of dev has no flow log"]
    rejects = findings(flow_log(TrafficType="REJECT"))
    assert rejects == ["dev: VPC of dev has no flow log of all traffic to a destination (fl-1: traffic REJECT)"]
    nowhere = findings(flow_log(LogGroupName=None, LogDestination=None))
    assert nowhere == ["dev: VPC of dev has no flow log of all traffic to a destination (fl-1: no destination)"]
    no_role = findings(flow_log(DeliverLogsPermissionArn=None))
    assert no_role == ["dev: VPC of dev has no flow log of all traffic to a destination (fl-1: no delivery role)"]
    assert findings(flow_log(TrafficType="REJECT"), copy.deepcopy(flow_log("fl-2"))) == []
