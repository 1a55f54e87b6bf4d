#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_tiers
short_description: Converge a whole tiered VPC (subnets, gateways, NAT, routes) in one call
version_added: 0.1.0
description:
  - Converges one VPC for an environment in a single call - the VPC with DNS support and DNS
    hostnames, subnets for every tier in every availability zone, an internet gateway, NAT
    gateways with their Elastic IPs, route tables with their routes and associations, the
    default security group emptied of rules, and optional flow logs.
  - The subnet plan is computed by the same pure planner as M(refarch.network.network_plan);
    adding a tier or an availability zone never moves an existing subnet.
  - Every created resource carries the tags C(refarch:owner) (O(owner)) and C(refarch:key)
    (a stable logical key such as C(subnet/private/us-east-1a)). Only resources with our owner
    tag and a key of this module's own (C(vpc), C(igw), C(subnet/*), C(rtb/*), C(nat/*),
    C(eip/nat/*), C(flowlog)) are modified or deleted; one whose C(refarch:module) tag names
    another module (the VPN server's C(eip/vpn), say) is never touched, even with O(purge=true).
  - Drift of what we own is repaired - a planned route of an owned route table pointed elsewhere
    by hand is replaced (those replacements run last, so AWS refusing one stops nothing else),
    a NAT gateway deleted out of band or failed is made again with its Elastic IP and routes,
    and a flow log with other settings is replaced (AWS cannot modify one).
  - Changes AWS cannot make in place (the VPC CIDR, a subnet's CIDR or zone) are refused.
options:
  name:
    description: Name of the VPC, used for C(Name) tags. Defaults to O(owner).
    type: str
  cidr:
    description: IPv4 CIDR of the VPC, between /16 and /28. Required when O(state=present).
    type: str
  azs:
    description:
      - Availability zones, in order. A subnet's slot is its zone's position in this list, so
        append new zones at the end. Required when O(state=present).
    type: list
    elements: str
  az_slots:
    description: Subnet slots reserved per tier, so zones can be appended without moving subnets.
    type: int
    default: 4
  tiers:
    description: The subnet tiers. Required when O(state=present).
    type: list
    elements: dict
    suboptions:
      name:
        description: Tier name, part of the logical key (C(subnet/<name>/<az>)).
        type: str
        required: true
      route:
        description:
          - V(internet) routes 0.0.0.0/0 to the internet gateway, V(nat) to a NAT gateway,
            V(none) keeps local routes only (persistence tiers).
        type: str
        required: true
        choices: [internet, nat, none]
      prefix:
        description: Prefix length of each subnet of the tier, for example 20.
        type: int
        required: true
      block:
        description:
          - An explicit block for the tier, as an offset from the VPC base (C(0.0.253.192/26)
            under C(10.231.0.0/16) is C(10.231.253.192/26)). Without it the tier is placed
            first-fit.
        type: str
      az_count:
        description: Use only the first N zones for this tier (an endpoints subnet in one zone).
        type: int
      route_table:
        description: Name of the route table; tiers naming the same table share it.
        type: str
      kubernetes_role:
        description: Adds the tag C(kubernetes.io/role/elb) or C(kubernetes.io/role/internal-elb).
        type: str
        choices: [elb, internal-elb]
      map_public_ip:
        description: Map public IPs on launch. Defaults to true for V(internet) tiers.
        type: bool
      tags:
        description: Extra tags for the tier's subnets.
        type: dict
  nat_mode:
    description:
      - V(single) puts one NAT gateway in the first zone's public subnet; V(per_az) one per zone,
        each private route table using its own zone's gateway; V(none) creates none.
    type: str
    choices: [none, single, per_az]
    default: single
  required_prefix:
    description:
      - Refuse a base CIDR of any other size (layouts whose offsets assume a /16).
    type: int
  lockdown_default_sg:
    description:
      - Remove every rule from the VPC's default security group.
      - Set to false when another module (M(refarch.network.security_groups)) manages it.
    type: bool
    default: true
  flow_logs:
    description:
      - The VPC flow log. An owned one whose settings differ is deleted, then created again.
      - Omitted, owned flow logs are kept and reported in RV(unplanned); O(purge=true) deletes them.
    type: dict
    suboptions:
      destination_type:
        description: Where the logs go.
        type: str
        choices: [cloud-watch-logs, s3]
        default: cloud-watch-logs
      log_group_name:
        description: CloudWatch Logs group (for V(cloud-watch-logs)).
        type: str
      iam_role_arn:
        description: Role that delivers to CloudWatch Logs.
        type: str
      destination_arn:
        description: S3 bucket ARN (for V(s3)).
        type: str
      traffic_type:
        description: Traffic to log.
        type: str
        choices: [ACCEPT, REJECT, ALL]
        default: ALL
      log_format:
        description: Fields of a record (AWS's default format when omitted; compared only when given).
        type: str
      max_aggregation_interval:
        description: Seconds a record aggregates (AWS's default when omitted; compared only when given).
        type: int
        choices: [60, 600]
  purge:
    description:
      - Delete owned subnets, route tables, NAT gateways, Elastic IPs and, when O(flow_logs) is
        omitted, flow logs that the plan no longer names. Off by default - they are reported in
        RV(unplanned) instead.
    type: bool
    default: false
  account_demand:
    description:
      - What each environment of the run building in this account and Region holds of VPCs, internet gateways and
        Elastic IPs (C(owner), C(vpcs), C(internet_gateways), C(elastic_ips)); the playbooks give it.
      - When the plan creates one, the account's usage and quotas are read, and the module fails before its first
        write if usage plus what these environments lack passes a quota. Omitted, this plan alone.
    type: list
    elements: dict
  account_limits:
    description: Check the quotas (O(account_demand)); off for an account a check-mode run has not made yet.
    type: bool
    default: true
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Converge the production VPC
  refarch.network.vpc_tiers:
    owner: production
    cidr: 10.130.0.0/16
    azs: [us-east-1a, us-east-1b, us-east-1c]
    nat_mode: per_az
    tiers:
      - {name: public, route: internet, prefix: 20, kubernetes_role: elb}
      - {name: private, route: nat, prefix: 19, kubernetes_role: internal-elb}
      - {name: persistence, route: none, prefix: 21}
  register: vpc

- name: Tear it down (owned resources only)
  refarch.network.vpc_tiers:
    owner: production
    state: absent
"""

RETURN = r"""
vpc:
  description: The VPC.
  returned: always
  type: dict
  sample: {"id": "vpc-0123", "cidr": "10.130.0.0/16"}
subnets:
  description: Subnets by logical key.
  returned: always
  type: dict
  sample: {"subnet/public/us-east-1a": {"id": "subnet-0123", "cidr": "10.130.0.0/20", "az": "us-east-1a", "tier": "public"}}
route_tables:
  description: Route tables by logical key, with the subnets associated.
  returned: always
  type: dict
nat_gateways:
  description: NAT gateways by logical key.
  returned: always
  type: dict
internet_gateway:
  description: The internet gateway, if any.
  returned: always
  type: dict
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
kept:
  description: With O(state=absent), what was kept because it holds resources we do not own.
  returned: always
  type: list
  elements: str
unplanned:
  description: Owned resources the plan no longer names (deleted only with O(purge=true)).
  returned: always
  type: list
  elements: str
known_vpc:
  description:
    - The VPC and every subnet in it as DescribeVpcs and DescribeSubnets give them at the end of the run
      (after the module's own writes), with the region; empty when there is no VPC (or, in check mode, none yet).
    - When the module changed nothing, also the VPC's C(route_tables), C(nat_gateways), C(flow_logs) and
      C(security_groups) as DescribeRouteTables, DescribeNatGateways, DescribeFlowLogs and DescribeSecurityGroups give them.
    - Each list is JSON text (a string is handed from task to task at the cost of one value, a list at the
      cost of every value in it).
    - Pass it to later modules of the same run in O(known_vpcs) so they do not read it again.
  returned: always
  type: dict
  sample: {"region": "us-east-1", "vpc": {"VpcId": "vpc-0123", "CidrBlock": "10.130.0.0/16"}, "subnets": "[]"}
plan:
  description: The computed plan (see M(refarch.network.network_plan)).
  returned: when state is present
  type: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import as_text
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute_and_read, run_module, read_back
from ansible_collections.refarch.network.plugins.module_utils.limits import creates, own_demand
from ansible_collections.refarch.network.plugins.module_utils.limits_read import check_limits
from ansible_collections.refarch.network.plugins.module_utils.vpc_apply import HANDLERS, known_ids
from ansible_collections.refarch.network.plugins.module_utils.vpc_diff import (
    ARGUMENT_SPEC, after_model, before_model, check_flow_logs, diff_absent, diff_present, plan_from_params, unplanned,
)
from ansible_collections.refarch.network.plugins.module_utils.vpc_read import all_subnets, check_zones, read_vpc, summarise


def converge(module):
    params = module.params
    owner = params["owner"]
    options = dict(owner=owner, name=params["name"] or owner, tags=params["tags"],
                   lockdown_default_sg=params["lockdown_default_sg"], purge=params["purge"])
    plan = None
    if params["state"] == "present":
        plan = plan_from_params(params)
        wanted = own_demand(params["account_demand"], owner, plan)
        options["flow_logs"] = check_flow_logs(params["flow_logs"])

    connection = Connection(module)
    ec2 = connection.client("ec2")
    kept, leftover = [], []
    snap = read_vpc(ec2, owner)
    if plan is not None:
        check_zones(ec2, plan["azs"], snap)
        actions = diff_present(plan, snap, options)
        leftover = [] if options["purge"] else unplanned(plan, snap, options)
        after = after_model(plan, options, snap)
        if params["account_limits"] and creates(actions):   # before the first write: AWS would refuse one midway
            check_limits(ec2, connection.client("service-quotas"), wanted, module.warn)
    else:
        actions, kept = diff_absent(snap)
        after = {}
    before = before_model(snap, options)
    run = Run({"ec2": ec2}, ids=Ids(known_ids(snap)), owner=owner)
    snap = execute_and_read(module, actions, HANDLERS, run, planned=lambda: snap,
                            written=lambda: read_back(lambda: read_vpc(run.ec2, owner), lambda s: known_ids(s).values(), run))

    result = converged(module, actions, before, after, kept=kept, unplanned=leftover, **summarise(snap))
    # read after our writes (read_back), so later modules of the run may take it (known_vpcs)
    result["known_vpc"] = dict(region=run.ec2.meta.region_name, vpc=snap["vpc"], subnets=as_text(all_subnets(snap))) if snap["vpc"] else {}
    if snap["vpc"] and not result["changed"]:  # what our own writes leave in flux (a NAT deleting) is read again
        result["known_vpc"].update((kind, as_text(items)) for kind, items in snap["reads"].items())
    if plan is not None:
        result["plan"] = plan
    for item in leftover:
        module.warn("%s is owned but no longer planned; purge: true deletes it" % item)
    return result


def main():
    module, ok, result = run_module("vpc_tiers", converge, ARGUMENT_SPEC, required_if=[("state", "present", ("cidr", "azs", "tiers"))])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
