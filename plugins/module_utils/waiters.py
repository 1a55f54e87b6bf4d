# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with exponential backoff: the only way this collection waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


class WaitTimeout(RuntimeError):
    pass


def poll(condition, what, timeout=600, first_delay=0.2, max_delay=15.0):
    """Call ``condition()`` until it is true, backing off from ``first_delay`` to ``max_delay``.

    The first check happens at once, so resources that are ready immediately cost no wait.
    """
    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        if condition():
            return
        if time.monotonic() + delay > deadline:
            raise WaitTimeout("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(delay)
        delay = min(delay * 2, max_delay)
