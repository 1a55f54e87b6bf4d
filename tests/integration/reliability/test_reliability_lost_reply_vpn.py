"""vpn_instance when replies are lost: the write is carried out, the answer never arrives and
botocore sends it again. Converge and teardown must succeed without duplicates (instances,
Elastic IPs, security groups, IAM) and a clean rerun must change nothing."""

import collections

import boto3
import pytest
from aws_proxy import AwsProxy, is_write
from aws_realism import Realism

from integration.vpn.vpn_testlib import AL2023, USER_DATA, build_vpc

OWNER = "management"
ZONE = "management.example.com"
# the fewest seeds whose lost replies hit every kind below (measured: seeds 1-8 hit them all in 115 s,
# these four in ~55 s); the faults fall on writes only, so a seed hits the same writes on every run
SEEDS = (1, 4, 5, 8)
# the writes whose retry used to fail or duplicate, and must now have been hit at least once
PRESENT_KINDS = {"CreateRole", "CreateInstanceProfile", "AddRoleToInstanceProfile", "CreateSecurityGroup",
                 "AllocateAddress", "RunInstances", "CreateRoute", "ChangeResourceRecordSets"}
ABSENT_KINDS = {"DisassociateAddress", "ReleaseAddress", "DeleteSecurityGroup", "RemoveRoleFromInstanceProfile",
                "DeleteInstanceProfile", "DeleteRolePolicy", "DeleteRole", "DeleteRoute",
                "ChangeResourceRecordSets"}


class WriteFaultProxy(AwsProxy):
    """Loses the replies of writes only: which writes are hit then depends on the seed alone,
    not on how many times a wait happened to poll."""

    def _draw_fault(self, action):
        return AwsProxy._draw_fault(self, action) if is_write(action) else None


def args(url, **extra):
    base = dict(owner=OWNER, image_ssm_parameter=AL2023, user_data=USER_DATA, admin_cidrs=["203.0.113.0/24"],
                mode="routed", client_cidr="172.27.224.0/20", dns_zone=ZONE, region="us-east-1",
                endpoint_url=url)
    base.update(extra)
    return base


def kind(action):
    return "ChangeResourceRecordSets" if action.startswith("POST /2013-04-01/hostedzone/") else action


def owned():
    """Counter of (kind, refarch:key or name) over everything vpn_instance owns (live)."""
    ec2, iam = boto3.client("ec2"), boto3.client("iam")
    mine = [{"Name": "tag:refarch:owner", "Values": [OWNER]}]
    live = [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    found = collections.Counter()
    listings = [
        ("instance", [i for r in ec2.describe_instances(Filters=mine + live)["Reservations"] for i in r["Instances"]]),
        ("eip", ec2.describe_addresses(Filters=mine)["Addresses"]),
        ("sg", ec2.describe_security_groups(Filters=mine)["SecurityGroups"]),
    ]
    for what, items in listings:
        for item in items:
            found[(what, dict((t["Key"], t["Value"]) for t in item.get("Tags", [])).get("refarch:key"))] += 1
    for role in iam.list_roles(PathPrefix="/refarch/")["Roles"]:
        found[("role", role["RoleName"])] += 1
    for profile in iam.list_instance_profiles(PathPrefix="/refarch/")["InstanceProfiles"]:
        found[("profile", profile["InstanceProfileName"])] += 1
    return found


def client_routes(net):
    ec2 = boto3.client("ec2")
    tables = ec2.describe_route_tables(RouteTableIds=list(net["tables"].values()))["RouteTables"]
    return [r for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == "172.27.224.0/20"]


def vpn_records(zone_id):
    sets = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return [s for s in sets if s["Type"] == "A" and s["Name"].startswith("vpn.")]


def test_converge_and_teardown_survive_lost_replies(module, aws):
    net = build_vpc(OWNER, "10.120.0.0/16")
    zone_id = boto3.client("route53").create_hosted_zone(Name=ZONE, CallerReference="z")["HostedZone"]["Id"]
    hit_present, hit_absent = set(), set()
    for seed in SEEDS:
        with WriteFaultProxy(aws.port, fault_rate=0.4, faults=("lost_reply",), seed=seed) as proxy:
            first = module("vpn_instance", args(proxy.url))
            hit_present |= set(kind(a) for a, w, f in proxy.requests if f == "lost_reply" and w)
        assert not first.failed, (seed, first.get("msg"))
        keys = owned()
        assert keys == collections.Counter({
            ("instance", "instance/vpn"): 1, ("eip", "eip/vpn"): 1, ("sg", "sg/vpn"): 1,
            ("role", "refarch-management-vpn"): 1, ("profile", "refarch-management-vpn"): 1}), (seed, keys)
        assert len(client_routes(net)) == 2 and len(vpn_records(zone_id)) == 1, seed
        again = module("vpn_instance", args(aws.url))
        assert again["changed"] is False, (seed, again["actions"])

        with WriteFaultProxy(aws.port, fault_rate=0.4, faults=("lost_reply",), seed=100 + seed) as proxy:
            gone = module("vpn_instance", args(proxy.url, state="absent"))
            hit_absent |= set(kind(a) for a, w, f in proxy.requests if f == "lost_reply" and w)
        assert not gone.failed, (seed, gone.get("msg"))
        assert owned() == collections.Counter(), (seed, owned())
        assert client_routes(net) == [] and vpn_records(zone_id) == [], seed
        assert module("vpn_instance", args(aws.url, state="absent"))["changed"] is False, seed
    assert PRESENT_KINDS <= hit_present, sorted(PRESENT_KINDS - hit_present)
    assert ABSENT_KINDS <= hit_absent, sorted(ABSENT_KINDS - hit_absent)


ONE_OF_EACH = collections.Counter({
    ("instance", "instance/vpn"): 1, ("eip", "eip/vpn"): 1, ("sg", "sg/vpn"): 1,
    ("role", "refarch-management-vpn"): 1, ("profile", "refarch-management-vpn"): 1})


@pytest.mark.parametrize("fault_rate,lose,realism", [
    (0.0, [], Realism()),
    (0.2, ["CreateSecurityGroup", "AllocateAddress"], Realism()),
    # a lost RunInstances reply (a refused call loses nothing, hence no profile refusals here)
    (0.0, ["RunInstances"], Realism(profile_propagation=False)),
], ids=["realistic", "faults", "lost-launch"])
def test_realistic_aws_build_replace_and_teardown(module, aws, fault_rate, lose, realism):
    """New ids NotFound and hidden for 1.5 s, a new instance profile refused by RunInstances for
    3 s, instances pending for 3 s, as on AWS; with and without 20% faults and lost replies of
    creates whose retry makes a twin or is refused as a duplicate: no failure, no duplicate,
    re-runs change nothing, teardown leaves nothing."""
    net = build_vpc(OWNER, "10.120.0.0/16")
    zone_id = boto3.client("route53").create_hosted_zone(Name=ZONE, CallerReference="z")["HostedZone"]["Id"]
    with AwsProxy(aws.port, lose_first=lose, fault_rate=fault_rate, seed=7, realism=realism) as realistic:
        first = module("vpn_instance", args(realistic.url))
        assert not first.failed, (first.get("msg"), first.get("actions_done"))
        hits = dict(realistic.realism_hits)
        assert sum(hits.get(k, 0) for k in ("notfound", "hidden", "pending")) > 0, hits
        assert hits.get("profile", 0) > 0 or lose or fault_rate, hits  # RunInstances a moment after the profile
        assert not realistic.to_lose
        assert owned() == ONE_OF_EACH and len(client_routes(net)) == 2 and len(vpn_records(zone_id)) == 1
        assert module("vpn_instance", args(aws.url))["changed"] is False
        replaced = module("vpn_instance", args(realistic.url, instance_type="t3.large", replace=True))
        assert not replaced.failed, (replaced.get("msg"), replaced.get("actions_done"))
        assert owned() == ONE_OF_EACH and replaced["public_ip"] == first["public_ip"]
        assert [r["NetworkInterfaceId"] for r in client_routes(net)] == [replaced["instance"]["network_interface_id"]] * 2
        assert module("vpn_instance", args(aws.url, instance_type="t3.large", replace=True))["changed"] is False
        gone = module("vpn_instance", args(realistic.url, state="absent"))
        assert not gone.failed, (gone.get("msg"), gone.get("actions_done"))
        # a terminated instance is shutting-down for a while and holds its group: waited out, never refused
        assert realistic.realism_hits["deleting"] > 0 and realistic.realism_hits["held"] == 0, realistic.realism_hits
    assert owned() == collections.Counter() and client_routes(net) == [] and vpn_records(zone_id) == []
