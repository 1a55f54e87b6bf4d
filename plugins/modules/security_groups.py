#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: security_groups
short_description: Converge a set of security groups and their rules in one VPC
version_added: 0.1.0
description:
  - Converges a whole set of security groups of one VPC in a single call, from data.
  - Rules reference other groups of the set by logical name (O(groups[].ingress[].group)),
    so mutual rules such as C(eks_to_base) and C(base_to_eks) are one line each. They may
    also name CIDRs, IPv6 CIDRs, managed prefix lists (by ID or name) or V(self).
  - The VPC's default group can be adopted with O(groups[].name=default) to manage its rules.
    Adopting never deletes or tags it, and purges its other rules only when
    O(groups[].purge_rules=true) is set on it.
  - Groups the module creates carry the tags C(refarch:owner) (O(owner)),
    C(refarch:key=sg/<name>) and C(refarch:module=security_groups) (added to owned groups
    lacking it). Groups of O(owner) whose C(refarch:module) names another module (the VPN
    server's C(sg/vpn) of M(refarch.network.vpn_instance)) are not this module's - never tagged,
    purged or deleted, and a planned group with their logical name is refused.
  - Rules not in the data are revoked only in owned groups. A group with the same name that is
    not owned makes the module fail; it is never touched.
  - A rule in a planned owned group that is not in the data and that the module did not add
    (added by hand) is reported on every run, check mode or not, in RV(unmanaged_rules) and a
    warning; it is revoked only with O(groups[].purge_rules=true).
  - World-open guard - ingress that opens an administrative or database port (22, 3389, 5432,
    3306, 1433, 27017, 6379, 11211, 2049, 9200, 9300, 5601, 2379, 10250 and others) to the
    world is refused before any AWS call, naming the group, the rule and the port, unless the
    rule sets O(groups[].ingress[].allow_world=true). The world is any set of CIDRs covering at
    least 1/16 of the public IPv4 space (C(0.0.0.0/0) without private ranges) or of C(2000::/3),
    so C(0.0.0.0/0), two C(/1) halves or many C(/8)s alike. A rule is judged alone, then all rules
    of the group opening the same port together.
attributes:
  diff_mode:
    details: Each group's rules before and after.
options:
  groups:
    description:
      - The security groups, each with its rules.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Logical name, used by rules of other groups and in the key tag C(sg/<name>).
          - V(default) adopts the VPC's default security group.
        type: str
        required: true
      group_name:
        description: The AWS group name. Defaults to C(<owner>-<name>).
        type: str
      description:
        description:
          - The group description. AWS cannot change it after creation, so a different value
            on an existing group is ignored.
        type: str
      purge_rules:
        description:
          - V(true) revokes every rule that is not in the data, including rules added by hand
            (reported in RV(unmanaged_rules)). V(false) revokes nothing.
          - Unset, an owned group loses only the rules this module added that are no longer in
            the data, and rules added by hand are kept and reported; the adopted default group
            is left as it is.
        type: bool
      tags:
        description: Extra tags for this group.
        type: dict
      ingress:
        description:
          - Ingress rules. When omitted, ingress is not managed (nothing added or revoked).
        type: list
        elements: dict
        suboptions: &rule_options
          proto:
            description: V(tcp) (default), V(udp), V(icmp), V(icmpv6), V(all) or a protocol number.
            type: str
          ports:
            description:
              - A port, a range C(from-to), or a list of them. Required for tcp and udp.
            type: raw
          icmp_type:
            description: ICMP type for icmp rules; -1 for all.
            type: int
          icmp_code:
            description: ICMP code for icmp rules; -1 for all.
            type: int
          cidr:
            description: IPv4 CIDR or list of them.
            type: raw
          cidr_ipv6:
            description: IPv6 CIDR or list of them.
            type: raw
          group:
            description:
              - Logical name of a group of the set, V(self), V(default) (the VPC's default
                group) or a C(sg-) ID; or a list of them.
            type: raw
          prefix_list:
            description: Managed prefix list ID (C(pl-...)) or name, or a list of them.
            type: raw
          description:
            description: Rule description.
            type: str
          allow_world:
            description:
              - Allow this rule to open an administrative or database port to the whole internet.
            type: bool
            default: false
      egress:
        description:
          - Egress rules, same options as O(groups[].ingress). When omitted, egress is not
            managed (a new group keeps AWS's default allow-all egress rule).
        type: list
        elements: dict
        suboptions: *rule_options
  purge_groups:
    description:
      - Delete owned groups of O(owner) in the VPC that are not in O(groups). Without it they
        are reported in RV(unplanned) and a warning.
    type: bool
    default: false
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.aws.target_vpc
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: The seed's single-VPC groups (EKS <-> base default group, public load balancer)
  refarch.network.security_groups:
    owner: single_vpc_production
    groups:
      - name: default
        ingress:
          - {proto: all, group: eks_cluster, description: eks_to_base}
      - name: eks_cluster
        ingress:
          - {proto: all, group: default, description: base_to_eks}
      - name: public_lb
        ingress:
          - {ports: 443, cidr: 0.0.0.0/0, cidr_ipv6: "::/0", description: https}
          - {ports: 10000, cidr: [10.0.0.0/8, 192.168.0.0/16], description: management}
        egress:
          - {proto: all, cidr: 0.0.0.0/0, cidr_ipv6: "::/0"}

- name: Per-tier groups - load balancer -> application -> persistence
  refarch.network.security_groups:
    owner: production
    groups:
      - name: public_lb
        ingress:
          - {ports: [80, 443], cidr: 0.0.0.0/0}
      - name: app
        ingress:
          - {ports: 8080, group: public_lb}
      - name: persistence
        ingress:
          - {ports: [5432, 6379, 27017], group: app}

- name: Remove every group owned by the environment
  refarch.network.security_groups:
    owner: production
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create security group sg/app (production-app)", "authorize sg/app ingress tcp 8080 from sg:public_lb"]
groups:
  description: The managed groups by logical name; C(id) is null for a group only planned in check mode.
  returned: always
  type: dict
  sample: {"app": {"id": "sg-0123456789abcdef0", "group_name": "production-app", "adopted": false}}
vpc_id:
  description: The VPC the groups live in; null in check mode when the VPC is yet to be created.
  returned: always
  type: str
kept:
  description: With O(state=absent), owned groups kept because they hold rules we do not own.
  returned: always
  type: list
  elements: str
unplanned:
  description: Owned groups that are not in O(groups) and were kept (see O(purge_groups)).
  returned: always
  type: list
  elements: str
unmanaged_rules:
  description:
    - Rules of planned owned groups (in the directions the data manages) that are not in the data
      and that the module did not add, found before the run; revoked only where
      O(groups[].purge_rules=true), kept otherwise. Each is also a warning.
  returned: always
  type: list
  elements: str
  sample: ["sg/app ingress tcp 22 from 0.0.0.0/0"]
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    Ids, Run, converged, execute_and_read, read_back, run_module, unplanned_warnings)
from ansible_collections.refarch.network.plugins.module_utils.sg_apply import HANDLERS, RUN_CREATES
from ansible_collections.refarch.network.plugins.module_utils.sg_diff import (
    diff_absent, diff_models, diff_present, unmanaged_report, unmanaged_rules)
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import plan_groups
from ansible_collections.refarch.network.plugins.module_utils.sg_read import (
    empty, known_ids, listed_group_ids, planned_vpc, read_groups, resolve_prefix_list_names)
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import target_vpc

RULE_SPEC = dict(
    proto=dict(type="str"), ports=dict(type="raw"), icmp_type=dict(type="int"), icmp_code=dict(type="int"),
    cidr=dict(type="raw"), cidr_ipv6=dict(type="raw"), group=dict(type="raw"), prefix_list=dict(type="raw"),
    description=dict(type="str"), allow_world=dict(type="bool", default=False),
)
GROUP_SPEC = dict(
    name=dict(type="str", required=True), group_name=dict(type="str"), description=dict(type="str"),
    purge_rules=dict(type="bool"), tags=dict(type="dict"),
    ingress=dict(type="list", elements="dict", options=RULE_SPEC),
    egress=dict(type="list", elements="dict", options=RULE_SPEC),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC, vpc_id=dict(type="str"),
    groups=dict(type="list", elements="dict", default=[], options=GROUP_SPEC),
    purge_groups=dict(type="bool", default=False),
)


def converge(module):
    params = module.params
    owner, present = params["owner"], params["state"] == "present"
    planned = plan_groups(params["groups"], owner)   # refused before any AWS call

    ec2 = Connection(module).client("ec2")
    vpc_id = target_vpc(module, ec2)
    # no VPC: nothing to remove, or check mode plans against the VPC vpc_tiers will create
    snap = read_groups(ec2, vpc_id, owner) if vpc_id else planned_vpc() if present else empty()
    leftover, kept, unmanaged = [], [], []
    if present:
        resolve_prefix_list_names(ec2, planned)
        # from the snapshot read before any write: check mode reports what a real run does
        unmanaged, warnings = unmanaged_report(unmanaged_rules(planned, snap))
        for warning in warnings:
            module.warn(warning)
        actions, leftover = diff_present(planned, snap, dict(owner=owner, tags=params["tags"],
                                                             purge_groups=params["purge_groups"]))
    else:
        actions, kept = diff_absent(planned, snap)
    before, after = diff_models(planned, snap, present, vpc_exists=bool(vpc_id))

    run = Run({"ec2": ec2}, ids=Ids(known_ids(snap) if vpc_id else {}), owner=owner, creates=RUN_CREATES,
              vpc_id=vpc_id)
    # the next module (vpc_endpoints) finds new groups with a filtered Describe: wait until it lists them
    execute_and_read(module, actions, HANDLERS, run,
                     written=lambda: run.ids.new() and read_back(lambda: listed_group_ids(run.ec2, vpc_id), list, run))

    unplanned = [] if params["purge_groups"] else leftover
    groups = dict((g["name"], dict(id=run.ids.get("sg/" + g["name"]), group_name=g["group_name"],
                                   adopted=g["adopted"])) for g in planned) if present else {}
    return converged(module, actions, before, after, groups=groups, vpc_id=vpc_id, kept=kept, unplanned=unplanned,
                     unmanaged_rules=unmanaged, warnings=unplanned_warnings(unplanned, owner, "security group sg/%s", "groups"))


def main():
    module, ok, result = run_module("security_groups", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
