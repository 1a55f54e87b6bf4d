# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: lock_targets
short_description: The environments whose lock a run must hold, in the order to take them
version_added: 0.1.0
description:
  - Used by the C(refarch.network.run_lock) role. A run writes into the environments of its play, and,
    when it names one environment without the others, into the environments it links to (their half of
    a peering, the delegation in a parent zone), so it holds the locks of both.
  - An environment of the play counts once its account is resolved (C(refarch_role_arn)), or when it
    names no account (the caller's own), and not while check mode has only planned its account
    (C(refarch_account_pending)). A linked environment outside the play counts when
    C(refarch.network.account_context) resolved its account (C(refarch_environment_roles)).
  - Sorted by name, so two runs take shared locks in the same order and never wait for each other in a
    circle.
options:
  hosts:
    description: The play's environments (C(ansible_play_hosts), or C(ansible_play_hosts_all) to release).
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Locks this run holds
  ansible.builtin.debug:
    msg: "{{ hostvars | refarch.network.lock_targets(ansible_play_hosts) | map(attribute='owner') }}"
"""

RETURN = r"""
_value:
  description:
    - "C([{name, owner, region, role_arn}]) sorted by name; C(role_arn) is empty for an environment in
      the caller's own account, C(region) null when the inventory gives none."
  type: list
  elements: dict
"""

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
