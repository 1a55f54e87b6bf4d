"""security_groups against the emulator: guard, adoption, purge limits, idempotence, absent."""

import boto3
from aws_proxy import AwsProxy

from security_seed_vpc import OWNER

SEED_GROUPS = [
    {"name": "default", "ingress": [{"proto": "all", "group": "eks_cluster", "description": "eks_to_base"}]},
    {"name": "eks_cluster", "ingress": [{"proto": "all", "group": "default", "description": "base_to_eks"}]},
    {"name": "public_lb",
     "ingress": [{"ports": 443, "cidr": "0.0.0.0/0", "cidr_ipv6": "::/0", "description": "https"},
                 {"ports": 10000, "cidr": ["10.0.0.0/8", "172.16.0.0/12"], "description": "management"}],
     "egress": [{"proto": "all", "cidr": "0.0.0.0/0", "cidr_ipv6": "::/0"}]},
]


def groups_by_name(vpc_id):
    ec2 = boto3.client("ec2")
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return {g["GroupName"]: g for g in groups}


def test_seed_groups_converge_and_are_idempotent(seed_vpc, module, aws):
    check = module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS), check_mode=True, diff=True)
    assert check["changed"] and not check.failed, check
    assert "sectest-eks_cluster" not in groups_by_name(seed_vpc["vpc_id"])  # check mode wrote nothing

    first = module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS))
    assert first["changed"] and not first.failed, first
    assert sorted(first["actions"]) == sorted(check["actions"])  # check mode predicted exactly this

    groups = groups_by_name(seed_vpc["vpc_id"])
    eks, lb, default = groups["sectest-eks_cluster"], groups["sectest-public_lb"], groups["default"]
    assert default["GroupId"] == seed_vpc["default_sg"]
    assert default["IpPermissions"][0]["IpProtocol"] == "-1"
    assert default["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == eks["GroupId"]
    assert eks["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == default["GroupId"]
    ingress = {(p["FromPort"], r.get("CidrIp") or r.get("CidrIpv6")) for p in lb["IpPermissions"]
               for r in p["IpRanges"] + p["Ipv6Ranges"]}
    assert ingress == {(443, "0.0.0.0/0"), (443, "::/0"), (10000, "10.0.0.0/8"), (10000, "172.16.0.0/12")}
    tags = {t["Key"]: t["Value"] for t in eks["Tags"]}
    assert tags["refarch:owner"] == OWNER and tags["refarch:key"] == "sg/eks_cluster"
    assert first["groups"]["eks_cluster"]["id"] == eks["GroupId"]

    proxy = AwsProxy(aws.port).start()
    try:
        again = module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS, endpoint_url=proxy.url))
    finally:
        proxy.stop()
    assert not again["changed"] and again["actions"] == [], again
    assert proxy.writes() == []


def test_world_open_guard_refuses_before_any_write(seed_vpc, module, aws):
    groups = [{"name": "db", "ingress": [{"ports": 443, "cidr": "0.0.0.0/0"},
                                         {"ports": "5000-5500", "cidr": "0.0.0.0/0", "description": "oops"}]}]
    proxy = AwsProxy(aws.port).start()
    try:
        result = module("security_groups", dict(owner=OWNER, groups=groups, endpoint_url=proxy.url))
    finally:
        proxy.stop()
    assert result.failed
    assert result["field"] == "groups[0](db).ingress[1]"
    assert "group db ingress rule 1 opens port 5432" in result["msg"]
    assert proxy.requests == []  # refused before even reading
    assert "sectest-db" not in groups_by_name(seed_vpc["vpc_id"])

    for rule in ({"proto": "all", "cidr_ipv6": "::/0"}, {"ports": 22, "cidr": "0.0.0.0/0"}):
        failed = module("security_groups", dict(owner=OWNER, groups=[{"name": "x", "ingress": [rule]}]))
        assert failed.failed and "allow_world" in failed["msg"], failed

    allowed = [{"name": "bastion", "ingress": [{"ports": 22, "cidr": "0.0.0.0/0", "allow_world": True}]}]
    assert module("security_groups", dict(owner=OWNER, groups=allowed))["changed"]


def test_purge_only_touches_owned_groups(seed_vpc, module):
    ec2 = boto3.client("ec2")
    vpc_id = seed_vpc["vpc_id"]
    foreign = ec2.create_security_group(VpcId=vpc_id, GroupName="someone-else", Description="foreign")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=foreign, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}])
    # a foreign rule in the default group, which we adopt
    ec2.authorize_security_group_ingress(GroupId=seed_vpc["default_sg"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.8.0.0/16"}]}])
    assert module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS))["changed"]

    # drift behind the module's back in an owned group: an extra rule and a changed description
    lb = groups_by_name(vpc_id)["sectest-public_lb"]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=lb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.7.0.0/16"}]}])
    ec2.update_security_group_rule_descriptions_ingress(GroupId=lb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "x"}]}])

    fixed = module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS))
    # our rule's description is restored; the rule someone else added is not ours to purge
    assert sorted(fixed["actions"]) == ["redescribe sg/public_lb ingress tcp 443 from 0.0.0.0/0 (https)"], fixed
    groups = groups_by_name(vpc_id)
    assert 8080 in [p.get("FromPort") for p in groups["sectest-public_lb"]["IpPermissions"]]

    # a rule we authorized ourselves and then dropped from the data is purged
    fewer_rules = [dict(g, ingress=[r for r in g["ingress"] if r.get("ports") != 443]) if g["name"] == "public_lb"
                   else g for g in SEED_GROUPS]
    dropped = module("security_groups", dict(owner=OWNER, groups=fewer_rules))
    assert dropped["actions"] == ["revoke sg/public_lb ingress tcp 443 from 0.0.0.0/0 (https)",
                                  "revoke sg/public_lb ingress tcp 443 from ::/0 (https)"], dropped
    module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS))
    groups = groups_by_name(vpc_id)
    assert "someone-else" in groups
    assert groups["someone-else"]["IpPermissions"][0]["FromPort"] == 8443
    default_ports = sorted(p.get("FromPort", -1) for p in groups["default"]["IpPermissions"])
    assert default_ports == [-1, 5432]  # our all-traffic rule and the foreign 5432 rule both kept

    # purge in the adopted default group only when asked
    asked = [dict(SEED_GROUPS[0], purge_rules=True)] + SEED_GROUPS[1:]
    purged = module("security_groups", dict(owner=OWNER, groups=asked))
    assert purged["actions"] == ["revoke sg/default ingress tcp 5432 from 10.8.0.0/16"]

    # a group name held by a foreign group is refused, not taken over
    clash = module("security_groups", dict(owner=OWNER, groups=[{"name": "x", "group_name": "someone-else"}]))
    assert clash.failed and "not owned by sectest" in clash["msg"]


def test_unplanned_groups_kept_unless_purge_groups_and_absent_cleans_up(seed_vpc, module):
    vpc_id = seed_vpc["vpc_id"]
    assert module("security_groups", dict(owner=OWNER, groups=SEED_GROUPS))["changed"]
    fewer = [g for g in SEED_GROUPS if g["name"] != "public_lb"]
    kept = module("security_groups", dict(owner=OWNER, groups=fewer))
    assert not kept["changed"] and kept["unplanned"] == ["public_lb"]
    assert "security group sg/public_lb is owned by sectest but not in groups; purge_groups: true deletes it" in kept.warning_texts
    gone = module("security_groups", dict(owner=OWNER, groups=fewer, purge_groups=True))
    assert gone["actions"] == ["delete security group sg/public_lb (sectest-public_lb)"]
    assert "sectest-public_lb" not in groups_by_name(vpc_id)

    absent = module("security_groups", dict(owner=OWNER, groups=fewer, state="absent"))
    assert absent.get("changed"), absent
    groups = groups_by_name(vpc_id)
    assert set(groups) == {"default"}
    assert groups["default"]["IpPermissions"] == []
    again = module("security_groups", dict(owner=OWNER, groups=fewer, state="absent"))
    assert not again["changed"], again


def test_absent_keeps_an_owned_group_that_holds_a_foreign_rule(seed_vpc, module):
    vpc_id = seed_vpc["vpc_id"]
    # IPv4 egress only: moto cannot revoke an IPv6 egress rule that shares an entry with IPv4
    groups = [dict(g, egress=[{"proto": "all", "cidr": "0.0.0.0/0"}]) if g["name"] == "public_lb" else g
              for g in SEED_GROUPS]
    assert module("security_groups", dict(owner=OWNER, groups=groups))["changed"]
    lb = groups_by_name(vpc_id)["sectest-public_lb"]["GroupId"]
    boto3.client("ec2").authorize_security_group_ingress(GroupId=lb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 9443, "ToPort": 9443, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}])
    gone = module("security_groups", dict(owner=OWNER, groups=groups, state="absent"))
    assert gone["changed"] and not gone.failed, gone
    assert [k for k in gone["kept"] if k.startswith("sg/public_lb: kept")], gone["kept"]
    left = groups_by_name(vpc_id)["sectest-public_lb"]["IpPermissions"]
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in left] == [(9443, "198.51.100.0/24")]
    assert "sectest-app" not in groups_by_name(vpc_id)
    again = module("security_groups", dict(owner=OWNER, groups=groups, state="absent"))
    assert again["changed"] is False, again["actions"]


def test_a_failed_write_names_the_action_and_what_was_done(seed_vpc, module):
    missing = "sg-0123456789abcdef0"
    groups = [{"name": "x", "ingress": [{"ports": 443, "cidr": "10.0.0.0/8"}, {"ports": 443, "group": missing}]}]
    failed = module("security_groups", dict(owner=OWNER, groups=groups))
    assert failed.failed
    assert failed["failed_action"] == "authorize sg/x ingress tcp 443 from sg:%s" % missing, failed
    assert failed["msg"].startswith("security_groups stopped at 'authorize sg/x ingress tcp 443 from sg:%s'" % missing)
    assert failed["actions_done"] == ["create security group sg/x (sectest-x)",
                                      "authorize sg/x ingress tcp 443 from 10.0.0.0/8"], failed
    assert failed["error"]["Code"] == "InvalidGroup.NotFound"
    # what was done stays done: without the bad rule, the next run has nothing left to do
    fixed = [dict(groups[0], ingress=groups[0]["ingress"][:1])]
    again = module("security_groups", dict(owner=OWNER, groups=fixed))
    assert not again.failed and again["changed"] is False, again


APP = [{"name": "app", "ingress": [{"ports": 443, "cidr": "10.0.0.0/8", "description": "https"}]}]
SSH_WORLD = "sg/app ingress tcp 22 from 0.0.0.0/0"


def warnings(result):
    """Warning texts (dicts with the message in newer ansible-core)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def run_counted(module, aws, args, check_mode=False):
    """The module's result and the writes it sent, through the counting proxy."""
    proxy = AwsProxy(aws.port).start()
    try:
        result = module("security_groups", dict(args, endpoint_url=proxy.url), check_mode=check_mode)
    finally:
        proxy.stop()
    assert not result.failed, result
    return result, proxy.writes()


def test_a_rule_added_by_hand_is_reported_every_run_and_revoked_with_purge_rules(seed_vpc, module, aws):
    ec2 = boto3.client("ec2")
    assert module("security_groups", dict(owner=OWNER, groups=APP))["changed"]
    app = groups_by_name(seed_vpc["vpc_id"])["sectest-app"]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    reports = []
    for check_mode in (True, False, False):   # the same report in check mode and on every real run
        result, writes = run_counted(module, aws, dict(owner=OWNER, groups=APP), check_mode)
        assert not result["changed"] and writes == [], result
        reports.append((result["unmanaged_rules"], [w for w in warnings(result) if "sg/app" in w]))
    assert reports[0] == reports[1] == reports[2]
    assert reports[0][0] == [SSH_WORLD]
    assert len(reports[0][1]) == 1 and "ingress tcp 22 from 0.0.0.0/0; kept" in reports[0][1][0]
    assert sorted(p["FromPort"] for p in groups_by_name(seed_vpc["vpc_id"])["sectest-app"]["IpPermissions"]) == [22, 443]

    purge = dict(owner=OWNER, groups=[dict(APP[0], purge_rules=True)])
    check, check_writes = run_counted(module, aws, purge, check_mode=True)
    real, real_writes = run_counted(module, aws, purge)
    assert check_writes == [] and check["actions"] == real["actions"] == ["revoke %s" % SSH_WORLD], (check, real)
    assert check["unmanaged_rules"] == real["unmanaged_rules"] == [SSH_WORLD]
    assert len(real_writes) == len(real["actions"]) == 1, real_writes
    ports = [p["FromPort"] for p in groups_by_name(seed_vpc["vpc_id"])["sectest-app"]["IpPermissions"]]
    assert ports == [443]
    again = module("security_groups", purge)
    assert not again["changed"] and again["unmanaged_rules"] == [], again


def test_purge_groups_leaves_the_vpn_servers_group_alone(seed_vpc, module):
    ec2 = boto3.client("ec2")
    vpc_id = seed_vpc["vpc_id"]
    # the group vpn_instance makes: same owner, same sg/ key space, its own module tag
    vpn = ec2.create_security_group(VpcId=vpc_id, GroupName="sectest-vpn", Description="vpn", TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [
            {"Key": "refarch:owner", "Value": OWNER}, {"Key": "refarch:key", "Value": "sg/vpn"},
            {"Key": "refarch:module", "Value": "vpn_instance"}]}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=vpn, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 1194, "ToPort": 1194, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    for check_mode in (True, False):
        purged = module("security_groups", dict(owner=OWNER, groups=APP, purge_groups=True), check_mode=check_mode)
        assert not purged.failed and purged["unplanned"] == [], purged
        assert not [a for a in purged["actions"] if "sg/vpn" in a], purged["actions"]
    app = groups_by_name(vpc_id)["sectest-app"]
    assert {"Key": "refarch:module", "Value": "security_groups"} in app["Tags"]

    absent = module("security_groups", dict(owner=OWNER, groups=APP, state="absent"))
    assert absent["changed"] and not [a for a in absent["actions"] if "sg/vpn" in a], absent
    left = groups_by_name(vpc_id)
    assert "sectest-app" not in left and left["sectest-vpn"]["IpPermissions"][0]["FromPort"] == 1194

    taken = module("security_groups", dict(owner=OWNER, groups=[{"name": "vpn", "group_name": "x", "ingress": []}]))
    assert taken.failed and taken["field"] == "groups[0].name" and "vpn_instance" in taken["msg"], taken


def test_world_open_sets_in_pieces_are_refused_before_any_request(seed_vpc, module, aws):
    cases = [([{"ports": 22, "cidr": ["0.0.0.0/1", "128.0.0.0/1"]}], "groups[0](admin).ingress[0]", "port 22/tcp"),
             ([{"ports": 3389, "cidr_ipv6": ["::/1", "8000::/1"]}], "groups[0](admin).ingress[0]", "port 3389/tcp"),
             ([{"ports": 22, "cidr": "16.0.0.0/5"}, {"ports": 22, "cidr": "24.0.0.0/5"}], "groups[0](admin).ingress",
              "together open port 22/tcp")]
    for rules, field, words in cases:
        proxy = AwsProxy(aws.port).start()
        try:
            result = module("security_groups", dict(owner=OWNER, groups=[{"name": "admin", "ingress": rules}],
                                                    endpoint_url=proxy.url))
        finally:
            proxy.stop()
        assert result.failed and result["field"] == field and words in result["msg"], result
        assert proxy.requests == []
