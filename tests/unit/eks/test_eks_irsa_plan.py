"""Pure IRSA planning: trust limited to one service account, zone-scoped least privilege."""

import hashlib
import json
import os

import pytest

from ansible_collections.refarch.network.plugins.module_utils import irsa
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123"
PROVIDER = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"
ZONE = "arn:aws:route53:::hostedzone/Z1"


def test_trust_names_exactly_one_service_account():
    doc = irsa.trust_policy(PROVIDER, ISSUER, "cert-manager", "cert-manager")
    statement, = doc["Statement"]
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:cert-manager:cert-manager",
        "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com"}}


def test_external_dns_policy_scopes_record_changes_to_the_zone():
    doc = irsa.permission_policy("external_dns", "aws", [ZONE])
    by_action = dict((a, s["Resource"]) for s in doc["Statement"] for a in s["Action"])
    assert by_action == {
        "route53:ChangeResourceRecordSets": [ZONE], "route53:ListResourceRecordSets": [ZONE],
        "route53:ListTagsForResources": [ZONE], "route53:ListHostedZones": ["*"]}


def test_cert_manager_policy_allows_txt_records_only():
    doc = irsa.permission_policy("cert_manager", "aws-cn", [ZONE])
    by_action = dict((a, s) for s in doc["Statement"] for a in s["Action"])
    assert set(by_action) == {"route53:GetChange", "route53:ChangeResourceRecordSets",
                              "route53:ListResourceRecordSets", "route53:ListHostedZonesByName"}
    assert by_action["route53:GetChange"]["Resource"] == ["arn:aws-cn:route53:::change/*"]
    change = by_action["route53:ChangeResourceRecordSets"]
    assert change["Resource"] == [ZONE]
    assert change["Condition"] == {"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}
    assert by_action["route53:ListHostedZonesByName"]["Resource"] == ["*"]


def test_arns_and_keys():
    assert irsa.oidc_provider_arn("aws", "111122223333", ISSUER) == PROVIDER
    assert irsa.zone_arn("aws", "/hostedzone/Z1") == ZONE
    assert irsa.role_path("production") == "/refarch/production/"
    assert irsa.role_key("c", "external_dns") == "irsa/c/external_dns"
    assert irsa.oidc_key("c") == "oidc/c"


def test_defaults_follow_the_charts():
    sas = irsa.validate_service_accounts("prod", [{"policy": "external_dns"}, {"policy": "cert_manager"}])
    assert [(s["namespace"], s["service_account"], s["role_name"]) for s in sas] == [
        ("external-dns", "external-dns", "prod-external-dns"), ("cert-manager", "cert-manager", "prod-cert-manager")]


@pytest.mark.parametrize("items, field", [
    ([], "service_accounts"),
    ([{"policy": "admin"}], "service_accounts[0].policy"),
    ([{"policy": "cert_manager", "service_account": "Has Space"}], "service_accounts[0].service_account"),
    ([{"policy": "cert_manager", "namespace": "-x"}], "service_accounts[0].namespace"),
    ([{"policy": "cert_manager", "role_name": "same"}, {"policy": "external_dns", "role_name": "same"}],
     "service_accounts[1].role_name"),
])
def test_invalid_service_accounts_name_the_field(items, field):
    with pytest.raises(InputError) as err:
        irsa.validate_service_accounts("prod", items)
    assert err.value.field == field


@pytest.mark.parametrize("owner", ["", "a/b", "tab\there"])
def test_owner_must_fit_an_iam_path(owner):
    with pytest.raises(InputError) as err:
        irsa.role_path(owner)
    assert err.value.field == "owner"


def test_issuer_must_be_https():
    with pytest.raises(InputError):
        irsa.issuer_host("http://x")


def test_policies_compare_equal_across_iam_forms():
    doc = irsa.permission_policy("external_dns", "aws", [ZONE])
    as_iam_returns = {"Version": "2012-10-17", "Statement": [
        dict(doc["Statement"][1], Action="route53:ListHostedZones", Resource="*"),
        dict(doc["Statement"][0], Action=list(reversed(doc["Statement"][0]["Action"])), Resource=ZONE)]}
    assert not compare_policies(as_iam_returns, doc)
    assert compare_policies(irsa.permission_policy("external_dns", "aws", ["arn:aws:route53:::hostedzone/Z2"]), doc)


def _upstream(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", *parts)


# SHA-256 of docs/install/iam_policy.json of kubernetes-sigs/aws-load-balancer-controller at tag v3.5.0
# (tests/upstream/README.md names the commit); a new controller version replaces the file and this.
UPSTREAM_LBC_POLICY_SHA256 = "16f232c9d9f79366fe949c4550ad517a202380058a9e48d45a4e215044a20a6a"


def test_the_shipped_load_balancer_controller_policy_is_upstreams_file_byte_for_byte():
    with open(_upstream("data", "aws_load_balancer_controller_iam_policy.json"), "rb") as shipped:
        assert hashlib.sha256(shipped.read()).hexdigest() == UPSTREAM_LBC_POLICY_SHA256


def test_the_load_balancer_controller_role_carries_the_policy_given_and_a_copy_each_time():
    with open(_upstream("data", "aws_load_balancer_controller_iam_policy.json")) as f:
        upstream = json.load(f)
    doc = irsa.permission_policy("aws_load_balancer_controller", "aws", [ZONE], upstream)
    assert doc == upstream
    # its writes carry upstream's tag conditions: creating needs the cluster request tag
    create_lb = next(s for s in doc["Statement"] if "elasticloadbalancing:CreateLoadBalancer" in s["Action"])
    assert create_lb["Condition"] == {"Null": {"aws:RequestTag/elbv2.k8s.aws/cluster": "false"}}
    doc["Statement"].pop()
    assert irsa.permission_policy("aws_load_balancer_controller", "aws", [ZONE], upstream) == upstream


def test_load_balancer_controller_defaults_and_partition():
    sa, = irsa.validate_service_accounts("production-eks", [{"policy": "aws_load_balancer_controller"}])
    assert (sa["namespace"], sa["service_account"], sa["role_name"]) == (
        "kube-system", "aws-load-balancer-controller", "production-eks-aws-load-balancer-controller")
    with open(_upstream("data", "aws_load_balancer_controller_iam_policy.json")) as f:
        upstream = json.load(f)
    with pytest.raises(InputError) as err:
        irsa.permission_policy("aws_load_balancer_controller", "aws-cn", [ZONE], upstream)
    assert err.value.field == "aws_load_balancer_controller_policy" and "partition aws," in str(err.value)
    assert "aws-cn" in str(err.value)
    china = json.loads(json.dumps(upstream).replace("arn:aws:", "arn:aws-cn:"))
    assert irsa.permission_policy("aws_load_balancer_controller", "aws-cn", [ZONE], china) == china
    assert irsa.arn_partitions(upstream) == set(["aws"])  # the preflight says the shipped one is aws's


def test_the_partition_prefixes_agree_with_botocore_s_regions():
    import botocore
    with open(os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")) as f:
        partitions = json.load(f)["partitions"]
    regions = dict((region, p["partition"]) for p in partitions for region in p["regions"])
    assert len(set(regions.values())) >= 8 and all(irsa.region_partition(r) == p for r, p in regions.items())
    assert irsa.region_partition(None) == "aws"


def test_a_load_balancer_controller_policy_is_a_document_with_statements():
    for policy in ({"Version": "2012-10-17"}, {"Statement": "Allow all"}):
        with pytest.raises(InputError) as err:
            irsa.check_lbc_policy(policy)
        assert err.value.field == "aws_load_balancer_controller_policy" and "Statement list" in err.value.reason


def test_the_load_balancer_controller_role_without_a_policy_is_refused_at_plan_time():
    params = dict(cluster_name="production-eks", owner="production", state="present", zone_name="production.example.com",
                  service_accounts=[{"policy": "aws_load_balancer_controller"}], thumbprints=[])
    with pytest.raises(InputError) as err:
        irsa.plan_irsa(params)
    assert err.value.field == "aws_load_balancer_controller_policy"
    params["service_accounts"] = [{"policy": "external_dns"}]
    assert irsa.plan_irsa(params)["lbc_policy"] is None  # only that role needs it
