# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""refarch.network.vpc_zone_associations runs in the task's worker when that gives the same result (plugin_utils/in_worker.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.plugin_utils.in_worker import InWorkerAction as ActionModule  # noqa: F401  pylint: disable=unused-import
from ansible_collections.refarch.network.plugins.plugin_utils.in_worker import preload

preload("ec2", "route53")
