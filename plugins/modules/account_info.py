#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.refarch.network.plugins.module_utils.accounts import resolve_accounts
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection, error_code
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate
from ansible_collections.refarch.network.plugins.module_utils.engine import run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

ARGUMENT_SPEC = dict(
    accounts=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        role_name=dict(type="str"),
        id=dict(type="str"),
        optional=dict(type="bool", default=False),
    )),
    role_name=dict(type="str", default="OrganizationAccountAccessRole"),
    check_role=dict(type="bool", default=False),
)


def check_roles(module, resolved):
    """Assume each role once; refuse naming the account and role when that is refused."""
    sts = Connection(module).client("sts")
    for name, acc in sorted(resolved.items()):
        try:
            creds = sts.assume_role(RoleArn=acc["role_arn"],
                                    RoleSessionName=module.params["assume_role_session_name"])["Credentials"]
            # the role's own keys, through the collection's retry policy (Connection) like every call
            assumed = Connection(module, role_arn="", credentials=dict(
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"]))
            identity = assumed.client("sts").get_caller_identity()
        except (BotoCoreError, ClientError) as e:
            raise InputError("accounts", "cannot assume role %s in account %r (%s): %s. Check the role name "
                             "(aws_account_role) and that the caller may assume it"
                             % (acc["role_arn"], name, acc["id"], error_code(e) or type(e).__name__))
        if identity["Account"] != acc["id"]:
            raise InputError("accounts", "role %s for account %r acts in account %s, not %s"
                             % (acc["role_arn"], name, identity["Account"], acc["id"]))


def list_accounts(module):
    try:
        return paginate(Connection(module).client("organizations"), "list_accounts", "Accounts")
    except (BotoCoreError, ClientError) as e:
        raise RuntimeError("cannot list the organization's accounts (%s): run with the management account's "
                           "credentials, create the organization and accounts first (playbooks/accounts.yml), "
                           "or give aws_account_id" % (error_code(e) or type(e).__name__))


def resolve(module):
    p = module.params
    requests = p["accounts"]
    listed = None
    if requests is None or any(not r.get("id") for r in requests):
        listed = list_accounts(module)
    if requests is None:
        requests = [dict(name=a["Name"]) for a in listed]
    requests = [dict(r, role_name=r.get("role_name") or p["role_name"]) for r in requests]
    resolved = resolve_accounts(requests, listed)
    if p["check_role"]:
        check_roles(module, resolved)
    missing = sorted(r["name"] for r in requests if r["name"] not in resolved)
    return dict(changed=False, accounts=resolved, missing=missing)


def main():
    module, ok, result = run_module("account_info", resolve, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
