# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure IRSA planning: trust and permission documents for EKS service accounts.

No boto3 here. ``plan_irsa`` validates the intent (errors name the field); the document
builders give the exact trust and permission documents the eks_irsa module converges (its
diff, ``irsa_diff``, compares them with amazon.aws's ``compare_policies``, which ignores order
and string-vs-list forms).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

STS_AUDIENCE = "sts.amazonaws.com"
# Root CA thumbprint of the EKS OIDC endpoints; IAM no longer checks it for them but the
# provider still records one.
DEFAULT_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

# Defaults match the upstream charts' service accounts.
POLICIES = {
    "external_dns": {"namespace": "external-dns", "service_account": "external-dns"},
    "cert_manager": {"namespace": "cert-manager", "service_account": "cert-manager"},
    "aws_load_balancer_controller": {"namespace": "kube-system", "service_account": "aws-load-balancer-controller"},
}

LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
THUMBPRINT_RE = re.compile(r"^[0-9a-fA-F]{40}$")
# The partition of a region, by the prefixes of botocore's partitions (regionRegex); the rest are aws's.
PARTITION_PREFIXES = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"),
                      ("eu-isoe-", "aws-iso-e"), ("us-iso-", "aws-iso"), ("eusc-", "aws-eusc"))


def role_path(owner):
    """Owned IRSA roles live under one IAM path so a single ListRoles call finds them."""
    if not owner or not re.match(r"^[\x21-\x2e\x30-\x7e]+$", owner):
        raise InputError("owner", "%r cannot be used in an IAM path (printable ASCII, no '/')" % (owner,))
    return "/refarch/%s/" % owner


def role_key(cluster, policy):
    return "irsa/%s/%s" % (cluster, policy)


def oidc_key(cluster):
    return "oidc/%s" % cluster


def issuer_host(issuer):
    """``https://oidc.eks.<region>.amazonaws.com/id/X`` -> the provider URL IAM stores."""
    if not issuer or not issuer.startswith("https://"):
        raise InputError("cluster_name", "the cluster has no https OIDC issuer (got %r)" % (issuer,))
    return issuer[len("https://"):].rstrip("/")


def oidc_provider_arn(partition, account, issuer):
    return "arn:%s:iam::%s:oidc-provider/%s" % (partition, account, issuer_host(issuer))


def zone_arn(partition, zone_id):
    return "arn:%s:route53:::hostedzone/%s" % (partition, zone_id.split("/")[-1])


def validate_service_accounts(cluster, service_accounts):
    """Normalised list of {policy, namespace, service_account, role_name, key}."""
    if not isinstance(service_accounts, list) or not service_accounts:
        raise InputError("service_accounts", "give at least one service account")
    seen = {}
    result = []
    for index, item in enumerate(service_accounts):
        field = "service_accounts[%d]" % index
        policy = item.get("policy")
        if policy not in POLICIES:
            raise InputError(field + ".policy", "%r is not one of %s" % (policy, ", ".join(sorted(POLICIES))))
        if policy in seen:
            raise InputError(field + ".policy", "%s is already given at service_accounts[%d]" % (policy, seen[policy]))
        seen[policy] = index
        namespace = item.get("namespace") or POLICIES[policy]["namespace"]
        if len(namespace) > 63 or not LABEL_RE.match(namespace):
            raise InputError(field + ".namespace", "%r is not a valid namespace name (DNS-1123 label)" % namespace)
        account = item.get("service_account") or POLICIES[policy]["service_account"]
        if len(account) > 253 or not SUBDOMAIN_RE.match(account):
            raise InputError(field + ".service_account", "%r is not a valid service account name" % account)
        name = item.get("role_name") or "%s-%s" % (cluster, policy.replace("_", "-"))
        if not ROLE_NAME_RE.match(name):
            raise InputError(field + ".role_name", "%r is not a valid IAM role name (at most 64 of "
                                                   "letters, digits and +=,.@_-); set role_name" % name)
        result.append(dict(policy=policy, namespace=namespace, service_account=account,
                           role_name=name, key=role_key(cluster, policy)))
    names = [r["role_name"] for r in result]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise InputError("service_accounts[%d].role_name" % index, "%r is used twice" % name)
    return result


def plan_irsa(params):
    """The validated intent of one eks_irsa call: {cluster, owner, present, path,
    service_accounts, thumbprints, tags, zone_name}. Raises InputError naming the field."""
    present = params.get("state", "present") == "present"
    path = role_path(params["owner"])
    wanted = validate_service_accounts(params["cluster_name"], params["service_accounts"]) if present else []
    for index, thumb in enumerate(params.get("thumbprints") or []):
        if not THUMBPRINT_RE.match(thumb):
            raise InputError("thumbprints[%d]" % index, "%r is not a 40-digit hex SHA-1 thumbprint" % thumb)
    lbc_policy = params.get("aws_load_balancer_controller_policy")
    if any(sa["policy"] == "aws_load_balancer_controller" for sa in wanted):
        check_lbc_policy(lbc_policy)
    return dict(cluster=params["cluster_name"], owner=params["owner"], present=present, path=path,
                service_accounts=wanted, thumbprints=list(params.get("thumbprints") or []),
                tags=dict(params.get("tags") or {}), zone_name=params.get("zone_name"), lbc_policy=lbc_policy)


def trust_policy(provider_arn, issuer, namespace, service_account):
    """Only this one service account, with the STS audience, may assume the role."""
    host = issuer_host(issuer)
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                host + ":sub": "system:serviceaccount:%s:%s" % (namespace, service_account),
                host + ":aud": STS_AUDIENCE,
            }},
        }],
    }


def region_partition(region):
    """The partition of ``region`` (``aws-cn`` for ``cn-north-1``)."""
    return next((partition for prefix, partition in PARTITION_PREFIXES if (region or "").startswith(prefix)), "aws")


def arn_partitions(document):
    """The partitions the ARNs of a policy document's Resource entries name."""
    found = set()
    for statement in document.get("Statement") or []:
        resources = statement.get("Resource") if isinstance(statement, dict) else None
        for resource in resources if isinstance(resources, list) else [resources]:
            if isinstance(resource, str) and resource.startswith("arn:"):
                found.add(resource.split(":")[1])
    return found


def check_lbc_policy(policy, partition=None):
    """The load balancer controller's policy: a document with its Statement list, whose ARNs name
    ``partition`` only (upstream keeps one file per partition). Raises InputError."""
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list):
        raise InputError("aws_load_balancer_controller_policy",
                         "is needed, with its Statement list, for the aws_load_balancer_controller role (a task gets "
                         "upstream's from the module's action plugin; the module was run without it)"
                         if policy is None else "expected an IAM policy document with a Statement list")
    other = sorted(arn_partitions(policy) - set([partition])) if partition else []
    if other:
        raise InputError("aws_load_balancer_controller_policy",
                         "names ARNs of partition %s, but the account is in %s: give upstream's policy of that "
                         "partition" % (", ".join(other), partition))


def permission_policy(policy, partition, zone_arns, lbc_policy=None):
    """Least privilege for ``policy``: record changes limited to the environment's zones; the load
    balancer controller's is ``lbc_policy``, upstream's (its writes are limited by the
    elbv2.k8s.aws/cluster tag), refused when its ARNs name another partition than the account's."""
    zones = sorted(zone_arns)
    if policy == "aws_load_balancer_controller":
        check_lbc_policy(lbc_policy, partition)
        return copy.deepcopy(lbc_policy)
    if policy == "external_dns":
        statements = [
            {"Sid": "RecordsInZone", "Effect": "Allow",
             "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                        "route53:ListTagsForResources"],
             "Resource": zones},
            {"Sid": "ListZones", "Effect": "Allow", "Action": ["route53:ListHostedZones"], "Resource": ["*"]},
        ]
    elif policy == "cert_manager":
        statements = [
            {"Sid": "GetChange", "Effect": "Allow", "Action": ["route53:GetChange"],
             "Resource": ["arn:%s:route53:::change/*" % partition]},
            {"Sid": "TxtRecordsInZone", "Effect": "Allow",
             "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
             "Resource": zones,
             "Condition": {"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}},
            {"Sid": "FindZone", "Effect": "Allow", "Action": ["route53:ListHostedZonesByName"], "Resource": ["*"]},
        ]
    else:
        raise InputError("policy", "unknown policy %r" % (policy,))
    return {"Version": "2012-10-17", "Statement": statements}


def policy_name(policy):
    return "refarch-%s" % policy.replace("_", "-")
