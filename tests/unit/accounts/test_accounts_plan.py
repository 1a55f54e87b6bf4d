"""Pure planning of the organization and its accounts (no emulator)."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.accounts import (
    plan_accounts, resolve_accounts, validate_accounts)

WANT = validate_accounts([dict(name="development", email="dev@example.com"),
                          dict(name="production", email="prod@example.com")])
OURS = {"refarch:owner": "refarch", "refarch:key": "account/development"}


def snapshot(accounts=(), ou=None, pending=None):
    return dict(organization=dict(id="o-1", feature_set="ALL"), root_id="r-1", ou=ou,
                accounts=list(accounts), pending=pending or {})


def acc(name, email, tags=None, parent="r-1", id_="111111111111"):
    return dict(id=id_, name=name, email=email, status="ACTIVE", tags=tags or {}, parent_id=parent)


def ops(actions):
    return [(a["op"], a.get("name")) for a in actions]


def test_empty_account_plans_everything_in_order():
    empty = dict(organization=None, root_id=None, ou=None, accounts=[], pending={})
    actions, view = plan_accounts(WANT, empty, "refarch", "workloads")
    assert ops(actions) == [("create_organization", None), ("create_ou", "workloads"),
                            ("create_account", "development"), ("create_account", "production")]
    assert actions[2]["tags"] == {"refarch:owner": "refarch", "refarch:key": "account/development"}
    assert view["development"]["id"] is None and view["development"]["owned"]


def test_converged_plans_nothing():
    snap = snapshot([acc("development", "DEV@example.com", OURS, parent="ou-1"),
                     acc("production", "prod@example.com",
                         {"refarch:owner": "refarch", "refarch:key": "account/production"}, parent="ou-1")],
                    ou=dict(id="ou-1", name="workloads"))
    actions, view = plan_accounts(WANT, snap, "refarch", "workloads")
    assert actions == []
    assert view["development"]["parent"] == "ou-1"


def test_foreign_account_is_used_but_never_moved_or_tagged():
    snap = snapshot([acc("development", "dev@example.com", {}),
                     acc("production", "prod@example.com", {"refarch:owner": "someone-else"})],
                    ou=dict(id="ou-1", name="workloads"))
    actions, view = plan_accounts(WANT, snap, "refarch", "workloads")
    assert actions == []
    assert not view["development"]["owned"] and not view["production"]["owned"]


def test_owned_account_gets_missing_tags_and_is_moved():
    snap = snapshot([acc("development", "dev@example.com", {"refarch:owner": "refarch"})],
                    ou=dict(id="ou-1", name="workloads"))
    actions, _summary = plan_accounts(WANT[:1], snap, "refarch", "workloads", extra_tags={"team": "net"})
    assert ops(actions) == [("tag_account", "development"), ("move_account", "development")]
    assert actions[0]["tags"] == {"refarch:key": "account/development", "team": "net"}
    assert actions[1]["source"] == "r-1"


def test_without_ou_nothing_is_moved():
    snap = snapshot([acc("development", "dev@example.com", OURS, parent=None)])
    actions, _summary = plan_accounts(WANT[:1], snap, "refarch", None)
    assert actions == []


def test_pending_creation_is_waited_for_not_repeated():
    actions, _summary = plan_accounts(WANT[:1], snapshot(pending={"development": "car-1"}), "refarch")
    assert ops(actions) == [("wait_account", "development")] and actions[0]["request_id"] == "car-1"


def test_email_of_another_account_is_refused():
    with pytest.raises(InputError) as err:
        plan_accounts(WANT, snapshot([acc("legacy", "Prod@Example.com")]), "refarch")
    assert err.value.field == "accounts[1].email" and "'legacy'" in err.value.reason


def test_name_with_another_email_is_refused():
    with pytest.raises(InputError) as err:
        plan_accounts(WANT, snapshot([acc("development", "old@example.com")]), "refarch")
    assert err.value.field == "accounts[0].name" and "old@example.com" in err.value.reason


@pytest.mark.parametrize("accounts, field", [
    ([dict(name="a", email="a@example.com"), dict(name="a", email="b@example.com")], "accounts[1].name"),
    ([dict(name="a", email="a@example.com"), dict(name="b", email="A@example.com")], "accounts[1].email"),
    ([dict(name="", email="a@example.com")], "accounts[0].name"),
    ([dict(name="x" * 51, email="a@example.com")], "accounts[0].name"),
    ([dict(name="a", email="nope")], "accounts[0].email"),
    ([dict(name="a", email="a@example.com", role_name="bad role")], "accounts[0].role_name"),
])
def test_validate_names_the_field(accounts, field):
    with pytest.raises(InputError) as err:
        validate_accounts(accounts)
    assert err.value.field == field


LISTED = [dict(Id="111111111111", Name="development", Email="d@example.com", Status="ACTIVE",
               Arn="arn:aws-us-gov:organizations::1:account/o-1/111111111111"),
          dict(Id="222222222222", Name="production", Email="p@example.com", Status="SUSPENDED",
               Arn="arn:aws:organizations::1:account/o-1/222222222222")]


def test_resolve_uses_partition_role_and_given_ids():
    got = resolve_accounts([dict(name="development"), dict(name="production", role_name="Net"),
                            dict(name="other", id="333333333333")], LISTED)
    assert got["development"]["role_arn"] == "arn:aws-us-gov:iam::111111111111:role/OrganizationAccountAccessRole"
    assert got["production"] == dict(id="222222222222", email="p@example.com", status="SUSPENDED",
                                     role_arn="arn:aws:iam::222222222222:role/Net")
    assert got["other"]["id"] == "333333333333" and got["other"]["email"] is None


def test_resolve_unknown_and_ambiguous_names():
    with pytest.raises(InputError) as err:
        resolve_accounts([dict(name="staging")], LISTED)
    assert "known accounts: development, production" in err.value.reason
    with pytest.raises(InputError) as err:
        resolve_accounts([dict(name="development")], LISTED + [dict(LISTED[0], Id="444444444444")])
    assert "2 accounts are named 'development'" in err.value.reason


names = st.lists(st.text(alphabet="abcdefgh-", min_size=1, max_size=8), min_size=1, max_size=6, unique=True)


@given(names, st.sets(st.integers(min_value=0, max_value=5)), st.sets(st.integers(min_value=0, max_value=5)))
def test_plan_is_idempotent_on_its_own_result(wanted, existing_idx, foreign_idx):
    """Applying the plan's view and planning again yields no actions; foreign accounts never get actions."""
    want = validate_accounts([dict(name=n, email="%s@example.com" % n) for n in wanted])
    existing = []
    for i, n in enumerate(wanted):
        if i in existing_idx:
            tags = {} if i in foreign_idx else {"refarch:owner": "o"}
            existing.append(acc(n, "%s@example.com" % n, tags, parent="r-1", id_="%012d" % i))
    snap = snapshot(existing, ou=dict(id="ou-1", name="w"))
    actions, view = plan_accounts(want, snap, "o", "w")
    touched = set(a.get("name") for a in actions)
    assert not touched & set(n for i, n in enumerate(wanted) if i in foreign_idx and i in existing_idx)
    after = [acc(n, v["email"], {"refarch:owner": "o", "refarch:key": "account/" + n} if v["owned"] else {},
                 parent=v["parent"], id_=v["id"] or "999999999999") for n, v in view.items()]
    again, _summary = plan_accounts(want, snapshot(after, ou=dict(id="ou-1", name="w")), "o", "w")
    assert again == []
