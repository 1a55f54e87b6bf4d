# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""refarch.network.eks_irsa: a task that names the aws_load_balancer_controller role and gives it no
policy gets upstream's, which the collection keeps verbatim as data (read here, on the controller:
a module process has only the collection's Python). The module runs in the task's worker when that
gives the same result (plugin_utils/in_worker.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.refarch.network.plugins.plugin_utils.in_worker import InWorkerAction, preload

preload("iam", "route53")

UPSTREAM_LBC_POLICY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                                   "aws_load_balancer_controller_iam_policy.json")


def upstream_lbc_policy():
    with open(UPSTREAM_LBC_POLICY) as f:
        return json.load(f)


def names_lbc_role(args):
    return any(isinstance(sa, dict) and sa.get("policy") == "aws_load_balancer_controller"
               for sa in args.get("service_accounts") or [])


class ActionModule(InWorkerAction):

    def run(self, tmp=None, task_vars=None):
        args = self._task.args
        if names_lbc_role(args) and not args.get("aws_load_balancer_controller_policy"):
            self._task.args = dict(args, aws_load_balancer_controller_policy=upstream_lbc_policy())
        return super(ActionModule, self).run(tmp, task_vars)
