# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for the organization and its per-environment accounts.

No boto3 here. ``validate_accounts`` checks the intent of organization_accounts (whose diff
is ``accounts_diff``), ``resolve_accounts`` the account names of account_info.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

OWNER_TAG = "refarch:owner"
KEY_TAG = "refarch:key"
DEFAULT_ROLE = "OrganizationAccountAccessRole"
# Organizations' own limits: account names 1-50 printable ASCII, e-mails 6-64 characters
NAME_RE = re.compile(r"^[\x20-\x7e]{1,50}$")
EMAIL_RE = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
ROLE_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9]{12}$")
OU_NAME_RE = re.compile(r"^[\x20-\x7e]{1,128}$")


def account_key(name):
    return "account/%s" % name


def ou_key(name):
    return "ou/%s" % name


def validate_role_name(role_name, field):
    if not isinstance(role_name, str) or not ROLE_RE.match(role_name):
        raise InputError(field, "%r is not an IAM role name (1-64 of letters, digits and +=,.@_-)" % (role_name,))
    return role_name


def validate_account_id(account_id, field):
    account_id = str(account_id)
    if not ACCOUNT_ID_RE.match(account_id):
        raise InputError(field, "%r is not an AWS account id (12 digits)" % (account_id,))
    return account_id


def validate_accounts(accounts, organizational_unit=None):
    """Normalised copies of ``accounts`` ({name, email, role_name}); InputError on bad input."""
    if organizational_unit is not None and not OU_NAME_RE.match(organizational_unit):
        raise InputError("organizational_unit", "must be 1-128 printable characters, got %r" % (organizational_unit,))
    seen_names, seen_emails, result = {}, {}, []
    for i, acc in enumerate(accounts or []):
        field = "accounts[%d]" % i
        name, email = acc.get("name"), acc.get("email")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise InputError(field + ".name", "must be 1-50 printable ASCII characters, got %r" % (name,))
        if not isinstance(email, str) or not EMAIL_RE.match(email) or not 6 <= len(email) <= 64:
            raise InputError(field + ".email", "%r is not an e-mail address of 6-64 characters" % (email,))
        if name in seen_names:
            raise InputError(field + ".name", "account name %r is used twice (also accounts[%d])" % (name, seen_names[name]))
        if email.lower() in seen_emails:
            raise InputError(field + ".email", "e-mail %r is used twice (also accounts[%d]); every account needs its own"
                             % (email, seen_emails[email.lower()]))
        seen_names[name], seen_emails[email.lower()] = i, i
        role = validate_role_name(acc.get("role_name") or DEFAULT_ROLE, field + ".role_name")
        result.append(dict(name=name, email=email, role_name=role))
    return result


def account_to_create(data):
    """The member account an environment's inventory ``data`` asks the organization for ({name,
    email, role_name}), or None: an account is created only from an e-mail, never for an id."""
    if data.get("aws_account_email") is None or data.get("aws_account_id") is not None:
        return None
    return dict(name=data.get("aws_account_name"), email=data["aws_account_email"],
                role_name=data.get("aws_account_role", DEFAULT_ROLE))


def desired_tags(owner, name, extra):
    tags = dict(extra or {})
    tags[OWNER_TAG] = owner
    tags[KEY_TAG] = account_key(name)
    return tags


def role_arn(account_id, role_name, partition="aws"):
    return "arn:%s:iam::%s:role/%s" % (partition, account_id, role_name)


def resolve_accounts(requests, listed):
    """{name: {id, email, status, role_arn}} for ``requests`` ([{name, role_name, id}]).

    ``listed`` is Organizations' ListAccounts result (or None when every request has an id).
    InputError names unknown or ambiguous account names and lists the known ones.
    """
    by_name = {}
    for acc in listed or []:
        by_name.setdefault(acc["Name"], []).append(acc)
    result = {}
    for i, req in enumerate(requests):
        field = "accounts[%d]" % i
        name = req.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(field + ".name", "an account name is required")
        role = validate_role_name(req.get("role_name") or DEFAULT_ROLE, field + ".role_name")
        if req.get("id"):
            account_id = validate_account_id(req["id"], field + ".id")
            entry = dict(id=account_id, email=None, status=None)
            partition = "aws"
        else:
            found = by_name.get(name, [])
            if not found and req.get("optional"):
                continue   # the caller reports it missing (an environment only referred to)
            if not found:
                known = ", ".join(sorted(by_name)) or "none"
                raise InputError(field + ".name", "no account named %r in the organization (known accounts: %s);"
                                 " create it with playbooks/accounts.yml or give aws_account_id" % (name, known))
            if len(found) > 1:
                raise InputError(field + ".name", "%d accounts are named %r (%s); give aws_account_id instead" % (
                    len(found), name, ", ".join(a["Id"] for a in found)))
            acc = found[0]
            entry = dict(id=acc["Id"], email=acc.get("Email"), status=acc.get("Status"))
            partition = acc.get("Arn", "arn:aws:").split(":")[1] or "aws"
        if name in result and result[name]["id"] != entry["id"]:
            raise InputError(field + ".name", "account %r is given twice with different ids" % name)
        entry["role_arn"] = role_arn(entry["id"], role, partition)
        result[name] = entry
    return result
