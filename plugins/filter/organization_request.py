# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: organization_request
short_description: What the environments of a play ask of the AWS Organization
version_added: 0.1.0
description:
  - Used by C(accounts.yml) to call M(refarch.network.organization_accounts) once for the whole play.
  - An environment asks for a member account when its inventory gives C(aws_account_email) and no
    C(aws_account_id) (C(aws_account_name), and C(aws_account_role) or C(OrganizationAccountAccessRole));
    for an organizational unit with C(aws_organizational_unit).
  - An environment that names no account asks nothing - in a single-account setup the organization is
    neither created nor read.
options:
  hosts:
    description: The play's environments (usually C(ansible_play_hosts)).
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Converge the organization, the OU and the accounts
  refarch.network.organization_accounts:
    owner: refarch
    accounts: "{{ (hostvars | refarch.network.organization_request(ansible_play_hosts)).accounts }}"
"""

RETURN = r"""
_value:
  description:
    - C(accounts) - the accounts to ensure, each once, in the order of the hosts.
    - C(organizational_unit) - the first environment's OU, or an empty string.
    - C(asked) - whether any environment asks for an account or an OU.
  type: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.accounts import account_to_create


def organization_request(hostvars, hosts):
    wanted, units = [], []
    for host in hosts:
        data = hostvars[host]
        account = account_to_create(data)
        if account is not None and account not in wanted:
            wanted.append(account)
        unit = data.get("aws_organizational_unit") or ""
        if unit and unit not in units:
            units.append(unit)
    return {"accounts": wanted, "organizational_unit": units[0] if units else "", "asked": bool(wanted or units)}


class FilterModule(object):
    def filters(self):
        return {"organization_request": organization_request}
