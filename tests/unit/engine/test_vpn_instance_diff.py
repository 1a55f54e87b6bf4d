"""vpn_instance's pure diff: snapshots written as plain dicts like those vpn_read returns."""

import copy

import pytest

from ansible_collections.refarch.network.plugins.module_utils import vpn
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_dict
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.vpn_apply import known_ids
from ansible_collections.refarch.network.plugins.module_utils.vpn_diff import diff_absent, diff_present, planned_snapshot, result_of

OWNER = "management"
USER_DATA = "#cloud-config\npackages: []\n"
CLIENTS = "172.27.224.0/20"
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/refarch/refarch-management-vpn"


def params(**extra):
    base = dict(owner=OWNER, key="instance/vpn", name=None, tags={}, state="present", vpc_id=None, subnet_id=None,
                subnet_tier="public", availability_zone=None, image_id=None, image_ssm_parameter="/x",
                instance_type="t3.medium", root_volume_size=20, kms_key_id=None, user_data=USER_DATA, key_name=None,
                replace=False, vpn_port=1194, vpn_protocol="udp", admin_cidrs=["203.0.113.0/24"], ssh_cidrs=[],
                allow_world_console=False, mode="nat", client_cidr=None, peers=[], dns_zone=None, dns_record="vpn",
                dns_ttl=300, wait_timeout=600)
    base.update(extra)
    return base


def tags(key, owner=OWNER, **extra):
    return [{"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": key}] + [
        {"Key": k, "Value": v} for k, v in extra.items()]


def stamped(key, **extra):
    """The tags vpn_instance gives what it makes: owner, key, Name and its refarch:module stamp."""
    return tags(key, Name="management-vpn", **dict({"refarch:module": "vpn_instance"}, **extra))


def table(rtb, *routes):
    return {"RouteTableId": rtb, "Routes": [{"DestinationCidrBlock": "10.120.0.0/16", "GatewayId": "local"}]
            + list(routes), "Tags": tags("rtb/" + rtb)}


def new_env(**extra):
    """The VPC built by vpc_tiers; nothing of the VPN yet."""
    snap = dict(vpc={"VpcId": "vpc-1", "CidrBlock": "10.120.0.0/16"}, tables=[table("rtb-pub"), table("rtb-priv")],
                peers=[], zone=None, rrsets={}, warnings=[],
                subnet={"SubnetId": "subnet-a", "AvailabilityZone": "us-east-1a"}, image_id="ami-1",
                root_device="/dev/xvda", instance=None, protected=None, sg=None, eip=None, profile=None, role=None,
                role_policy=None)
    snap.update(extra)
    return snap


def built_env(routed=False, **extra):
    """Everything as the plan wants it (NAT mode, or routed with the client routes)."""
    user_data = vpn.digest(USER_DATA)
    instance = {"InstanceId": "i-1", "InstanceType": "t3.medium", "ImageId": "ami-1", "SubnetId": "subnet-a",
                "State": {"Name": "running"}, "PrivateIpAddress": "10.120.0.10",
                "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
                "SecurityGroups": [{"GroupId": "sg-1"}], "SourceDestCheck": not routed,
                "IamInstanceProfile": {"Arn": PROFILE_ARN}, "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}],
                "Tags": stamped("instance/vpn", **{vpn.USER_DATA_TAG: user_data})}
    sg = {"GroupId": "sg-1", "Tags": stamped("sg/vpn"), "IpPermissions": [
        {"IpProtocol": "udp", "FromPort": 1194, "ToPort": 1194, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}]}
    role_tags = stamped("iam/vpn")
    client_route = {"DestinationCidrBlock": CLIENTS, "NetworkInterfaceId": "eni-1", "State": "active"}
    snap = new_env(
        instance=instance, protected=True, sg=sg, eni={"NetworkInterfaceId": "eni-1", "TagSet": stamped("eni/vpn")},
        eip={"AllocationId": "eipalloc-1", "PublicIp": "198.51.100.7", "InstanceId": "i-1", "AssociationId": "eipassoc-1",
             "Tags": stamped("eip/vpn")},
        role={"RoleName": "refarch-management-vpn", "Tags": role_tags}, role_policy=vpn.ssm_policy(),
        profile={"Arn": PROFILE_ARN, "Roles": [{"RoleName": "refarch-management-vpn"}], "Tags": role_tags},
        tables=[table("rtb-pub", client_route), table("rtb-priv", client_route)] if routed else
        [table("rtb-pub"), table("rtb-priv")])
    snap.update(extra)
    return snap


def present(snap, **extra):
    p = params(**extra)
    return diff_present(p, vpn.validate(p), snap)


def texts(out):
    return [a.text for a in out["actions"]]


def test_a_new_environment_creates_first_waits_then_wires():
    out = present(new_env())
    assert [a.op for a in out["actions"]] == [
        "create_role", "put_role_policy", "create_profile", "add_role", "create_sg", "authorize", "allocate_eip",
        "launch", "wait_running", "tag", "protect", "associate_eip"]
    assert texts(out)[4:] == [
        "create security group sg/vpn in vpc-1", "allow tcp/443 from 203.0.113.0/24, udp/1194 from 0.0.0.0/0 in sg/vpn",
        "allocate elastic IP eip/vpn", "launch instance instance/vpn t3.medium ami-1 in subnet-a",
        "wait for instance instance/vpn to run", "tag eni/vpn Name, refarch:key, refarch:module, refarch:owner",
        "enable termination protection of instance/vpn", "associate elastic IP eip/vpn with instance/vpn"]
    launch = out["actions"][7]
    request = launch["request"]
    assert request["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"}
    assert request["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] and request["DisableApiTermination"] is True
    assert "KeyName" not in request and request["UserData"] == USER_DATA
    assert (launch["sg"], launch["profile"], launch["eni"]) == ("sg/vpn", "profile/vpn", "eni/vpn")
    assert out["launch"] and out["warnings"] == []


def test_a_built_environment_needs_nothing():
    assert present(built_env())["actions"] == []
    routed = present(built_env(routed=True), mode="routed", client_cidr=CLIENTS)
    assert routed["actions"] == [] and routed["routes"] == [("rtb-pub", CLIENTS, "eni-1"), ("rtb-priv", CLIENTS, "eni-1")]
    assert present(built_env(routed=True), mode="routed", client_cidr=CLIENTS)["before"] == routed["after"]


def test_the_snapshot_ids_are_known_to_the_run():
    names = vpn.names(params())
    assert known_ids(built_env(), names) == {"instance/vpn": "i-1", "eni/vpn": "eni-1", "sg/vpn": "sg-1",
                                             "eip/vpn": "eipalloc-1", "profile/vpn": PROFILE_ARN}


def test_drift_is_a_warning_and_replace_relaunches():
    drifted = present(built_env(), instance_type="t3.large")
    assert drifted["actions"] == [] and "instance_type t3.medium -> t3.large" in drifted["warnings"][0]
    replaced = present(built_env(), instance_type="t3.large", replace=True)
    assert texts(replaced) == [
        "replace instance i-1 (instance_type)", "launch instance instance/vpn t3.large ami-1 in subnet-a",
        "wait for instance i-1 to terminate", "wait for instance instance/vpn to run",
        "tag eni/vpn Name, refarch:key, refarch:module, refarch:owner",
        "enable termination protection of instance/vpn", "associate elastic IP 198.51.100.7 with instance/vpn"]
    assert [a.is_wait for a in replaced["actions"]] == [False, False, True, True, False, False, False]


def test_replacing_a_routed_instance_moves_its_routes_to_the_new_interface():
    out = present(built_env(routed=True), mode="routed", client_cidr=CLIENTS, user_data="#cloud-config\n", replace=True)
    assert texts(out)[-3:] == ["associate elastic IP 198.51.100.7 with instance/vpn",
                               "replace route rtb-pub 172.27.224.0/20 -> instance/vpn",
                               "replace route rtb-priv 172.27.224.0/20 -> instance/vpn"]
    assert "disable source/dest check of instance/vpn" in texts(out)
    replace = out["actions"][-1]
    assert replace["target"] is None and replace["target_key"] == "eni/vpn"


def test_in_place_fixes_of_an_existing_instance():
    snap = built_env(protected=False)
    snap["instance"] = dict(snap["instance"], MetadataOptions={"HttpTokens": "optional"},
                            SecurityGroups=[{"GroupId": "sg-other"}])
    del snap["instance"]["IamInstanceProfile"]
    assert texts(present(snap, mode="routed", client_cidr=CLIENTS)) == [
        "require IMDSv2 (hop limit 1) on i-1", "enable termination protection of i-1", "set security groups of i-1 to sg-1",
        "disable source/dest check of i-1", "associate instance profile refarch-management-vpn with i-1",
        "create route rtb-pub 172.27.224.0/20 -> eni-1", "create route rtb-priv 172.27.224.0/20 -> eni-1"]


def test_security_group_rules_converge_exactly():
    snap = built_env()
    snap["sg"]["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    out = present(snap)
    assert texts(out) == ["revoke tcp/22 from 0.0.0.0/0 from sg/vpn"]
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    assert out["actions"][0]["permissions"] == [ssh]


@pytest.mark.parametrize("what", ["role", "profile"])
def test_iam_not_ours_is_never_taken_over(what):
    snap = built_env()
    snap[what] = dict(snap[what], Tags=tags("iam/vpn", owner="someone-else"))
    for diff in (lambda: present(snap), lambda: diff_absent(params(state="absent"), snap)):
        with pytest.raises(InputError) as err:
            diff()
        assert err.value.field == "owner" and "never taken over" in err.value.reason


def test_a_client_route_to_something_not_ours_is_refused():
    foreign = {"DestinationCidrBlock": CLIENTS, "GatewayId": "igw-1", "State": "active"}
    with pytest.raises(InputError) as err:
        present(new_env(tables=[table("rtb-pub", foreign)]), mode="routed", client_cidr=CLIENTS)
    assert err.value.field == "client_cidr"
    blackhole = dict(foreign, State="blackhole")
    out = present(new_env(tables=[table("rtb-pub", blackhole)]), mode="routed", client_cidr=CLIENTS)
    assert "replace route rtb-pub 172.27.224.0/20 -> instance/vpn" in texts(out)


def peer(*routes):
    return dict(field="peers[0]", client="peer0", vpc={"VpcId": "vpc-2", "CidrBlock": "10.110.0.0/16"},
                owner="development", pcx="pcx-1", tables=[table("rtb-dev", *routes)])


def test_peers_route_the_client_network_through_the_peering():
    out = present(new_env(peers=[peer()]), mode="routed", client_cidr=CLIENTS, peers=[{"owner": "development"}])
    [dev] = [a for a in out["actions"] if a.get("client") == "peer0"]
    assert dev.text == "create route rtb-dev 172.27.224.0/20 -> pcx-1" and dev["field"] == "VpcPeeringConnectionId"
    elsewhere = {"DestinationCidrBlock": CLIENTS, "VpcPeeringConnectionId": "pcx-9", "State": "active"}
    with pytest.raises(InputError) as err:
        present(new_env(peers=[peer(elsewhere)]), mode="routed", client_cidr=CLIENTS, peers=[{"owner": "development"}])
    assert err.value.field == "peers[0]"


def test_the_client_network_must_not_overlap_a_routed_vpc():
    with pytest.raises(InputError) as err:
        present(new_env(peers=[peer()]), mode="routed", client_cidr="10.110.16.0/20", peers=[{"owner": "development"}])
    assert err.value.field == "client_cidr"


ZONE = {"id": "/hostedzone/Z1", "name": "management.example.com."}


def test_the_dns_record_of_a_new_address_is_written_once_it_exists():
    out = present(new_env(zone=ZONE), dns_zone="management.example.com")
    change = out["actions"][-1]
    assert change.text == "create record A vpn.management.example.com. (new elastic IP)"
    assert change["ip"] is None and change["eip"] == "eip/vpn" and out["dns_name"] == "vpn.management.example.com"


def test_a_record_not_ours_is_never_overwritten():
    rrsets = {("A", "vpn.management.example.com."): {"Name": "vpn.management.example.com.", "Type": "A", "TTL": 60,
                                                     "ResourceRecords": [{"Value": "192.0.2.1"}]}}
    with pytest.raises(InputError) as err:
        present(built_env(zone=ZONE, rrsets=rrsets), dns_zone="management.example.com")
    assert err.value.field == "dns_record"


def test_check_mode_on_an_unbuilt_vpc_reports_one_summary_action():
    out = present(new_env(vpc=None, tables=[], subnet=None, image_id=None))
    assert [a.op for a in out["actions"]] == ["unbuilt"] and "not built yet" in out["actions"][0].text


def test_absent_removes_owned_resources_in_reverse_order():
    out = diff_absent(params(state="absent", client_cidr=CLIENTS), built_env(routed=True))
    assert texts(out) == [
        "delete route rtb-pub 172.27.224.0/20", "delete route rtb-priv 172.27.224.0/20",
        "disassociate elastic IP 198.51.100.7", "release elastic IP 198.51.100.7",
        "terminate instance i-1 (termination protection off first)", "wait for instance i-1 to terminate",
        "delete security group sg-1", "remove IAM role refarch-management-vpn from instance profile",
        "delete instance profile refarch-management-vpn", "delete IAM role policy ssm-session-manager",
        "delete IAM role refarch-management-vpn"]
    assert out["after"]["routes"] == [] and out["after"]["instance"] is None


def test_absent_leaves_routes_that_are_not_ours():
    foreign = {"DestinationCidrBlock": "10.0.0.0/8", "NetworkInterfaceId": "eni-other", "State": "active"}
    snap = built_env(tables=[table("rtb-pub", foreign)])
    assert not any(a.op == "delete_route" for a in diff_absent(params(state="absent", client_cidr=CLIENTS), snap)["actions"])
    gone = new_env()
    assert diff_absent(params(state="absent"), gone)["actions"] == []


def test_the_result_shows_unknown_ids_as_none_until_they_exist():
    snap = new_env()
    out = present(snap)
    planned = result_of(params(), planned_snapshot(snap, out), out)
    assert planned["instance"]["id"] is None and planned["instance"]["subnet_id"] == "subnet-a"
    assert planned["security_group"] == {"id": None, "ingress": ["tcp/443 from 203.0.113.0/24", "udp/1194 from 0.0.0.0/0"]}
    built = result_of(params(), planned_snapshot(built_env(), present(built_env())), present(built_env()))
    assert built["instance"]["id"] == "i-1" and built["public_ip"] == "198.51.100.7"
    # a launch planned over an existing instance (a replacement): the one there now is not the one the run leaves
    relaunch = dict(present(built_env()), launch=True)
    assert result_of(params(), planned_snapshot(built_env(), relaunch), relaunch)["instance"]["id"] is None
    routed = present(copy.deepcopy(new_env()), mode="routed", client_cidr=CLIENTS)
    after_run = result_of(params(mode="routed", client_cidr=CLIENTS), built_env(routed=True), routed)
    assert after_run["routes"] == ["rtb-priv 172.27.224.0/20 -> eni-1", "rtb-pub 172.27.224.0/20 -> eni-1"]


def test_everything_the_vpn_makes_carries_its_module_stamp():
    out = present(new_env())
    made = dict((a.text, tag_dict(a["tags"]) if isinstance(a["tags"], list) else a["tags"])
                for a in out["actions"] if a.get("tags") is not None)
    [launch] = [a for a in out["actions"] if a.op == "launch"]
    made.update((spec["ResourceType"], tag_dict(spec["Tags"])) for spec in launch["request"]["TagSpecifications"])
    assert sorted(made) == [
        "allocate elastic IP eip/vpn", "create IAM role refarch-management-vpn",
        "create instance profile refarch-management-vpn", "create security group sg/vpn in vpc-1", "instance",
        "tag eni/vpn Name, refarch:key, refarch:module, refarch:owner", "volume"]
    assert all(t["refarch:module"] == "vpn_instance" and t["refarch:owner"] == OWNER for t in made.values())


def test_resources_made_before_the_stamp_are_stamped_as_tag_drift():
    snap = built_env()
    unstamp = [snap["instance"], snap["sg"], snap["eip"], snap["role"], snap["profile"]]
    for item in unstamp:
        item["Tags"] = [t for t in item["Tags"] if t["Key"] != "refarch:module"]
    snap["eni"] = dict(snap["eni"], TagSet=[])  # the interface was never tagged
    out = present(snap)
    assert texts(out) == [
        "tag IAM role refarch-management-vpn refarch:module", "tag instance profile refarch-management-vpn refarch:module",
        "tag sg/vpn refarch:module", "tag eip/vpn refarch:module", "tag instance/vpn refarch:module",
        "tag eni/vpn Name, refarch:key, refarch:module, refarch:owner"]
    assert [(a.op, a.key) for a in out["actions"]] == [
        ("tag_role", "refarch-management-vpn"), ("tag_profile", "profile/vpn"), ("tag", "sg/vpn"), ("tag", "eip/vpn"),
        ("tag", "instance/vpn"), ("tag", "eni/vpn")]
    assert out["actions"][0]["tags"] == {"refarch:module": "vpn_instance"}
    assert present(built_env())["actions"] == [] and out["warnings"] == []


def test_the_instance_tag_drift_leaves_the_user_data_digest_to_the_drift_warning():
    out = present(built_env(), user_data="#cloud-config\nruncmd: [true]\n")
    assert out["actions"] == [] and "user_data" in out["warnings"][0]
