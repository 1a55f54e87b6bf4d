"""The account_requests filter: which environments account_context still has to resolve."""

from ansible_collections.refarch.network.plugins.filter.account_requests import account_requests

ROLE = "OrganizationAccountAccessRole"


def test_only_hosts_naming_an_account_without_a_role_are_requested():
    hostvars = {
        "management": {"aws_account_name": "refarch-management"},
        "production": {"aws_account_id": 210987654321, "aws_account_role": "Admin"},
        "single": {},
        "resolved": {"aws_account_name": "x", "refarch_role_arn": "arn:aws:iam::1:role/r"},
        "pending": {"aws_account_name": "y", "refarch_account_pending": True},
    }
    got = account_requests(hostvars, sorted(hostvars), ROLE)
    assert got == {
        "management": {"name": "refarch-management", "role_name": ROLE, "id": None, "optional": False},
        "production": {"name": "production", "role_name": "Admin", "id": "210987654321", "optional": False},
    }


def test_hosts_outside_the_play_are_ignored():
    hostvars = {"a": {"aws_account_name": "a"}, "b": {"aws_account_name": "b"}}
    assert list(account_requests(hostvars, ["b"], ROLE)) == ["b"]


def test_environments_linked_to_but_outside_the_play_are_requested_as_optional():
    hostvars = {
        "production": {"aws_account_name": "production", "peers": ["management"],
                       "dns_parent_zone": {"name": "example.com", "environment": "root"},
                       "environment_accounts": {"root": {"aws_account_name": "the-root", "aws_account_role": "Dns"}}},
        "single": {"peers": ["elsewhere"]},   # names no account: a single-account setup resolves nothing
    }
    got = account_requests(hostvars, ["production", "single"], ROLE)
    assert got["management"] == {"name": "management", "role_name": ROLE, "id": None, "optional": True}
    assert got["root"] == {"name": "the-root", "role_name": "Dns", "id": None, "optional": True}
    assert "elsewhere" not in got
    # resolved by an earlier play of the run (refarch_environment_roles): not asked again
    hostvars["production"]["refarch_environment_roles"] = {"management": "arn:aws:iam::1:role/r", "root": None}
    hostvars["production"]["refarch_role_arn"] = "arn:aws:iam::2:role/r"
    assert account_requests(hostvars, ["production"], ROLE) == {}
