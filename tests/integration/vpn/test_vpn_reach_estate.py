"""vpn_instance ``reach``: a served environment's groups admit the VPN's address, exactly.

One VPN in the caller's account, development in another account (assume-role), one group
there (``app``, made as security_groups makes it) holding a rule of its own that must survive.
"""

from vpn_testlib import AL2023, PEER_ROLE, USER_DATA, build_vpc, client, live_instances, tags

OWNER = "management"


def app_group(vpc_id):
    ec2 = client("ec2", PEER_ROLE)
    group = ec2.create_security_group(GroupName="development-app", Description="app", VpcId=vpc_id, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": tags("development", "sg/app")}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.110.0.0/16"}]}])
    return group


def ingress(group):
    perms = client("ec2", PEER_ROLE).describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    return sorted((p["FromPort"], r["CidrIp"]) for p in perms for r in p.get("IpRanges", []))


def vpn(ports, served=True, **extra):
    reach = [dict(environment="development", assume_role_arn=PEER_ROLE, served=served, tiers=["private"],
                  ports=ports, groups=["app"])]
    return dict(dict(owner=OWNER, image_ssm_parameter=AL2023, user_data=USER_DATA, reach=reach), **extra)


def test_served_groups_admit_the_vpn_exactly_and_a_run_alone_restores_them(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    dev = build_vpc("development", "10.110.0.0/16", role_arn=PEER_ROLE)
    group = app_group(dev["vpc_id"])

    planned = module("vpn_instance", vpn([443, 22]), check_mode=True)
    assert "allow development app tcp/443 from the VPN's address" in planned["actions"], planned
    assert ingress(group) == [(8080, "10.110.0.0/16")]   # check mode wrote nothing

    made = module("vpn_instance", vpn([443, 22]), diff=True)
    assert not made.failed, made
    source = live_instances(OWNER)[0]["PrivateIpAddress"] + "/32"
    assert ingress(group) == [(22, source), (443, source), (8080, "10.110.0.0/16")]
    [served] = made["reach"]
    assert served["environment"] == "development" and served["ports"] == [22, 443]
    private = [dev["subnets"]["private/us-east-1a"], dev["subnets"]["private/us-east-1b"]]
    cidrs = sorted(s["CidrBlock"] for s in client("ec2", PEER_ROLE).describe_subnets(SubnetIds=private)["Subnets"])
    assert served["route_cidrs"] == cidrs and made["route_cidrs"] == sorted(cidrs + ["10.120.0.0/16"])
    # planned before the launch: the address is named, not known
    assert made["diff"]["after"]["reach"] == ["development app tcp/22 from the VPN's address",
                                              "development app tcp/443 from the VPN's address"]
    assert module("vpn_instance", vpn([443, 22]))["changed"] is False

    # a port dropped: only its rule goes; check mode says exactly that
    fewer = module("vpn_instance", vpn([443]), check_mode=True)
    assert fewer["actions"] == ["tag instance/vpn refarch:reach/development",   # the record: app:443
                                "revoke development app tcp/22 from %s" % source]
    assert module("vpn_instance", vpn([443]))["actions"] == fewer["actions"]
    assert ingress(group) == [(443, source), (8080, "10.110.0.0/16")]

    # turned off: our rule goes, the group's own rule stays
    off = module("vpn_instance", vpn([], served=False))
    assert off["actions"] == ["untag instance/vpn refarch:reach/development",
                              "revoke development app tcp/443 from %s" % source] and off["reach"] == []
    assert ingress(group) == [(8080, "10.110.0.0/16")]
    assert module("vpn_instance", vpn([], served=False))["changed"] is False

    # served again, then development destroyed and rebuilt alone: a run of development without
    # the VPN's (vpn_access) restores the rules from the VPN's record, with the VPN's keys, so the
    # VPN's own next run changes nothing
    assert module("vpn_instance", vpn([443, 22]))["changed"]
    assert {"Key": "refarch:reach/development", "Value": "app:22,443"} in live_instances(OWNER)[0]["Tags"]
    client("ec2", PEER_ROLE).delete_security_group(GroupId=group)
    group = app_group(dev["vpc_id"])
    alone = dict(owner="development", environment="development", vpn_owner=OWNER, vpn_assume_role_arn="",
                 assume_role_arn=PEER_ROLE)
    planned = module("vpn_access", alone, check_mode=True)
    assert planned["actions"] == ["allow development app tcp/22 from %s" % source,
                                  "allow development app tcp/443 from %s" % source]
    assert module("vpn_access", alone)["actions"] == planned["actions"]
    assert ingress(group) == [(22, source), (443, source), (8080, "10.110.0.0/16")]
    assert module("vpn_access", alone)["changed"] is False
    assert module("vpn_instance", vpn([443, 22]))["changed"] is False

    # the VPN stops serving development: its record goes, and the rules with it on either side's run
    off = module("vpn_instance", vpn([], served=False))
    assert "untag instance/vpn refarch:reach/development" in off["actions"], off
    assert module("vpn_access", alone)["changed"] is False and ingress(group) == [(8080, "10.110.0.0/16")]


def test_a_missing_group_is_refused_before_any_write_and_absent_revokes(aws, module):
    build_vpc(OWNER, "10.120.0.0/16")
    dev = build_vpc("development", "10.110.0.0/16", role_arn=PEER_ROLE)
    wrong = vpn([443])
    wrong["reach"][0]["groups"] = ["web"]
    refused = module("vpn_instance", wrong)
    assert refused.failed and "reach[0].groups" in refused["msg"] and "no security group 'web'" in refused["msg"]
    assert live_instances(OWNER) == []

    group = app_group(dev["vpc_id"])
    assert not module("vpn_instance", vpn([443])).failed
    gone = module("vpn_instance", dict(vpn([443]), state="absent"))
    assert not gone.failed, gone
    assert ingress(group) == [(8080, "10.110.0.0/16")]
