# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def network_plan(spec):
    with refusing("Invalid input"):
        return plan_network(spec)


class FilterModule(object):
    def filters(self):
        return {"network_plan": network_plan}
