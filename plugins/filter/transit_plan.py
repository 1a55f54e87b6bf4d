# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: transit_plan
short_description: The Transit Gateway hub and attachments, from every environment's inventory data
version_added: 0.1.0
description:
  - From the same data as P(refarch.network.peering_pairs#filter), for links whose two ends both
    say C(connectivity=transit_gateway), returns C(hub) (the environment with
    C(transit_gateway_hub=true)), C(attachments) (owner, subnet_tier, route_tiers, peers) for
    M(refarch.network.transit_gateway), and C(skipped) messages.
  - Attachments outside the hub's account or region are refused (they would need a RAM share).
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.present
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Attachments the hub converges
  ansible.builtin.debug:
    msg: "{{ (hostvars | refarch.network.transit_plan(ansible_play_hosts_all)).attachments }}"
"""

RETURN = r"""
_value:
  description: C(hub), C(attachments) and C(skipped).
  type: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.peering_plan import inventory_environments, plan_transit
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def transit_plan(hostvars, present):
    with refusing("Invalid peering data"):
        return plan_transit(inventory_environments(hostvars, present))


class FilterModule(object):
    def filters(self):
        return {"transit_plan": transit_plan}
