#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: network_plan
short_description: Compute and validate a tiered subnet plan without touching AWS
version_added: 0.1.0
description:
  - Computes the deterministic subnet plan that M(refarch.network.vpc_tiers) builds - subnets
    per tier and availability zone, route tables, NAT gateways - from a base CIDR, zones and
    tiers. Needs no AWS credentials and makes no call.
  - Validates everything and fails naming the field - bad CIDRs, subnets that do not fit,
    overlaps, unknown route policies, duplicate names.
  - Adding a tier at the end or an availability zone at the end never moves an existing subnet.
  - The same planner is available as the filter P(refarch.network.network_plan#filter).
options:
  cidr:
    description: The VPC's IPv4 CIDR.
    type: str
    required: true
  azs:
    description: Availability zones, in order.
    type: list
    elements: str
    required: true
  az_slots:
    description: Subnet slots reserved per tier so zones can be appended.
    type: int
    default: 4
  tiers:
    description:
      - Tiers, each with C(name), C(route) (V(internet), V(nat) or V(none)), C(prefix), and
        optionally C(block), C(az_count), C(route_table), C(kubernetes_role), C(map_public_ip), C(tags).
      - See M(refarch.network.vpc_tiers) for their meaning.
    type: list
    elements: dict
    required: true
  nat_mode:
    description: NAT gateways - none, one, or one per zone.
    type: str
    choices: [none, single, per_az]
    default: single
  required_prefix:
    description: Refuse a base CIDR of any other size.
    type: int
extends_documentation_fragment:
  - refarch.network.common.read_only
"""

EXAMPLES = r"""
- name: Show the plan for the seed's single-VPC layout
  refarch.network.network_plan:
    cidr: 10.231.0.0/16
    required_prefix: 16
    azs: [us-east-1a, us-east-1b, us-east-1c]
    tiers:
      - {name: eks_private, route: nat, prefix: 20, block: 0.0.0.0/18, route_table: private}
      - {name: eks_public, route: internet, prefix: 22, block: 0.0.48.0/20}
      - {name: aurora, route: none, prefix: 28, block: 0.0.253.192/26}
  register: plan

- name: Print every subnet
  ansible.builtin.debug:
    msg: "{{ plan.plan.subnets | dict2items | map(attribute='value.cidr') | list }}"
"""

RETURN = r"""
plan:
  description: The plan - subnets, route_tables and nat_gateways keyed by logical key, and tiers with their blocks.
  returned: success
  type: dict
  sample:
    cidr: 10.120.0.0/16
    subnets:
      subnet/public/us-east-1a: {cidr: 10.120.0.0/20, az: us-east-1a, tier: public, route: internet}
"""

from ansible_collections.refarch.network.plugins.module_utils.engine import run_module
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network


ARGUMENT_SPEC = dict(
    cidr=dict(type="str", required=True),
    azs=dict(type="list", elements="str", required=True),
    az_slots=dict(type="int", default=4),
    tiers=dict(type="list", elements="dict", required=True),
    nat_mode=dict(type="str", default="single", choices=["none", "single", "per_az"]),
    required_prefix=dict(type="int"),
)


def plan(module):
    return dict(changed=False, plan=plan_network(dict((k, v) for k, v in module.params.items() if v is not None)))


def main():
    module, ok, result = run_module("network_plan", plan, ARGUMENT_SPEC, aws=False)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
