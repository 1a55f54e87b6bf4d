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
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: The play's hosts (usually C(ansible_play_hosts)).
    type: list
    elements: str
    required: true
  default_role:
    description: The role assumed in an account whose inventory gives no C(aws_account_role).
    type: str
    required: true
author:
  - refarch.network developers
"""

EXAMPLES = r"""
- name: Accounts still to resolve
  ansible.builtin.debug:
    msg: "{{ hostvars | refarch.network.account_requests(ansible_play_hosts, 'OrganizationAccountAccessRole') }}"
"""

RETURN = r"""
_value:
  description:
    - "C({host: {name, role_name, id}}) for each host to resolve: the account's name (the host's
      name when only an id is given), the role to assume there and the account id (or None)."
  type: dict
"""


def account_requests(hostvars, hosts, default_role):
    requests = {}
    for host in hosts:
        data = hostvars[host]
        if not ("aws_account_name" in data or "aws_account_id" in data):
            continue
        if "refarch_role_arn" in data or data.get("refarch_account_pending", False):
            continue
        account_id = data.get("aws_account_id")
        requests[host] = {
            "name": data.get("aws_account_name", host),
            "role_name": data.get("aws_account_role", default_role),
            "id": str(account_id) if account_id is not None else None,
        }
    return requests


class FilterModule(object):
    def filters(self):
        return {"account_requests": account_requests}
