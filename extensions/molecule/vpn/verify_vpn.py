#!/usr/bin/env python
"""Verify the VPN server the scenario converged, straight from the emulator with boto3.

usage: verify_vpn.py OWNER INSTANCE_TYPE VPN_PROTOCOL VPN_PORT ADMIN_CIDR...
"""

import base64
import sys

import boto3


def tags(resource):
    return dict((t["Key"], t["Value"]) for t in resource.get("Tags", []))


def main(owner, instance_type, protocol, port, *admin_cidrs):
    ec2 = boto3.client("ec2")
    problems = []
    live = ["pending", "running", "stopping", "stopped"]
    instances = [i for r in ec2.describe_instances(Filters=[
        {"Name": "tag:refarch:owner", "Values": [owner]}, {"Name": "tag:refarch:key", "Values": ["instance/vpn"]},
        {"Name": "instance-state-name", "Values": live}])["Reservations"] for i in r["Instances"]]
    if len(instances) != 1:
        return ["expected exactly one VPN instance, found %d" % len(instances)]
    inst = instances[0]
    iid = inst["InstanceId"]
    if inst["InstanceType"] != instance_type:
        problems.append("instance type %s, expected %s" % (inst["InstanceType"], instance_type))
    subnet = ec2.describe_subnets(SubnetIds=[inst["SubnetId"]])["Subnets"][0]
    if tags(subnet).get("refarch:tier") != "public" or tags(subnet).get("refarch:owner") != owner:
        problems.append("instance is in %s, not an owned public subnet" % inst["SubnetId"])
    meta = inst.get("MetadataOptions", {})
    if meta.get("HttpTokens") != "required" or meta.get("HttpPutResponseHopLimit") != 1:
        problems.append("IMDSv2 not required with hop limit 1: %s" % meta)
    if inst.get("KeyName"):
        problems.append("instance has key pair %s" % inst["KeyName"])
    if not inst.get("IamInstanceProfile"):
        problems.append("no instance profile (SSM Session Manager)")
    root = [m for m in inst["BlockDeviceMappings"] if m["DeviceName"] == inst["RootDeviceName"]]
    volume = ec2.describe_volumes(VolumeIds=[root[0]["Ebs"]["VolumeId"]])["Volumes"][0] if root else {}
    if not volume.get("Encrypted") or volume.get("VolumeType") != "gp3":
        problems.append("root volume not encrypted gp3: %s" % {k: volume.get(k) for k in ("Encrypted", "VolumeType")})
    protection = ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")
    if not protection["DisableApiTermination"]["Value"]:
        problems.append("termination protection is off")
    user_data = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData").get("UserData", {})
    text = base64.b64decode(user_data.get("Value", "")).decode() if user_data.get("Value") else ""
    if not text.startswith("#cloud-config") or "pritunl" not in text or "mongod" not in text:
        problems.append("user data missing or not the Pritunl cloud-config")
    addresses = ec2.describe_addresses(Filters=[{"Name": "tag:refarch:owner", "Values": [owner]},
                                                {"Name": "tag:refarch:key", "Values": ["eip/vpn"]}])["Addresses"]
    if len(addresses) != 1 or addresses[0].get("InstanceId") != iid:
        problems.append("Elastic IP not attached to %s: %s" % (iid, addresses))
    groups = [g["GroupId"] for g in inst["SecurityGroups"]]
    rules = set()
    for group in ec2.describe_security_groups(GroupIds=groups)["SecurityGroups"]:
        for perm in group["IpPermissions"]:
            for rng in perm.get("IpRanges", []):
                rules.add((perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"), rng["CidrIp"]))
            if perm.get("Ipv6Ranges") or perm.get("UserIdGroupPairs") or perm.get("PrefixListIds"):
                problems.append("unexpected non-IPv4 rule %s" % perm)
    expected = {(protocol, int(port), int(port), "0.0.0.0/0")} | {("tcp", 443, 443, c) for c in admin_cidrs}
    if rules != expected:
        problems.append("security group rules %s, expected exactly %s" % (sorted(rules), sorted(expected)))
    for proto, low, high, cidr in rules:
        if cidr == "0.0.0.0/0" and (proto in ("tcp", "-1")) and (proto == "-1" or low <= 443 <= high or low <= 22 <= high):
            problems.append("world access to 443 or 22: %s" % ((proto, low, high, cidr),))
    return problems


if __name__ == "__main__":
    found = main(*sys.argv[1:])
    for problem in found:
        print("FAIL: %s" % problem)
    if found:
        sys.exit(1)
    print("VPN verified: one hardened instance, EIP attached, security group exact, user data present")
