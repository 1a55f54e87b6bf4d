"""vpn_instance stamps refarch:module=vpn_instance on what it makes, and stamps what an earlier
version made as ordinary tag drift (issue 18), check mode exact."""

import boto3
from aws_proxy import AwsProxy

from vpn_testlib import AL2023, USER_DATA, build_vpc

OWNER = "management"
STAMP = {"Key": "refarch:module", "Value": "vpn_instance"}
IAM_NAME = "refarch-management-vpn"


def args(**extra):
    return dict(dict(owner=OWNER, image_ssm_parameter=AL2023, user_data=USER_DATA, admin_cidrs=["203.0.113.0/24"]),
                **extra)


def made(result):
    """{what: tags} of everything the VPN server owns, read back from the emulator."""
    ec2, iam = boto3.client("ec2"), boto3.client("iam")
    inst = ec2.describe_instances(InstanceIds=[result["instance"]["id"]])["Reservations"][0]["Instances"][0]
    volume_id = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    return {
        "instance": inst["Tags"],
        "volume": ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["Tags"],
        "interface": ec2.describe_network_interfaces(NetworkInterfaceIds=[result["instance"]["network_interface_id"]])[
            "NetworkInterfaces"][0]["TagSet"],
        "group": ec2.describe_security_groups(GroupIds=[result["security_group"]["id"]])["SecurityGroups"][0]["Tags"],
        "address": ec2.describe_addresses(AllocationIds=[result["elastic_ip"]["allocation_id"]])["Addresses"][0]["Tags"],
        "role": iam.get_role(RoleName=IAM_NAME)["Role"]["Tags"],
        "profile": iam.get_instance_profile(InstanceProfileName=IAM_NAME)["InstanceProfile"]["Tags"],
    }


def test_everything_made_carries_the_module_stamp(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    result = module("vpn_instance", args())
    assert not result.failed, result.get("msg")
    tags = made(result)
    assert sorted(what for what, found in tags.items() if STAMP in found) == sorted(tags)
    assert {"Key": "refarch:key", "Value": "eni/vpn"} in tags["interface"]
    assert module("vpn_instance", args())["changed"] is False


def test_resources_made_before_the_stamp_are_stamped_exactly_as_check_mode_says(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    first = module("vpn_instance", args())
    ec2, iam = boto3.client("ec2"), boto3.client("iam")
    ec2.delete_tags(Resources=[first["instance"]["id"], first["security_group"]["id"],
                               first["elastic_ip"]["allocation_id"]], Tags=[{"Key": "refarch:module"}])
    eni = first["instance"]["network_interface_id"]
    ec2.delete_tags(Resources=[eni], Tags=[{"Key": k} for k in ("refarch:module", "refarch:owner", "refarch:key", "Name")])
    iam.untag_role(RoleName=IAM_NAME, TagKeys=["refarch:module"])
    iam.untag_instance_profile(InstanceProfileName=IAM_NAME, TagKeys=["refarch:module"])
    with AwsProxy(aws.port) as proxy:
        check = module("vpn_instance", args(endpoint_url=proxy.url), check_mode=True, diff=True)
        assert proxy.writes() == []
    real = module("vpn_instance", args(), diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["actions"] == real["actions"] == [
        "tag IAM role %s refarch:module" % IAM_NAME, "tag instance profile %s refarch:module" % IAM_NAME,
        "tag sg/vpn refarch:module", "tag eip/vpn refarch:module", "tag instance/vpn refarch:module",
        "tag eni/vpn Name, refarch:key, refarch:module, refarch:owner"]
    assert check["diff"] == real["diff"]
    tags = made(real)
    assert sorted(what for what, found in tags.items() if STAMP in found) == sorted(tags)
    again = module("vpn_instance", args())
    assert again["changed"] is False and again["actions"] == []
