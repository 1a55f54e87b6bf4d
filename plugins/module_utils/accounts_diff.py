# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff of organization_accounts: validated accounts + a snapshot (``accounts_read``) ->
ordered ``actions.Action`` list. Pure: no AWS call.

An account is "ours" only when its ``refarch:owner`` tag is our owner: only ours are ever
tagged or moved, and nothing is ever closed. An account with the wanted name and e-mail but
no owner tag (created some other way) is used as it is.

CreateAccount is asynchronous, so a new account is three actions: the create (with every
other create and change first), its wait (all waits polled together), then its move into the
OU. The wait and the move are steps of the create (``part_of``): ``reported`` leaves them out
of what the user reads, which is one line per account as it always was.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.accounts import (
    KEY_TAG, OWNER_TAG, account_key, desired_tags, ou_key)
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError


def _match(desired, index, existing):
    """The existing account for ``desired`` or None; InputError if name/e-mail conflict."""
    field = "accounts[%d]" % index
    by_email = [a for a in existing if a["email"].lower() == desired["email"].lower()]
    for acc in by_email:
        if acc["name"] != desired["name"]:
            raise InputError(field + ".email", "%s is already used by account %s named %r; choose another e-mail"
                             " or name the account %r" % (desired["email"], acc["id"], acc["name"], acc["name"]))
    if by_email:
        return by_email[0]
    for acc in existing:
        if acc["name"] == desired["name"]:
            raise InputError(field + ".name", "an account named %r already exists (%s) with e-mail %s, not %s;"
                             " fix the e-mail in the inventory" % (acc["name"], acc["id"], acc["email"], desired["email"]))
    return None


def diff_accounts(accounts, snapshot, owner, organizational_unit=None, extra_tags=None):
    """Ordered actions that converge ``accounts`` (validated) against ``snapshot``.

    Returns (actions, view): view maps each name to {id, email, status, owned, parent} after
    the actions (id None and parent a placeholder for what the run has yet to create).
    """
    actions, waits, moves = [], [], []
    if snapshot.get("organization") is None:
        actions.append(Action("create_organization", "organization", "create organization (feature set ALL)"))
    ou = snapshot.get("ou")
    target = ou_id = None
    if organizational_unit:
        ou_id = ou_key(organizational_unit)
        target = ou["id"] if ou else "(new %s)" % organizational_unit
        if not ou:
            tags = dict(extra_tags or {}, **{OWNER_TAG: owner, KEY_TAG: ou_id})
            actions.append(Action("create_ou", ou_id, "create organizational unit %s" % organizational_unit,
                                  name=organizational_unit, tags=tags))
    pending = snapshot.get("pending") or {}
    where = " in %s" % organizational_unit if organizational_unit else ""
    view = {}
    for i, want in enumerate(accounts):
        name = want["name"]
        key = account_key(name)
        tags = desired_tags(owner, name, extra_tags)
        acc = _match(want, i, snapshot.get("accounts") or [])
        if acc is None:
            if name in pending:
                text = "wait for account %s <%s>%s" % (name, want["email"], where)
                waits.append(Action("wait_account", key, text, name=name, request_id=pending[name]))
            else:
                text = "create account %s <%s>%s" % (name, want["email"], where)
                actions.append(Action("create_account", key, text, name=name, email=want["email"],
                                      role_name=want["role_name"], tags=tags))
                waits.append(Action("wait_account", key, "wait for account %s to be created" % name, name=name,
                                    part_of=text))
            if organizational_unit:
                moves.append(Action("place_account", key, "move new account %s to %s" % (name, organizational_unit),
                                    name=name, ou=ou_id, part_of=text))
            view[name] = dict(id=None, email=want["email"], status="ACTIVE", owned=True,
                              parent=target or snapshot.get("root_id"))
            continue
        owned = (acc.get("tags") or {}).get(OWNER_TAG) == owner
        view[name] = dict(id=acc["id"], email=acc["email"], status=acc.get("status"), owned=owned,
                          parent=acc.get("parent_id"))
        if not owned:
            continue  # created some other way (or by another owner): used, never changed
        missing = dict((k, v) for k, v in tags.items() if (acc.get("tags") or {}).get(k) != v)
        if missing:
            actions.append(Action("tag_account", key, "tag account %s (%s) %s" % (name, acc["id"], ", ".join(sorted(missing))),
                                  id=acc["id"], name=name, tags=missing))
        if target and acc.get("parent_id") != target:
            actions.append(Action("move_account", key, "move account %s (%s) from %s to %s" % (
                name, acc["id"], acc.get("parent_id"), organizational_unit),
                id=acc["id"], name=name, source=acc.get("parent_id"), ou=ou_id))
            view[name]["parent"] = target
    return actions + waits + moves, view


def reported(actions):
    """What the user reads: one line per change (the steps of a create are part of it)."""
    return [a.text for a in actions if not a.get("part_of")]


def diff_view(snapshot, accounts, view, organizational_unit):
    """before/after dicts for --diff, restricted to what the module manages."""
    before_accounts = {}
    for want in accounts:
        match = [a for a in snapshot.get("accounts") or [] if a["name"] == want["name"]]
        if match:
            before_accounts[want["name"]] = dict(email=match[0]["email"], parent=match[0].get("parent_id"))
    org = snapshot.get("organization")
    before = dict(organization=dict(feature_set=org["feature_set"]) if org else None,
                  organizational_unit=(snapshot.get("ou") or {}).get("name"),
                  accounts=before_accounts)
    after = dict(organization=dict(feature_set=org["feature_set"] if org else "ALL"),
                 organizational_unit=organizational_unit or before["organizational_unit"],
                 accounts=dict((n, dict(email=v["email"], parent=v["parent"])) for n, v in view.items()))
    return dict(before=before, after=after)
