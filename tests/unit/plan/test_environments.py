"""What a run knows of a linked environment from the inventory (module_utils/environments)."""

from ansible_collections.refarch.network.plugins.module_utils.environments import linked, names_account, reached


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


def test_a_reached_environment_s_role_is_its_own_when_loaded_else_the_one_resolved_by_name():
    host = {"aws_region": "us-east-1", "refarch_environment_roles": {"production": "arn:by-name"},
            "environment_accounts": {"production": {"owner": "prod", "refarch_role_arn": "arn:ignored"}}}
    assert reached({}, host, "production") == ("prod", "arn:by-name", "us-east-1")
    assert reached({}, host, "development") == ("development", None, "us-east-1")
    loaded = {"production": {"owner": "prd", "aws_region": "eu-west-1", "refarch_role_arn": ""}}
    assert reached(loaded, host, "production") == ("prd", "", "eu-west-1")   # empty: the caller's own account
    del loaded["production"]["refarch_role_arn"]
    assert reached(loaded, host, "production") == ("prd", "arn:by-name", "eu-west-1")
