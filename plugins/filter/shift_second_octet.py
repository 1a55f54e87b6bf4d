# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.plan import shift_second_octet
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def shift_octet(cidr, offset):
    with refusing("Invalid input"):
        return shift_second_octet(cidr, int(offset))


class FilterModule(object):
    def filters(self):
        return {"shift_second_octet": shift_octet}
