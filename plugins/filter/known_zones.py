# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
