# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
