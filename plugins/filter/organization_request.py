# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
