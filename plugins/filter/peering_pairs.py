# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.utils.display import Display

from ansible_collections.refarch.network.plugins.module_utils.peering_plan import absent_peers, inventory_environments, pairs_for
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing

display = Display()


def peering_pairs(hostvars, host, present):
    with refusing("Invalid peering data"):
        environments, absent = inventory_environments(hostvars, present), absent_peers(hostvars, present)
        if isinstance(host, str):
            found = pairs_for(environments, host, absent=absent)
        else:
            each = [pairs_for(environments, name, absent=absent) for name in host]
            found = dict(pairs=[p for f in each for p in f["pairs"]], skipped=sorted(set(m for f in each for m in f["skipped"])))
    # the user's to know, not a task's to print: the controller shows a warning once per run
    for message in found["skipped"]:
        display.warning("Link not converged in this run: %s" % message)
    return found


class FilterModule(object):
    def filters(self):
        return {"peering_pairs": peering_pairs}
