# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options of refarch.network.vpn_instance that link the VPN to other environments and to
    # DNS (kept here so that the module file stays a readable size).
    DOCUMENTATION = r"""
options:
  peers:
    description:
      - Peered environments whose route tables get the client route (routed mode).
      - AWS drops traffic over a VPC peering whose source is outside the two VPCs (no edge-to-edge
        routing), so on AWS these routes carry nothing; the preflight refuses C(pritunl_vpn_peers) over
        a peering. Reach served environments with O(reach) instead (from the server's address).
    type: list
    elements: dict
    default: []
    suboptions:
      owner:
        description: Owner tag of the peer's VPC and route tables.
        type: str
      vpc_id:
        description: The peer's VPC, instead of looking it up by O(peers[].owner).
        type: str
      assume_role_arn:
        description: Role in the peer's account.
        type: str
      region:
        description: Region of the peer's VPC. Defaults to O(region).
        type: str
  reach:
    description:
      - The environments the VPN serves (the role derives them with the C(refarch.network.vpn_served)
        filter). The security groups O(reach[].groups) of each served VPC admit the instance's private
        address (C(<ip>/32)) on O(reach[].ports), as rules tagged with O(owner), C(refarch:key=reach/<env>/<group>/tcp/<port>)
        and C(refarch:module=vpn_instance); other rules of those groups are never touched.
      - Rules are converged exactly - an entry with no O(reach[].ports) or no O(reach[].groups) (an
        environment linked but not served) has our rules revoked, so turning a served environment off
        leaves nothing behind; a replaced instance's rules follow its new address.
      - Both modes reach a served environment from the instance's own address - in routed mode
        Pritunl NATs the routes to other VPCs, because AWS drops traffic over a VPC peering whose
        source is outside the two VPCs (see docs/vpn.md). The routes themselves belong to
        M(refarch.network.vpc_peering) and M(refarch.network.transit_gateway).
    type: list
    elements: dict
    default: []
    suboptions:
      environment:
        description: Name of the served environment (in rule keys and messages).
        type: str
        required: true
      served:
        description: V(false) - linked but not served, our rules there are revoked.
        type: bool
        default: true
      owner:
        description: Owner tag of its VPC and groups. Defaults to O(reach[].environment).
        type: str
      assume_role_arn:
        description: Role in its account.
        type: str
      region:
        description: Region of its VPC. Defaults to O(region).
        type: str
      tiers:
        description: Tiers served; their subnets are returned in RV(route_cidrs).
        type: list
        elements: str
        default: []
      ports:
        description: TCP ports admitted.
        type: list
        elements: int
        default: []
      groups:
        description: Logical names of the groups (made by M(refarch.network.security_groups)) that admit the VPN.
        type: list
        elements: str
        default: []
  dns_zone:
    description:
      - Public hosted zone of the environment (for example C(management.example.com)). When it
        exists, an A record O(dns_record) points at the Elastic IP; when it does not, nothing
        is written and a warning says so.
      - The record is registered in the zone's ownership registry under owner C(<owner>-vpn),
        the convention of M(refarch.network.dns_zones), which therefore leaves it alone.
    type: str
  dns_record:
    description: Name of the record, relative to O(dns_zone).
    type: str
    default: vpn
  dns_ttl:
    description: TTL of the record.
    type: int
    default: 300
"""
