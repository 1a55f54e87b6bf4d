"""Verify a converged VPC in the emulator with plain boto3: verify_vpc.py OWNER CIDR NAT_MODE."""
import ipaddress
import sys

import boto3


def tags(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags", []))


def main(owner, cidr, nat_mode):
    ec2 = boto3.client("ec2")
    problems = []
    owned = [{"Name": "tag:refarch:owner", "Values": [owner]}]
    vpcs = ec2.describe_vpcs(Filters=owned + [{"Name": "tag:refarch:key", "Values": ["vpc"]}])["Vpcs"]
    if len(vpcs) != 1:
        sys.exit("expected one owned VPC, found %d" % len(vpcs))
    vpc = vpcs[0]
    vpc_id = vpc["VpcId"]
    if vpc["CidrBlock"] != cidr:
        problems.append("VPC CIDR %s != %s" % (vpc["CidrBlock"], cidr))
    for attr, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        if not ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"]:
            problems.append("%s is off" % attr)
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    by_id = dict((s["SubnetId"], s) for s in subnets)
    base = ipaddress.ip_network(cidr)
    for s in subnets:
        t = tags(s)
        if t.get("refarch:owner") != owner or not t.get("refarch:key", "").startswith("subnet/"):
            problems.append("subnet %s lacks owner/key tags" % s["SubnetId"])
        if not ipaddress.ip_network(s["CidrBlock"]).subnet_of(base):
            problems.append("subnet %s outside the VPC" % s["CidrBlock"])
        if s["MapPublicIpOnLaunch"] != (t.get("refarch:tier") == "public"):
            problems.append("subnet %s map_public_ip is %s" % (t.get("refarch:key"), s["MapPublicIpOnLaunch"]))
    tiers = sorted(set(tags(s).get("refarch:tier") for s in subnets))
    if tiers != ["persistence", "private", "public"] or len(subnets) != 9:
        problems.append("expected 9 subnets in 3 tiers, got %d in %s" % (len(subnets), tiers))
    nats = dict((n["NatGatewayId"], n) for n in ec2.describe_nat_gateways(Filter=in_vpc)["NatGateways"]
                if n["State"] == "available")
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    if len(igws) != 1:
        problems.append("expected one attached IGW, got %d" % len(igws))
    expected_nats = 3 if nat_mode == "per_az" else 1
    if len(nats) != expected_nats:
        problems.append("expected %d NAT gateways, got %d" % (expected_nats, len(nats)))
    for table in ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]:
        defaults = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        for assoc in table.get("Associations", []):
            subnet = by_id.get(assoc.get("SubnetId"))
            if not subnet:
                continue
            tier = tags(subnet)["refarch:tier"]
            if tier == "public" and not (defaults and defaults[0].get("GatewayId", "").startswith("igw-")):
                problems.append("public subnet %s has no route to the IGW" % subnet["SubnetId"])
            if tier == "private":
                nat = nats.get(defaults[0].get("NatGatewayId")) if defaults else None
                if nat is None:
                    problems.append("private subnet %s has no route to a NAT" % subnet["SubnetId"])
                elif nat_mode == "per_az" and by_id[nat["SubnetId"]]["AvailabilityZone"] != subnet["AvailabilityZone"]:
                    problems.append("private subnet %s uses a NAT in another AZ" % subnet["SubnetId"])
            if tier == "persistence" and any(r.get("GatewayId", "") != "local" for r in table["Routes"]):
                problems.append("persistence subnet %s has a non-local route: %s" % (subnet["SubnetId"], table["Routes"]))
    default_sg = ec2.describe_security_groups(Filters=in_vpc + [{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if default_sg["IpPermissions"] or default_sg["IpPermissionsEgress"]:
        problems.append("default security group still has rules")
    if not ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]:
        problems.append("no flow log on the VPC")
    if problems:
        sys.exit("VPC verification failed:\n- " + "\n- ".join(problems))
    print("VPC %s verified: %d subnets, %d NAT gateways, persistence isolated, default SG empty" % (vpc_id, len(subnets), len(nats)))


if __name__ == "__main__":
    main(*sys.argv[1:4])
