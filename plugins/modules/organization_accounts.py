#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.accounts import ou_key, role_arn, validate_accounts
from ansible_collections.refarch.network.plugins.module_utils.accounts_apply import HANDLERS, known_ids, settle_view
from ansible_collections.refarch.network.plugins.module_utils.accounts_diff import diff_accounts, diff_view, reported
from ansible_collections.refarch.network.plugins.module_utils.accounts_read import read_organization
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.lock import organization_lock
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC

ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    accounts=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        email=dict(type="str", required=True),
        role_name=dict(type="str", default="OrganizationAccountAccessRole"),
    )),
    organizational_unit=dict(type="str"),
    wait_timeout=dict(type="int", default=900),
)


def converge(module):
    p = module.params
    owner, ou_name = p["owner"], p["organizational_unit"]
    if p["state"] == "absent":
        raise InputError("state", "absent is not supported: closing AWS accounts is out of scope for this "
                         "collection (a closed account is kept 90 days and its e-mail cannot be reused). Close "
                         "them in the Organizations console; accounts created here carry refarch:owner=%s." % owner)
    accounts = validate_accounts(p["accounts"], ou_name)
    connection = Connection(module)
    org = connection.client("organizations")
    snap = read_organization(org, accounts, ou_name)
    actions, view = diff_accounts(accounts, snap, owner, ou_name, p["tags"])
    # Changes are made holding the organization's lock, on the state read again under it: two
    # runs never create the same account twice (docs/locking.md). A converged run takes no lock.
    with organization_lock(connection, p["wait_timeout"], needed=bool(actions), warn=module.warn) as lock:
        if lock and lock["reread"]:
            snap = read_organization(org, accounts, ou_name)
            actions, view = diff_accounts(accounts, snap, owner, ou_name, p["tags"])
        run = Run({"org": org}, ids=Ids(known_ids(snap)), owner=owner)
        execute(module, actions, HANDLERS, run, wait_timeout=p["wait_timeout"])
    if snap["organization"] and snap["organization"]["feature_set"] != "ALL":
        module.warn("organization %s has feature set %s, not ALL; enabling all features needs the member "
                    "accounts' approval and is left to you" % (snap["organization"]["id"],
                                                               snap["organization"]["feature_set"]))

    view = settle_view(view, run.ids, ou_name)
    # new ids show up in the diff after a run; check mode shows "(new ...)" placeholders
    result = converged(module, actions, texts=reported(actions), diff=lambda: diff_view(snap, accounts, view, ou_name))
    organization = run.data.get("organization") or snap["organization"]
    roles = dict((a["name"], a["role_name"]) for a in accounts)
    for name, acc in view.items():
        acc["role_arn"] = role_arn(acc["id"], roles[name], (organization or {}).get("partition", "aws")) if acc["id"] else None
    result["accounts"] = view
    result["organization"] = dict(organization, root_id=run.ids.get("root")) if organization else {}
    if ou_name:
        result["organizational_unit"] = dict(id=run.ids.get(ou_key(ou_name)), name=ou_name)
    return result


def main():
    module, ok, result = run_module("organization_accounts", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
