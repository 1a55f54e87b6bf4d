# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: vpn_served_zones
short_description: The private zones a VPN environment resolves, as vpc_zone_associations takes them
version_added: 0.1.0
description:
  - Used by the C(refarch.network.pritunl_vpn) role. For each environment the VPN serves, the owner of
    its private zone, the zone's name when that environment's inventory is in the run (C(dns_private_zone),
    or C(dns_public_zone) with C(dns_split_horizon)), and the role into its account - its C(refarch_role_arn)
    when it is in the run, else the role C(refarch.network.account_context) resolved for it by name
    (C(refarch_environment_roles) of the VPN's host), else none (the VPN's own account).
  - The VPN's own environment gets no role - the module's own account is the VPC's.
options:
  _input:
    description: The served environments' names (the role's C(pritunl_vpn_served_environments)).
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  host:
    description: The VPN's environment (C(inventory_hostname)).
    type: str
    required: true
extends_documentation_fragment:
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Zones the VPN's VPC resolves
  ansible.builtin.debug:
    msg: "{{ ['management', 'production'] | refarch.network.vpn_served_zones(hostvars, inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: "C([{owner, assume_role_arn, name}]); C(name) is omitted when the environment is not in the run."
  type: list
  elements: dict
"""

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
