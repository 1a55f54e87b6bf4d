# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one input-error type: planners and diffs raise it, ``engine.outcome`` reports it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class InputError(ValueError):
    """Input the collection refuses; ``field`` is the dotted path of the offending input."""

    def __init__(self, field, reason):
        self.field = field
        self.reason = reason
        super(InputError, self).__init__("%s: %s" % (field, reason))
