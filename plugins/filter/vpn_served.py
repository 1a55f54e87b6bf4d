# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: vpn_served
short_description: The environments the VPN of an environment serves
version_added: 0.1.0
description:
  - Reads the VPN environment's C(pritunl_vpn_serves) (default - every environment in its C(peers), the
    private tier, tcp 443 and 22) and returns one entry per environment it is linked to, served or not, with
    what the C(refarch.network.vpn_instance) option C(reach) needs to reach it - its owner, the role of its
    account (C(refarch_role_arn) of its host, else C(refarch_environment_roles) from
    C(refarch.network.account_context)) and its region.
  - An environment linked but not served is returned with C(served=false) and empty tiers, ports and groups,
    so the module removes what it added there before.
  - Empty for an environment without C(vpn_enabled).
options:
  host:
    description: The environment that runs the VPN (its inventory host).
    type: str
    required: true
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.common
"""

EXAMPLES = r"""
- name: The environments management's VPN serves
  ansible.builtin.debug:
    msg: "{{ hostvars | refarch.network.vpn_served('management') | selectattr('served') | map(attribute='environment') }}"
"""

RETURN = r"""
_value:
  description:
    - "C([{environment, served, tiers, ports, groups, owner, assume_role_arn, region}]) sorted by environment;
      C(assume_role_arn) is null when no role is known (the module then uses its own), empty for the
      caller's own account."
  type: list
  elements: dict
"""

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
