#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.irsa import DEFAULT_THUMBPRINT, POLICIES, plan_irsa
from ansible_collections.refarch.network.plugins.module_utils.irsa_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.irsa_diff import (
    after_model, before_model, diff_absent, diff_present)
from ansible_collections.refarch.network.plugins.module_utils.irsa_read import read_irsa
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC

SERVICE_ACCOUNT_SPEC = dict(
    policy=dict(type="str", required=True, choices=sorted(POLICIES)),
    namespace=dict(type="str"),
    service_account=dict(type="str"),
    role_name=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    cluster_name=dict(type="str", required=True),
    zone_name=dict(type="str"),
    service_accounts=dict(type="list", elements="dict", options=SERVICE_ACCOUNT_SPEC,
                          default=[dict(policy="external_dns"), dict(policy="cert_manager")]),
    thumbprints=dict(type="list", elements="str", default=[DEFAULT_THUMBPRINT]),
    aws_load_balancer_controller_policy=dict(type="dict"),
)


def converge(module):
    plan = plan_irsa(module.params)
    conn = Connection(module)
    iam = conn.client("iam")
    clients = dict(sts=conn.client("sts"), eks=conn.client("eks"), route53=conn.client("route53"), iam=iam)
    snap = read_irsa(clients, plan, conn.region)
    result = dict(account_id=snap["account"], roles={})
    if snap["cluster"]:
        result["cluster"] = snap["cluster"]
    if plan["present"]:
        actions, facts = diff_present(plan, snap)
        result.update(facts)
    else:
        actions = diff_absent(plan, snap)
    before = before_model(plan, snap)
    # the handlers see the provider view: one made meanwhile by someone else is reported as not owned
    execute(module, actions, HANDLERS, Run({"iam": iam}, owner=plan["owner"], provider=result.get("oidc_provider")))
    return converged(module, actions, diff=lambda: dict(before=before, after=after_model(before, actions)), **result)


def main():
    module, ok, result = run_module("eks_irsa", converge, ARGUMENT_SPEC, required_if=[("state", "present", ["zone_name"])])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
