# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: run_context_due
short_description: Whether a playbook must start with the role run_context
version_added: 0.1.0
description:
  - Used by the first play of every playbook that writes (C(playbooks/parts/run_context.yml)) -
    validate the run, resolve the accounts, take the locks with the role C(refarch.network.run_context).
    Its last part, C(refarch.network.run_lock), records on each host of the play the lock the run holds
    (C(run_lock_taken) - its hosts, and C(refresh_by), a quarter of C(run_lock_ttl) after it was taken),
    after the validation and the accounts of those hosts.
  - A later playbook of the same ansible-playbook run (C(site.yml) imports seven) matches no host there - a
    play without hosts costs no task - when the record names every environment of the run and is fresh (one
    host's record is read - a run_once fact, the same on every host of the play that set it); otherwise the
    role runs, and each of its three parts still does only what is left.
  - Without a lock (C(run_lock_enabled=false)) nothing is recorded and the role always runs; so it does for
    an empty list of environments.
options:
  hosts:
    description:
      - The environments of the run - at the start of a play, C(groups.environments) restricted by
        C(--limit) (C(ansible_play_hosts) before the play has hosts).
extends_documentation_fragment:
  - refarch.network.hostvars
  - refarch.network.hostvars.hosts
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Validate the run, resolve the accounts and take the locks (once per run)
  hosts: >-
    {{ 'environments' if hostvars | refarch.network.run_context_due(groups.environments | intersect(ansible_play_hosts))
       else 'environments:!environments' }}
  gather_facts: false
  tasks:
    - name: Validate the run, resolve the accounts and take the locks
      ansible.builtin.import_role:
        name: refarch.network.run_context
        rolespec_validate: false
"""

RETURN = r"""
_value:
  description: True when an environment of the run has no fresh record of the run's locks naming them all.
  type: bool
"""

import time


def _stale(held, hosts):
    """A host's record of the run's locks misses one of ``hosts`` or is due for refresh."""
    held = held or {}
    if set(hosts) - set(held.get("hosts") or []):
        return True
    return time.time() >= float(held.get("refresh_by") or 0)


def run_context_due(hostvars, hosts):
    # The controller calls this filter before any other plugin of ours (the hosts of each playbook's
    # first play) and before it forks a worker: there it loads, once, what each worker would
    # otherwise load for itself (imported here: in_worker loads this file too).
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    in_worker.warm()
    hosts = sorted(hosts or [])
    if not hosts:
        return True
    # run_lock records the lock with a run_once fact: every host of its play got the same record,
    # so one host's is the run's (each hostvars[host] costs a computation of all its variables).
    # hostvars is undefined at the start of the first play of an ansible-playbook run: {}
    return _stale((hostvars.get(hosts[0]) or {}).get("run_lock_taken"), hosts)


class FilterModule(object):
    def filters(self):
        return {"run_context_due": run_context_due}
