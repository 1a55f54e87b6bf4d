# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: known_zones
short_description: The hosted zones this run has already read, for the modules' known_zones option
version_added: 0.1.0
description:
  - Returns the C(known_zones) results of M(refarch.network.dns_zones) of each environment in O(hosts)
    - its domain zone (registered as C(refarch_dns_domain)) and its own zones (C(refarch_dns)) - so
    later modules of the run do not read those zones' records again. dns_zones returns them only
    when it changed nothing.
  - Records are written by dns_zones and by the VPN's record (C(pritunl_vpn_instance)); the zones'
    associations (C(refarch_zone_restore), C(pritunl_vpn_zones)) and the VPN's admission
    (C(refarch_vpn_access)), whose modules share that code, are counted with them. Once one of
    those tasks changed anything in the run (or failed - it may have written before it stopped), on any
    environment, nothing is returned and every
    module reads the zones itself, so its view is exact.
options:
  hosts:
    description: The environments of the run (usually C(ansible_play_hosts_all)).
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: The subdomain's delegation, in the domain zone the domain owner's task read earlier in the run
  refarch.network.dns_zones:
    owner: production
    public_zone:
      name: prod.example.com
      parent_zone: {name: example.com}
    known_zones: "{{ hostvars | refarch.network.known_zones(ansible_play_hosts_all) }}"
"""

RETURN = r"""
_value:
  description: C([{id, name, private, records}]), C(records) the JSON text of the zone's record sets as ListResourceRecordSets gives them.
  type: list
  elements: dict
"""

from ansible_collections.refarch.network.plugins.plugin_utils.run_writes import wrote

# The registered results of every task whose module can write Route53 records (a unit test derives
# those modules from the code: vpc_zone_associations shares dns_apply with dns_zones, vpn_access
# vpn_apply with vpn_instance; they are counted with them).
RECORD_WRITERS = ("refarch_dns_domain", "refarch_dns", "refarch_dns_domain_removal", "pritunl_vpn_instance",
                  "refarch_zone_restore", "pritunl_vpn_zones", "refarch_vpn_access")


def known_zones(hostvars, hosts):
    envs = [hostvars[h] for h in hosts if h in hostvars]
    if wrote(envs, RECORD_WRITERS):
        return []
    return [zone for env in envs for name in ("refarch_dns_domain", "refarch_dns")
            for zone in (env.get(name) or {}).get("known_zones") or []]


class FilterModule(object):
    def filters(self):
        return {"known_zones": known_zones}
