#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: organization_accounts
short_description: Ensure an AWS Organization, a workloads OU and one member account per environment
version_added: 0.1.0
description:
  - Run with the credentials of the organization's management (root, payer) account.
  - Creates the organization with all features when the account is not in one yet, an organizational
    unit under the root when O(organizational_unit) is given, and one member account per entry of
    O(accounts), waiting (polling with backoff) until each account creation has finished.
  - Accounts it creates carry the tags C(refarch:owner=<owner>) and C(refarch:key=account/<name>).
    Only such accounts are ever tagged or moved into O(organizational_unit). An existing account with
    the wanted name and e-mail but without our owner tag (created some other way) is used as it is.
  - Changes are made holding the organization's lock C(/refarch/lock/organization), an SSM parameter in the
    management account (see M(refarch.network.environment_lock)), on the organization read again under the
    lock - two runs at once never create an account twice; the second waits up to O(wait_timeout) seconds,
    then finds the account made. A run with nothing to change takes no lock (it makes no write at all).
  - Nothing is ever closed, deleted or removed from the organization. Closing accounts is out of scope
    (AWS keeps a closed account for 90 days and its e-mail cannot be reused), so O(state=absent) is refused.
options:
  accounts:
    description:
      - One member account per environment.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Account name (1-50 printable characters). Environments find their account by this name.
        type: str
        required: true
      email:
        description:
          - E-mail address of the account's root user; must not be used by any other AWS account.
        type: str
        required: true
      role_name:
        description: Role that Organizations creates in a new account for the management account to assume.
        type: str
        default: OrganizationAccountAccessRole
  organizational_unit:
    description:
      - Name of an organizational unit directly under the root to create (if missing) and to move the
        accounts we created into. Omit it to leave accounts where they are (new ones land in the root).
    type: str
  wait_timeout:
    description: Seconds to wait for each account creation to finish, and for another run's lock on the organization.
    type: int
    default: 900
  state:
    description:
      - V(present) converges. V(absent) is refused with an explanation (closing accounts is out of scope).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Organization, workloads OU and one account per environment (root credentials)
  refarch.network.organization_accounts:
    owner: refarch
    organizational_unit: workloads
    accounts:
      - name: development
        email: aws+development@example.com
      - name: production
        email: aws+production@example.com
  register: org

# Preview: run the playbook with --check --diff; the module reports the same actions and makes none.
"""

RETURN = r"""
actions:
  description: Human-readable list of what was (or in check mode would be) done; empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample: ["create organization (feature set ALL)", "create account development <dev@example.com> in workloads"]
organization:
  description: The organization (empty in check mode when it would be created).
  returned: always
  type: dict
  sample: {"id": "o-abcd123456", "feature_set": "ALL", "master_account_id": "123456789012", "root_id": "r-ab12",
           "partition": "aws"}
organizational_unit:
  description: The organizational unit, when O(organizational_unit) is given (id null in check mode when new).
  returned: when O(organizational_unit) is given
  type: dict
  sample: {"id": "ou-ab12-cdef3456", "name": "workloads"}
accounts:
  description:
    - One entry per requested account name. C(owned) is false for an account created some other way,
      which the module uses but never changes. C(id) is null in check mode for an account to create.
  returned: always
  type: dict
  sample: {"development": {"id": "111122223333", "email": "dev@example.com", "status": "ACTIVE",
           "owned": true, "parent": "ou-ab12-cdef3456",
           "role_arn": "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"}}
"""

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
