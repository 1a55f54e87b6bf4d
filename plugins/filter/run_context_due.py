# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: run_context_due
short_description: Whether a play must start with the role run_context
version_added: 0.1.0
description:
  - Used by every playbook that starts with C(refarch.network.run_context) (validate the run, resolve the
    accounts, take the locks). Its last part, C(refarch.network.run_lock), records on each host of the play
    the lock the run holds (C(run_lock_taken) - its hosts, and C(refresh_by), a quarter of C(run_lock_ttl)
    after it was taken), after the validation and the accounts of those hosts. A later play of the same
    ansible-playbook run (site.yml imports seven) skips the role in one condition when it has no other
    environment and the lock is fresh; otherwise the role runs, and each of its three parts still does only
    what is left. Without a lock (C(run_lock_enabled=false)) the role always runs.
options:
  _input:
    description: C(run_lock_taken), or C({}) before the run holds a lock.
    type: dict
    required: true
  hosts:
    description: The play's active environments (C(ansible_play_hosts)).
    type: list
    elements: str
    required: true
author:
  - refarch.network developers
"""

EXAMPLES = r"""
- name: Resolve the accounts, validate the run and take its locks (once per run)
  ansible.builtin.include_role:
    name: refarch.network.run_context
  when: run_lock_taken | default({}) | refarch.network.run_context_due(ansible_play_hosts)
"""

RETURN = r"""
_value:
  description: True when the play has an environment the run holds no context for, or the locks are due for refresh.
  type: bool
"""

import time


def run_context_due(held, hosts):
    held = held or {}
    if set(hosts) - set(held.get("hosts") or []):
        return True
    return time.time() >= float(held.get("refresh_by") or 0)


class FilterModule(object):
    def filters(self):
        return {"run_context_due": run_context_due}
