# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.environments import reached


def private_zone_name(data, owner):
    """The private zone playbooks/dns.yml gives an environment."""
    if data.get("dns_split_horizon") is True and data.get("dns_public_zone"):
        return data["dns_public_zone"]
    return data.get("dns_private_zone") or owner + ".internal"


def vpn_served_zones(environments, hostvars, host):
    own = hostvars[host]
    result = []
    for env in environments:
        owner, role = reached(hostvars, own, env)[:2]
        entry = dict(owner=owner, assume_role_arn=(role or "") if env != host else "")
        if env in hostvars:
            entry["name"] = private_zone_name(hostvars[env], owner)
        result.append(entry)
    return result


class FilterModule(object):
    def filters(self):
        return {"vpn_served_zones": vpn_served_zones}
