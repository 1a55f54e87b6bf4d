# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: shift_second_octet
short_description: Add an offset to the second octet of a CIDR
version_added: 0.1.0
description:
  - The seed's staging rule - 10.231.0.0/16 with offset 1 is 10.232.0.0/16.
options:
  _input:
    description: A CIDR.
    type: str
    required: true
  offset:
    description: What to add to the second octet.
    type: int
    required: true
extends_documentation_fragment:
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Staging CIDR
  ansible.builtin.debug:
    msg: "{{ '10.231.0.0/16' | refarch.network.shift_second_octet(1) }}"
"""

RETURN = r"""
_value:
  description: The shifted CIDR.
  type: str
"""

from ansible_collections.refarch.network.plugins.module_utils.plan import shift_second_octet
from ansible_collections.refarch.network.plugins.plugin_utils.filter_input import refusing


def shift_octet(cidr, offset):
    with refusing("Invalid input"):
        return shift_second_octet(cidr, int(offset))


class FilterModule(object):
    def filters(self):
        return {"shift_second_octet": shift_octet}
