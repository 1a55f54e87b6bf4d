#!/usr/bin/env python
"""Verify the IRSA side in the emulator with plain boto3: verify_eks.py OWNER CLUSTER ZONE RENDER_DIR."""
import os
import sys

import boto3
import yaml

EXPECTED = {  # policy key -> (role suffix, service account, actions on the zone, actions on *)
    "external_dns": ("external-dns", "system:serviceaccount:external-dns:external-dns",
                     {"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets",
                      "route53:ListTagsForResources"}, {"route53:ListHostedZones"}),
    "cert_manager": ("cert-manager", "system:serviceaccount:cert-manager:cert-manager",
                     {"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"},
                     {"route53:ListHostedZonesByName"}),
}


def as_list(value):
    return [value] if isinstance(value, str) else list(value)


def main(owner, cluster, zone, render_dir):
    iam = boto3.client("iam")
    problems = []
    issuer = boto3.client("eks").describe_cluster(name=cluster)["cluster"]["identity"]["oidc"]["issuer"]
    host = issuer[len("https://"):]
    zone_id = boto3.client("route53").list_hosted_zones_by_name(DNSName=zone)["HostedZones"][0]["Id"].split("/")[-1]
    zone_arn = "arn:aws:route53:::hostedzone/" + zone_id
    providers = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
                 if p["Arn"].endswith("/" + host)]
    if len(providers) != 1:
        sys.exit("expected one OIDC provider for %s, found %d" % (host, len(providers)))
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=providers[0])
    if provider["ClientIDList"] != ["sts.amazonaws.com"]:
        problems.append("provider client ids %s" % provider["ClientIDList"])
    if {t["Key"]: t["Value"] for t in provider.get("Tags", [])}.get("refarch:owner") != owner:
        problems.append("provider not tagged with owner %s" % owner)

    roles = iam.list_roles(PathPrefix="/refarch/%s/" % owner)["Roles"]
    if sorted(r["RoleName"] for r in roles) != sorted("%s-%s" % (cluster, e[0]) for e in EXPECTED.values()):
        problems.append("roles under the owner's path: %s" % [r["RoleName"] for r in roles])
    for policy, (suffix, subject, zone_actions, star_actions) in EXPECTED.items():
        name = "%s-%s" % (cluster, suffix)
        role = iam.get_role(RoleName=name)["Role"]
        tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
        if tags.get("refarch:owner") != owner or tags.get("refarch:key") != "irsa/%s/%s" % (cluster, policy):
            problems.append("%s tags %s" % (name, tags))
        statements = role["AssumeRolePolicyDocument"]["Statement"]
        expected_condition = {"StringEquals": {host + ":sub": subject, host + ":aud": "sts.amazonaws.com"}}
        if len(statements) != 1 or statements[0]["Condition"] != expected_condition \
                or statements[0]["Principal"] != {"Federated": providers[0]}:
            problems.append("%s trust is %s" % (name, statements))
        names = iam.list_role_policies(RoleName=name)["PolicyNames"]
        if len(names) != 1 or iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            problems.append("%s carries %s plus managed policies" % (name, names))
            continue
        doc = iam.get_role_policy(RoleName=name, PolicyName=names[0])["PolicyDocument"]
        on_zone, on_star = set(), set()
        for s in doc["Statement"]:
            resources = as_list(s["Resource"])
            if resources == [zone_arn]:
                on_zone.update(as_list(s["Action"]))
            elif resources == ["*"]:
                on_star.update(as_list(s["Action"]))
            elif not all(r.endswith(":route53:::change/*") for r in resources):
                problems.append("%s grants on %s" % (name, resources))
        if on_zone != zone_actions or on_star != star_actions:
            problems.append("%s grants %s on the zone and %s on *" % (name, sorted(on_zone), sorted(on_star)))
        release = suffix
        with open(os.path.join(render_dir, release, "values.yaml")) as f:
            values = yaml.safe_load(f)
        if values["serviceAccount"]["annotations"].get("eks.amazonaws.com/role-arn") != role["Arn"]:
            problems.append("%s values do not carry %s" % (release, role["Arn"]))
    with open(os.path.join(render_dir, "cert-manager", "manifests.yaml")) as f:
        issuers = [d for d in yaml.safe_load_all(f) if d]
    if [i["spec"]["acme"]["solvers"][0]["dns01"]["route53"]["hostedZoneID"] for i in issuers] != [zone_id, zone_id]:
        problems.append("ClusterIssuers do not name zone %s" % zone_id)
    if problems:
        sys.exit("EKS IRSA verification failed:\n- " + "\n- ".join(problems))
    print("EKS IRSA verified: provider %s, %d roles scoped to %s" % (providers[0], len(roles), zone_arn))


if __name__ == "__main__":
    main(*sys.argv[1:5])
