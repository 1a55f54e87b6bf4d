# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one input-error type: planners and diffs raise it, ``engine.outcome`` reports it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.names import unknown_option


class InputError(ValueError):
    """Input the collection refuses; ``field`` is the dotted path of the offending input."""

    def __init__(self, field, reason):
        self.field = field
        self.reason = reason
        super(InputError, self).__init__("%s: %s" % (field, reason))


def refuse(error):
    """The answer to a missing prerequisite outside a module run (a diff called on its own, a test):
    refuse. A module passes ``engine.on_missing(module)`` instead, which lets check mode go on."""
    raise error


def mappings(items, field, known, what, needs):
    """``(index, path, item)`` for each item of a list of mappings, refusing anything else: not a
    list, an item that is not a mapping (``needs`` says what it must hold), an unknown key."""
    if not isinstance(items, list):
        raise InputError(field, "expected a list of %s" % what)
    for i, item in enumerate(items):
        path = "%s[%d]" % (field, i)
        if not isinstance(item, dict):
            raise InputError(path, "expected a mapping with %s" % needs)
        unknown = sorted(k for k in item if k not in known)
        if unknown:
            raise InputError("%s.%s" % (path, unknown[0]), unknown_option(unknown[0], known))
        yield i, path, item
