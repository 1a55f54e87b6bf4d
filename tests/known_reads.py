"""The ``known_vpc`` item vpc_tiers gives when it changed nothing, read with plain boto3 (tests of the
modules' option known_vpcs)."""

import json


def known_vpc(ec2, owner):
    """A VPC as vpc_tiers gives it in ``known_vpc`` when it changed nothing: the VPC-wide reads, by VPC alone."""
    [vpc] = [v for v in ec2.describe_vpcs()["Vpcs"]
             if {"Key": "refarch:owner", "Value": owner} in v.get("Tags", []) and {"Key": "refarch:key", "Value": "vpc"} in v["Tags"]]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    item = dict(region=ec2.meta.region_name, vpc=vpc, subnets=ec2.describe_subnets(Filters=in_vpc)["Subnets"],
                route_tables=ec2.describe_route_tables(Filters=in_vpc)["RouteTables"],
                nat_gateways=ec2.describe_nat_gateways(Filter=in_vpc)["NatGateways"],
                flow_logs=ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"],
                security_groups=ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"])
    return json.loads(json.dumps(item, default=str))   # as a task's result carries it
