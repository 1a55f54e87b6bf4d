# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: known_vpcs
short_description: The VPCs this run has already read, for the modules' known_vpcs option
version_added: 0.1.0
description:
  - Returns the C(known_vpc) result of M(refarch.network.vpc_tiers) (registered as C(refarch_vpc)) of
    each environment in O(hosts), so later modules of the run do not read those VPCs again.
  - A VPC's record changes after vpc_tiers only by its tags - a peering's consent (C(refarch_peering))
    or a private zone's association (C(refarch_zone_restore), C(pritunl_vpn_zones)). Once one of those
    tasks changed anything in the run, on any environment, nothing is returned and every module reads
    the VPCs itself, so its view is exact.
  - When vpc_tiers changed nothing, its result also holds the VPC's route tables, NAT gateways, flow logs and security
    groups (M(refarch.network.network_info) then does not read them again, nor M(refarch.network.security_groups) the
    groups). Routes are also written by the VPC endpoints, the peering, the Transit Gateway and the VPN - C(refarch_vpc_endpoints),
    C(refarch_peering), C(refarch_transit_gateway), C(pritunl_vpn_instance), C(refarch_vpn_access); groups by the
    security groups and the VPN - C(refarch_security_groups), C(refarch_security_groups_removed),
    C(pritunl_vpn_instance), C(refarch_vpn_access). Once one of those changed anything in the run (or failed - it may
    have written before it stopped), the route tables, or the groups, are left out.
  - With O(links), route tables are kept only for the environments in at most one of those links. The links of one
    task are converged at once, and an environment two of them route through has its tables written by one while the
    other reads them.
options:
  hosts:
    description: The environments of the run (usually C(ansible_play_hosts_all)).
  links:
    description:
      - The links the next task converges, all hosts together, each with C(requester) and C(accepter) (the environments
        of its two sides), as the C(pairs) of the C(refarch.network.peering_pairs) filter give them.
    type: list
    elements: dict
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Security groups in the VPC vpc.yml read earlier in the run
  refarch.network.security_groups:
    owner: production
    groups: []
    known_vpcs: "{{ hostvars | refarch.network.known_vpcs(ansible_play_hosts_all) }}"
"""

RETURN = r"""
_value:
  description:
    - "C([{region, vpc, subnets}]), C(vpc) as DescribeVpcs gives it, C(subnets) as DescribeSubnets; also
      C(route_tables), C(nat_gateways), C(flow_logs) and C(security_groups) while they are exact (see above)."
  type: list
  elements: dict
"""

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
