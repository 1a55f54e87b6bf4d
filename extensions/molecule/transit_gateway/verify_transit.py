#!/usr/bin/env python
"""Verify the demo Transit Gateway with plain boto3: verify_transit.py present|absent.

present: one TGW owned by management; one available attachment per environment in its
private subnets, associated with its own TGW route table; propagations follow the links
(management <- development, production; development <- management; production <- management);
private and persistence route tables route the peers' CIDRs through the TGW, public ones do
not (but management's, where the VPN serves them); development and production have no path to each other. absent: nothing of it is left.
"""
import sys

import boto3

CIDRS = {"management": "10.120.0.0/16", "development": "10.110.0.0/16", "production": "10.130.0.0/16"}
PEERS = {"management": ["development", "production"], "development": ["management"], "production": ["management"]}
CHOSEN = ("private", "persistence")
# the VPN's subnet tier routes to the environments it serves (management's: both; docs/vpn.md)
VPN_TIERS = {"management": ("public",)}


def tags(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags", []))


def main(mode):
    ec2 = boto3.client("ec2")
    problems = []
    tgws = [t for t in ec2.describe_transit_gateways()["TransitGateways"]
            if t["State"] not in ("deleted", "deleting") and tags(t).get("refarch:owner") == "management"]
    atts = [a for a in ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
            if a["State"] not in ("deleted", "deleting")]
    vpcs, tables = {}, {}
    for env in CIDRS:
        vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [env]},
                                         {"Name": "tag:refarch:key", "Values": ["vpc"]}])["Vpcs"][0]["VpcId"]
        vpcs[env] = vpc
        in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
        tier_of = dict((s["SubnetId"], tags(s).get("refarch:tier")) for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"])
        tables[env] = []
        for t in ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]:
            tiers = set(tier_of.get(a.get("SubnetId")) for a in t.get("Associations", []) if a.get("SubnetId"))
            tables[env].append((tags(t).get("refarch:key"), tiers, t["Routes"]))
    if mode == "absent":
        if tgws or atts:
            problems.append("left: %s %s" % ([t["TransitGatewayId"] for t in tgws], [a["TransitGatewayAttachmentId"] for a in atts]))
        for env, env_tables in tables.items():
            for key, tiers, routes in env_tables:
                if any(r.get("TransitGatewayId") for r in routes):
                    problems.append("%s %s still routes through a TGW" % (env, key))
    else:
        if len(tgws) != 1:
            sys.exit("expected one TGW owned by management, found %d" % len(tgws))
        tgw = tgws[0]["TransitGatewayId"]
        by_vpc = dict((a["VpcId"], a) for a in atts)
        env_of = dict((v, e) for e, v in vpcs.items())
        rtbs = dict((tags(t).get("refarch:key"), t["TransitGatewayRouteTableId"])
                    for t in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
                    if t["State"] == "available" and tags(t).get("refarch:owner") == "management")
        for env, peers in PEERS.items():
            att = by_vpc.get(vpcs[env])
            if not att or att["State"] != "available" or len(att["SubnetIds"]) != 3:
                problems.append("%s: attachment missing, not available or not in 3 subnets: %s" % (env, att))
                continue
            if tags(att).get("refarch:key") != "tgw-attach/%s" % env:
                problems.append("%s: attachment not tagged: %s" % (env, tags(att)))
            rtb = rtbs.get("tgw-rtb/%s" % env)
            if not rtb:
                problems.append("%s: no TGW route table" % env)
                continue
            assoc = [a["ResourceId"] for a in ec2.get_transit_gateway_route_table_associations(
                TransitGatewayRouteTableId=rtb)["Associations"] if a["State"] == "associated"]
            if assoc != [vpcs[env]]:
                problems.append("%s: TGW route table associated with %s" % (env, assoc))
            props = sorted(env_of.get(p["ResourceId"], p["ResourceId"]) for p in ec2.get_transit_gateway_route_table_propagations(
                TransitGatewayRouteTableId=rtb)["TransitGatewayRouteTablePropagations"] if p["State"] == "enabled"
                if p["TransitGatewayAttachmentId"] in set(a["TransitGatewayAttachmentId"] for a in atts))
            if props != sorted(peers):
                problems.append("%s: TGW route table learns from %s, expected %s" % (env, props, sorted(peers)))
            for key, tiers, routes in tables[env]:
                via = dict((r.get("DestinationCidrBlock"), r.get("TransitGatewayId")) for r in routes)
                for other in CIDRS:
                    wanted = other in peers and bool(tiers & set(CHOSEN + VPN_TIERS.get(env, ())))
                    if wanted and via.get(CIDRS[other]) != tgw:
                        problems.append("%s %s has no route to %s via %s" % (env, key, other, tgw))
                    if not wanted and other != env and CIDRS[other] in via:
                        problems.append("%s %s (tiers %s) routes to %s" % (env, key, sorted(tiers), other))
    if problems:
        sys.exit("transit gateway verification failed:\n- " + "\n- ".join(problems))
    print("transit gateway verified (%s)" % mode)


if __name__ == "__main__":
    main(sys.argv[1])
