"""What a run knows of a linked environment from the inventory (module_utils/environments)."""

from ansible_collections.refarch.network.plugins.module_utils.environments import linked, names_account


def test_an_environment_names_its_account_by_name_or_id():
    assert names_account({"aws_account_name": "production"}) and names_account({"aws_account_id": "333333333333"})
    assert not names_account({"owner": "production", "aws_region": "us-east-1"})


def test_a_linked_environment_is_read_from_its_own_inventory_first():
    hostvars = {"management": {"owner": "mgmt", "aws_region": "eu-west-1"}}
    host = {"aws_region": "us-east-1", "environment_accounts": {"management": {"owner": "other"}}}
    assert linked(hostvars, host, "management") == ({"owner": "mgmt", "aws_region": "eu-west-1"}, "mgmt", "eu-west-1")


def test_else_from_the_host_s_environment_accounts_else_its_name_and_the_host_s_region():
    accounts = {"management": {"aws_account_id": "111111111111"}, "empty": None}
    host = {"aws_region": "us-east-1", "environment_accounts": accounts}
    assert linked({}, host, "management") == ({"aws_account_id": "111111111111"}, "management", "us-east-1")
    assert linked({}, host, "empty") == ({}, "empty", "us-east-1")
    assert linked({}, {}, "production") == ({}, "production", None)
