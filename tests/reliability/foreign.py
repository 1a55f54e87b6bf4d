# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 3: resources we do not own, inside what we own, survive converge and teardown.

In an environment's own account, next to the built VPC: a subnet and a network interface in
it, a route in an owned route table (to that interface, as EKS or a VPN would add), a rule in
an owned security group, a record in an owned private zone, a tag on the owned VPC. After a
converge and after a teardown each must still be there with the same attributes.
"""

import ipaddress

import state

ENV = "production"
FOREIGN_CIDR = "192.168.77.0/24"   # destination of the foreign route
RULE = {"IpProtocol": "tcp", "FromPort": 9443, "ToPort": 9443,
        "IpRanges": [{"CidrIp": "198.51.100.0/24", "Description": "foreign monitoring"}]}
TAG = {"Key": "team", "Value": "networking (foreign)"}


def _clients(endpoint, env=ENV):
    _id, session = state.accounts(endpoint)[env]
    return (session.client("ec2", endpoint_url=endpoint, config=state.CONFIG),
            session.client("route53", endpoint_url=endpoint, config=state.CONFIG))


def _owned(items, key):
    return [i for i in items if state.tags_of(i).get(state.OWNER_TAG) == ENV and state.tags_of(i).get(state.KEY_TAG) == key]


def free_cidr(vpc_cidr, taken, prefix=24):
    """The highest /prefix block of the VPC that overlaps no existing subnet."""
    taken = [ipaddress.ip_network(c) for c in taken]
    for block in reversed(list(ipaddress.ip_network(vpc_cidr).subnets(new_prefix=prefix))):
        if not any(block.overlaps(t) for t in taken):
            return str(block)
    raise RuntimeError("no free /%d in %s" % (prefix, vpc_cidr))


def create(endpoint):
    """Create the foreign resources; returns their description (ids and attributes)."""
    ec2, r53 = _clients(endpoint)
    vpc = _owned(ec2.describe_vpcs()["Vpcs"], "vpc")[0]
    vpc_id = vpc["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    cidr = free_cidr(vpc["CidrBlock"], [s["CidrBlock"] for s in subnets])
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone="us-east-1a", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "foreign-subnet"}]}])["Subnet"]
    eni = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Description="foreign appliance")["NetworkInterface"]
    table = _owned(ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"],
                   "rtb/private/us-east-1a")[0]
    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=FOREIGN_CIDR,
                     NetworkInterfaceId=eni["NetworkInterfaceId"])
    group = _owned(ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"],
                   "sg/app")[0]
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[RULE])
    ec2.create_tags(Resources=[vpc_id], Tags=[TAG])
    zone = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Config"].get("PrivateZone")][0]
    record_name = "foreign." + zone["Name"]
    r53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{
        "Action": "CREATE", "ResourceRecordSet": {"Name": record_name, "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "10.130.255.10"}]}}]})
    return dict(vpc_id=vpc_id, subnet_id=subnet["SubnetId"], subnet_cidr=cidr, eni_id=eni["NetworkInterfaceId"],
                table_id=table["RouteTableId"], group_id=group["GroupId"], zone_id=zone["Id"],
                record_name=record_name)


def check(endpoint, made):
    """{foreign resource: problem} for each one that changed or vanished (empty: untouched)."""
    ec2, r53 = _clients(endpoint)
    touched = {}

    def one(name, test):
        try:
            problem = test()
        except Exception as e:  # a NotFound answer is the finding here  # pylint: disable=broad-except
            problem = "gone (%s)" % e
        if problem:
            touched[name] = problem

    def subnet():
        s = ec2.describe_subnets(SubnetIds=[made["subnet_id"]])["Subnets"][0]
        if s["CidrBlock"] != made["subnet_cidr"] or state.tags_of(s).get("Name") != "foreign-subnet":
            return "changed: %s" % s
    one("subnet", subnet)
    one("network interface", lambda: None if ec2.describe_network_interfaces(
        NetworkInterfaceIds=[made["eni_id"]])["NetworkInterfaces"] else "gone")

    def route():
        t = ec2.describe_route_tables(RouteTableIds=[made["table_id"]])["RouteTables"][0]
        if not [r for r in t["Routes"] if r.get("DestinationCidrBlock") == FOREIGN_CIDR
                and r.get("NetworkInterfaceId") == made["eni_id"]]:
            return "route %s -> %s missing" % (FOREIGN_CIDR, made["eni_id"])
    one("route in owned route table", route)

    def rule():
        g = ec2.describe_security_groups(GroupIds=[made["group_id"]])["SecurityGroups"][0]
        wanted = RULE["IpRanges"][0]
        if not [p for p in g["IpPermissions"] if p.get("FromPort") == 9443 and wanted in p.get("IpRanges", [])]:
            return "rule tcp/9443 from %s missing" % wanted["CidrIp"]
    one("rule in owned security group", rule)

    def record():
        sets = r53.list_resource_record_sets(HostedZoneId=made["zone_id"])["ResourceRecordSets"]
        if not [r for r in sets if r["Name"] == made["record_name"] and r["Type"] == "A"
                and r["ResourceRecords"] == [{"Value": "10.130.255.10"}]]:
            return "record %s missing or changed" % made["record_name"]
    one("record in owned zone", record)

    def tag():
        v = ec2.describe_vpcs(VpcIds=[made["vpc_id"]])["Vpcs"][0]
        if state.tags_of(v).get(TAG["Key"]) != TAG["Value"]:
            return "tag %s changed: %s" % (TAG["Key"], state.tags_of(v))
    one("tag on owned VPC", tag)
    return touched


def remove(endpoint, made):
    """Take the foreign resources away again, so a final teardown can leave nothing owned."""
    ec2, r53 = _clients(endpoint)
    calls = [
        lambda: r53.change_resource_record_sets(HostedZoneId=made["zone_id"], ChangeBatch={"Changes": [{
            "Action": "DELETE", "ResourceRecordSet": {"Name": made["record_name"], "Type": "A", "TTL": 60,
                                                      "ResourceRecords": [{"Value": "10.130.255.10"}]}}]}),
        lambda: ec2.delete_route(RouteTableId=made["table_id"], DestinationCidrBlock=FOREIGN_CIDR),
        lambda: ec2.revoke_security_group_ingress(GroupId=made["group_id"], IpPermissions=[RULE]),
        lambda: ec2.delete_network_interface(NetworkInterfaceId=made["eni_id"]),
        lambda: ec2.delete_subnet(SubnetId=made["subnet_id"]),
    ]
    for call in calls:
        try:
            call()
        except Exception:  # already gone with its owned parent  # pylint: disable=broad-except
            pass


COUNT = 6  # subnet, interface, route, rule, record, tag
