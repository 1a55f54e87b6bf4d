#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_irsa
short_description: IAM OIDC provider and IRSA roles for the DNS plugins of an EKS cluster
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
    zones by name.
  - Roles live under the IAM path C(/refarch/<owner>/) and are tagged C(refarch:owner) and
    C(refarch:key=irsa/<cluster>/<policy>). Trust and policy drift is corrected; other inline or
    attached managed policies on an owned role are removed; owned roles of the cluster that are no
    longer listed are deleted.
  - The OIDC provider is tagged as owned only when this module creates it; a provider created by
    someone else (eksctl, Terraform) is used as it is and never changed or deleted.
  - O(state=absent) deletes the owned roles of the cluster and the OIDC provider if this module
    created it.
author:
  - refarch.network developers (@refarch)
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
        choices: [external_dns, cert_manager]
      namespace:
        description:
          - Namespace of the service account.
          - Defaults to C(external-dns) or C(cert-manager).
        type: str
      service_account:
        description:
          - Name of the service account.
          - Defaults to C(external-dns) or C(cert-manager), the charts' own names.
        type: str
      role_name:
        description:
          - IAM role name. Defaults to C(<cluster_name>-external-dns) or C(<cluster_name>-cert-manager).
        type: str
  thumbprints:
    description:
      - Server certificate thumbprints recorded on an OIDC provider this module creates or owns.
    type: list
    elements: str
    default: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
notes:
  - Supports check mode (no write call; RV(actions) lists exactly what would change) and diff mode.
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
  description: The IRSA roles, keyed by policy (V(external_dns), V(cert_manager)).
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

import json

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.refarch.network.plugins.module_utils import irsa
from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, OWNER_TAG, Connection, error_code, new_module, owned_tags, tag_dict, tag_list)


def read_identity(sts):
    arn = sts.get_caller_identity()["Arn"]
    parts = arn.split(":")
    return parts[1], parts[4]


def read_cluster(eks, name):
    try:
        cluster = eks.describe_cluster(name=name)["cluster"]
    except ClientError as e:
        if error_code(e) == "ResourceNotFoundException":
            return None
        raise
    issuer = cluster.get("identity", {}).get("oidc", {}).get("issuer")
    return dict(name=cluster["name"], arn=cluster["arn"], oidc_issuer=issuer)


def read_zone(route53, zone_name):
    """The one public zone named ``zone_name``; InputError if there is none or several."""
    wanted = zone_name.lower().rstrip(".") + "."
    zones = route53.list_hosted_zones_by_name(DNSName=wanted, MaxItems="20")["HostedZones"]
    public = [z for z in zones if z["Name"].lower() == wanted and not z.get("Config", {}).get("PrivateZone")]
    if not public:
        raise irsa.InputError("zone_name", "no public hosted zone named %s" % wanted.rstrip("."))
    if len(public) > 1:
        raise irsa.InputError("zone_name", "%d public hosted zones are named %s (%s); keep one"
                              % (len(public), wanted.rstrip("."), ", ".join(z["Id"] for z in public)))
    return dict(id=public[0]["Id"].split("/")[-1], name=wanted.rstrip("."))


def read_providers(iam):
    providers = []
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        try:
            found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=entry["Arn"])
        except ClientError as e:
            if error_code(e) == "NoSuchEntity":  # deleted meanwhile
                continue
            raise
        providers.append(dict(arn=entry["Arn"], url=found["Url"], client_ids=found.get("ClientIDList", []),
                              thumbprints=found.get("ThumbprintList", []), tags=tag_dict(found.get("Tags"))))
    return providers


def read_owned_roles(iam, path, owner, cluster):
    """{role name: state} for the roles under ``path`` tagged with our owner and this cluster."""
    prefix = irsa.role_key(cluster, "")
    roles = {}
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=path):
        for listed in page["Roles"]:
            role = iam.get_role(RoleName=listed["RoleName"])["Role"]
            tags = tag_dict(role.get("Tags"))
            if tags.get(OWNER_TAG) != owner or not tags.get(KEY_TAG, "").startswith(prefix):
                continue
            name = role["RoleName"]
            policies = {}
            for pname in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                policies[pname] = iam.get_role_policy(RoleName=name, PolicyName=pname)["PolicyDocument"]
            managed = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
            roles[name] = dict(name=name, arn=role["Arn"], key=tags[KEY_TAG], tags=tags,
                               trust=_document(role.get("AssumeRolePolicyDocument")),
                               policies=dict((k, _document(v)) for k, v in policies.items()), managed=managed)
    return roles


def _document(doc):
    # boto3 decodes policy documents; parse if a string slipped through
    return json.loads(doc) if isinstance(doc, str) else doc


def role_exists(iam, name):
    try:
        return iam.get_role(RoleName=name)["Role"]
    except ClientError as e:
        if error_code(e) == "NoSuchEntity":
            return None
        raise


class Planner(object):
    """Desired state vs what was read -> ordered actions (each with its text)."""

    def __init__(self, params, partition, account):
        self.p = params
        self.partition = partition
        self.account = account
        self.actions = []

    def add(self, op, text, **args):
        self.actions.append(dict(op=op, text=text, args=args))

    def provider(self, issuer, providers):
        host = irsa.issuer_host(issuer)
        key = irsa.oidc_key(self.p["cluster_name"])
        current = next((p for p in providers if p["url"] == host), None)
        for p in providers:
            if p is not current and p["tags"].get(OWNER_TAG) == self.p["owner"] and p["tags"].get(KEY_TAG) == key:
                self.add("delete_provider", "delete stale oidc-provider %s" % p["url"], arn=p["arn"])
        if current is None:
            tags = owned_tags(self.p["owner"], key, extra=self.p["tags"])
            # IAM derives the ARN from the URL, so check mode can name it exactly
            arn = irsa.oidc_provider_arn(self.partition, self.account, issuer)
            self.add("create_provider", "create oidc-provider %s" % host, url=issuer, arn=arn,
                     thumbprints=self.p["thumbprints"], tags=tags)
            return dict(arn=arn, url=host, owned=True)
        owned = current["tags"].get(OWNER_TAG) == self.p["owner"]
        if irsa.STS_AUDIENCE not in current["client_ids"]:
            if not owned:
                raise irsa.InputError("cluster_name", "the OIDC provider %s is not ours and lacks client id %s"
                                      % (current["arn"], irsa.STS_AUDIENCE))
            self.add("add_client_id", "add client id %s to oidc-provider %s" % (irsa.STS_AUDIENCE, host),
                     arn=current["arn"])
        if owned and sorted(current["thumbprints"]) != sorted(self.p["thumbprints"]):
            self.add("update_thumbprints", "update thumbprints of oidc-provider %s" % host,
                     arn=current["arn"], thumbprints=self.p["thumbprints"])
        return dict(arn=current["arn"], url=host, owned=owned)

    def roles(self, wanted, owned, provider_arn, issuer, zone_arn, path, exists):
        result = {}
        for sa in wanted:
            name = sa["role_name"]
            trust = irsa.trust_policy(provider_arn, issuer, sa["namespace"], sa["service_account"])
            pname = irsa.policy_name(sa["policy"])
            permissions = irsa.permission_policy(sa["policy"], self.partition, [zone_arn])
            tags = owned_tags(self.p["owner"], sa["key"], name=name, extra=self.p["tags"])
            current = owned.get(name)
            if current is None:
                if exists(name):
                    raise irsa.InputError("service_accounts[%d].role_name" % wanted.index(sa),
                                          "role %s exists but is not an IRSA role of owner %s and cluster %s "
                                          "under path %s" % (name, self.p["owner"], self.p["cluster_name"], path))
                subject = "%s/%s" % (sa["namespace"], sa["service_account"])
                self.add("create_role", "create role %s for %s" % (name, subject), name=name, path=path,
                         trust=trust, tags=tags,
                         description="IRSA for %s in EKS cluster %s" % (subject, self.p["cluster_name"]))
                self.add("put_policy", "put policy %s on role %s" % (pname, name), name=name, policy=pname,
                         document=permissions)
                arn = "arn:%s:iam::%s:role%s%s" % (self.partition, self.account, path, name)
            else:
                self._update_role(current, trust, pname, permissions, tags)
                arn = current["arn"]
            result[sa["policy"]] = dict(name=name, arn=arn, namespace=sa["namespace"],
                                        service_account=sa["service_account"])
        names = set(sa["role_name"] for sa in wanted)
        for name in sorted(set(owned) - names):
            self.delete_role(owned[name])
        return result

    def _update_role(self, current, trust, pname, permissions, tags):
        name = current["name"]
        if compare_policies(current["trust"], trust):
            self.add("update_trust", "update trust of role %s" % name, name=name, trust=trust)
        if pname not in current["policies"] or compare_policies(current["policies"][pname], permissions):
            self.add("put_policy", "put policy %s on role %s" % (pname, name), name=name, policy=pname,
                     document=permissions)
        for other in sorted(set(current["policies"]) - set([pname])):
            self.add("delete_policy", "delete policy %s from role %s" % (other, name), name=name, policy=other)
        for arn in current["managed"]:
            self.add("detach_policy", "detach %s from role %s" % (arn, name), name=name, arn=arn)
        missing = dict((k, v) for k, v in tags.items() if current["tags"].get(k) != v)
        if missing:
            self.add("tag_role", "tag role %s with %s" % (name, ", ".join(sorted(missing))), name=name, tags=missing)

    def delete_role(self, role):
        name = role["name"]
        for pname in sorted(role["policies"]):
            self.add("delete_policy", "delete policy %s from role %s" % (pname, name), name=name, policy=pname)
        for arn in role["managed"]:
            self.add("detach_policy", "detach %s from role %s" % (arn, name), name=name, arn=arn)
        self.add("delete_role", "delete role %s" % name, name=name)

    def delete_owned_providers(self, providers):
        key = irsa.oidc_key(self.p["cluster_name"])
        for p in providers:
            if p["tags"].get(OWNER_TAG) == self.p["owner"] and p["tags"].get(KEY_TAG) == key:
                self.add("delete_provider", "delete oidc-provider %s" % p["url"], arn=p["arn"])


def apply(iam, action):
    op, a = action["op"], action["args"]
    if op == "create_provider":
        iam.create_open_id_connect_provider(Url=a["url"], ClientIDList=[irsa.STS_AUDIENCE],
                                            ThumbprintList=a["thumbprints"], Tags=tag_list(a["tags"]))
    elif op == "add_client_id":
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=a["arn"], ClientID=irsa.STS_AUDIENCE)
    elif op == "update_thumbprints":
        iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=a["arn"],
                                                       ThumbprintList=a["thumbprints"])
    elif op == "delete_provider":
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=a["arn"])
    elif op == "create_role":
        iam.create_role(RoleName=a["name"], Path=a["path"], AssumeRolePolicyDocument=json.dumps(a["trust"]),
                        Description=a["description"], Tags=tag_list(a["tags"]))
    elif op == "update_trust":
        iam.update_assume_role_policy(RoleName=a["name"], PolicyDocument=json.dumps(a["trust"]))
    elif op == "put_policy":
        iam.put_role_policy(RoleName=a["name"], PolicyName=a["policy"], PolicyDocument=json.dumps(a["document"]))
    elif op == "delete_policy":
        iam.delete_role_policy(RoleName=a["name"], PolicyName=a["policy"])
    elif op == "detach_policy":
        iam.detach_role_policy(RoleName=a["name"], PolicyArn=a["arn"])
    elif op == "tag_role":
        iam.tag_role(RoleName=a["name"], Tags=tag_list(a["tags"]))
    elif op == "delete_role":
        iam.delete_role(RoleName=a["name"])


def apply_retried(iam, action, owner, provider):
    """``apply``, accepting the answer a retried write gets when its first try was carried out and
    only the reply was lost (or another run made the same change meanwhile). True when the change
    is ours; False for a provider someone else created, which is then used as foreign."""
    try:
        apply(iam, action)
        return True
    except ClientError as e:
        code, op, a = error_code(e), action["op"], action["args"]
        if code == "NoSuchEntity" and op.startswith(("delete_", "detach_")):
            return True
        if code != "EntityAlreadyExists" or op not in ("create_role", "create_provider"):
            raise
        if op == "create_role":
            tags = tag_dict(iam.get_role(RoleName=a["name"])["Role"].get("Tags"))
            if tags.get(OWNER_TAG) == owner and tags.get(KEY_TAG) == a["tags"][KEY_TAG]:
                return True
            raise
        found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=a["arn"])
        if irsa.STS_AUDIENCE not in found.get("ClientIDList", []):
            raise irsa.InputError("cluster_name", "the OIDC provider %s was created meanwhile without client id %s"
                                  % (a["arn"], irsa.STS_AUDIENCE))
        tags = tag_dict(found.get("Tags"))
        provider["owned"] = tags.get(OWNER_TAG) == owner and tags.get(KEY_TAG) == a["tags"][KEY_TAG]
        return provider["owned"]


def snapshot(provider, roles):
    """The --diff view: the cluster's provider and the owned roles' documents."""
    if provider:
        provider = dict((k, provider[k]) for k in ("arn", "url", "client_ids", "thumbprints"))
    return dict(oidc_provider=provider, roles=dict(
        (name, dict(trust=r["trust"], policies=r["policies"], managed_policies=r["managed"]))
        for name, r in sorted(roles.items())))


def predicted(before, actions):
    """``before`` with the actions played on it (what --diff shows as after)."""
    after = json.loads(json.dumps(before))
    for action in actions:
        op, a = action["op"], action["args"]
        role = after["roles"].get(a.get("name"))
        if op == "create_provider":
            after["oidc_provider"] = dict(arn=a["arn"], url=irsa.issuer_host(a["url"]),
                                          client_ids=[irsa.STS_AUDIENCE], thumbprints=a["thumbprints"])
        elif op == "update_thumbprints":
            after["oidc_provider"]["thumbprints"] = a["thumbprints"]
        elif op == "add_client_id":
            after["oidc_provider"]["client_ids"].append(irsa.STS_AUDIENCE)
        elif op == "delete_provider" and after["oidc_provider"] and after["oidc_provider"].get("arn") == a["arn"]:
            after["oidc_provider"] = None
        elif op == "create_role":
            after["roles"][a["name"]] = dict(trust=a["trust"], policies={}, managed_policies=[])
        elif op == "update_trust":
            role["trust"] = a["trust"]
        elif op == "put_policy":
            role["policies"][a["policy"]] = a["document"]
        elif op == "delete_policy":
            role["policies"].pop(a["policy"], None)
        elif op == "detach_policy":
            role["managed_policies"].remove(a["arn"])
        elif op == "delete_role":
            after["roles"].pop(a["name"])
    return after


def run(module, conn):
    p = module.params
    path = irsa.role_path(p["owner"])
    present = p["state"] == "present"
    wanted = irsa.validate_service_accounts(p["cluster_name"], p["service_accounts"]) if present else []
    for index, thumb in enumerate(p["thumbprints"]):
        if not irsa.THUMBPRINT_RE.match(thumb):
            raise irsa.InputError("thumbprints[%d]" % index, "%r is not a 40-digit hex SHA-1 thumbprint" % thumb)

    iam = conn.client("iam")
    partition, account = read_identity(conn.client("sts"))
    cluster = read_cluster(conn.client("eks"), p["cluster_name"])
    result = dict(account_id=account, roles={})
    if cluster:
        result["cluster"] = cluster
    if present and not cluster:
        raise irsa.InputError("cluster_name", "no EKS cluster named %s in %s" % (p["cluster_name"], conn.region))
    zone = read_zone(conn.client("route53"), p["zone_name"]) if present else None
    providers = read_providers(iam)
    owned = read_owned_roles(iam, path, p["owner"], p["cluster_name"])

    planner = Planner(p, partition, account)
    current_provider = None
    if present:
        zone["arn"] = irsa.zone_arn(partition, zone["id"])
        provider = planner.provider(cluster["oidc_issuer"], providers)
        result["roles"] = planner.roles(wanted, owned, provider["arn"], cluster["oidc_issuer"], zone["arn"], path,
                                        lambda name: role_exists(iam, name))
        result.update(oidc_provider=provider, hosted_zone=zone)
        current_provider = next((x for x in providers if x["url"] == provider["url"]), None)
    else:
        for name in sorted(owned):
            planner.delete_role(owned[name])
        planner.delete_owned_providers(providers)
        key = irsa.oidc_key(p["cluster_name"])
        current_provider = next((x for x in providers
                                 if x["tags"].get(OWNER_TAG) == p["owner"] and x["tags"].get(KEY_TAG) == key), None)
    # Deleting a stale provider comes last: roles are already trusting the new one.
    actions = sorted(planner.actions, key=lambda a: a["op"] == "delete_provider")

    before = snapshot(current_provider, owned)
    after = predicted(before, actions)
    if not module.check_mode:
        done = []
        for action in actions:
            try:
                if apply_retried(iam, action, p["owner"], result.get("oidc_provider")):
                    done.append(action["text"])
            except (BotoCoreError, ClientError) as e:
                module.fail_json_aws(e, msg="%s failed" % action["text"], actions=done)
        actions = [a for a in actions if a["text"] in done]
    result.update(changed=bool(actions), actions=[a["text"] for a in actions])
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    return result


def main():
    argument_spec = dict(
        cluster_name=dict(type="str", required=True),
        zone_name=dict(type="str"),
        service_accounts=dict(type="list", elements="dict", default=[dict(policy="external_dns"),
                                                                     dict(policy="cert_manager")],
                              options=dict(policy=dict(type="str", required=True,
                                                       choices=sorted(irsa.POLICIES)),
                                           namespace=dict(type="str"),
                                           service_account=dict(type="str"),
                                           role_name=dict(type="str"))),
        thumbprints=dict(type="list", elements="str", default=[irsa.DEFAULT_THUMBPRINT]),
        owner=dict(type="str", required=True),
        tags=dict(type="dict", default={}),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = new_module(argument_spec, supports_check_mode=True,
                        required_if=[("state", "present", ["zone_name"])])
    try:
        result = run(module, Connection(module))
    except irsa.InputError as e:
        module.fail_json(msg=str(e), field=e.field)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="reading the cluster's IAM and DNS state failed")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
