"""eks_irsa's handlers through the engine, against a scripted IAM API.

The scripted client gives answers the emulator never does: IAM's eventual consistency (a
role just created answers NoSuchEntity for a moment) and the EntityAlreadyExists a retried
create meets when its first attempt landed. The module itself is tested against the
emulator in tests/integration/eks.
"""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.refarch.network.plugins.module_utils.engine import ExecutionFailed, Ids, Run, execute
from ansible_collections.refarch.network.plugins.module_utils.irsa_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.irsa_diff import diff_present
from scripted import scripted
from test_eks_irsa_diff import HOST, converged, plan, snapshot

OURS = [{"Key": "refarch:owner", "Value": "prod"}, {"Key": "refarch:key", "Value": "irsa/prod-eks/external_dns"}]


def error(code, message="", retries=0):
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"RetryAttempts": retries}}, "Op")


class Module(object):
    check_mode = False


ScriptedIam = scripted({
    "create_open_id_connect_provider": "CreateOpenIDConnectProvider",
    "get_open_id_connect_provider": "GetOpenIDConnectProvider",
    "create_role": "CreateRole", "get_role": "GetRole", "put_role_policy": "PutRolePolicy"})


def actions():
    """One role to create on a cluster whose (foreign) provider exists: create_role, put_policy."""
    snap = snapshot([dict(arn="arn:aws:iam::111122223333:oidc-provider/" + HOST, url=HOST,
                          client_ids=["sts.amazonaws.com"], thumbprints=["0" * 40], tags={})])
    found, facts = diff_present(plan(service_accounts=[dict(policy="external_dns")]), snap)
    return found, facts


class Clock(object):
    """Time that passes only when the engine sleeps."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def run_with(iam, facts):
    clock = Clock()
    return Run({"iam": iam}, ids=Ids(), owner="prod", sleep=clock.sleep, clock=clock, provider=facts["oidc_provider"])


def test_a_new_role_that_iam_does_not_know_yet_is_retried():
    todo, facts = actions()
    iam = ScriptedIam(put_role_policy=[error("NoSuchEntity", "The role with name prod-eks-external-dns cannot "
                                                             "be found."), {}])
    run = run_with(iam, facts)
    assert execute(Module(), todo, HANDLERS, run)
    assert iam.names() == ["create_role", "put_role_policy", "put_role_policy"]
    assert run.propagation_retries == 1 and run.ids["irsa/prod-eks/external_dns"] == "prod-eks-external-dns"


def test_a_role_it_did_not_create_is_not_waited_for():
    snap = converged()
    snap["roles"]["prod-eks-external-dns"]["policies"] = {}
    todo, facts = diff_present(plan(), snap)
    assert [a.op for a in todo] == ["put_policy"]
    iam = ScriptedIam(put_role_policy=[error("NoSuchEntity", "The role with name prod-eks-external-dns cannot "
                                                             "be found.")])
    with pytest.raises(ExecutionFailed) as err:
        execute(Module(), todo, HANDLERS, run_with(iam, facts))
    assert err.value.action.op == "put_policy" and iam.names() == ["put_role_policy"]


@pytest.mark.parametrize("tags, accepted", [(OURS, True), ([], False)])
def test_a_retried_create_role_is_done_only_when_the_role_is_ours(tags, accepted):
    todo, facts = actions()
    iam = ScriptedIam(create_role=[error("EntityAlreadyExists", "Role exists", retries=1)],
                      get_role=[{"Role": {"RoleName": "prod-eks-external-dns", "Tags": tags}}])
    if accepted:
        execute(Module(), todo, HANDLERS, run_with(iam, facts))
        assert iam.names() == ["create_role", "get_role", "put_role_policy"]
    else:
        with pytest.raises(ExecutionFailed) as err:
            execute(Module(), todo, HANDLERS, run_with(iam, facts))
        assert err.value.action.op == "create_role"


def test_a_provider_made_meanwhile_by_someone_else_is_used_as_foreign():
    snap = snapshot()
    todo, facts = diff_present(plan(service_accounts=[dict(policy="external_dns")]), snap)
    iam = ScriptedIam(create_open_id_connect_provider=[error("EntityAlreadyExists", "exists", retries=1)],
                      get_open_id_connect_provider=[{"ClientIDList": ["sts.amazonaws.com"], "Tags": []}])
    run = run_with(iam, facts)
    execute(Module(), todo, HANDLERS, run)
    assert facts["oidc_provider"]["owned"] is False and "oidc/prod-eks" not in run.ids
