# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of eks_irsa: the account, the cluster's issuer, the hosted zone, the OIDC
providers and the owned IRSA roles, as a snapshot of plain dicts (see ``read_irsa``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.irsa import role_key


def read_identity(sts):
    """(partition, account id) of the caller."""
    parts = sts.get_caller_identity()["Arn"].split(":")
    return parts[1], parts[4]


def read_cluster(eks, name):
    """{name, arn, oidc_issuer} of the EKS cluster, or None when there is none."""
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
        raise InputError("zone_name", "no public hosted zone named %s" % wanted.rstrip("."))
    if len(public) > 1:
        raise InputError("zone_name", "%d public hosted zones are named %s (%s); keep one"
                         % (len(public), wanted.rstrip("."), ", ".join(z["Id"] for z in public)))
    return dict(id=public[0]["Id"].split("/")[-1], name=wanted.rstrip("."))


def read_providers(iam):
    """Every OIDC provider of the account: {arn, url, client_ids, thumbprints, tags}."""
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


def _document(doc):
    # boto3 decodes policy documents; parse if a string slipped through
    return json.loads(doc) if isinstance(doc, str) else doc


def read_owned_roles(iam, path, owner, cluster):
    """{role name: state} for the roles under ``path`` tagged with our owner and this cluster."""
    prefix = role_key(cluster, "")
    roles = {}
    for listed in paginate(iam, "list_roles", "Roles", PathPrefix=path):
        role = iam.get_role(RoleName=listed["RoleName"])["Role"]
        tags = tag_dict(role.get("Tags"))
        if tags.get(OWNER_TAG) != owner or not tags.get(KEY_TAG, "").startswith(prefix):
            continue
        name = role["RoleName"]
        policies = {}
        for pname in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            policies[pname] = _document(iam.get_role_policy(RoleName=name, PolicyName=pname)["PolicyDocument"])
        managed = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        roles[name] = dict(name=name, arn=role["Arn"], key=tags[KEY_TAG], tags=tags,
                           trust=_document(role.get("AssumeRolePolicyDocument")), policies=policies,
                           managed=managed)
    return roles


def role_exists(iam, name):
    try:
        return iam.get_role(RoleName=name)["Role"] is not None
    except ClientError as e:
        if error_code(e) == "NoSuchEntity":
            return False
        raise


def read_irsa(clients, plan, region):
    """Snapshot for ``irsa_diff``:

    {partition, account, cluster: None | {name, arn, oidc_issuer}, zone: None | {id, name},
     providers: [{arn, url, client_ids, thumbprints, tags}], roles: {name: owned role},
     taken: [wanted role names that exist but are not ours]}

    A missing cluster (when the roles are wanted) or zone is an InputError.
    """
    partition, account = read_identity(clients["sts"])
    cluster = read_cluster(clients["eks"], plan["cluster"])
    if plan["present"] and not cluster:
        raise InputError("cluster_name", "no EKS cluster named %s in %s" % (plan["cluster"], region))
    zone = read_zone(clients["route53"], plan["zone_name"]) if plan["present"] else None
    iam = clients["iam"]
    providers = read_providers(iam)
    roles = read_owned_roles(iam, plan["path"], plan["owner"], plan["cluster"])
    taken = [sa["role_name"] for sa in plan["service_accounts"]
             if sa["role_name"] not in roles and role_exists(iam, sa["role_name"])]
    return dict(partition=partition, account=account, cluster=cluster, zone=zone, providers=providers,
                roles=roles, taken=taken)
