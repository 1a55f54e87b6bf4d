"""Validation of organization_accounts' intent and account_info's name resolution (no emulator).

The diff of organization_accounts is tested in tests/unit/engine/test_organization_accounts_diff.py."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.accounts import resolve_accounts, validate_accounts


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
