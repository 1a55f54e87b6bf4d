# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: network_plan
short_description: Compute a tiered subnet plan from a spec
version_added: 0.1.0
description:
  - Returns the plan that M(refarch.network.vpc_tiers) builds, from a mapping with C(cidr),
    C(azs), C(tiers) and optionally C(nat_mode), C(az_slots), C(required_prefix).
  - Invalid input raises an error naming the field.
options:
  _input:
    description: The plan spec.
    type: dict
    required: true
extends_documentation_fragment:
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Subnet CIDRs of the private tier
  ansible.builtin.debug:
    msg: "{{ (spec | refarch.network.network_plan).subnets | dict2items | selectattr('value.tier', 'eq', 'private') | map(attribute='value.cidr') }}"
"""

RETURN = r"""
_value:
  description: The plan (subnets, route_tables, nat_gateways, tiers).
  type: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def network_plan(spec):
    with refusing("Invalid input"):
        return plan_network(spec)


class FilterModule(object):
    def filters(self):
        return {"network_plan": network_plan}
