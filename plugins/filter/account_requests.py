# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
