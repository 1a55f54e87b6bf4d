"""organization_accounts' diff: snapshot (plain dicts, as accounts_read returns) -> actions. No emulator."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.refarch.network.plugins.module_utils.accounts import validate_accounts
from ansible_collections.refarch.network.plugins.module_utils.accounts_apply import known_ids, settle_view
from ansible_collections.refarch.network.plugins.module_utils.accounts_diff import diff_accounts, diff_view, reported
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

WANT = validate_accounts([dict(name="development", email="dev@example.com"),
                          dict(name="production", email="prod@example.com")])
OURS = {"refarch:owner": "refarch", "refarch:key": "account/development"}
EMPTY = dict(organization=None, root_id=None, ou=None, accounts=[], pending={})


def snapshot(accounts=(), ou=None, pending=None):
    return dict(organization=dict(id="o-1", feature_set="ALL"), root_id="r-1", ou=ou,
                accounts=list(accounts), pending=pending or {})


def acc(name, email, tags=None, parent="r-1", id_="111111111111"):
    return dict(id=id_, name=name, email=email, status="ACTIVE", tags=tags or {}, parent_id=parent)


def ops(actions):
    return [(a.op, a.get("name")) for a in actions]


def test_empty_account_creates_everything_then_waits_then_places():
    actions, view = diff_accounts(WANT, EMPTY, "refarch", "workloads", extra_tags={"team": "net"})
    assert ops(actions) == [
        ("create_organization", None), ("create_ou", "workloads"),
        ("create_account", "development"), ("create_account", "production"),
        ("wait_account", "development"), ("wait_account", "production"),
        ("place_account", "development"), ("place_account", "production")]
    # every create before the first wait: the engine polls the waits together
    first_wait = next(i for i, a in enumerate(actions) if a.is_wait)
    assert all(a.is_wait for a in actions[first_wait:first_wait + 2])
    keys = ["account/development", "account/production"]
    assert [a.key for a in actions] == ["organization", "ou/workloads"] + keys * 3
    assert actions[1]["tags"] == {"refarch:owner": "refarch", "refarch:key": "ou/workloads", "team": "net"}
    assert actions[2]["tags"] == {"refarch:owner": "refarch", "refarch:key": "account/development", "team": "net"}
    assert actions[6]["ou"] == "ou/workloads"
    # the user reads one line per change, as before the engine
    assert reported(actions) == [
        "create organization (feature set ALL)", "create organizational unit workloads",
        "create account development <dev@example.com> in workloads",
        "create account production <prod@example.com> in workloads"]
    assert view["development"] == dict(id=None, email="dev@example.com", status="ACTIVE", owned=True,
                                       parent="(new workloads)")


def test_without_ou_a_new_account_is_created_and_waited_for_only():
    actions, view = diff_accounts(WANT[:1], snapshot(), "refarch")
    assert ops(actions) == [("create_account", "development"), ("wait_account", "development")]
    assert reported(actions) == ["create account development <dev@example.com>"]
    assert view["development"]["parent"] == "r-1"


def test_converged_is_idempotent():
    snap = snapshot([acc("development", "DEV@example.com", OURS, parent="ou-1"),
                     acc("production", "prod@example.com",
                         {"refarch:owner": "refarch", "refarch:key": "account/production"}, parent="ou-1")],
                    ou=dict(id="ou-1", name="workloads"))
    actions, view = diff_accounts(WANT, snap, "refarch", "workloads")
    assert actions == []
    assert view["development"]["parent"] == "ou-1"
    diff = diff_view(snap, WANT, view, "workloads")
    assert diff["before"] == diff["after"]


def test_foreign_accounts_are_used_but_never_moved_or_tagged():
    snap = snapshot([acc("development", "dev@example.com", {}),
                     acc("production", "prod@example.com", {"refarch:owner": "someone-else"})],
                    ou=dict(id="ou-1", name="workloads"))
    actions, view = diff_accounts(WANT, snap, "refarch", "workloads", extra_tags={"team": "net"})
    assert actions == []
    assert not view["development"]["owned"] and not view["production"]["owned"]


def test_owned_account_gets_missing_tags_and_is_moved():
    snap = snapshot([acc("development", "dev@example.com", {"refarch:owner": "refarch"})],
                    ou=dict(id="ou-1", name="workloads"))
    actions, view = diff_accounts(WANT[:1], snap, "refarch", "workloads", extra_tags={"team": "net"})
    assert ops(actions) == [("tag_account", "development"), ("move_account", "development")]
    assert actions[0]["tags"] == {"refarch:key": "account/development", "team": "net"}
    assert actions[0].text == "tag account development (111111111111) refarch:key, team"
    assert actions[1]["source"] == "r-1" and actions[1]["ou"] == "ou/workloads"
    assert actions[1].text == "move account development (111111111111) from r-1 to workloads"
    assert view["development"]["parent"] == "ou-1"


def test_without_ou_nothing_is_moved():
    actions, _view = diff_accounts(WANT[:1], snapshot([acc("development", "dev@example.com", OURS, parent=None)]),
                                   "refarch", None)
    assert actions == []


def test_pending_creation_is_waited_for_not_repeated():
    actions, _view = diff_accounts(WANT[:1], snapshot(pending={"development": "car-1"}, ou=dict(id="ou-1", name="w")),
                                   "refarch", "w")
    assert ops(actions) == [("wait_account", "development"), ("place_account", "development")]
    assert actions[0]["request_id"] == "car-1"
    assert reported(actions) == ["wait for account development <dev@example.com> in w"]


def test_email_of_another_account_is_refused():
    with pytest.raises(InputError) as err:
        diff_accounts(WANT, snapshot([acc("legacy", "Prod@Example.com")]), "refarch")
    assert err.value.field == "accounts[1].email" and "'legacy'" in err.value.reason


def test_name_with_another_email_is_refused():
    with pytest.raises(InputError) as err:
        diff_accounts(WANT, snapshot([acc("development", "old@example.com")]), "refarch")
    assert err.value.field == "accounts[0].name" and "old@example.com" in err.value.reason


def test_view_after_a_run_carries_the_new_ids():
    actions, view = diff_accounts(WANT, snapshot([acc("production", "prod@example.com",
                                                      {"refarch:owner": "refarch"}, parent="r-1")]),
                                  "refarch", "workloads")
    ids = Ids(known_ids(snapshot()))
    assert ids.ids == {"organization": "o-1", "root": "r-1"}
    ids["ou/workloads"] = "ou-9"
    ids["account/development"] = "222222222222"
    settle_view(view, ids, "workloads")
    assert view["development"]["id"] == "222222222222" and view["development"]["parent"] == "ou-9"
    assert view["production"]["parent"] == "ou-9"


names = st.lists(st.text(alphabet="abcdefgh-", min_size=1, max_size=8), min_size=1, max_size=6, unique=True)


@given(names, st.sets(st.integers(min_value=0, max_value=5)), st.sets(st.integers(min_value=0, max_value=5)))
def test_diff_is_idempotent_on_its_own_result(wanted, existing_idx, foreign_idx):
    """Applying the diff's view and diffing again yields no actions; foreign accounts never get actions."""
    want = validate_accounts([dict(name=n, email="%s@example.com" % n) for n in wanted])
    existing = []
    for i, n in enumerate(wanted):
        if i in existing_idx:
            tags = {} if i in foreign_idx else {"refarch:owner": "o"}
            existing.append(acc(n, "%s@example.com" % n, tags, parent="r-1", id_="%012d" % i))
    snap = snapshot(existing, ou=dict(id="ou-1", name="w"))
    actions, view = diff_accounts(want, snap, "o", "w")
    touched = set(a.get("name") for a in actions)
    assert not touched & set(n for i, n in enumerate(wanted) if i in foreign_idx and i in existing_idx)
    after = [acc(n, v["email"], {"refarch:owner": "o", "refarch:key": "account/" + n} if v["owned"] else {},
                 parent=v["parent"], id_=v["id"] or "999999999999") for n, v in view.items()]
    again, _view = diff_accounts(want, snapshot(after, ou=dict(id="ou-1", name="w")), "o", "w")
    assert again == []
