#!/usr/bin/env python
"""Verify the demo peerings with plain boto3: verify_peering.py present|absent [single].

present: management <-> production and management <-> development are active with DNS
resolution on both sides; each side routes the peer's CIDR through the connection in its
private and persistence route tables (and management's public one, where the VPN sits) and nowhere else; development and production have no
connection and no route to each other. absent: no live connection and no route through one.
"""
import sys

import boto3

ACCOUNTS = {"management": "111111111111", "development": "222222222222", "production": "333333333333"}
CIDRS = {"management": "10.120.0.0/16", "development": "10.110.0.0/16", "production": "10.130.0.0/16"}
LINKS = [("development", "management"), ("management", "production")]
CHOSEN = ("private", "persistence")
# the VPN's subnet tier routes to the environments it serves (management's: both; docs/vpn.md)
VPN_TIERS = {"management": ("public",)}


def ec2_for(env, single):
    if single:
        return boto3.client("ec2")
    creds = boto3.client("sts").assume_role(
        RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % ACCOUNTS[env],
        RoleSessionName="verify")["Credentials"]
    return boto3.client("ec2", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def tags(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags", []))


def tier_tables(ec2, env):
    """{route table id: (key, tiers of its subnets, routes)} for the env's owned tables."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [env]},
                                     {"Name": "tag:refarch:key", "Values": ["vpc"]}])["Vpcs"][0]["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    tier_of = dict((s["SubnetId"], tags(s).get("refarch:tier")) for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"])
    result = {}
    for table in ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]:
        tiers = set(tier_of.get(a.get("SubnetId")) for a in table.get("Associations", []) if a.get("SubnetId"))
        result[table["RouteTableId"]] = (tags(table).get("refarch:key", table["RouteTableId"]), tiers, table["Routes"])
    return vpc, result


def live(conns):
    return [c for c in conns if c["Status"]["Code"] not in ("deleted", "rejected", "failed", "expired")]


def main(mode, single=False):
    problems = []
    clients = dict((env, ec2_for(env, single)) for env in ACCOUNTS)
    tables = dict((env, tier_tables(clients[env], env)) for env in ACCOUNTS)
    connections = {}
    for env, ec2 in clients.items():
        for conn in live(ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]):
            connections[conn["VpcPeeringConnectionId"]] = conn
    by_vpcs = dict((frozenset([c["RequesterVpcInfo"]["VpcId"], c["AccepterVpcInfo"]["VpcId"]]), c)
                   for c in connections.values())
    if mode == "absent":
        if connections:
            problems.append("live peering connections remain: %s" % sorted(connections))
        for env, (vpc, env_tables) in tables.items():
            for key, tiers, routes in env_tables.values():
                left = [r for r in routes if r.get("VpcPeeringConnectionId")]
                if left:
                    problems.append("%s %s still routes through peering: %s" % (env, key, left))
    else:
        for a, b in LINKS:
            conn = by_vpcs.get(frozenset([tables[a][0], tables[b][0]]))
            if conn is None:
                problems.append("no live peering between %s and %s" % (a, b))
                continue
            if conn["Status"]["Code"] != "active":
                problems.append("%s <-> %s is %s" % (a, b, conn["Status"]["Code"]))
            for side in ("RequesterVpcInfo", "AccepterVpcInfo"):
                if not conn[side].get("PeeringOptions", {}).get("AllowDnsResolutionFromRemoteVpc"):
                    problems.append("%s <-> %s: DNS resolution off on the %s side" % (a, b, side))
            pcx = conn["VpcPeeringConnectionId"]
            for env, peer in ((a, b), (b, a)):
                for key, tiers, routes in tables[env][1].values():
                    via = dict((r.get("DestinationCidrBlock"), r.get("VpcPeeringConnectionId")) for r in routes)
                    wanted = bool(tiers & set(CHOSEN + VPN_TIERS.get(env, ())))
                    if wanted and via.get(CIDRS[peer]) != pcx:
                        problems.append("%s %s has no route to %s via %s" % (env, key, peer, pcx))
                    if not wanted and via.get(CIDRS[peer]):
                        problems.append("%s %s (tiers %s) routes to %s" % (env, key, sorted(tiers), peer))
        if frozenset([tables["development"][0], tables["production"][0]]) in by_vpcs:
            problems.append("development and production are peered")
        for env, peer in (("development", "production"), ("production", "development")):
            for key, tiers, routes in tables[env][1].values():
                if any(r.get("DestinationCidrBlock") == CIDRS[peer] for r in routes):
                    problems.append("%s %s has a route to %s" % (env, key, peer))
    if problems:
        sys.exit("peering verification failed:\n- " + "\n- ".join(problems))
    print("peering verified (%s): %d live connections" % (mode, len(connections)))


if __name__ == "__main__":
    main(sys.argv[1], len(sys.argv) > 2 and sys.argv[2] == "single")
