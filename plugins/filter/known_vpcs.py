# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.plugin_utils.run_writes import wrote

# registered results of the tasks that write a VPC's tags after vpc_tiers (playbooks peering.yml,
# dns.yml, role pritunl_vpn)
VPC_TAGGERS = ("refarch_peering", "refarch_zone_restore", "pritunl_vpn_zones")
# registered results of the tasks that write routes after vpc_tiers (playbooks security.yml, peering.yml,
# vpn.yml, role pritunl_vpn); tests/unit/reads/test_known_vpcs.py checks that every such task registers one
ROUTE_WRITERS = ("refarch_vpc_endpoints", "refarch_peering", "refarch_transit_gateway", "pritunl_vpn_instance",
                 "refarch_vpn_access")
# registered results of the tasks that write security groups or their rules after vpc_tiers (playbooks
# security.yml, vpn.yml, role pritunl_vpn); the same test checks that every such task registers one
GROUP_WRITERS = ("refarch_security_groups", "refarch_security_groups_removed", "pritunl_vpn_instance", "refarch_vpn_access")


def _without(item, kind):
    return dict((k, v) for k, v in item.items() if k != kind)


def _shared(links):
    """The environments at least two of ``links`` route through."""
    seen, shared = set(), set()
    for link in links or []:
        for env in set((link.get("requester"), link.get("accepter"))):
            (shared if env in seen else seen).add(env)
    return shared


def known_vpcs(hostvars, hosts, links=None):
    envs = [hostvars[h] for h in hosts if h in hostvars]
    if wrote(envs, VPC_TAGGERS):
        return []
    shared = _shared(links)
    known = []
    for host in hosts:
        item = ((hostvars[host] if host in hostvars else {}).get("refarch_vpc") or {}).get("known_vpc")
        if not item:
            continue
        if wrote(envs, ROUTE_WRITERS) or host in shared:
            item = _without(item, "route_tables")
        if wrote(envs, GROUP_WRITERS):
            item = _without(item, "security_groups")
        known.append(item)
    return known


class FilterModule(object):
    def filters(self):
        return {"known_vpcs": known_vpcs}
