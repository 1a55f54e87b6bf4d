# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action type of the engine (engine.py executes them).

Pure, like the diffs that make actions: importing them needs no AWS SDK.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Action(object):
    """One step of a converge: ``op`` names the handler, ``key`` the logical resource,
    ``text`` is what the user reads; ``before``/``after`` feed ``--diff``; ``params`` are the
    handler's arguments (read as ``action["name"]``)."""

    def __init__(self, op, key, text, before=None, after=None, **params):
        self.op, self.key, self.text = op, key, text
        self.before, self.after = before, after
        self.params = params

    def __getitem__(self, name):
        return self.params[name]

    def get(self, name, default=None):
        return self.params.get(name, default)

    @property
    def is_wait(self):
        return self.op.startswith("wait")

    def __repr__(self):
        return "Action(%r, %r, %r)" % (self.op, self.key, self.text)

    def __eq__(self, other):
        return isinstance(other, Action) and (self.op, self.key, self.text, self.params) == (
            other.op, other.key, other.text, other.params)

    def __ne__(self, other):
        return not self == other
