# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of organization_accounts' actions, run by ``engine.execute`` with ``run.org``.

Ids this run makes are recorded in ``run.ids`` (``root``, ``ou/<name>``, ``request/<name>``,
``account/<name>``), so the engine retries a NotFound naming them. ``wait_account`` returns
the condition the engine polls: DescribeCreateAccountStatus until SUCCEEDED (FAILED fails
the run). An "already done" answer to a write botocore retried (its first attempt landed, the
reply was lost) is success, and a second OU made for the retry is deleted; a retried
CreateAccount whose own request then fails with EMAIL_ALREADY_EXISTS (AWS refuses the
e-mail the first attempt took) waits for the first attempt's request instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.accounts import KEY_TAG, OWNER_TAG, account_key, ou_key
from ansible_collections.refarch.network.plugins.module_utils.accounts_read import org_view
from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_dict, tag_list
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried


def _done_before(error, *codes):
    """True when ``error`` says an earlier attempt of this retried call already did it."""
    return error_code(error) in codes and retried(error.response)


def _create_organization(run, a):
    try:
        desc = run.org.create_organization(FeatureSet="ALL")["Organization"]
    except ClientError as e:
        if not _done_before(e, "AlreadyInOrganizationException"):
            raise
        desc = run.org.describe_organization()["Organization"]
    run.data["organization"] = org_view(desc)
    run.ids["organization"] = desc["Id"]
    run.ids["root"] = run.org.list_roots()["Roots"][0]["Id"]


def _named_ous(run, name):
    return [ou["Id"] for ou in paginate(run.org, "list_organizational_units_for_parent", "OrganizationalUnits",
                                        ParentId=run.ids["root"]) if ou["Name"] == name]


def _create_ou(run, a):
    try:
        answer = run.org.create_organizational_unit(ParentId=run.ids["root"], Name=a["name"], Tags=tag_list(a["tags"]))
    except ClientError as e:
        if not _done_before(e, "DuplicateOrganizationalUnitException"):
            raise
        run.ids[a.key] = _named_ous(run, a["name"])[0]
        return
    run.ids[a.key] = answer["OrganizationalUnit"]["Id"]
    if retried(answer):  # a service that made a second OU for the retry: the lost attempt's twin goes
        for twin in _named_ous(run, a["name"]):
            tags = tag_dict(paginate(run.org, "list_tags_for_resource", "Tags", ResourceId=twin))
            if twin != run.ids[a.key] and tags.get(OWNER_TAG) == run.owner and tags.get(KEY_TAG) == a.key:
                try:
                    run.org.delete_organizational_unit(OrganizationalUnitId=twin)
                except ClientError as e:
                    if not _done_before(e, "OrganizationalUnitNotFoundException"):
                        raise


def _create_account(run, a):
    answer = run.org.create_account(Email=a["email"], AccountName=a["name"], RoleName=a["role_name"],
                                    Tags=tag_list(a["tags"]))
    run.ids["request/" + a["name"]] = answer["CreateAccountStatus"]["Id"]
    if retried(answer):
        run.data.setdefault("retried_creates", set()).add(a["name"])


def _lost_request(run, name, failed_id):
    """The request of a retried create whose first attempt landed: another request for the
    account name, still running, or done with an account carrying our owner and key tags.
    The read found neither the account nor a pending request, so it was made since: by us."""
    for status in paginate(run.org, "list_create_account_status", "CreateAccountStatuses",
                           States=["IN_PROGRESS", "SUCCEEDED"]):
        if status.get("AccountName") != name or status["Id"] == failed_id:
            continue
        if status["State"] == "IN_PROGRESS":
            return status["Id"]
        tags = tag_dict(paginate(run.org, "list_tags_for_resource", "Tags", ResourceId=status["AccountId"]))
        if tags.get(OWNER_TAG) == run.owner and tags.get(KEY_TAG) == account_key(name):
            return status["Id"]
    return None


def _wait_account(run, a):
    request = dict(id=a.get("request_id") or run.ids["request/" + a["name"]])

    def created():
        status = run.org.describe_create_account_status(CreateAccountRequestId=request["id"])["CreateAccountStatus"]
        if status["State"] == "SUCCEEDED":
            run.ids[a.key] = status["AccountId"]
            return True
        if status["State"] == "FAILED":
            lost = None
            if status.get("FailureReason") == "EMAIL_ALREADY_EXISTS" and a["name"] in run.data.get("retried_creates", ()):
                lost = _lost_request(run, a["name"], request["id"])
            if lost is None:
                raise RuntimeError("creating account %r failed: %s (request %s)"
                                   % (a["name"], status.get("FailureReason"), request["id"]))
            request["id"] = lost  # wait for the first attempt instead
        return False
    return created


def _move(run, account_id, source, destination):
    try:
        run.org.move_account(AccountId=account_id, SourceParentId=source, DestinationParentId=destination)
    except ClientError as e:
        if not _done_before(e, "DuplicateAccountException"):
            raise


def _place_account(run, a):
    """A new account lands in the root; ours go on into the OU."""
    _move(run, run.ids[a.key], run.ids["root"], run.ids[a["ou"]])


def _tag_account(run, a):
    run.org.tag_resource(ResourceId=a["id"], Tags=tag_list(a["tags"]))


def _move_account(run, a):
    _move(run, a["id"], a["source"], run.ids[a["ou"]])


HANDLERS = {
    "create_organization": _create_organization,
    "create_ou": _create_ou,
    "create_account": _create_account,
    "wait_account": _wait_account,
    "place_account": _place_account,
    "tag_account": _tag_account,
    "move_account": _move_account,
}


def known_ids(snap):
    """Logical key -> id of what the snapshot holds."""
    ids = {}
    if snap["organization"]:
        ids.update(organization=snap["organization"]["id"], root=snap["root_id"])
    if snap["ou"]:
        ids[ou_key(snap["ou"]["name"])] = snap["ou"]["id"]
    return ids


def settle_view(view, ids, organizational_unit):
    """The diff's account view with the ids the run made (new accounts, a new OU)."""
    ou_id = ids.get(ou_key(organizational_unit)) if organizational_unit else None
    for name, acc in view.items():
        if acc["id"] is None and account_key(name) in ids:
            acc.update(id=ids[account_key(name)], parent=ou_id or ids.get("root"))
        elif organizational_unit and ou_id and acc["parent"] == "(new %s)" % organizational_unit:
            acc["parent"] = ou_id
    return view
