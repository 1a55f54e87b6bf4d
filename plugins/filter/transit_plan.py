# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.peering_plan import inventory_environments, plan_transit
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def transit_plan(hostvars, present):
    with refusing("Invalid peering data"):
        return plan_transit(inventory_environments(hostvars, present))


class FilterModule(object):
    def filters(self):
        return {"transit_plan": transit_plan}
