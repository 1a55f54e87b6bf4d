"""vpn_instance against the emulator: hardening, idempotence, check mode, drift, teardown."""

import base64

import boto3
import pytest
from aws_proxy import AwsProxy

from vpn_testlib import AL2023, USER_DATA, build_vpc, live_instances

OWNER = "management"


def args(**extra):
    base = dict(owner=OWNER, image_ssm_parameter=AL2023, user_data=USER_DATA, admin_cidrs=["203.0.113.0/24"])
    base.update(extra)
    return base


def warnings(result):
    """Warning texts (in-process runs return them as structured events)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def sg_rules(ec2, group_id):
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return sorted((p["IpProtocol"], p.get("FromPort"), r["CidrIp"]) for p in group["IpPermissions"]
                  for r in p.get("IpRanges", []))


def test_launches_one_hardened_instance(aws, module):
    net = build_vpc(OWNER, "10.120.0.0/16")
    result = module("vpn_instance", args())
    assert not result.failed, result
    assert result["changed"]
    ec2 = boto3.client("ec2")
    [inst] = live_instances(OWNER)
    assert inst["InstanceId"] == result["instance"]["id"]
    assert inst["InstanceType"] == "t3.medium"
    assert inst["SubnetId"] == net["subnets"]["public/us-east-1a"]
    assert inst["MetadataOptions"]["HttpTokens"] == "required"
    assert inst["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    assert "KeyName" not in inst
    assert inst["IamInstanceProfile"]["Arn"] == result["iam_instance_profile"]
    volume_id = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    volume = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert volume["Encrypted"] and volume["VolumeType"] == "gp3"
    attr = ec2.describe_instance_attribute(InstanceId=inst["InstanceId"], Attribute="disableApiTermination")
    assert attr["DisableApiTermination"]["Value"] is True
    data = ec2.describe_instance_attribute(InstanceId=inst["InstanceId"], Attribute="userData")
    assert base64.b64decode(data["UserData"]["Value"]).decode() == USER_DATA
    expected = [("tcp", 443, "203.0.113.0/24"), ("udp", 1194, "0.0.0.0/0")]
    assert sg_rules(ec2, result["security_group"]["id"]) == expected
    [address] = ec2.describe_addresses(Filters=[{"Name": "tag:refarch:key", "Values": ["eip/vpn"]}])["Addresses"]
    assert address["InstanceId"] == inst["InstanceId"]
    assert result["public_ip"] == address["PublicIp"]
    assert inst["SourceDestCheck"] is True  # NAT mode
    policy = boto3.client("iam").get_role_policy(RoleName="refarch-management-vpn", PolicyName="ssm-session-manager")
    actions = policy["PolicyDocument"]["Statement"][0]["Action"]
    assert "ssmmessages:OpenDataChannel" in actions and "ssm:UpdateInstanceInformation" in actions


def test_second_run_changes_nothing_and_writes_nothing(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    first = module("vpn_instance", args())
    with AwsProxy(aws.port) as proxy:
        again = module("vpn_instance", args(endpoint_url=proxy.url))
        assert proxy.writes() == []
    assert again["changed"] is False and again["actions"] == []
    assert again["instance"]["id"] == first["instance"]["id"]
    assert again["public_ip"] == first["public_ip"]
    assert len(live_instances(OWNER)) == 1


def test_check_mode_is_exact_and_writes_nothing(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    with AwsProxy(aws.port) as proxy:
        planned = module("vpn_instance", args(endpoint_url=proxy.url), check_mode=True, diff=True)
        assert proxy.writes() == []
    assert planned["changed"]
    assert live_instances(OWNER) == []
    done = module("vpn_instance", args())
    # same actions, ids aside (check mode cannot know them)
    assert [a.split(" ")[0:2] for a in planned["actions"]] == [a.split(" ")[0:2] for a in done["actions"]]
    assert planned["diff"]["after"]["security_group"] == ["tcp/443 from 203.0.113.0/24", "udp/1194 from 0.0.0.0/0"]
    again = module("vpn_instance", args(), check_mode=True)
    assert again["changed"] is False


def test_world_console_is_refused_before_any_call(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    with AwsProxy(aws.port) as proxy:
        result = module("vpn_instance", args(admin_cidrs=["0.0.0.0/0"], endpoint_url=proxy.url))
        assert proxy.writes() == []
    assert result.failed and result["field"] == "admin_cidrs[0]"
    result = module("vpn_instance", args(ssh_cidrs=["0.0.0.0/0"]))
    assert result.failed and result["field"] == "ssh_cidrs[0]"
    allowed = module("vpn_instance", args(admin_cidrs=["0.0.0.0/0"], allow_world_console=True))
    assert not allowed.failed
    assert ("tcp", 443, "0.0.0.0/0") in sg_rules(boto3.client("ec2"), allowed["security_group"]["id"])


def test_security_group_rules_converge_exactly(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    first = module("vpn_instance", args(ssh_cidrs=["198.51.100.0/24"], vpn_port=1195))
    ec2 = boto3.client("ec2")
    group = first["security_group"]["id"]
    # a rule added by hand to our group is removed
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    result = module("vpn_instance", args())
    assert result["changed"]
    assert sg_rules(ec2, group) == [("tcp", 443, "203.0.113.0/24"), ("udp", 1194, "0.0.0.0/0")]


def test_drift_is_a_warning_unless_replace(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    first = module("vpn_instance", args())
    drifted = module("vpn_instance", args(instance_type="t3.large"))
    assert drifted["changed"] is False
    assert any("instance_type t3.medium -> t3.large" in w for w in warnings(drifted))
    assert live_instances(OWNER)[0]["InstanceType"] == "t3.medium"
    replaced = module("vpn_instance", args(instance_type="t3.large", replace=True))
    assert replaced["changed"] and not replaced.failed, replaced
    [inst] = live_instances(OWNER)
    assert inst["InstanceType"] == "t3.large" and inst["InstanceId"] != first["instance"]["id"]
    assert replaced["public_ip"] == first["public_ip"]  # the Elastic IP follows
    address = boto3.client("ec2").describe_addresses(PublicIps=[first["public_ip"]])["Addresses"][0]
    assert address["InstanceId"] == inst["InstanceId"]
    assert module("vpn_instance", args(instance_type="t3.large", replace=True))["changed"] is False


def test_user_data_change_is_drift(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    module("vpn_instance", args())
    result = module("vpn_instance", args(user_data="#cloud-config\nruncmd: [true]\n"))
    assert result["changed"] is False
    assert any("user_data" in w for w in warnings(result))


def test_absent_removes_everything_owned(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    module("vpn_instance", args())
    planned = module("vpn_instance", dict(owner=OWNER, state="absent"), check_mode=True)
    assert planned["changed"] and len(live_instances(OWNER)) == 1
    gone = module("vpn_instance", dict(owner=OWNER, state="absent"))
    assert gone["changed"] and not gone.failed, gone
    ec2 = boto3.client("ec2")
    assert live_instances(OWNER) == []
    assert ec2.describe_addresses(Filters=[{"Name": "tag:refarch:owner", "Values": [OWNER]}])["Addresses"] == []
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag:refarch:key", "Values": ["sg/vpn"]}])
    assert groups["SecurityGroups"] == []
    assert boto3.client("iam").list_instance_profiles()["InstanceProfiles"] == []
    again = module("vpn_instance", dict(owner=OWNER, state="absent"))
    assert again["changed"] is False


def test_missing_ssm_parameter_names_the_option(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    with AwsProxy(aws.port) as proxy:
        result = module("vpn_instance", dict(owner=OWNER, endpoint_url=proxy.url))
        assert proxy.writes() == []
    assert result.failed and result["field"] == "image_ssm_parameter"


def test_no_vpc_is_a_clear_error(aws, module):
    result = module("vpn_instance", args())
    assert result.failed and result["field"] == "owner" and "vpc_tiers" in result["msg"]


def test_explicit_image_and_subnet(aws, module):
    net = build_vpc(OWNER, "10.120.0.0/16")
    image = boto3.client("ssm").get_parameter(Name=AL2023)["Parameter"]["Value"]
    subnet = net["subnets"]["public/us-east-1b"]
    result = module("vpn_instance", args(image_id=image, subnet_id=subnet, image_ssm_parameter=None))
    assert not result.failed, result
    [inst] = live_instances(OWNER)
    assert inst["SubnetId"] == subnet and inst["ImageId"] == image
    missing = module("vpn_instance", args(image_id="ami-00000000000000000", replace=True, instance_type="t3.large"))
    assert missing.failed and missing["field"] == "image_id"


def test_foreign_resources_are_never_taken_over(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    boto3.client("iam").create_role(RoleName="refarch-management-vpn", AssumeRolePolicyDocument="{}")
    result = module("vpn_instance", args())
    assert result.failed and "never taken over" in result["msg"]
    assert live_instances(OWNER) == []


def test_survives_throttling_and_server_errors(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    with AwsProxy(aws.port, fault_rate=0.2, faults=("throttle", "500", "503"), seed=7) as proxy:
        result = module("vpn_instance", args(endpoint_url=proxy.url))
        again = module("vpn_instance", args(endpoint_url=proxy.url))
    assert not result.failed, result
    assert again["changed"] is False
    assert len(live_instances(OWNER)) == 1


@pytest.mark.parametrize("change", [
    None,  # a new environment (the VPC built, nothing of the VPN yet)
    dict(instance_type="t3.large", replace=True, ssh_cidrs=["198.51.100.0/24"]),  # a built one, relaunched
])
def test_check_reports_exactly_what_the_real_run_does(aws, module, change):
    build_vpc(OWNER, "10.120.0.0/16")
    boto3.client("route53").create_hosted_zone(Name="management.example.com", CallerReference="z")
    wanted = args(mode="routed", client_cidr="172.27.224.0/20", dns_zone="management.example.com")
    if change is not None:
        assert not module("vpn_instance", wanted).failed
        wanted.update(change)
    with AwsProxy(aws.port) as proxy:
        check = module("vpn_instance", dict(wanted, endpoint_url=proxy.url), check_mode=True, diff=True)
        assert proxy.writes() == []
    real = module("vpn_instance", wanted, diff=True)
    assert not real.failed, (real.get("msg"), real.get("actions_done"))
    assert check["actions"] == real["actions"] and check["changed"] is real["changed"] is True
    assert check["diff"] == real["diff"]
    again = module("vpn_instance", wanted, check_mode=True)
    assert again["changed"] is False and again["actions"] == []
