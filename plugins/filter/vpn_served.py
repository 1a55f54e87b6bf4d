# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.environments import reached
from ansible_collections.refarch.network.plugins.module_utils.vpn_reach import from_hostvars
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def served_plan(hostvars, host):
    with refusing("Invalid VPN data of %s" % host):
        return from_hostvars(hostvars[host], host)


def vpn_served(hostvars, host):
    data = hostvars[host]
    out = []
    for entry in served_plan(hostvars, host):
        owner, role, region = reached(hostvars, data, entry["environment"])
        out.append(dict(entry, owner=owner, assume_role_arn=role, region=region))
    return out


class FilterModule(object):
    def filters(self):
        return {"vpn_served": vpn_served}
