# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of organization_accounts: a snapshot of the organization in a handful of calls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.accounts import OWNER_TAG
from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate


def org_view(desc):
    return dict(id=desc["Id"], feature_set=desc.get("FeatureSet"), master_account_id=desc.get("MasterAccountId"),
                partition=desc["Arn"].split(":")[1])


def read_organization(org, accounts, ou_name):
    """Snapshot for ``accounts_diff.diff_accounts``; tags only for the accounts we want.

    {organization: None | org_view, root_id, ou: None | {id, name},
     accounts: [{id, name, email, status, tags, parent_id}], pending: {name: request id}}
    """
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
