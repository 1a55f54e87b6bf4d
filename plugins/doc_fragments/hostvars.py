# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The input of the filters that read every environment's inventory data.
    DOCUMENTATION = r"""
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
"""

    # The environments of the run, for the filters that plan across environments.
    PRESENT = r"""
options:
  present:
    description: The environments in this run (usually C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
"""

    # The environments a filter reads from its hostvars input; each filter says in its own
    # description which list it expects (the play's hosts, or all the run's).
    HOSTS = r"""
options:
  hosts:
    description: The environments of the run.
    type: list
    elements: str
    required: true
"""
