# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.limits import shared_demand
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing

# inventory variable -> network_plan's key: the plan vpc.yml gives vpc_tiers
PLAN_VARIABLES = (("vpc_cidr", "cidr"), ("azs", "azs"), ("tiers", "tiers"), ("nat_mode", "nat_mode"),
                  ("az_slots", "az_slots"), ("required_prefix", "required_prefix"))


def _plan(env):
    return plan_network(dict((key, env[name]) for name, key in PLAN_VARIABLES if env.get(name) is not None))


def account_demand(hostvars, hosts, name):
    with refusing("Invalid input"):
        return shared_demand(dict((host, hostvars[host]) for host in hosts if host in hostvars), name, _plan)


class FilterModule(object):
    def filters(self):
        return {"account_demand": account_demand}
