"""dns_zones against the real emulator: zones, associations, delegation, ownership, check mode."""

import json
import re

import boto3
import pytest

from aws_proxy import AwsProxy

MGMT_ACCOUNT = "111111111111"
MGMT_ROLE = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % MGMT_ACCOUNT


def make_vpc(ec2, owner, cidr):
    """A VPC tagged the way vpc_tiers tags it."""
    return ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        {"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": "vpc"}]}])["Vpc"]["VpcId"]


def assumed(service, role_arn):
    creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def writes(proxy):
    # ListTagsForResources is a POST in Route53's REST protocol: a read the proxy counts as a write
    return [w for w in proxy.writes() if w != "POST /2013-04-01/tags/hostedzone"]


def zones_named(r53, name):
    return [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == name]


def rrsets(r53, zone_id):
    return r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]


def find(records, name, rtype):
    found = [r for r in records if r["Name"] == name and r["Type"] == rtype]
    return found[0] if found else None


def create_record(r53, zone_id, name, rtype, value):
    record = {"Name": name, "Type": rtype, "TTL": 60, "ResourceRecords": [{"Value": value}]}
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": record}]})


def values(record):
    return sorted(v["Value"].rstrip(".") for v in record["ResourceRecords"])


@pytest.fixture(autouse=True)
def fresh_warnings():
    # run_module runs modules in this process, where Ansible collects warnings globally
    from ansible.module_utils.common import warnings
    warnings._global_warnings.clear()
    warnings._global_deprecations.clear()


def warning_texts(result):
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


@pytest.fixture
def world(aws):
    """Production's VPC in the default account; example.com in the management account."""
    ec2 = boto3.client("ec2")
    vpc = make_vpc(ec2, "production", "10.130.0.0/16")
    parent_r53 = assumed("route53", MGMT_ROLE)
    parent = parent_r53.create_hosted_zone(Name="example.com", CallerReference="mgmt-root")["HostedZone"]["Id"]
    return dict(ec2=ec2, vpc=vpc, r53=boto3.client("route53"), parent_r53=parent_r53, parent=parent)


def prod_args(**extra):
    args = dict(owner="production", region="us-east-1",
                private_zone=dict(name="production.internal"),
                public_zone=dict(name="prod.example.com",
                                 parent_zone=dict(name="example.com", assume_role_arn=MGMT_ROLE)),
                records=[dict(zone="public", name="vpn", type="A", values=["203.0.113.10"]),
                         dict(zone="private", name="db", type="CNAME", values=["db.abc.rds.amazonaws.com"])])
    args.update(extra)
    return args


def test_converge_creates_zones_delegation_and_reference(world, module):
    result = module("dns_zones", prod_args())
    assert not result.failed, result
    assert result["changed"]
    r53 = world["r53"]

    private = zones_named(r53, "production.internal.")
    assert len(private) == 1 and private[0]["Config"]["PrivateZone"]
    detail = r53.get_hosted_zone(Id=private[0]["Id"])
    assert [v["VPCId"] for v in detail["VPCs"]] == [world["vpc"]]
    tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=private[0]["Id"].split("/")[-1])
    tags = dict((t["Key"], t["Value"]) for t in tags["ResourceTagSet"]["Tags"])
    assert tags["refarch:owner"] == "production" and tags["refarch:key"] == "zone/private"

    public = zones_named(r53, "prod.example.com.")
    assert len(public) == 1 and not public[0]["Config"]["PrivateZone"]
    servers = sorted(r53.get_hosted_zone(Id=public[0]["Id"])["DelegationSet"]["NameServers"])

    # the delegation lives in the management account's zone and matches the child's servers
    delegation = find(rrsets(world["parent_r53"], world["parent"]), "prod.example.com.", "NS")
    assert values(delegation) == servers
    assert zones_named(r53, "example.com.") == []  # nothing written into our own account's namespace

    assert find(rrsets(r53, public[0]["Id"]), "vpn.prod.example.com.", "A")["ResourceRecords"] == [
        {"Value": "203.0.113.10"}]
    assert find(rrsets(r53, private[0]["Id"]), "db.production.internal.", "CNAME")

    ref = result["reference"]
    assert ref["resolver"] == "10.130.0.2"
    assert ref["vpc_id"] == world["vpc"]
    assert ref["private_zone_id"] == private[0]["Id"].split("/")[-1]
    assert ref["public_zone_id"] == public[0]["Id"].split("/")[-1]
    assert sorted(ref["name_servers"]) == servers
    assert result["public_zone"]["parent_zone_id"] == world["parent"].split("/")[-1]


def test_second_run_is_idempotent_and_makes_no_write(world, module):
    assert not module("dns_zones", prod_args()).failed
    proxy = AwsProxy(world_port(world)).start()
    try:
        again = module("dns_zones", prod_args(endpoint_url=proxy.url))
        assert not again.failed, again
        assert again["changed"] is False and again["actions"] == []
        assert writes(proxy) == []
        assert proxy.reads()  # it did look
        # the public zone's name servers come from its apex NS record set, read with its records:
        # GetHostedZone only for the private zone (its VPCs), and the same servers as it gives
        r53 = world["r53"]
        public = zones_named(r53, "prod.example.com.")[0]
        assert sorted(again["reference"]["name_servers"]) == sorted(
            r53.get_hosted_zone(Id=public["Id"])["DelegationSet"]["NameServers"])
        details = [a for a in proxy.reads() if re.match(r"GET /2013-04-01/hostedzone/[^/]+$", a)]
        assert details == ["GET /2013-04-01/hostedzone/" + zones_named(r53, "production.internal.")[0]["Id"].split("/")[-1]]
    finally:
        proxy.stop()


def world_port(world):
    return int(world["r53"].meta.endpoint_url.rsplit(":", 1)[1])


def test_check_mode_writes_nothing_and_reports_the_same_actions(world, module):
    proxy = AwsProxy(world_port(world)).start()
    try:
        planned = module("dns_zones", prod_args(endpoint_url=proxy.url), check_mode=True, diff=True)
        assert not planned.failed, planned
        assert writes(proxy) == []
    finally:
        proxy.stop()
    assert planned["changed"]
    assert zones_named(world["r53"], "prod.example.com.") == []
    assert planned["diff"]["after"]["private_zone"]["name"] == "production.internal."
    real = module("dns_zones", prod_args())
    assert [a.split(" (")[0] for a in planned["actions"]] == [a.split(" (")[0] for a in real["actions"]]
    assert module("dns_zones", prod_args(), check_mode=True)["changed"] is False


@pytest.mark.parametrize("environment", ["new", "built", "teardown"])
def test_check_reports_exactly_the_actions_the_real_run_performs(world, module, environment):
    wanted = prod_args()
    if environment != "new":
        assert not module("dns_zones", prod_args()).failed
        make_vpc(world["ec2"], "development", "10.110.0.0/16")
        wanted = prod_args(tags={"team": "network"}, private_zone=dict(name="production.internal", vpcs=[
            dict(owner="development")]), records=[dict(zone="public", name="vpn", type="A", values=["203.0.113.11"]),
                                                  dict(zone="public", name="api", type="A", values=["203.0.113.12"])])
    if environment == "teardown":
        assert not module("dns_zones", wanted).failed
        wanted = prod_args(state="absent")
    check = module("dns_zones", wanted, check_mode=True, diff=True)
    real = module("dns_zones", wanted, diff=True)
    assert not check.failed and not real.failed, (check, real)
    assert check["changed"] is real["changed"] is True
    assert check["actions"] == real["actions"] and check["diff"] == real["diff"]
    again = module("dns_zones", wanted, check_mode=True)
    assert again["changed"] is False and again["actions"] == []


def test_foreign_zones_and_records_survive_converge_and_absent(world, module):
    r53 = world["r53"]
    # a foreign public zone of the same name, and foreign records in the parent zone
    foreign_zone = r53.create_hosted_zone(Name="prod.example.com", CallerReference="someone-else")["HostedZone"]["Id"]
    create_record(r53, foreign_zone, "keep.prod.example.com", "A", "198.51.100.1")
    create_record(world["parent_r53"], world["parent"], "www.example.com", "A", "198.51.100.2")
    result = module("dns_zones", prod_args())
    assert not result.failed, result
    ours = result["public_zone"]["id"]
    assert ours != foreign_zone.split("/")[-1]
    # a record another tool (External-DNS) adds to our zone later
    create_record(r53, ours, "app.prod.example.com", "A", "198.51.100.3")
    assert module("dns_zones", prod_args())["changed"] is False

    gone = module("dns_zones", prod_args(state="absent"))
    assert not gone.failed, gone
    assert any("kept public zone prod.example.com." in w for w in warning_texts(gone))
    # our private zone is gone, our public zone stays only because of the foreign record
    assert zones_named(r53, "production.internal.") == []
    left = rrsets(r53, ours)
    assert find(left, "app.prod.example.com.", "A") and not find(left, "vpn.prod.example.com.", "A")
    assert find(rrsets(r53, foreign_zone), "keep.prod.example.com.", "A")
    parent = rrsets(world["parent_r53"], world["parent"])
    assert find(parent, "www.example.com.", "A")
    assert find(parent, "prod.example.com.", "NS") is None
    assert not [r for r in parent if r["Name"].startswith("_refarch-owner-production")]
    again = module("dns_zones", prod_args(state="absent"))
    assert again["changed"] is False


def test_absent_removes_everything_owned(world, module):
    assert not module("dns_zones", prod_args()).failed
    gone = module("dns_zones", prod_args(state="absent"))
    assert gone["changed"] and not warning_texts(gone)
    assert zones_named(world["r53"], "prod.example.com.") == []
    assert zones_named(world["r53"], "production.internal.") == []
    assert [r["Type"] for r in rrsets(world["parent_r53"], world["parent"])] == ["NS", "SOA"]
    assert module("dns_zones", prod_args(state="absent"))["changed"] is False


def test_existing_record_not_ours_fails_before_any_write(world, module):
    create_record(world["parent_r53"], world["parent"], "prod.example.com", "NS", "ns1.elsewhere.net")
    proxy = AwsProxy(world_port(world)).start()
    try:
        result = module("dns_zones", prod_args(endpoint_url=proxy.url))
        assert writes(proxy) == []
    finally:
        proxy.stop()
    assert result.failed
    assert result["field"] == "public_zone.parent_zone"
    assert "not owned by production" in result["msg"]


def test_record_removed_from_the_list_is_deleted_others_untouched(world, module):
    assert not module("dns_zones", prod_args()).failed
    fewer = prod_args(records=[dict(zone="public", name="vpn", type="A", values=["203.0.113.11"])])
    result = module("dns_zones", fewer, diff=True)
    assert result["actions"] == ["update record A vpn.prod.example.com. 203.0.113.11",
                                 "delete record CNAME db.production.internal."]
    assert result["diff"]["before"]["records"]["A vpn.prod.example.com."]["values"] == ["203.0.113.10"]
    private = result["private_zone"]["id"]
    assert find(rrsets(world["r53"], private), "db.production.internal.", "CNAME") is None
    assert module("dns_zones", fewer)["changed"] is False


def test_private_zone_associates_and_disassociates_peer_vpcs(world, module):
    peer = make_vpc(world["ec2"], "development", "10.110.0.0/16")
    args = prod_args(private_zone=dict(name="production.internal", vpcs=[dict(owner="development")]))
    result = module("dns_zones", args)
    assert not result.failed, result
    assert "associate %s (us-east-1) with production.internal." % peer in result["actions"]
    zid = result["private_zone"]["id"]
    vpcs = sorted(v["VPCId"] for v in world["r53"].get_hosted_zone(Id=zid)["VPCs"])
    assert vpcs == sorted([world["vpc"], peer])
    assert module("dns_zones", args)["changed"] is False
    # an association someone else made is not ours to remove
    other = world["ec2"].create_vpc(CidrBlock="10.140.0.0/16")["Vpc"]["VpcId"]
    world["r53"].associate_vpc_with_hosted_zone(HostedZoneId=zid, VPC={"VPCRegion": "us-east-1", "VPCId": other})
    result = module("dns_zones", prod_args())
    assert result["actions"] == ["disassociate %s (us-east-1) from production.internal." % peer]
    vpcs = sorted(v["VPCId"] for v in world["r53"].get_hosted_zone(Id=zid)["VPCs"])
    assert vpcs == sorted([world["vpc"], other])


def test_cross_account_association_goes_through_an_authorization(world, module):
    """The emulator serves the authorization calls moto lacks (tools/emulator_route53.py)."""
    dev_role = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
    dev_vpc = make_vpc(assumed("ec2", dev_role), "development", "10.110.0.0/16")
    args = prod_args(private_zone=dict(name="production.internal", vpcs=[dict(owner="development",
                                                                              assume_role_arn=dev_role)]))
    planned = module("dns_zones", args, check_mode=True)
    assert planned["actions"][-1] == "associate %s (us-east-1) with production.internal. (cross-account)" % dev_vpc
    result = module("dns_zones", args)
    assert not result.failed, result
    assert result["actions"] == planned["actions"]
    zid = zones_named(world["r53"], "production.internal.")[0]["Id"]
    assert sorted(v["VPCId"] for v in world["r53"].get_hosted_zone(Id=zid)["VPCs"]) == sorted([world["vpc"], dev_vpc])
    # the single-use authorization is removed once used
    assert world["r53"].list_vpc_association_authorizations(HostedZoneId=zid)["VPCs"] == []
    assert module("dns_zones", args)["changed"] is False
    result = module("dns_zones", prod_args())
    assert result["actions"] == ["disassociate %s (us-east-1) from production.internal." % dev_vpc]
    assert [v["VPCId"] for v in world["r53"].get_hosted_zone(Id=zid)["VPCs"]] == [world["vpc"]]


def test_split_horizon_private_zone_with_the_public_name(world, module):
    args = prod_args(private_zone=dict(name="prod.example.com"), records=[
        dict(zone="public", name="api", type="A", values=["203.0.113.20"]),
        dict(zone="private", name="api", type="A", values=["10.130.64.20"])])
    result = module("dns_zones", args)
    assert not result.failed, result
    assert result["private_zone"]["id"] != result["public_zone"]["id"]
    private = find(rrsets(world["r53"], result["private_zone"]["id"]), "api.prod.example.com.", "A")
    public = find(rrsets(world["r53"], result["public_zone"]["id"]), "api.prod.example.com.", "A")
    assert values(private) == ["10.130.64.20"] and values(public) == ["203.0.113.20"]
    assert module("dns_zones", args)["changed"] is False


def test_domain_owner_and_child_in_one_account(aws, module):
    ec2 = boto3.client("ec2")
    make_vpc(ec2, "management", "10.120.0.0/16")
    root = module("dns_zones", dict(owner="management", private_zone=dict(enabled=False),
                                    public_zone=dict(name="example.com")))
    assert root["actions"] == ["create public zone example.com."]
    assert root["reference"]["resolver"] == "10.120.0.2" and root["private_zone"] is None
    child = dict(owner="management", public_zone=dict(name="mgt.example.com", parent_zone=dict(name="example.com")))
    result = module("dns_zones", child)
    assert not result.failed, result
    assert result["reference"]["private_zone_name"] == "management.internal."
    # the domain owner's own call leaves the delegation (same owner, other scope) alone
    again = module("dns_zones", dict(owner="management", private_zone=dict(enabled=False),
                                     public_zone=dict(name="example.com")))
    assert again["changed"] is False
    parent = rrsets(boto3.client("route53"), root["public_zone"]["id"])
    assert find(parent, "mgt.example.com.", "NS")
    # teardown in reverse: child first, then the domain
    assert not module("dns_zones", dict(child, state="absent")).failed
    gone = module("dns_zones", dict(owner="management", private_zone=dict(enabled=False),
                                    public_zone=dict(name="example.com"), state="absent"))
    assert gone["actions"] == ["delete public zone example.com."]
    assert boto3.client("route53").list_hosted_zones()["HostedZones"] == []


def test_the_domain_zone_read_once_answers_the_delegations_into_it(aws, module):
    """issue 22: a child's delegation is planned from the domain owner's read of the run, not read again."""
    make_vpc(boto3.client("ec2"), "production", "10.130.0.0/16")
    domain = dict(owner="management", private_zone=dict(enabled=False), public_zone=dict(name="example.com"))
    created = module("dns_zones", domain)
    assert created["changed"] is True and created["known_zones"] == []  # it wrote: its read is stale
    read = module("dns_zones", domain)
    assert read["changed"] is False
    [known] = read["known_zones"]
    assert (known["id"], known["name"], known["private"]) == (read["public_zone"]["id"], "example.com.", False)
    assert sorted(r["Type"] for r in json.loads(known["records"])) == ["NS", "SOA"]  # JSON text: cheap to hand on
    child = dict(owner="production", private_zone=dict(enabled=False),
                 public_zone=dict(name="prod.example.com", parent_zone=dict(name="example.com")))
    made = module("dns_zones", dict(child, known_zones=read["known_zones"]))
    assert "delegate prod.example.com. in example.com." in made["actions"], made["actions"]
    assert find(rrsets(boto3.client("route53"), known["id"]), "prod.example.com.", "NS")
    # the known read, not a fresh one, answers: told that the parent holds no delegation yet (the
    # read from before it was written), the call would write it again, and a fresh read says it need not
    stale = module("dns_zones", dict(child, known_zones=read["known_zones"]), check_mode=True)
    assert stale["changed"] is True and [a.split(" (")[0] for a in stale["actions"]] == ["delegate prod.example.com. in example.com."]
    fresh = module("dns_zones", dict(child, known_zones=module("dns_zones", domain)["known_zones"]), check_mode=True)
    assert fresh["changed"] is False and fresh["known_zones"][0]["name"] == "prod.example.com."


def test_missing_parent_zone_fails_in_a_real_run_and_warns_in_check_mode(aws, module):
    make_vpc(boto3.client("ec2"), "development", "10.110.0.0/16")
    args = dict(owner="development", public_zone=dict(name="dev.example.com", parent_zone=dict(name="example.com")))
    planned = module("dns_zones", args, check_mode=True)
    assert not planned.failed and any("does not exist yet" in w for w in warning_texts(planned))
    result = module("dns_zones", args)
    assert result.failed and result["field"] == "public_zone.parent_zone.name"
    assert boto3.client("route53").list_hosted_zones()["HostedZones"] == []


def test_invalid_input_names_the_field(aws, module):
    bad = module("dns_zones", dict(owner="production", records=[dict(name="x", type="A", values=["nope"])]))
    assert bad.failed and bad["field"] == "records[0].values"
    bad = module("dns_zones", dict(owner="production", records=[dict(zone="public", name="x", type="A",
                                                                     values=["10.0.0.1"])]))
    assert bad.failed and bad["field"] == "records[0].zone"
    bad = module("dns_zones", dict(owner="production"))
    assert bad.failed and bad["field"] == "vpc_id"


class LoseReplies(AwsProxy):
    """Carries out the first request of each action matching ``pattern`` but loses its reply,
    as a dropped connection would: botocore retries a request that was already applied."""

    def __init__(self, upstream_port, pattern):
        super(LoseReplies, self).__init__(upstream_port)
        self.pattern, self.lost = re.compile(pattern), set()

    def _draw_fault(self, action):
        if self.pattern.search(action) and action not in self.lost:
            self.lost.add(action)
            return "lost_reply"
        return None


def test_retried_record_changes_and_zone_deletes_converge(world, module):
    # every change batch's first reply is lost: the retry is rejected as stale and re-planned
    proxy = LoseReplies(world_port(world), r"/rrset/$|^DELETE /2013-04-01/hostedzone/").start()
    try:
        result = module("dns_zones", prod_args(endpoint_url=proxy.url))
        assert not result.failed, result
        assert len(proxy.lost) == 3  # records of both zones and the delegation
        assert module("dns_zones", prod_args(endpoint_url=proxy.url))["changed"] is False
        gone = module("dns_zones", prod_args(endpoint_url=proxy.url, state="absent"))
        assert not gone.failed, gone
    finally:
        proxy.stop()
    assert world["r53"].list_hosted_zones()["HostedZones"] == []
    assert [r["Type"] for r in rrsets(world["parent_r53"], world["parent"])] == ["NS", "SOA"]


def test_zone_left_untagged_by_an_interrupted_run_is_adopted(world, module):
    # create_hosted_zone succeeded but the run stopped before tagging: the caller reference says it is ours
    left = world["r53"].create_hosted_zone(Name="prod.example.com", CallerReference="refarch/production/zone/public/x1")
    left = left["HostedZone"]["Id"].split("/")[-1]
    result = module("dns_zones", prod_args())
    assert not result.failed, result
    assert result["public_zone"]["id"] == left
    assert any(a.startswith("tag zone prod.example.com.") for a in result["actions"])
    assert "create public zone prod.example.com." not in result["actions"]
    assert len(zones_named(world["r53"], "prod.example.com.")) == 1
    assert module("dns_zones", prod_args())["changed"] is False


def test_a_private_zone_of_only_its_soa_and_ns_with_nothing_asked_is_not_listed(world, module):
    """ListHostedZones counts each zone's record sets: two are the SOA and NS Route53 made, so
    there is no registry of ours in it and, with no record asked, nothing to converge (issue 22)."""
    args = prod_args(records=[dict(zone="public", name="vpn", type="A", values=["203.0.113.10"])])
    assert not module("dns_zones", args).failed
    r53 = world["r53"]
    private = zones_named(r53, "production.internal.")[0]["Id"].split("/")[-1]

    def rerun():
        proxy = AwsProxy(world_port(world)).start()
        try:
            result = module("dns_zones", prod_args(records=args["records"], endpoint_url=proxy.url))
            listed = [a for a in proxy.reads() if a == "GET /2013-04-01/hostedzone/%s/rrset" % private]
            return result, listed, writes(proxy)
        finally:
            proxy.stop()
    again, listed, written = rerun()
    assert not again.failed and again["changed"] is False and written == []
    assert listed == []
    assert [z["id"] for z in again["known_zones"] if z["id"] == private] == []   # not read whole: not handed on
    # someone else's record makes the count three: the zone is read again, and the record left alone
    create_record(r53, private, "other.production.internal.", "A", "10.130.0.9")
    again, listed, written = rerun()
    assert not again.failed and again["changed"] is False and written == []
    assert len(listed) == 1
    assert find(rrsets(r53, private), "other.production.internal.", "A")
