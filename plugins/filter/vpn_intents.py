# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.filter.vpn_served import served_plan
from ansible_collections.refarch.network.plugins.module_utils.vpn_reach import intents


def vpn_intents(hostvars, hosts, deny_port=5432):
    found = []
    for host in sorted(hosts):
        found += intents(host, served_plan(hostvars, host), hostvars[host].get("pritunl_vpn_tier_groups"), int(deny_port))
    return found


class FilterModule(object):
    def filters(self):
        return {"vpn_intents": vpn_intents}
