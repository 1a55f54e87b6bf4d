"""eks_irsa against the emulator: OIDC provider, scoped roles, drift, check mode, teardown."""

import json

import boto3
import pytest

from aws_proxy import AwsProxy
from eks_world import ACCOUNT, issuer_host, make_cluster, make_zone

ARGS = dict(cluster_name="production-eks", owner="production", zone_name="production.example.com",
            region="us-east-1")


@pytest.fixture
def world(aws):
    cluster = make_cluster()
    zone_id = make_zone()
    make_zone(private=True)  # same name, private: must be ignored
    return dict(cluster=cluster, zone_id=zone_id, host=issuer_host(cluster),
                zone_arn="arn:aws:route53:::hostedzone/%s" % zone_id)


@pytest.fixture
def proxy(aws):
    with AwsProxy(aws.port) as p:
        yield p


def via(proxy, **extra):
    args = dict(ARGS, endpoint_url=proxy.url)
    args.update(extra)
    return args


def role_state(name):
    iam = boto3.client("iam")
    role = iam.get_role(RoleName=name)["Role"]
    policies = dict((p, iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                    for p in iam.list_role_policies(RoleName=name)["PolicyNames"])
    return role, policies


def test_converges_provider_and_roles_then_is_idempotent(world, module, proxy):
    first = module("eks_irsa", via(proxy))
    assert not first.failed, first
    assert first["changed"]
    assert first["actions"][0] == "create oidc-provider %s" % world["host"]
    assert first["hosted_zone"] == dict(id=world["zone_id"], name="production.example.com", arn=world["zone_arn"])

    iam = boto3.client("iam")
    provider_arn = "arn:aws:iam::%s:oidc-provider/%s" % (ACCOUNT, world["host"])
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    assert provider["ThumbprintList"] == ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
    tags = dict((t["Key"], t["Value"]) for t in provider["Tags"])
    assert tags["refarch:owner"] == "production" and tags["refarch:key"] == "oidc/production-eks"
    assert first["oidc_provider"] == dict(arn=provider_arn, url=world["host"], owned=True)

    expected_sub = {"external_dns": "system:serviceaccount:external-dns:external-dns",
                    "cert_manager": "system:serviceaccount:cert-manager:cert-manager"}
    for policy, sub in expected_sub.items():
        out = first["roles"][policy]
        role, policies = role_state(out["name"])
        assert role["Arn"] == out["arn"] and role["Path"] == "/refarch/production/"
        statement, = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Federated": provider_arn}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Condition"] == {"StringEquals": {world["host"] + ":sub": sub,
                                                           world["host"] + ":aud": "sts.amazonaws.com"}}
        role_tags = dict((t["Key"], t["Value"]) for t in role["Tags"])
        assert role_tags["refarch:key"] == "irsa/production-eks/%s" % policy
        assert list(policies) == ["refarch-%s" % policy.replace("_", "-")]
        zone_statements = [s for s in list(policies.values())[0]["Statement"] if s["Resource"] != ["*"]
                           and not s["Resource"][0].endswith("change/*")]
        assert [s["Resource"] for s in zone_statements] == [[world["zone_arn"]]]

    ext = role_state("production-eks-external-dns")[1]["refarch-external-dns"]["Statement"]
    assert ext[0]["Action"] == ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                                "route53:ListTagsForResources"]
    assert ext[1] == {"Sid": "ListZones", "Effect": "Allow", "Action": ["route53:ListHostedZones"], "Resource": ["*"]}
    cm = role_state("production-eks-cert-manager")[1]["refarch-cert-manager"]["Statement"]
    assert cm[0]["Action"] == ["route53:GetChange"] and cm[0]["Resource"] == ["arn:aws:route53:::change/*"]
    assert cm[1]["Condition"] == {"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}
    assert cm[2]["Action"] == ["route53:ListHostedZonesByName"]

    proxy.clear()
    second = module("eks_irsa", via(proxy))
    assert not second["changed"] and second["actions"] == []
    assert proxy.writes() == []
    assert second["roles"] == first["roles"]


def test_check_mode_predicts_exactly_and_writes_nothing(world, module, proxy):
    check = module("eks_irsa", via(proxy), check_mode=True, diff=True)
    assert check["changed"] and proxy.writes() == []
    assert boto3.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert sorted(check["diff"]["after"]["roles"]) == ["production-eks-cert-manager", "production-eks-external-dns"]
    assert check["diff"]["before"] == {"oidc_provider": None, "roles": {}}
    real = module("eks_irsa", via(proxy))
    for key in ("actions", "roles", "oidc_provider", "hosted_zone"):
        assert check[key] == real[key], key
    assert len(proxy.writes()) == len(real["actions"])


def test_drift_is_corrected(world, module, proxy):
    module("eks_irsa", via(proxy))
    iam = boto3.client("iam")
    name = "production-eks-external-dns"
    loose = role_state(name)[0]["AssumeRolePolicyDocument"]
    loose["Statement"][0]["Condition"] = {"StringLike": {world["host"] + ":sub": "system:serviceaccount:*"}}
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(loose))
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "route53:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="refarch-external-dns", PolicyDocument=json.dumps(wide))
    iam.put_role_policy(RoleName=name, PolicyName="extra", PolicyDocument=json.dumps(wide))
    managed = iam.create_policy(PolicyName="wide", PolicyDocument=json.dumps(wide))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=managed)

    proxy.clear()
    fixed = module("eks_irsa", via(proxy), diff=True)
    assert fixed["actions"] == [
        "update trust of role %s" % name,
        "put policy refarch-external-dns on role %s" % name,
        "delete policy extra from role %s" % name,
        "detach %s from role %s" % (managed, name),
    ]
    assert fixed["diff"]["before"]["roles"][name]["managed_policies"] == [managed]
    assert fixed["diff"]["after"]["roles"][name]["managed_policies"] == []
    role, policies = role_state(name)
    assert "StringEquals" in role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert list(policies) == ["refarch-external-dns"]
    assert policies["refarch-external-dns"]["Statement"][0]["Resource"] == [world["zone_arn"]]
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    proxy.clear()
    assert not module("eks_irsa", via(proxy))["changed"] and proxy.writes() == []


def test_custom_service_account_and_dropped_role(world, module, proxy):
    module("eks_irsa", via(proxy))
    only = module("eks_irsa", via(proxy, service_accounts=[
        dict(policy="external_dns", namespace="dns", service_account="edns")]))
    assert "delete role production-eks-cert-manager" in only["actions"]
    assert "update trust of role production-eks-external-dns" in only["actions"]
    role = role_state("production-eks-external-dns")[0]
    cond = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]
    assert cond[world["host"] + ":sub"] == "system:serviceaccount:dns:edns"
    assert list(only["roles"]) == ["external_dns"]
    names = [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]]
    assert "production-eks-cert-manager" not in names


def test_foreign_provider_is_used_and_never_deleted(world, module, proxy):
    iam = boto3.client("iam")
    foreign = iam.create_open_id_connect_provider(
        Url=world["cluster"]["identity"]["oidc"]["issuer"], ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
    out = module("eks_irsa", via(proxy))
    assert out["oidc_provider"] == dict(arn=foreign, url=world["host"], owned=False)
    assert not any("oidc-provider" in a for a in out["actions"])
    gone = module("eks_irsa", via(proxy, state="absent"))
    assert sorted(gone["actions"])[-2:] == ["delete role production-eks-cert-manager",
                                            "delete role production-eks-external-dns"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=foreign)["ThumbprintList"] == ["0" * 40]


def test_foreign_provider_without_sts_audience_fails_before_writing(world, module, proxy):
    boto3.client("iam").create_open_id_connect_provider(
        Url=world["cluster"]["identity"]["oidc"]["issuer"], ClientIDList=["other"], ThumbprintList=["0" * 40])
    out = module("eks_irsa", via(proxy))
    assert out.failed and out["field"] == "cluster_name" and "sts.amazonaws.com" in out["msg"]
    assert proxy.writes() == []


def test_absent_removes_owned_only_and_is_idempotent(world, module, proxy):
    module("eks_irsa", via(proxy))
    other = module("eks_irsa", via(proxy, owner="staging", service_accounts=[
        dict(policy="external_dns", role_name="staging-external-dns")]))
    assert not other.failed, other
    gone = module("eks_irsa", via(proxy, state="absent"))
    assert gone["changed"]
    assert gone["actions"][-1] == "delete oidc-provider %s" % world["host"]
    iam = boto3.client("iam")
    names = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert names == ["staging-external-dns"]
    proxy.clear()
    again = module("eks_irsa", via(proxy, state="absent"))
    assert not again["changed"] and proxy.writes() == []


def test_absent_after_cluster_is_gone(world, module, proxy):
    module("eks_irsa", via(proxy))
    boto3.client("eks").delete_cluster(name="production-eks")
    gone = module("eks_irsa", via(proxy, state="absent"))
    assert not gone.failed, gone
    assert len([a for a in gone["actions"] if a.startswith("delete role")]) == 2
    assert boto3.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


@pytest.mark.parametrize("extra, field, words", [
    (dict(zone_name="missing.example.com"), "zone_name", "no public hosted zone"),
    (dict(cluster_name="nope"), "cluster_name", "no EKS cluster"),
    (dict(service_accounts=[dict(policy="external_dns"), dict(policy="external_dns")]),
     "service_accounts[1].policy", "already given"),
    (dict(service_accounts=[dict(policy="cert_manager", namespace="Bad_NS")]),
     "service_accounts[0].namespace", "namespace"),
    (dict(service_accounts=[dict(policy="cert_manager", role_name="x" * 65)]),
     "service_accounts[0].role_name", "IAM role name"),
    (dict(thumbprints=["abc"]), "thumbprints[0]", "thumbprint"),
])
def test_invalid_intent_fails_before_any_write(world, module, proxy, extra, field, words):
    out = module("eks_irsa", via(proxy, **extra))
    assert out.failed and out["field"] == field and words in out["msg"], out
    assert proxy.writes() == []


def test_foreign_role_with_our_name_is_refused(world, module, proxy):
    boto3.client("iam").create_role(RoleName="production-eks-cert-manager", AssumeRolePolicyDocument="{}")
    proxy.clear()
    out = module("eks_irsa", via(proxy))
    assert out.failed and out["field"] == "service_accounts[1].role_name", out
    assert proxy.writes() == []


@pytest.mark.parametrize("seed", [1, 2, 3, 5])  # lost: create/delete provider, DeleteRole, CreateRole
def test_converges_through_faults_and_lost_replies(world, module, aws, seed):
    # lost_reply: the write is carried out and its answer lost, so botocore's retry meets
    # EntityAlreadyExists / NoSuchEntity; the module must take that as done. (No "throttle":
    # the proxy answers it in XML, which EKS's JSON protocol cannot parse into a retryable code.)
    with AwsProxy(aws.port, fault_rate=0.3, seed=seed, faults=("500", "503", "drop", "lost_reply")) as faulty:
        out = module("eks_irsa", via(faulty))
        assert not out.failed, out
        assert out["oidc_provider"]["owned"] is True
        gone = module("eks_irsa", via(faulty, state="absent"))
        assert not gone.failed, gone
        again = module("eks_irsa", via(faulty))
        assert not again.failed, again
        lost_writes = [a for a, w, f in faulty.requests if w and f == "lost_reply"]
        assert lost_writes, "seed drew no lost reply on a write"
    with AwsProxy(aws.port) as clean:
        final = module("eks_irsa", via(clean))
        assert not final["changed"] and clean.writes() == []
    assert list(role_state("production-eks-cert-manager")[1]) == ["refarch-cert-manager"]


@pytest.mark.parametrize("built", [False, True])
def test_check_reports_exactly_what_the_real_run_does(world, module, proxy, built):
    wanted = via(proxy)
    if built:  # a built environment, then a change: one role dropped, the other's subject moved
        module("eks_irsa", via(proxy))
        wanted = via(proxy, service_accounts=[dict(policy="external_dns", namespace="dns")])
    proxy.clear()
    check = module("eks_irsa", wanted, check_mode=True, diff=True)
    assert not check.failed, check
    assert proxy.writes() == []
    real = module("eks_irsa", wanted, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["actions"] == real["actions"] and check["changed"] is real["changed"] is True
    assert check["diff"] == real["diff"] and check["roles"] == real["roles"]
    assert len(proxy.writes()) == len(real["actions"])  # one write per action
    if built:
        assert "delete role production-eks-cert-manager" in real["actions"]
