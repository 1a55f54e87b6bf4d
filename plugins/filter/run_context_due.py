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
    Its last part, C(refarch.network.run_lock), registers on each host of the play its lock task's result
    (C(run_lock_held) - for each environment locked, C(held) with the operation and C(refresh_by), a quarter
    of C(run_lock_ttl) after it was taken), after the validation and the accounts of those hosts.
  - A later playbook of the same ansible-playbook run (C(site.yml) imports seven) matches no host there - a
    play without hosts costs no task - when that result holds every environment of the run and is fresh (one
    host's is read - a run_once task registers the same result on every host of its play); otherwise the
    role runs, and each of its three parts still does only what is left. C(run_lock) asks the same, with
    O(operation), at its first task.
  - Without a lock (C(run_lock_enabled=false)) nothing is recorded and the role always runs; so it does for
    an empty list of environments.
options:
  hosts:
    description:
      - The environments of the run - at the start of a play, C(groups.environments) restricted by
        C(--limit) (C(ansible_play_hosts) before the play has hosts).
  operation:
    description:
      - Due also when a lock is held for another operation (C(converge), C(destroy)...).
    type: str
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


def _holds(registered):
    """{environment: its hold} from the result role run_lock registered (a loop over its lock targets)."""
    return dict((r["item"]["name"], r["held"]) for r in (registered or {}).get("results") or []
                if isinstance(r, dict) and r.get("held") and isinstance(r.get("item"), dict) and "name" in r["item"])


def _stale(registered, hosts, operation=None):
    """One of ``hosts`` is not held by the run's lock task (for ``operation``), or its hold is due for refresh."""
    holds, now = _holds(registered), time.time()
    return any(host not in holds or now >= float(holds[host].get("refresh_by") or 0)
               or (operation and holds[host].get("operation") != operation) for host in hosts)


def run_context_due(hostvars, hosts, operation=None):
    # The controller calls this filter before any other plugin of ours (the hosts of each playbook's
    # first play) and before it forks a worker: there it loads, once, what each worker would
    # otherwise load for itself (imported here: in_worker loads this file too).
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    in_worker.warm()
    hosts = sorted(hosts or [])
    if not hosts:
        return True
    # run_lock's lock task runs once and registers the same result on every host of its play, so
    # one host's is the run's (each hostvars[host] costs a computation of all its variables).
    # hostvars is undefined at the start of the first play of an ansible-playbook run: {}
    return _stale((hostvars.get(hosts[0]) or {}).get("run_lock_held"), hosts, operation)


class FilterModule(object):
    def filters(self):
        return {"run_context_due": run_context_due}
