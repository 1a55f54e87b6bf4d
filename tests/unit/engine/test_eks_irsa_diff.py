"""eks_irsa's diff: plan + snapshot (plain dicts, as irsa_read returns) -> actions. No emulator."""

import copy

import pytest

from ansible_collections.refarch.network.plugins.module_utils import irsa
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.irsa_diff import (
    after_model, before_model, diff_absent, diff_present)

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
HOST = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
PROVIDER_ARN = "arn:aws:iam::111122223333:oidc-provider/" + HOST
OURS = {"refarch:owner": "prod", "refarch:key": "oidc/prod-eks"}


def plan(**params):
    base = dict(cluster_name="prod-eks", owner="prod", zone_name="prod.example.com", state="present",
                service_accounts=[dict(policy="external_dns"), dict(policy="cert_manager")],
                thumbprints=[irsa.DEFAULT_THUMBPRINT], tags={})
    base.update(params)
    return irsa.plan_irsa(base)


def snapshot(providers=(), roles=None, taken=()):
    return dict(partition="aws", account="111122223333",
                cluster=dict(name="prod-eks", arn="arn:aws:eks:us-east-1:111122223333:cluster/prod-eks",
                             oidc_issuer=ISSUER),
                zone=dict(id="Z1", name="prod.example.com"), providers=list(providers), roles=roles or {},
                taken=list(taken))


def provider(tags=None, client_ids=("sts.amazonaws.com",), thumbprints=(irsa.DEFAULT_THUMBPRINT,), url=HOST,
             arn=PROVIDER_ARN):
    return dict(arn=arn, url=url, client_ids=list(client_ids), thumbprints=list(thumbprints),
                tags=dict(OURS if tags is None else tags))


def converged():
    """The snapshot a real run leaves: built from the actions of a run on nothing."""
    p = plan()
    actions, facts = diff_present(p, snapshot())
    roles = {}
    for a in actions:
        if a.op == "create_role":
            roles[a["role"]] = dict(name=a["role"], arn=facts["roles"][a.key.split("/")[-1]]["arn"], key=a.key,
                                    tags=dict(a["tags"]), trust=a["trust"], policies={}, managed=[])
        elif a.op == "put_policy":
            roles[a["role"]]["policies"][a["policy"]] = a["document"]
    return snapshot([provider()], roles)


def test_new_cluster_creates_provider_then_roles_with_their_policies():
    actions, facts = diff_present(plan(), snapshot())
    assert [(a.op, a.key) for a in actions] == [
        ("create_provider", "oidc/prod-eks"),
        ("create_role", "irsa/prod-eks/external_dns"), ("put_policy", "irsa/prod-eks/external_dns"),
        ("create_role", "irsa/prod-eks/cert_manager"), ("put_policy", "irsa/prod-eks/cert_manager")]
    assert [a.text for a in actions] == [
        "create oidc-provider " + HOST,
        "create role prod-eks-external-dns for external-dns/external-dns",
        "put policy refarch-external-dns on role prod-eks-external-dns",
        "create role prod-eks-cert-manager for cert-manager/cert-manager",
        "put policy refarch-cert-manager on role prod-eks-cert-manager"]
    assert actions[0]["arn"] == PROVIDER_ARN and actions[0]["tags"] == OURS
    assert actions[1]["path"] == "/refarch/prod/"
    assert actions[1]["trust"]["Statement"][0]["Principal"] == {"Federated": PROVIDER_ARN}
    assert facts["oidc_provider"] == dict(arn=PROVIDER_ARN, url=HOST, owned=True)
    assert facts["hosted_zone"] == dict(id="Z1", name="prod.example.com", arn="arn:aws:route53:::hostedzone/Z1")
    assert facts["roles"]["cert_manager"]["arn"] == "arn:aws:iam::111122223333:role/refarch/prod/prod-eks-cert-manager"


def test_converged_is_idempotent_and_its_diff_is_empty():
    snap = converged()
    actions, facts = diff_present(plan(), snap)
    assert actions == []
    assert facts["oidc_provider"]["owned"] is True
    before = before_model(plan(), snap)
    assert after_model(before, actions) == before


def test_drift_is_corrected_on_our_roles_only():
    snap = converged()
    role = snap["roles"]["prod-eks-external-dns"]
    role["trust"] = {"Version": "2012-10-17", "Statement": []}
    role["policies"]["refarch-external-dns"] = {"Version": "2012-10-17", "Statement": []}
    role["policies"]["extra"] = {"Version": "2012-10-17", "Statement": []}
    role["managed"] = ["arn:aws:iam::aws:policy/Wide"]
    del role["tags"]["Name"]
    actions, _facts = diff_present(plan(), snap)
    assert [a.text for a in actions] == [
        "update trust of role prod-eks-external-dns",
        "put policy refarch-external-dns on role prod-eks-external-dns",
        "delete policy extra from role prod-eks-external-dns",
        "detach arn:aws:iam::aws:policy/Wide from role prod-eks-external-dns",
        "tag role prod-eks-external-dns with Name"]
    after = after_model(before_model(plan(), snap), actions)
    assert list(after["roles"]["prod-eks-external-dns"]["policies"]) == ["refarch-external-dns"]
    assert after["roles"]["prod-eks-external-dns"]["managed_policies"] == []


def test_a_role_no_longer_wanted_is_deleted_after_its_policies():
    actions, facts = diff_present(plan(service_accounts=[dict(policy="external_dns")]), converged())
    assert [a.text for a in actions] == ["delete policy refarch-cert-manager from role prod-eks-cert-manager",
                                         "delete role prod-eks-cert-manager"]
    assert list(facts["roles"]) == ["external_dns"]


def test_foreign_provider_is_used_never_changed():
    snap = converged()
    snap["providers"] = [provider(tags={}, thumbprints=["0" * 40])]
    actions, facts = diff_present(plan(), snap)
    assert actions == [] and facts["oidc_provider"]["owned"] is False
    assert diff_absent(plan(state="absent"), snap) == diff_absent(plan(state="absent"), dict(snap, providers=[]))


def test_foreign_provider_without_sts_audience_is_refused():
    with pytest.raises(InputError) as err:
        diff_present(plan(), snapshot([provider(tags={}, client_ids=["other"])]))
    assert err.value.field == "cluster_name" and "sts.amazonaws.com" in err.value.reason


def test_owned_provider_gets_audience_and_thumbprints_and_a_stale_one_is_deleted_last():
    stale = provider(url="oidc.eks.us-east-1.amazonaws.com/id/OLD", arn=PROVIDER_ARN.replace("ABC", "OLD"))
    snap = converged()
    snap["providers"] = [stale, provider(client_ids=[], thumbprints=["1" * 40])]
    actions, _facts = diff_present(plan(), snap)
    assert [a.text for a in actions] == [
        "add client id sts.amazonaws.com to oidc-provider " + HOST,
        "update thumbprints of oidc-provider " + HOST,
        "delete stale oidc-provider oidc.eks.us-east-1.amazonaws.com/id/OLD"]


def test_a_taken_role_name_is_refused_with_its_field():
    with pytest.raises(InputError) as err:
        diff_present(plan(), snapshot(taken=["prod-eks-cert-manager"]))
    assert err.value.field == "service_accounts[1].role_name" and "not an IRSA role" in err.value.reason


def test_absent_deletes_owned_roles_then_our_provider():
    snap = converged()
    actions = diff_absent(plan(state="absent"), snap)
    assert [a.text for a in actions] == [
        "delete policy refarch-cert-manager from role prod-eks-cert-manager", "delete role prod-eks-cert-manager",
        "delete policy refarch-external-dns from role prod-eks-external-dns", "delete role prod-eks-external-dns",
        "delete oidc-provider " + HOST]
    after = after_model(before_model(plan(state="absent"), snap), actions)
    assert after == dict(oidc_provider=None, roles={})
    assert diff_absent(plan(state="absent"), dict(snap, providers=[], roles={})) == []


def test_diff_does_not_touch_the_snapshot():
    snap = converged()
    snap["roles"]["prod-eks-external-dns"]["managed"] = ["arn:aws:iam::aws:policy/Wide"]
    kept = copy.deepcopy(snap)
    actions, _facts = diff_present(plan(), snap)
    after_model(before_model(plan(), snap), actions)
    assert snap == kept
