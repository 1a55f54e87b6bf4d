"""The lock_targets filter: which environments' locks a run holds, in which order."""

from ansible_collections.refarch.network.plugins.filter.lock_targets import lock_targets

ROLE = "arn:aws:iam::%s:role/OrganizationAccountAccessRole"


def test_a_run_of_one_environment_also_locks_the_environments_it_writes_into():
    hostvars = {"production": {"owner": "production", "aws_region": "us-east-1", "aws_account_name": "production",
                               "refarch_role_arn": ROLE % 3,
                               "refarch_environment_roles": {"management": ROLE % 1, "gone": None}}}
    assert lock_targets(hostvars, ["production"]) == [
        dict(name="management", owner="management", region="us-east-1", role_arn=ROLE % 1),
        dict(name="production", owner="production", region="us-east-1", role_arn=ROLE % 3)]


def test_the_play_s_environments_in_name_order_once_their_account_is_known():
    hostvars = {
        "b": {"owner": "b", "aws_account_name": "b", "refarch_role_arn": ROLE % 2},
        "a": {},                                                 # the caller's own account
        "pending": {"aws_account_name": "p", "refarch_role_arn": ROLE % 4, "refarch_account_pending": True},
        "unresolved": {"aws_account_name": "u"},
        "c": {"owner": "c", "refarch_role_arn": ROLE % 3,
              "refarch_environment_roles": {"b": ROLE % 2, "d": ROLE % 5},
              "environment_accounts": {"d": {"owner": "dee", "aws_region": "eu-west-1"}}},
    }
    got = lock_targets(hostvars, ["b", "a", "pending", "unresolved", "c"])
    assert [(t["name"], t["owner"], t["region"], t["role_arn"]) for t in got] == [
        ("a", "a", None, ""), ("b", "b", None, ROLE % 2), ("c", "c", None, ROLE % 3), ("d", "dee", "eu-west-1", ROLE % 5)]
