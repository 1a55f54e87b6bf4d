"""Verify the environments' DNS in the emulator with plain boto3.

verify_dns.py DOMAIN OWNER:RESOLVER:PRIVATE_ZONE:PUBLIC_ZONE ...   or   verify_dns.py --empty
"""
import ipaddress
import sys

import boto3


def zones(r53, name, private):
    name = name.rstrip(".") + "."
    return [z for z in r53.list_hosted_zones_by_name(DNSName=name)["HostedZones"]
            if z["Name"] == name and z["Config"]["PrivateZone"] == private]


def tags(r53, zone):
    got = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone["Id"].split("/")[-1])
    return dict((t["Key"], t["Value"]) for t in got["ResourceTagSet"]["Tags"])


def main(domain, envs):
    r53, ec2 = boto3.client("route53"), boto3.client("ec2")
    problems = []
    parents = zones(r53, domain, False)
    if len(parents) != 1:
        sys.exit("expected one public zone %s, found %d" % (domain, len(parents)))
    parent_records = r53.list_resource_record_sets(HostedZoneId=parents[0]["Id"])["ResourceRecordSets"]
    for env in envs:
        owner, resolver, private_name, public_name = env.split(":")
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [owner]},
                                          {"Name": "tag:refarch:key", "Values": ["vpc"]}])["Vpcs"]
        if len(vpcs) != 1:
            problems.append("%s: expected one owned VPC, found %d" % (owner, len(vpcs)))
            continue
        vpc = vpcs[0]
        base_plus_two = str(ipaddress.ip_network(vpc["CidrBlock"]).network_address + 2)
        if base_plus_two != resolver:
            problems.append("%s: resolver of %s is %s, expected %s" % (owner, vpc["CidrBlock"], base_plus_two, resolver))
        private = zones(r53, private_name, True)
        if len(private) != 1 or tags(r53, private[0]).get("refarch:owner") != owner:
            problems.append("%s: expected one private zone %s owned by it" % (owner, private_name))
        else:
            associated = [v["VPCId"] for v in r53.get_hosted_zone(Id=private[0]["Id"])["VPCs"]]
            if associated != [vpc["VpcId"]]:
                problems.append("%s: %s is associated with %s, expected %s" % (owner, private_name, associated, vpc["VpcId"]))
        public = zones(r53, public_name, False)
        if len(public) != 1 or tags(r53, public[0]).get("refarch:owner") != owner:
            problems.append("%s: expected one public zone %s owned by it" % (owner, public_name))
            continue
        servers = sorted(s.rstrip(".") for s in r53.get_hosted_zone(Id=public[0]["Id"])["DelegationSet"]["NameServers"])
        ns = [r for r in parent_records if r["Name"] == public_name + "." and r["Type"] == "NS"]
        delegated = sorted(v["Value"].rstrip(".") for v in ns[0]["ResourceRecords"]) if ns else []
        if not servers or delegated != servers:
            problems.append("%s: NS %s in %s is %s, the zone's name servers are %s" % (
                owner, public_name, domain, delegated, servers))
        print("%s: resolver %s, private %s on %s, %s delegated from %s (%d name servers)" % (
            owner, resolver, private_name, vpc["VpcId"], public_name, domain, len(servers)))
    if problems:
        sys.exit("DNS verification failed:\n- " + "\n- ".join(problems))


def empty():
    left = boto3.client("route53").list_hosted_zones()["HostedZones"]
    if left:
        sys.exit("hosted zones left after teardown: %s" % ", ".join(z["Name"] for z in left))
    print("no hosted zone left")


if __name__ == "__main__":
    if sys.argv[1:] == ["--empty"]:
        empty()
    else:
        main(sys.argv[1], sys.argv[2:])
