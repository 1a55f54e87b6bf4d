# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def preflight_due(environments, validated):
    # imported here: in_worker loads the filters itself (load_filters)
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    in_worker.warm()
    return bool(set(environments or []) - set(validated or []))


class FilterModule(object):
    def filters(self):
        return {"preflight_due": preflight_due}
