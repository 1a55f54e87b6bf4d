"""organization_accounts' account wait through the engine, against a scripted Organizations API.

The scripted client stands in for AWS answers the emulator never gives (moto creates every
account at once and never fails one): a creation that fails, and the EMAIL_ALREADY_EXISTS a
retried CreateAccount meets on AWS when its first attempt landed. These test the handlers'
logic; the module itself is tested against the emulator in tests/integration/accounts.
"""

import pytest

from ansible_collections.refarch.network.plugins.module_utils.accounts_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.engine import ExecutionFailed, Ids, Run, execute

TAGS = {"refarch:owner": "refarch", "refarch:key": "account/dev"}


class Module(object):
    check_mode = False


class Meta(object):
    method_to_api_mapping = {"create_account": "CreateAccount",
                             "describe_create_account_status": "DescribeCreateAccountStatus"}


class Pages(object):
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **kwargs):
        return self.pages(**kwargs)


class ScriptedOrg(object):
    """``states``: request id -> the states DescribeCreateAccountStatus answers in turn (the last
    repeats); ``listed``: ListCreateAccountStatus; ``tags``: account id -> tags."""
    meta = Meta()

    def __init__(self, states, retried=False, listed=(), tags=None):
        self.states = dict((k, list(v)) for k, v in states.items())
        self.retried = retried
        self.listed = list(listed)
        self.tags = tags or {}

    def create_account(self, **kwargs):
        return {"CreateAccountStatus": {"Id": "car-2", "State": "IN_PROGRESS"},
                "ResponseMetadata": {"RetryAttempts": 1 if self.retried else 0}}

    def describe_create_account_status(self, CreateAccountRequestId):
        queue = self.states[CreateAccountRequestId]
        state = queue.pop(0) if len(queue) > 1 else queue[0]
        return {"CreateAccountStatus": dict(state, Id=CreateAccountRequestId)}

    def get_paginator(self, name):
        if name == "list_create_account_status":
            return Pages(lambda States: [{"CreateAccountStatuses": [s for s in self.listed if s["State"] in States]}])
        return Pages(lambda ResourceId: [{"Tags": [{"Key": k, "Value": v}
                                                   for k, v in self.tags.get(ResourceId, {}).items()]}])


ACTIONS = [Action("create_account", "account/dev", "create account dev <d@example.com>", name="dev",
                  email="d@example.com", role_name="R", tags=TAGS),
           Action("wait_account", "account/dev", "wait for account dev to be created", name="dev",
                  part_of="create account dev <d@example.com>")]


def run_with(org):
    return Run({"org": org}, ids=Ids(), owner="refarch", sleep=lambda s: None)


def test_the_wait_polls_until_the_account_exists():
    org = ScriptedOrg({"car-2": [{"State": "IN_PROGRESS"}, {"State": "IN_PROGRESS"},
                                 {"State": "SUCCEEDED", "AccountId": "222222222222"}]})
    run = run_with(org)
    assert execute(Module(), ACTIONS, HANDLERS, run)
    assert run.ids["account/dev"] == "222222222222" and run.ids["request/dev"] == "car-2"
    assert "222222222222" in run.ids.new()


def test_a_failed_creation_stops_the_run_at_its_wait():
    org = ScriptedOrg({"car-2": [{"State": "FAILED", "FailureReason": "ACCOUNT_LIMIT_EXCEEDED"}]})
    with pytest.raises(ExecutionFailed) as err:
        execute(Module(), ACTIONS, HANDLERS, run_with(org))
    assert err.value.action.op == "wait_account" and err.value.done == [ACTIONS[0].text]
    assert "ACCOUNT_LIMIT_EXCEEDED" in str(err.value.error)


@pytest.mark.parametrize("first", [
    dict(Id="car-1", AccountName="dev", State="IN_PROGRESS"),
    dict(Id="car-1", AccountName="dev", State="SUCCEEDED", AccountId="222222222222"),
])
def test_a_retried_create_waits_for_its_lost_first_attempt(first):
    """AWS refuses the retry's e-mail, which the first attempt took: that request is waited for."""
    org = ScriptedOrg({"car-2": [{"State": "FAILED", "FailureReason": "EMAIL_ALREADY_EXISTS"}],
                       "car-1": [{"State": "IN_PROGRESS"}, {"State": "SUCCEEDED", "AccountId": "222222222222"}]},
                      retried=True, tags={"222222222222": TAGS, "333333333333": {}},
                      listed=[dict(Id="car-0", AccountName="dev", State="SUCCEEDED", AccountId="333333333333"),
                              dict(Id="car-2", AccountName="dev", State="FAILED"), first])
    run = run_with(org)
    execute(Module(), ACTIONS, HANDLERS, run)
    assert run.ids["account/dev"] == "222222222222"


def test_email_already_exists_without_a_retry_is_a_failure():
    org = ScriptedOrg({"car-2": [{"State": "FAILED", "FailureReason": "EMAIL_ALREADY_EXISTS"}]},
                      listed=[dict(Id="car-1", AccountName="dev", State="IN_PROGRESS")])
    with pytest.raises(ExecutionFailed):
        execute(Module(), ACTIONS, HANDLERS, run_with(org))
