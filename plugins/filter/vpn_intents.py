# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: vpn_intents
short_description: The default reachability intents of the VPN
version_added: 0.1.0
description:
  - For every environment of O(hosts) that runs the VPN (C(vpn_enabled)) and every environment it is linked
    to (see C(refarch.network.vpn_served)) - C(VPN clients reach <env> private (tcp/<port>)), allow on each
    served port when the private tier is served, else deny on 443; C(VPN clients reach <env> persistence
    (tcp/<port>)), deny on O(deny_port) unless persistence is served (then allow on each served port).
  - The far end names the tier's security group (C(pritunl_vpn_tier_groups), default C(app) for private and
    C(persistence) for persistence), so C(refarch.network.network_verify) checks the rules, not only the routes.
options:
  deny_port:
    description: The port a tier that is not served must refuse (the database's for persistence).
    type: int
    default: 5432
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: The VPN's intents over the environments of the run
  ansible.builtin.debug:
    msg: "{{ hostvars | refarch.network.vpn_intents(ansible_play_hosts) | map(attribute='name') }}"
"""

RETURN = r"""
_value:
  description: Intents as C(refarch.network.network_verify) takes them (name, from, to, port, expect).
  type: list
  elements: dict
"""

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
