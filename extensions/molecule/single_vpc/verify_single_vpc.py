#!/usr/bin/env python
"""Verify the single-VPC layout in the emulator with plain boto3: verify_single_vpc.py OWNER OCTET.

Checks the seed's allocation table (subnet CIDRs and AZs), route tables and associations,
subnet groups, the twelve endpoints (private DNS, groups, subnet) and the security group rules.
"""
import sys

import boto3

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
TABLE = {
    "eks_private": ["0.0/20", "16.0/20", "32.0/20"], "eks_public": ["48.0/22", "52.0/22", "56.0/22"],
    "endpoints": ["100.0/24"], "aurora": ["253.192/28", "253.208/28", "253.224/28"],
    "documentdb": ["255.128/28", "255.144/28", "255.160/28"], "elasticache": ["255.64/28", "255.80/28", "255.96/28"],
}
SERVICES = ["ec2", "ecr.api", "ecr.dkr", "logs", "sts", "elasticloadbalancing", "autoscaling", "secretsmanager",
            "rds", "s3", "elasticache", "email-smtp"]


def tags(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags", []))


def main(owner, octet):
    ec2, problems = boto3.client("ec2"), []
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [owner]}])["Vpcs"][0]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    if vpc["CidrBlock"] != "10.%s.0.0/16" % octet:
        problems.append("VPC CIDR %s" % vpc["CidrBlock"])

    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    tier_of = dict((s["SubnetId"], tags(s).get("refarch:tier")) for s in subnets)
    got = dict((t, sorted((s["AvailabilityZone"], s["CidrBlock"]) for s in subnets if tier_of[s["SubnetId"]] == t))
               for t in TABLE)
    for tier, cidrs in TABLE.items():
        want = [(az, "10.%s.%s" % (octet, c)) for az, c in zip(AZS, cidrs)]
        if got[tier] != want:
            problems.append("tier %s: %s != %s" % (tier, got[tier], want))

    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])
    igw_id = igw["InternetGateways"][0]["InternetGatewayId"]
    nats = [n for n in ec2.describe_nat_gateways(Filter=in_vpc)["NatGateways"] if n["State"] == "available"]
    if len(nats) != 1 or tier_of.get(nats[0]["SubnetId"]) != "eks_public" or \
            [s["AvailabilityZone"] for s in subnets if s["SubnetId"] == nats[0]["SubnetId"]] != ["us-east-1a"]:
        problems.append("expected one NAT gateway in the first public subnet, got %s" % [n["SubnetId"] for n in nats])
    expect = {"private": (["eks_private"] * 3 + ["endpoints"], "nat"), "eks_public": (["eks_public"] * 3, igw_id),
              "managed": (["aurora"] * 3 + ["documentdb"] * 3 + ["elasticache"] * 3, None)}
    for table in ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]:
        name = tags(table).get("refarch:route-table")
        if name not in expect:
            continue
        tiers, target = expect.pop(name)
        assoc = sorted(tier_of.get(a.get("SubnetId")) for a in table["Associations"] if a.get("SubnetId"))
        if assoc != sorted(tiers):
            problems.append("route table %s serves %s" % (name, assoc))
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        if target is None and default:
            problems.append("route table %s has a default route" % name)
        elif target == "nat" and (not default or default[0].get("NatGatewayId") != nats[0]["NatGatewayId"]):
            problems.append("route table %s: default route is not the NAT gateway" % name)
        elif target not in (None, "nat") and (not default or default[0].get("GatewayId") != target):
            problems.append("route table %s: default route is not the IGW" % name)
    if expect:
        problems.append("missing route tables %s" % sorted(expect))

    groups = dict((g["GroupName"], g) for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"])
    base, eks, lb = groups["default"], groups[owner + "-eks_cluster"], groups[owner + "-public_lb"]

    def pairs(group):
        return [(p["IpProtocol"], pair["GroupId"]) for p in group["IpPermissions"] for pair in p["UserIdGroupPairs"]]
    if ("-1", eks["GroupId"]) not in pairs(base):
        problems.append("default group lacks eks_to_base")
    if pairs(eks) != [("-1", base["GroupId"])]:
        problems.append("eks_cluster ingress %s" % pairs(eks))
    lb_in = sorted((p["FromPort"], r.get("CidrIp") or r.get("CidrIpv6")) for p in lb["IpPermissions"]
                   for r in p["IpRanges"] + p["Ipv6Ranges"])
    if lb_in != [(443, "0.0.0.0/0"), (443, "::/0"), (10000, "10.0.0.0/8"), (10000, "172.16.0.0/12"),
                 (10000, "192.168.0.0/16")]:
        problems.append("public_lb ingress %s" % lb_in)
    lb_out = sorted((p["IpProtocol"], r.get("CidrIp") or r.get("CidrIpv6")) for p in lb["IpPermissionsEgress"]
                    for r in p["IpRanges"] + p["Ipv6Ranges"])
    if lb_out != [("-1", "0.0.0.0/0"), ("-1", "::/0")]:
        problems.append("public_lb egress %s" % lb_out)

    endpoints = [e for e in ec2.describe_vpc_endpoints(Filters=in_vpc)["VpcEndpoints"] if e["State"] == "available"]
    found = sorted(e["ServiceName"].split(".", 3)[-1] for e in endpoints)
    if found != sorted(SERVICES):
        problems.append("endpoints %s" % found)
    for e in endpoints:
        service = e["ServiceName"].split(".", 3)[-1]
        if e["VpcEndpointType"] != "Interface" or e["PrivateDnsEnabled"] != (service != "s3"):
            problems.append("endpoint %s: %s private_dns %s" % (service, e["VpcEndpointType"], e["PrivateDnsEnabled"]))
        if sorted(g["GroupId"] for g in e["Groups"]) != sorted([base["GroupId"], eks["GroupId"]]):
            problems.append("endpoint %s groups %s" % (service, e["Groups"]))
        if [tier_of.get(s) for s in e["SubnetIds"]] != ["endpoints"]:
            problems.append("endpoint %s subnets %s" % (service, e["SubnetIds"]))

    prefix = owner.replace("_", "-")
    db = dict((g["DBSubnetGroupName"], g) for g in boto3.client("rds").describe_db_subnet_groups()["DBSubnetGroups"])
    cache = dict((g["CacheSubnetGroupName"], g)
                 for g in boto3.client("elasticache").describe_cache_subnet_groups()["CacheSubnetGroups"])
    for name, tier, source in (("aurora", "aurora", db), ("documentdb", "documentdb", db),
                               ("elasticache", "elasticache", cache)):
        group = source.get("%s-%s" % (prefix, name))
        members = sorted(tier_of.get(s["SubnetIdentifier"]) for s in group["Subnets"]) if group else None
        if members != [tier] * 3:
            problems.append("subnet group %s spans %s" % (name, members))

    if problems:
        sys.exit("single-VPC layout problems:\n  " + "\n  ".join(problems))
    print("single-VPC layout verified: %d subnets, 3 route tables, 12 endpoints, 3 subnet groups" % len(subnets))


if __name__ == "__main__":
    main(*sys.argv[1:])
