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
  - Nothing is ever closed, deleted or removed from the organization. Closing accounts is out of scope
    (AWS keeps a closed account for 90 days and its e-mail cannot be reused), so O(state=absent) is refused.
  - Supports check mode (reports exactly the actions it would take, writes nothing) and diff mode.
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
    description: Seconds to wait for each account creation to finish.
    type: int
    default: 900
  state:
    description:
      - V(present) converges. V(absent) is refused with an explanation (closing accounts is out of scope).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
author:
  - refarch.network developers (@refarch)
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

- name: Preview only
  refarch.network.organization_accounts:
    owner: refarch
    accounts:
      - name: management
        email: aws+management@example.com
  check_mode: true
  diff: true
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

import time

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.refarch.network.plugins.module_utils.accounts import (
    OWNER_TAG, diff_view, ou_key, plan_accounts, role_arn, validate_accounts)
from ansible_collections.refarch.network.plugins.module_utils.aws import (
    Connection, error_code, new_module, owned_tags, tag_dict, tag_list)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError


def paginate(org, method, key, **kwargs):
    items = []
    for page in org.get_paginator(method).paginate(**kwargs):
        items.extend(page[key])
    return items


def org_view(desc):
    return dict(id=desc["Id"], feature_set=desc.get("FeatureSet"), master_account_id=desc.get("MasterAccountId"),
                partition=desc["Arn"].split(":")[1])


def read(org, accounts, ou_name):
    """Snapshot of the organization: a handful of calls, tags only for the accounts we want."""
    snap = dict(organization=None, root_id=None, ou=None, accounts=[], pending={})
    try:
        desc = org.describe_organization()["Organization"]
    except ClientError as e:
        if error_code(e) == "AWSOrganizationsNotInUseException":
            return snap
        raise
    snap["organization"] = org_view(desc)
    snap["root_id"] = paginate(org, "list_roots", "Roots")[0]["Id"]
    if ou_name:
        for ou in paginate(org, "list_organizational_units_for_parent", "OrganizationalUnits",
                           ParentId=snap["root_id"]):
            if ou["Name"] == ou_name:
                snap["ou"] = dict(id=ou["Id"], name=ou["Name"])
    in_ou = set()
    if snap["ou"]:
        in_ou = set(a["Id"] for a in paginate(org, "list_accounts_for_parent", "Accounts", ParentId=snap["ou"]["id"]))
    names = set(a["name"] for a in accounts)
    emails = set(a["email"].lower() for a in accounts)
    for acc in paginate(org, "list_accounts", "Accounts"):
        item = dict(id=acc["Id"], name=acc["Name"], email=acc["Email"], status=acc.get("Status"), tags={},
                    parent_id=snap["ou"]["id"] if acc["Id"] in in_ou else None)
        if acc["Name"] in names or acc["Email"].lower() in emails:
            item["tags"] = tag_dict(paginate(org, "list_tags_for_resource", "Tags", ResourceId=acc["Id"]))
            # only our own accounts may be moved, so only they need their parent
            if ou_name and item["parent_id"] is None and item["tags"].get(OWNER_TAG):
                item["parent_id"] = org.list_parents(ChildId=acc["Id"])["Parents"][0]["Id"]
        snap["accounts"].append(item)
    known = set(a["name"] for a in snap["accounts"])
    if names - known:
        # a creation interrupted by a previous run is waited for, never started twice
        for st in paginate(org, "list_create_account_status", "CreateAccountStatuses", States=["IN_PROGRESS"]):
            if st.get("AccountName") in names - known:
                snap["pending"][st["AccountName"]] = st["Id"]
    return snap


def wait_created(module, org, request_id, name):
    """Poll DescribeCreateAccountStatus with exponential backoff until it leaves IN_PROGRESS."""
    deadline = time.monotonic() + module.params["wait_timeout"]
    delay = 1.0
    while True:
        status = org.describe_create_account_status(CreateAccountRequestId=request_id)["CreateAccountStatus"]
        if status["State"] == "SUCCEEDED":
            return status["AccountId"]
        if status["State"] == "FAILED":
            module.fail_json(msg="accounts: creating account %r failed: %s" % (name, status.get("FailureReason")),
                             create_account_status=status)
        if time.monotonic() + delay > deadline:
            module.fail_json(msg="accounts: account %r still being created after %ss (request %s); run again "
                             "later, the creation is waited for, not repeated" % (name, module.params["wait_timeout"],
                                                                                  request_id))
        time.sleep(delay)  # backoff: 1, 2, 4 ... 30 s
        delay = min(delay * 2, 30.0)


def apply(module, org, actions, snap, view, ou_name, owner):
    root_id = snap["root_id"]
    ou_id = (snap["ou"] or {}).get("id")
    for act in actions:
        op = act["op"]
        if op == "create_organization":
            org.create_organization(FeatureSet="ALL")
            desc = org.describe_organization()["Organization"]
            snap["organization"] = org_view(desc)
            root_id = snap["root_id"] = paginate(org, "list_roots", "Roots")[0]["Id"]
        elif op == "create_ou":
            tags = owned_tags(owner, ou_key(ou_name), extra=module.params["tags"])
            ou_id = org.create_organizational_unit(ParentId=root_id, Name=ou_name,
                                                   Tags=tag_list(tags))["OrganizationalUnit"]["Id"]
            snap["ou"] = dict(id=ou_id, name=ou_name)
        elif op in ("create_account", "wait_account"):
            request_id = act.get("request_id")
            if op == "create_account":
                request_id = org.create_account(Email=act["email"], AccountName=act["name"], RoleName=act["role_name"],
                                                Tags=tag_list(act["tags"]))["CreateAccountStatus"]["Id"]
            account_id = wait_created(module, org, request_id, act["name"])
            view[act["name"]].update(id=account_id, parent=root_id)
            if ou_id:
                org.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou_id)
                view[act["name"]]["parent"] = ou_id
        elif op == "tag_account":
            org.tag_resource(ResourceId=act["id"], Tags=tag_list(act["tags"]))
        elif op == "move_account":
            org.move_account(AccountId=act["id"], SourceParentId=act["source"], DestinationParentId=ou_id)
            view[act["name"]]["parent"] = ou_id


def main():
    module = new_module(
        dict(
            accounts=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                email=dict(type="str", required=True),
                role_name=dict(type="str", default="OrganizationAccountAccessRole"),
            )),
            organizational_unit=dict(type="str"),
            wait_timeout=dict(type="int", default=900),
            owner=dict(type="str", required=True),
            tags=dict(type="dict", default={}),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "absent":
        module.fail_json(msg="state: absent is not supported: closing AWS accounts is out of scope for this "
                         "collection (a closed account is kept 90 days and its e-mail cannot be reused). Close "
                         "them in the Organizations console; accounts created here carry refarch:owner=%s."
                         % p["owner"])
    try:
        accounts = validate_accounts(p["accounts"], p["organizational_unit"])
    except InputError as e:
        module.fail_json(msg=str(e), field=e.field)

    org = Connection(module).client("organizations")
    try:
        snap = read(org, accounts, p["organizational_unit"])
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="cannot read the organization")
    if snap["organization"] and snap["organization"]["feature_set"] != "ALL":
        module.warn("organization %s has feature set %s, not ALL; enabling all features needs the member "
                    "accounts' approval and is left to you" % (snap["organization"]["id"],
                                                               snap["organization"]["feature_set"]))
    try:
        actions, view = plan_accounts(accounts, snap, p["owner"], p["organizational_unit"], p["tags"])
    except InputError as e:
        module.fail_json(msg=str(e), field=e.field)

    result = dict(changed=bool(actions), actions=[a["text"] for a in actions])
    before = dict(snap)  # apply() rebinds snap keys; the diff needs the state before
    if actions and not module.check_mode:
        try:
            apply(module, org, actions, snap, view, p["organizational_unit"], p["owner"])
        except (BotoCoreError, ClientError) as e:
            module.fail_json_aws(e, msg="organization_accounts: applying %s" % ", ".join(result["actions"]))

    if module._diff:  # after apply, so new ids show up; check mode shows "(new ...)" placeholders
        result["diff"] = diff_view(before, accounts, view, p["organizational_unit"])
    roles = dict((a["name"], a["role_name"]) for a in accounts)
    partition = (snap["organization"] or {}).get("partition", "aws")
    for name, acc in view.items():
        acc["role_arn"] = role_arn(acc["id"], roles[name], partition) if acc["id"] else None
    result["accounts"] = view
    result["organization"] = dict(snap["organization"] or {}, root_id=snap["root_id"]) if snap["organization"] else {}
    if p["organizational_unit"]:
        result["organizational_unit"] = dict(id=(snap["ou"] or {}).get("id"), name=p["organizational_unit"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
