#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_irsa
short_description: IAM OIDC provider and IRSA roles for the plugins of an EKS cluster
version_added: 0.1.0
description:
  - Reads the OIDC issuer of the EKS cluster O(cluster_name), makes sure the IAM OpenID Connect
    provider for it exists (client id C(sts.amazonaws.com)), and converges one IAM role per
    service account (IAM Roles for Service Accounts).
  - Each role's trust is limited to exactly one Kubernetes service account (C(StringEquals) on the
    issuer's C(sub) and C(aud) claims) and carries one least-privilege inline policy scoped to the
    ARN of the public hosted zone O(zone_name), which is looked up by name.
  - V(external_dns) may change, list and read tags of record sets in the zone and list zones;
    V(cert_manager) may read changes, change and list only C(TXT) record sets in the zone and find
    zones by name; V(aws_load_balancer_controller) carries the controller's upstream IAM policy
    (O(aws_load_balancer_controller_policy)), whose writes are limited by tag conditions to the load
    balancers, target groups and security groups the controller tags as its own.
  - Roles live under the IAM path C(/refarch/<owner>/) and are tagged C(refarch:owner) and
    C(refarch:key=irsa/<cluster>/<policy>). Trust and policy drift is corrected; other inline or
    attached managed policies on an owned role are removed; owned roles of the cluster that are no
    longer listed are deleted.
  - The OIDC provider is tagged as owned only when this module creates it; a provider created by
    someone else (eksctl, Terraform) is used as it is and never changed or deleted.
  - O(state=absent) deletes the owned roles of the cluster and the OIDC provider if this module
    created it.
options:
  cluster_name:
    description:
      - Name of the EKS cluster in O(region).
    type: str
    required: true
  zone_name:
    description:
      - Name of the environment's public Route53 hosted zone, for example C(production.example.com).
      - Required when O(state=present). Exactly one public zone of that name must exist.
    type: str
  service_accounts:
    description:
      - The service accounts that get a role. Each policy may appear once.
    type: list
    elements: dict
    default:
      - policy: external_dns
      - policy: cert_manager
    suboptions:
      policy:
        description:
          - Which least-privilege policy the role carries.
        type: str
        required: true
        choices: [external_dns, cert_manager, aws_load_balancer_controller]
      namespace:
        description:
          - Namespace of the service account.
          - Defaults to C(external-dns), C(cert-manager) or C(kube-system) (the load balancer controller).
        type: str
      service_account:
        description:
          - Name of the service account.
          - Defaults to C(external-dns), C(cert-manager) or C(aws-load-balancer-controller), the charts' own names.
        type: str
      role_name:
        description:
          - IAM role name. Defaults to C(<cluster_name>-) followed by the policy with dashes, for example
            C(<cluster_name>-cert-manager).
        type: str
  thumbprints:
    description:
      - Server certificate thumbprints recorded on an OIDC provider this module creates or owns.
    type: list
    elements: str
    default: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
  aws_load_balancer_controller_policy:
    description:
      - The IAM policy of the V(aws_load_balancer_controller) role. The module's action plugin gives
        upstream's when the task names that role and sets none - C(docs/install/iam_policy.json) of
        kubernetes-sigs/aws-load-balancer-controller at tag v3.5.0 (the C(aws) partition), kept
        verbatim in the collection's C(data/aws_load_balancer_controller_iam_policy.json).
      - Set it to the policy of the controller version you run, or of your partition
        (upstream's C(iam_policy_cn.json), C(iam_policy_us-gov.json)); a policy whose ARNs name another
        partition than the account's is refused.
    type: dict
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.common.converge
notes:
  - Role names are global in an account; two clusters of the same name in different regions need
    explicit O(service_accounts[].role_name).
"""

EXAMPLES = r"""
- name: IRSA roles for External-DNS and cert-manager
  refarch.network.eks_irsa:
    cluster_name: production-eks
    owner: production
    zone_name: production.example.com
    region: us-east-1
  register: irsa

- name: The three plugins of playbooks/eks_plugins.yml, with the namespaces the charts run in
  refarch.network.eks_irsa:
    cluster_name: production-eks
    owner: production
    zone_name: production.example.com
    service_accounts:
      - {policy: external_dns, namespace: external-dns, service_account: external-dns}
      - {policy: cert_manager, namespace: cert-manager, service_account: cert-manager}
      - {policy: aws_load_balancer_controller, namespace: kube-system, service_account: aws-load-balancer-controller}

- name: Custom namespace for External-DNS, cert-manager not used
  refarch.network.eks_irsa:
    cluster_name: development-eks
    owner: development
    zone_name: development.example.com
    service_accounts:
      - policy: external_dns
        namespace: dns
        service_account: external-dns

- name: Remove the roles (and the OIDC provider if this module created it)
  refarch.network.eks_irsa:
    cluster_name: production-eks
    owner: production
    state: absent
"""

RETURN = r"""
actions:
  description: Short descriptions of the changes made (or that would be made in check mode).
  returned: always
  type: list
  elements: str
  sample: ["create oidc-provider oidc.eks.us-east-1.amazonaws.com/id/ABC", "create role production-eks-external-dns"]
cluster:
  description: The EKS cluster.
  returned: when the cluster exists
  type: dict
  contains:
    name: {description: Cluster name., type: str, returned: always}
    arn: {description: Cluster ARN., type: str, returned: always}
    oidc_issuer: {description: OIDC issuer URL., type: str, returned: always}
oidc_provider:
  description: The IAM OIDC provider of the cluster.
  returned: when O(state=present)
  type: dict
  contains:
    arn: {description: Provider ARN., type: str, returned: always}
    url: {description: Issuer URL without scheme., type: str, returned: always}
    owned: {description: Whether this module created (and so manages) it., type: bool, returned: always}
hosted_zone:
  description: The public hosted zone the policies are scoped to.
  returned: when O(state=present)
  type: dict
  contains:
    id: {description: Zone id without the C(/hostedzone/) prefix., type: str, returned: always, sample: Z0123456789ABC}
    name: {description: Zone name without the trailing dot., type: str, returned: always}
    arn: {description: Zone ARN., type: str, returned: always}
roles:
  description: The IRSA roles, keyed by policy (V(external_dns), V(cert_manager), V(aws_load_balancer_controller)).
  returned: always
  type: dict
  sample:
    external_dns:
      name: production-eks-external-dns
      arn: arn:aws:iam::123456789012:role/refarch/production/production-eks-external-dns
      namespace: external-dns
      service_account: external-dns
account_id:
  description: The account the roles are in.
  returned: always
  type: str
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.irsa import DEFAULT_THUMBPRINT, POLICIES, plan_irsa
from ansible_collections.refarch.network.plugins.module_utils.irsa_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.irsa_diff import (
    after_model, before_model, diff_absent, diff_present)
from ansible_collections.refarch.network.plugins.module_utils.irsa_read import read_irsa
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC

SERVICE_ACCOUNT_SPEC = dict(
    policy=dict(type="str", required=True, choices=sorted(POLICIES)),
    namespace=dict(type="str"),
    service_account=dict(type="str"),
    role_name=dict(type="str"),
)

ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    cluster_name=dict(type="str", required=True),
    zone_name=dict(type="str"),
    service_accounts=dict(type="list", elements="dict", options=SERVICE_ACCOUNT_SPEC,
                          default=[dict(policy="external_dns"), dict(policy="cert_manager")]),
    thumbprints=dict(type="list", elements="str", default=[DEFAULT_THUMBPRINT]),
    aws_load_balancer_controller_policy=dict(type="dict"),
)


def converge(module):
    plan = plan_irsa(module.params)
    conn = Connection(module)
    iam = conn.client("iam")
    clients = dict(sts=conn.client("sts"), eks=conn.client("eks"), route53=conn.client("route53"), iam=iam)
    snap = read_irsa(clients, plan, conn.region)
    result = dict(account_id=snap["account"], roles={})
    if snap["cluster"]:
        result["cluster"] = snap["cluster"]
    if plan["present"]:
        actions, facts = diff_present(plan, snap)
        result.update(facts)
    else:
        actions = diff_absent(plan, snap)
    before = before_model(plan, snap)
    # the handlers see the provider view: one made meanwhile by someone else is reported as not owned
    execute(module, actions, HANDLERS, Run({"iam": iam}, owner=plan["owner"], provider=result.get("oidc_provider")))
    return converged(module, actions, diff=lambda: dict(before=before, after=after_model(before, actions)), **result)


def main():
    module, ok, result = run_module("eks_irsa", converge, ARGUMENT_SPEC, required_if=[("state", "present", ["zone_name"])])
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
