# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: peering_pairs
short_description: The environment links one host converges, from every environment's inventory data
version_added: 0.1.0
description:
  - Reads C(peers), C(peering_tiers), C(peering_dns_resolution), C(connectivity), C(owner),
    C(vpc_cidr), C(aws_region) and C(refarch_role_arn) of the environments in O(present) and
    returns the links O(host) converges, and messages for links that cannot be made in this run.
  - A link needs both environments to list each other in C(peers). The environment whose name
    sorts first requests it, so with several inventories combined each link is converged once.
  - A peer that is not in the run but whose account is known (C(refarch_environment_roles), set by
    the C(refarch.network.account_context) role) gives a link the host converges alone
    (C(converger), C(absent_side)) - the existing connection is kept with the tiers the other
    side's VPC records, or made from that record, or removed on destroy; without a record it is
    reported deferred.
  - Each message is also shown as a warning, once per run however often the filter is evaluated.
  - Invalid data (an environment peering with itself, overlapping CIDRs, the two ends choosing
    different C(connectivity)) raises an error naming the field.
options:
  host:
    description:
      - The environment asking (usually C(inventory_hostname)), or a list of environments (usually
        C(ansible_play_hosts)) - then the links and messages of all of them, each message once.
    type: raw
    required: true
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.present
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Links this environment requests
  ansible.builtin.debug:
    msg: "{{ (hostvars | refarch.network.peering_pairs(inventory_hostname, ansible_play_hosts_all)).pairs }}"
"""

RETURN = r"""
_value:
  description:
    - C(pairs) - the links O(host) requests (requester, accepter, owners, tiers of each side,
      allow_dns_resolution, connectivity, requester_role_arn, requester_region, accepter_role_arn,
      accepter_region, key, and for a link to a peer not in the run converger and absent_side);
      C(skipped) - messages for links whose peer is not in the run or does not consent.
  type: dict
"""

from ansible.utils.display import Display

from ansible_collections.refarch.network.plugins.module_utils.peering_plan import absent_peers, inventory_environments, pairs_for
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing

display = Display()


def peering_pairs(hostvars, host, present):
    with refusing("Invalid peering data"):
        environments, absent = inventory_environments(hostvars, present), absent_peers(hostvars, present)
        if isinstance(host, str):
            found = pairs_for(environments, host, absent=absent)
        else:
            each = [pairs_for(environments, name, absent=absent) for name in host]
            found = dict(pairs=[p for f in each for p in f["pairs"]], skipped=sorted(set(m for f in each for m in f["skipped"])))
    # the user's to know, not a task's to print: the controller shows a warning once per run
    for message in found["skipped"]:
        display.warning("Link not converged in this run: %s" % message)
    return found


class FilterModule(object):
    def filters(self):
        return {"peering_pairs": peering_pairs}
