# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a filter refuses bad input: the one place where the ``InputError`` of a planner a filter
calls becomes what the user reads (a module's is ``engine.failure``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from contextlib import contextmanager

from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError


@contextmanager
def refusing(what):
    """Inside, an ``InputError`` is the task's ``AnsibleFilterError``: ``<what>: <field>: <reason>``."""
    try:
        yield
    except InputError as e:
        raise AnsibleFilterError("%s: %s" % (what, e))
