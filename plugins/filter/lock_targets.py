# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.environments import linked, names_account


def _resolved(data):
    return (not names_account(data) or "refarch_role_arn" in data) and not data.get("refarch_account_pending", False)


def lock_targets(hostvars, hosts):
    targets = {}
    for host in hosts:
        data = hostvars[host]
        if _resolved(data):
            targets[host] = dict(name=host, owner=data.get("owner") or host, region=data.get("aws_region"),
                                 role_arn=data.get("refarch_role_arn") or "")
    for host in hosts:
        data = hostvars[host]
        for name, role in sorted((data.get("refarch_environment_roles") or {}).items()):
            if name in targets or name in hosts or not role:
                continue
            owner, region = linked(hostvars, data, name)[1:]
            targets[name] = dict(name=name, owner=owner, region=region, role_arn=role)
    return [targets[name] for name in sorted(targets)]


class FilterModule(object):
    def filters(self):
        return {"lock_targets": lock_targets}
