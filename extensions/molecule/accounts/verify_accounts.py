#!/usr/bin/env python
"""Verify accounts and per-account VPCs with plain boto3: verify_accounts.py OU ENV=CIDR..."""
import sys

import boto3

ROLE = "arn:aws:iam::%s:role/OrganizationAccountAccessRole"


def tags(items):
    return dict((t["Key"], t["Value"]) for t in items or [])


def owned_vpcs(ec2, owner):
    return ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [owner]},
                                      {"Name": "tag:refarch:key", "Values": ["vpc"]}])["Vpcs"]


def main(ou_name, pairs):
    org = boto3.client("organizations")
    sts = boto3.client("sts")
    root_account = sts.get_caller_identity()["Account"]
    accounts = dict((a["Name"], a) for a in org.list_accounts()["Accounts"])
    root_id = org.list_roots()["Roots"][0]["Id"]
    ous = [o for o in org.list_organizational_units_for_parent(ParentId=root_id)["OrganizationalUnits"]
           if o["Name"] == ou_name]
    problems = []
    if len(ous) != 1:
        sys.exit("expected one OU %s, found %d" % (ou_name, len(ous)))
    in_ou = set(a["Id"] for a in org.list_accounts_for_parent(ParentId=ous[0]["Id"])["Accounts"])
    root_ec2 = boto3.client("ec2")
    seen = set()
    for env, cidr in (p.split("=") for p in pairs):
        acc = accounts.get(env)
        if acc is None:
            problems.append("no account named %s" % env)
            continue
        if acc["Id"] in seen or acc["Id"] == root_account:
            problems.append("%s does not have an account of its own (%s)" % (env, acc["Id"]))
        seen.add(acc["Id"])
        if acc["Id"] not in in_ou:
            problems.append("account %s (%s) is not in OU %s" % (env, acc["Id"], ou_name))
        if tags(org.list_tags_for_resource(ResourceId=acc["Id"])["Tags"]).get("refarch:key") != "account/" + env:
            problems.append("account %s lacks its refarch:key tag" % env)
        creds = sts.assume_role(RoleArn=ROLE % acc["Id"], RoleSessionName="verify")["Credentials"]
        session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                        aws_secret_access_key=creds["SecretAccessKey"],
                                        aws_session_token=creds["SessionToken"])
        if session.client("sts").get_caller_identity()["Account"] != acc["Id"]:
            problems.append("assumed role for %s does not act in %s" % (env, acc["Id"]))
        vpcs = owned_vpcs(session.client("ec2"), env)
        if [v["CidrBlock"] for v in vpcs] != [cidr]:
            problems.append("account %s (%s): expected one VPC %s, found %s"
                            % (env, acc["Id"], cidr, [v["CidrBlock"] for v in vpcs]))
        if owned_vpcs(root_ec2, env):
            problems.append("the root account holds a VPC of %s" % env)
    if problems:
        sys.exit("account verification failed:\n- " + "\n- ".join(problems))
    print("verified %d environments, each with its VPC in its own account in OU %s" % (len(seen), ou_name))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
