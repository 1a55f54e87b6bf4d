# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address sets against the public internet: does a set of CIDRs face the world?

Pure, no boto3. The world-open guards (security_groups' rules, vpn_instance's console and SSH
networks) ask this of the whole set a port is opened to, so that ``0.0.0.0/0`` written as
two ``/1`` halves, four quarters or sixteen ``/8`` rules is recognised as what it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.refarch.network.plugins.module_utils.reachability import collapse, intersect, internet

# Public IPv6 space: global unicast, where every routable IPv6 address is allocated today.
PUBLIC_IPV6 = "2000::/3"
# A set "faces the world" when it covers at least 1/16 of a family's public space (a /4 of
# IPv4, a /7 of 2000::/3). No organisation holds that much (the largest legacy and cloud
# allocations are /8s, 1/256), so a real office, VPN or partner range stays far below, while
# any way of spelling 0.0.0.0/0 or ::/0 in pieces reaches it.
WORLD_SHARE = 16


def public_space(version):
    """The public networks of an IP version (IPv4: as reachability.internet() has it)."""
    return internet() if version == 4 else [ipaddress.ip_network(PUBLIC_IPV6)]


def _size(addrs):
    return sum(net.num_addresses for net in collapse(addrs))


def public_share(cidrs, version):
    """(covered, total): public addresses of ``version`` the CIDRs cover, out of all of them."""
    nets = [ipaddress.ip_network(c, strict=False) for c in cidrs]
    space = public_space(version)
    return _size(intersect([n for n in nets if n.version == version], space)), _size(space)


def world_open(cidrs):
    """None, or a text saying which public space ``cidrs`` (strings or networks) face:
    ``'99.6% of the public IPv4 space'``. IPv4 and IPv6 are judged separately."""
    for version in (4, 6):
        covered, total = public_share(cidrs, version)
        if covered and covered * WORLD_SHARE >= total:
            return "%s of the public IPv%d space" % (_percent(covered, total), version)
    return None


def _percent(covered, total):
    share = 100.0 * covered / total
    return "all" if covered == total else "%.1f%%" % share
