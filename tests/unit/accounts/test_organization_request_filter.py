"""accounts.yml asks the organization for what the environments' inventories name, and for nothing
when none names an account or an organizational unit."""

from ansible_collections.refarch.network.plugins.filter.organization_request import organization_request


def test_a_single_account_setup_asks_nothing():
    hostvars = {"management": {"owner": "management"}, "production": {"aws_region": "eu-west-1"}}
    assert organization_request(hostvars, ["management", "production"]) == {
        "accounts": [], "organizational_unit": "", "asked": False}


def test_accounts_from_an_email_once_each_in_host_order_and_the_first_unit():
    hostvars = {
        "production": {"aws_account_name": "production", "aws_account_email": "p@example.com",
                       "aws_organizational_unit": "workloads"},
        "management": {"aws_account_name": "management", "aws_account_email": "m@example.com",
                       "aws_account_role": "Admin", "aws_organizational_unit": "platform"},
        "shared": {"aws_account_name": "production", "aws_account_email": "p@example.com"},
        # an account given by id already exists: nothing to create
        "legacy": {"aws_account_name": "legacy", "aws_account_email": "l@example.com", "aws_account_id": "123456789012"},
    }
    request = organization_request(hostvars, ["production", "management", "shared", "legacy"])
    assert request["accounts"] == [
        {"name": "production", "email": "p@example.com", "role_name": "OrganizationAccountAccessRole"},
        {"name": "management", "email": "m@example.com", "role_name": "Admin"}]
    assert request["organizational_unit"] == "workloads" and request["asked"]


def test_an_organizational_unit_alone_is_asked():
    request = organization_request({"legacy": {"aws_account_id": "123456789012", "aws_organizational_unit": "w"}}, ["legacy"])
    assert request == {"accounts": [], "organizational_unit": "w", "asked": True}
