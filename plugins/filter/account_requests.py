# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: account_requests
short_description: The environments of a play whose account must still be resolved
version_added: 0.1.0
description:
  - Used by the C(refarch.network.account_context) role to resolve every environment's account
    in one run-once task instead of one task per host.
  - A host needs resolving when its inventory names an account (C(aws_account_name) or
    C(aws_account_id)), C(refarch_role_arn) is not defined yet (by the inventory or an earlier
    play of the run), and C(refarch_account_pending) (an account a check-mode run has not
    created) is not true.
  - An environment a host of the play refers to (C(peers), C(dns_parent_zone.environment); the
    environments a VPN serves are among its peers) but that is not in the play is returned too, flagged C(optional), so a run naming one environment
    reaches the other end of its links through that account's role, as when both inventories are
    given. Its account is C(environment_accounts[<name>]) of the referring host when given
    (C(aws_account_name), C(aws_account_id), C(aws_account_role)), else the account named like the
    environment. References are resolved only for hosts that name an account themselves.
options:
  hosts:
    description: The play's hosts (usually C(ansible_play_hosts)).
  default_role:
    description: The role assumed in an account whose inventory gives no C(aws_account_role).
    type: str
    required: true
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Accounts still to resolve
  ansible.builtin.debug:
    msg: "{{ hostvars | refarch.network.account_requests(ansible_play_hosts, 'OrganizationAccountAccessRole') }}"
"""

RETURN = r"""
_value:
  description:
    - "C({host: {name, role_name, id, optional}}) for each host to resolve: the account's name
      (the host's name when only an id is given), the role to assume there, the account id (or
      None), and whether it is only referred to (not in the play)."
  type: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.environments import linked, names_account


def _request(name, data, default_role, reference=False):
    account_id = data.get("aws_account_id")
    return {
        "name": data.get("aws_account_name", name),
        "role_name": data.get("aws_account_role", default_role),
        "id": str(account_id) if account_id is not None else None,
        "optional": reference,
    }


def referred_environments(data):
    """The environments a host's inventory links to: its peers (among them every environment its
    VPN serves: the preflight refuses another) and its DNS parent."""
    names = [p for p in data.get("peers") or [] if isinstance(p, str)]
    parent = data.get("dns_parent_zone")
    if isinstance(parent, dict) and isinstance(parent.get("environment"), str):
        names.append(parent["environment"])
    return names


def account_requests(hostvars, hosts, default_role):
    requests = {}
    for host in hosts:
        data = hostvars[host]
        if not names_account(data):
            continue
        for name in referred_environments(data):
            if name in hosts or name in requests:
                continue
            if "refarch_environment_roles" in data and name in data["refarch_environment_roles"]:
                continue   # resolved by an earlier play of this run
            requests[name] = _request(name, linked(hostvars, data, name)[0], default_role, reference=True)
        if "refarch_role_arn" in data or data.get("refarch_account_pending", False):
            continue
        requests[host] = _request(host, data, default_role)
    return requests


class FilterModule(object):
    def filters(self):
        return {"account_requests": account_requests}
