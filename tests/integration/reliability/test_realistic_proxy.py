"""The proxy's realistic mode reproduces AWS behaviour moto lacks, against the real emulator over HTTP.

Each window is short here (well under a second or two); the checks inside a window are made right
after the call that opened it, and the checks after it sleep until the window has surely passed.
"""

import os
import subprocess
import sys
import time

import boto3
import pytest
from aws_proxy import REFUSED, AwsProxy
from aws_realism import Realism
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# total_max_attempts counts the first try; retries={"max_attempts": 1} would still allow one retry
ONE_TRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, region_name="us-east-1")
AMI = "ami-12c6146b"  # one of moto's built-in images


def client(service, url):
    return boto3.client(service, endpoint_url=url, config=ONE_TRY)


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response["Error"]


def sleep_until(deadline):
    time.sleep(max(0.0, deadline - time.monotonic()))


def network(ec2, cidr="10.20.0.0/16"):
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("0.0/16", "1.0/24"))["Subnet"]["SubnetId"]
    return vpc, subnet


def test_new_vpc_is_not_found_then_found(aws):
    realism = Realism(notfound_window=0.5, pending_window=0.5, profile_window=0.5)
    direct = client("ec2", aws.url)
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        created = time.monotonic()
        by_cidr = [{"Name": "cidr", "Values": ["10.9.0.0/16"]}]

        error = error_of(ec2.describe_vpcs, VpcIds=[vpc])
        assert error == {"Code": "InvalidVpcID.NotFound", "Message": "The vpc ID '%s' does not exist" % vpc}
        assert ec2.describe_vpcs(Filters=by_cidr)["Vpcs"] == []
        assert [v["VpcId"] for v in direct.describe_vpcs(Filters=by_cidr)["Vpcs"]] == [vpc]
        assert error_of(ec2.create_subnet, VpcId=vpc, CidrBlock="10.9.1.0/24")["Code"] == "InvalidVpcID.NotFound"
        assert direct.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"] == [], \
            "a refused call must not reach the emulator"
        # an id only inside TagSpecifications is no reference: the call goes through
        tagged = [{"ResourceType": "internet-gateway", "Tags": [{"Key": "for", "Value": vpc}]}]
        assert ec2.create_internet_gateway(TagSpecifications=tagged)["InternetGateway"]["InternetGatewayId"]
        assert time.monotonic() < created + realism.notfound_window, "the machine is too slow for this test"

        sleep_until(created + realism.notfound_window + 0.05)
        assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["VpcId"] == vpc
        assert [v["VpcId"] for v in ec2.describe_vpcs(Filters=by_cidr)["Vpcs"]] == [vpc]
        assert ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["VpcId"] == vpc
        refused = [a for a, _w, f in proxy.requests if f == REFUSED]
    assert refused == ["DescribeVpcs", "CreateSubnet"]
    assert proxy.realism_hits["notfound"] == 2 and proxy.realism_hits["hidden"] == 1


def test_nat_gateway_is_pending_then_available_and_deleting_before_deleted(aws):
    realism = Realism(notfound_window=0.3, pending_window=0.8)
    direct = client("ec2", aws.url)
    _vpc, subnet = network(direct)
    eip = direct.allocate_address(Domain="vpc")["AllocationId"]
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]
        created = time.monotonic()
        assert nat["State"] == "pending"
        nat_id = nat["NatGatewayId"]
        assert error_of(ec2.describe_nat_gateways, NatGatewayIds=[nat_id]) == {
            "Code": "NatGatewayNotFound", "Message": "NAT gateway %s was not found" % nat_id}
        assert ec2.describe_nat_gateways()["NatGateways"] == []

        sleep_until(created + realism.notfound_window + 0.05)
        assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "pending"
        assert direct.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "available"
        sleep_until(created + realism.pending_window + 0.05)
        assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "available"

        ec2.delete_nat_gateway(NatGatewayId=nat_id)
        deleted = time.monotonic()
        assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleting"
        assert direct.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleted"
        sleep_until(deleted + realism.pending_window + 0.05)
        assert ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"] == "deleted"
    assert proxy.realism_hits["pending"] == 2 and proxy.realism_hits["deleting"] == 1


def test_a_deleting_nat_gateway_holds_its_address_subnet_and_vpc(aws):
    """AWS frees a NAT gateway's address, subnet and VPC only once it is deleted: releasing, deleting or
    detaching the internet gateway before that is refused (the teardown must wait for deleted)."""
    realism = Realism(notfound_window=0.1, pending_window=1.0)
    direct = client("ec2", aws.url)
    vpc, subnet = network(direct, "10.21.0.0/16")
    igw = direct.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    direct.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = direct.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = direct.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        ec2.describe_nat_gateways(NatGatewayIds=[nat_id])   # made before the proxy: learnt from a read
        ec2.delete_nat_gateway(NatGatewayId=nat_id)
        deleted = time.monotonic()
        assert error_of(ec2.release_address, AllocationId=eip) == {
            "Code": "InvalidIPAddress.InUse", "Message": "Address %s is in use." % eip}
        assert error_of(ec2.delete_subnet, SubnetId=subnet)["Code"] == "DependencyViolation"
        assert error_of(ec2.detach_internet_gateway, InternetGatewayId=igw, VpcId=vpc)["Message"].startswith(
            "Network %s has some mapped public address(es)" % vpc)
        assert error_of(ec2.delete_vpc, VpcId=vpc)["Code"] == "DependencyViolation"
        assert time.monotonic() < deleted + realism.pending_window, "the machine is too slow for this test"
        assert [a["AllocationId"] for a in direct.describe_addresses()["Addresses"]].count(eip) == 1, \
            "a refused call must not reach the emulator"

        sleep_until(deleted + realism.pending_window + 0.05)
        ec2.release_address(AllocationId=eip)
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)
    assert proxy.realism_hits["held"] == 4


def test_a_terminated_instance_is_shutting_down_and_holds_its_group_and_subnet(aws):
    realism = Realism(notfound_window=0.1, pending_window=1.0)
    direct = client("ec2", aws.url)
    vpc, subnet = network(direct, "10.22.0.0/16")
    group = direct.create_security_group(GroupName="vpn", Description="vpn", VpcId=vpc)["GroupId"]
    instance = direct.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet,
                                    SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        ec2.describe_instances(InstanceIds=[instance])   # made before the proxy: learnt from a read
        ec2.terminate_instances(InstanceIds=[instance])
        terminated = time.monotonic()
        state = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]
        assert state == {"Code": 32, "Name": "shutting-down"}
        assert error_of(ec2.delete_security_group, GroupId=group) == {
            "Code": "DependencyViolation", "Message": "resource %s has a dependent object" % group}
        assert error_of(ec2.delete_subnet, SubnetId=subnet)["Code"] == "DependencyViolation"
        assert time.monotonic() < terminated + realism.pending_window, "the machine is too slow for this test"

        sleep_until(terminated + realism.pending_window + 0.05)
        state = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]
        assert state["Name"] == "terminated"
        ec2.delete_security_group(GroupId=group)
        ec2.delete_subnet(SubnetId=subnet)
    assert proxy.realism_hits["held"] == 2 and proxy.realism_hits["deleting"] == 1


def test_a_deleting_interface_endpoint_holds_its_group_and_subnet(aws):
    realism = Realism(notfound_window=0.1, pending_window=1.0)
    direct = client("ec2", aws.url)
    vpc, subnet = network(direct, "10.23.0.0/16")
    group = direct.create_security_group(GroupName="vpce", Description="vpce", VpcId=vpc)["GroupId"]
    endpoint = direct.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sts", VpcEndpointType="Interface",
                                          SubnetIds=[subnet], SecurityGroupIds=[group])["VpcEndpoint"]["VpcEndpointId"]
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])   # made before the proxy: learnt from a read
        ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
        deleted = time.monotonic()
        assert ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"] == "deleting"
        assert error_of(ec2.delete_security_group, GroupId=group)["Code"] == "DependencyViolation"
        assert error_of(ec2.delete_subnet, SubnetId=subnet)["Code"] == "DependencyViolation"
        assert time.monotonic() < deleted + realism.pending_window, "the machine is too slow for this test"

        sleep_until(deleted + realism.pending_window + 0.05)
        assert ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["State"].lower() == "deleted"
        ec2.delete_security_group(GroupId=group)
        ec2.delete_subnet(SubnetId=subnet)
    assert proxy.realism_hits["held"] == 2 and proxy.realism_hits["deleting"] == 1


def test_attachment_to_a_pending_transit_gateway_is_refused(aws):
    realism = Realism(notfound_window=0.3, pending_window={"transit_gateway": 0.9,
                                                           "transit_gateway_attachment": 0.6})
    direct = client("ec2", aws.url)
    vpc, subnet = network(direct)
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        tgw = ec2.create_transit_gateway()["TransitGateway"]
        created = time.monotonic()
        assert tgw["State"] == "pending"
        tgw_id = tgw["TransitGatewayId"]
        assert error_of(ec2.describe_transit_gateways, TransitGatewayIds=[tgw_id])["Code"] == \
            "InvalidTransitGatewayID.NotFound"

        sleep_until(created + realism.notfound_window + 0.05)
        assert ec2.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"][0]["State"] == "pending"
        error = error_of(ec2.create_transit_gateway_vpc_attachment, TransitGatewayId=tgw_id, VpcId=vpc,
                         SubnetIds=[subnet])
        assert error == {"Code": "IncorrectState", "Message": "%s is in invalid state" % tgw_id}
        assert direct.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"] == []

        sleep_until(created + 0.9 + 0.05)
        assert ec2.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"][0]["State"] == \
            "available"
        attachment = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc,
                                                               SubnetIds=[subnet])["TransitGatewayVpcAttachment"]
        attached = time.monotonic()
        assert attachment["State"] == "pending"
        sleep_until(attached + realism.notfound_window + 0.05)
        listed = ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
        assert [(a["TransitGatewayAttachmentId"], a["State"]) for a in listed] == \
            [(attachment["TransitGatewayAttachmentId"], "pending")]
        sleep_until(attached + 0.6 + 0.05)
        listed = ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
        assert [a["State"] for a in listed] == ["available"]
    assert proxy.realism_hits["incorrect_state"] == 1


def test_the_account_s_quotas_refuse_the_sixth_address_vpc_and_internet_gateway_per_region(aws):
    direct = client("ec2", aws.url)
    direct.allocate_address(Domain="vpc")   # made before the proxy: counted all the same
    other_region = boto3.client("ec2", endpoint_url=aws.url, region_name="eu-west-1")
    other_region.allocate_address(Domain="vpc")   # another Region's: not counted
    with AwsProxy(aws.port, realism=Realism(eventual_consistency=False)) as proxy:
        ec2 = client("ec2", proxy.url)
        addresses = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _i in range(4)]
        assert error_of(ec2.allocate_address, Domain="vpc") == {
            "Code": "AddressLimitExceeded", "Message": "The maximum number of addresses has been reached."}
        for cidr in ("10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"):   # the default VPC is the fifth
            ec2.create_vpc(CidrBlock=cidr)
        assert error_of(ec2.create_vpc, CidrBlock="10.5.0.0/16")["Code"] == "VpcLimitExceeded"
        for _i in range(4 - len(direct.describe_internet_gateways()["InternetGateways"]) + 1):
            ec2.create_internet_gateway()
        assert error_of(ec2.create_internet_gateway)["Code"] == "InternetGatewayLimitExceeded"
        ec2.release_address(AllocationId=addresses[0])   # one freed: one more fits
        ec2.allocate_address(Domain="vpc")
    assert proxy.realism_hits["quota"] == 3
    assert len(direct.describe_addresses()["Addresses"]) == 5 and len(direct.describe_vpcs()["Vpcs"]) == 5
    assert len(direct.describe_internet_gateways()["InternetGateways"]) == 5


def test_without_account_quotas_the_proxy_counts_nothing(aws):
    with AwsProxy(aws.port, realism=Realism(notfound_window=0.3, account_quotas=False)) as proxy:
        ec2 = client("ec2", proxy.url)
        for _i in range(6):
            ec2.allocate_address(Domain="vpc")
    assert proxy.realism_hits["quota"] == 0


def test_fresh_instance_profile_is_refused_then_instance_pending(aws):
    # windows of a second or more: two calls after a RunInstances reply fit in them on a loaded machine
    realism = Realism(notfound_window=1.0, profile_window=1.0, pending_window=2.0)
    direct = client("ec2", aws.url)
    _vpc, subnet = network(direct)
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2, iam = client("ec2", proxy.url), client("iam", proxy.url)
        arn = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
        made = time.monotonic()
        launch = dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, InstanceType="t3.medium")
        error = error_of(ec2.run_instances, IamInstanceProfile={"Name": "web"}, **launch)
        assert error == {"Code": "InvalidParameterValue", "Message": "Value (web) for parameter "
                         "iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"}
        assert error_of(ec2.run_instances, IamInstanceProfile={"Arn": arn}, **launch)["Code"] == \
            "InvalidParameterValue"
        assert direct.describe_instances()["Reservations"] == []

        sleep_until(made + realism.profile_window + 0.05)
        instance = ec2.run_instances(IamInstanceProfile={"Name": "web"}, **launch)["Instances"][0]
        launched = time.monotonic()
        instance_id = instance["InstanceId"]
        assert error_of(ec2.describe_instances, InstanceIds=[instance_id])["Code"] == "InvalidInstanceID.NotFound"
        assert ec2.describe_instances()["Reservations"] == []
        sleep_until(launched + realism.notfound_window + 0.05)
        found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        assert found["State"] == {"Code": 0, "Name": "pending"}
        sleep_until(launched + realism.pending_window + 0.05)
        found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        assert found["State"] == {"Code": 16, "Name": "running"}
    assert proxy.realism_hits["profile"] == 2


def test_latency_delays_every_call(aws):
    realism = Realism(eventual_consistency=False, profile_propagation=False, pending_states=False, latency=0.2)
    with AwsProxy(aws.port, realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        ec2.describe_vpcs()  # client and connection set up
        started = time.monotonic()
        vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        ec2.describe_vpcs(VpcIds=[vpc])  # no eventual consistency asked for
        assert time.monotonic() - started >= 2 * realism.latency
    assert proxy.realism_hits["latency"] == 3 and proxy.realism_hits["notfound"] == 0


def test_default_proxy_is_as_kind_as_moto(aws):
    direct = client("ec2", aws.url)
    _vpc, subnet = network(direct)
    eip = direct.allocate_address(Domain="vpc")["AllocationId"]
    with AwsProxy(aws.port) as proxy:
        ec2 = client("ec2", proxy.url)
        started = time.monotonic()
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["VpcId"] == vpc
        assert ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["VpcId"] == vpc
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]
        assert nat["State"] == "available"
        assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == \
            "available"
        assert time.monotonic() - started < 2.0
    assert proxy.realist is None and proxy.realism_hits == {}
    assert proxy.writes() == ["CreateVpc", "CreateSubnet", "CreateNatGateway"]


def test_faults_come_first_and_a_dropped_create_makes_nothing(aws):
    realism = Realism(notfound_window=1.0)
    direct = client("ec2", aws.url)
    by_cidr = [{"Name": "cidr", "Values": ["10.50.0.0/16"]}]
    with AwsProxy(aws.port, fault_rate=1.0, faults=("drop",), realism=realism) as proxy:
        ec2 = client("ec2", proxy.url)
        with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
            ec2.create_vpc(CidrBlock="10.50.0.0/16")
        assert direct.describe_vpcs(Filters=by_cidr)["Vpcs"] == []

        proxy.faults = ("lost_reply",)  # carried out, answer lost: the new VPC is still not visible at once
        with pytest.raises(ConnectionClosedError):
            ec2.create_vpc(CidrBlock="10.50.0.0/16")
        proxy.fault_rate = 0.0
        vpc = direct.describe_vpcs(Filters=by_cidr)["Vpcs"][0]["VpcId"]
        assert ec2.describe_vpcs(Filters=by_cidr)["Vpcs"] == []
        assert error_of(ec2.describe_vpcs, VpcIds=[vpc])["Code"] == "InvalidVpcID.NotFound"
        faults = [f for _a, _w, f in proxy.requests]
    assert faults == ["drop", "lost_reply", None, REFUSED]
    assert proxy.realism_hits["hidden"] == 1 and proxy.realism_hits["notfound"] == 1


def test_command_line_proxy(aws):
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "aws_proxy.py"), "--upstream-port",
                             str(aws.port), "--realistic", "--notfound-window", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        ec2 = client("ec2", url)
        vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
        assert error_of(ec2.describe_vpcs, VpcIds=[vpc])["Code"] == "InvalidVpcID.NotFound"
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "notfound=1" in err
