# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the filters that hand a read on (known_vpcs, known_zones) ask of the run's registered
results: whether a task that may write what was read has written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def wrote(envs, names):
    """A task registered under one of ``names`` changed something on one of ``envs`` (their
    hostvars), or failed: it may have written before it stopped."""
    return any((env.get(name) or {}).get("changed") or (env.get(name) or {}).get("failed") for env in envs for name in names)
