# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.k8s_objects import foreign as foreign_objects, removal


def k8s_removal(objects, live, foreign=False):
    return foreign_objects(objects, live) if foreign else removal(objects, live)


class FilterModule(object):
    def filters(self):
        return {"k8s_removal": k8s_removal}
