"""vpc_zone_associations against the emulator: the served environments' private zones, each in
its own account, resolve from management's VPC (read back, resolved with dns_resolve)."""

import boto3
import pytest
from aws_proxy import AwsProxy, is_write

from ansible_collections.refarch.network.plugins.module_utils.dns_resolve import resolve

ACCOUNTS = {"management": "111111111111", "development": "222222222222", "production": "333333333333"}
CIDRS = {"management": "10.120.0.0/16", "development": "10.110.0.0/16", "production": "10.130.0.0/16"}


def role(env):
    return "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % ACCOUNTS[env]


def client(service, env):
    creds = boto3.client("sts").assume_role(RoleArn=role(env), RoleSessionName="test")["Credentials"]
    return boto3.client(service, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def tags(owner, key):
    return [{"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": key}]


def build(env):
    """The environment's VPC and its private zone as vpc_tiers and dns_zones make them, one record in it."""
    vpc = client("ec2", env).create_vpc(CidrBlock=CIDRS[env], TagSpecifications=[
        {"ResourceType": "vpc", "Tags": tags(env, "vpc")}])["Vpc"]["VpcId"]
    r53 = client("route53", env)
    zid = r53.create_hosted_zone(Name="%s.internal" % env, CallerReference="ref-" + env,
                                 HostedZoneConfig={"PrivateZone": True},
                                 VPC={"VPCId": vpc, "VPCRegion": "us-east-1"})["HostedZone"]["Id"].split("/")[-1]
    r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid, AddTags=tags(env, "zone/private"))
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "db.%s.internal" % env, "Type": "A", "TTL": 60,
        "ResourceRecords": [{"Value": CIDRS[env].replace("0.0/16", "64.10")}]}}]})
    return dict(vpc=vpc, zone=zid)


@pytest.fixture
def estate(aws):
    return dict((env, build(env)) for env in ACCOUNTS)


def args(served, **extra):
    base = dict(owner="management", region="us-east-1", assume_role_arn=role("management"),
                zones=[dict(owner=env, assume_role_arn=role(env)) for env in served])
    base.update(extra)
    return base


def zones_read_back():
    """Every zone of every account, as dns_resolve takes them."""
    zones = []
    for env in ACCOUNTS:
        r53 = client("route53", env)
        for zone in r53.list_hosted_zones()["HostedZones"]:
            detail = r53.get_hosted_zone(Id=zone["Id"])
            zones.append(dict(name=zone["Name"], private=zone["Config"]["PrivateZone"],
                              vpcs=[(v["VPCId"], v["VPCRegion"]) for v in detail.get("VPCs", [])],
                              records=r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]))
    return zones


def vpc_tags(env, vpc):
    found = client("ec2", env).describe_vpcs(VpcIds=[vpc])["Vpcs"][0].get("Tags", [])
    return dict((t["Key"], t["Value"]) for t in found if t["Key"].startswith("refarch:zone/"))


def test_served_zones_resolve_from_the_vpn_vpc_and_leave_again(estate, module):
    served = ["management", "development", "production"]
    mgmt = (estate["management"]["vpc"], "us-east-1")
    planned = module("vpc_zone_associations", args(served), check_mode=True)
    result = module("vpc_zone_associations", args(served), diff=True)
    assert not result.failed, result
    assert result["actions"] == planned["actions"] == [
        "tag %s: refarch:zone/%s=development" % (mgmt[0], estate["development"]["zone"]),
        "associate %s with development.internal. (cross-account)" % mgmt[0],
        "tag %s: refarch:zone/%s=production" % (mgmt[0], estate["production"]["zone"]),
        "associate %s with production.internal. (cross-account)" % mgmt[0]]
    assert result["resolver"] == "10.120.0.2"
    assert result["search_domains"] == ["management.internal", "development.internal", "production.internal"]
    zones = zones_read_back()
    for env in served:
        assert resolve(zones, "db.%s.internal" % env, vpc=mgmt) == (
            "%s.internal." % env, [CIDRS[env].replace("0.0/16", "64.10")])
    # development's VPC still resolves only its own zone
    assert resolve(zones, "db.production.internal", vpc=(estate["development"]["vpc"], "us-east-1")) == (None, None)
    # authorizations are single-use and gone
    assert client("route53", "production").list_vpc_association_authorizations(
        HostedZoneId=estate["production"]["zone"])["VPCs"] == []
    assert module("vpc_zone_associations", args(served))["changed"] is False

    # production is no longer served: its association goes, from management's account alone
    result = module("vpc_zone_associations", args(["management", "development"]))
    assert result["actions"] == ["disassociate %s from the private zone %s of production" % (
        mgmt[0], estate["production"]["zone"])]
    assert result["search_domains"] == ["management.internal", "development.internal"]
    assert resolve(zones_read_back(), "db.production.internal", vpc=mgmt) == (None, None)
    assert list(vpc_tags("management", mgmt[0]).values()) == ["development"]

    # absent: every association the module made goes; the zone's own (management's) stays
    result = module("vpc_zone_associations", args(served, state="absent"))
    assert len(result["actions"]) == 1 and result["actions"][0].startswith("disassociate")
    zones = zones_read_back()
    assert resolve(zones, "db.development.internal", vpc=mgmt) == (None, None)
    assert resolve(zones, "db.management.internal", vpc=mgmt)[1] == ["10.120.64.10"]
    assert vpc_tags("management", mgmt[0]) == {}
    assert module("vpc_zone_associations", args(served, state="absent"))["changed"] is False


def test_a_served_environment_without_its_zone_is_skipped_with_a_warning(aws, module):
    build("management")
    client("ec2", "production").create_vpc(CidrBlock=CIDRS["production"])
    for check_mode in (True, False):
        result = module("vpc_zone_associations", args(["management", "production"]), check_mode=check_mode)
        assert not result.failed, result
        assert result["changed"] is False and result["search_domains"] == ["management.internal"]
        assert any("zones[1]: no private zone of production" in str(w) for w in result.get("warnings", []))


def test_a_zone_rebuilt_by_its_own_run_is_associated_again_from_the_vpn_vpcs_record(estate, module):
    """development destroyed and rebuilt alone: management (not in that run) keeps its record,
    development's dns.yml restores the association with recorded_only."""
    mgmt = estate["management"]["vpc"]
    assert not module("vpc_zone_associations", args(["management", "development"])).failed
    dev = client("route53", "development")
    old = estate["development"]["zone"]
    for rs in dev.list_resource_record_sets(HostedZoneId=old)["ResourceRecordSets"]:
        if rs["Type"] not in ("SOA", "NS"):
            dev.change_resource_record_sets(HostedZoneId=old, ChangeBatch={"Changes": [
                {"Action": "DELETE", "ResourceRecordSet": rs}]})
    dev.delete_hosted_zone(Id=old)
    # the VPN's run while development is gone: nothing to do, the record stays
    assert module("vpc_zone_associations", args(["management", "development"]))["changed"] is False
    new = dev.create_hosted_zone(Name="development.internal", CallerReference="rebuilt",
                                 HostedZoneConfig={"PrivateZone": True},
                                 VPC={"VPCId": estate["development"]["vpc"], "VPCRegion": "us-east-1"})["HostedZone"]["Id"]
    new = new.split("/")[-1]
    dev.change_tags_for_resource(ResourceType="hostedzone", ResourceId=new, AddTags=tags("development", "zone/private"))
    # production's zone is not listed: never touched by development's run; a peer that never
    # served development records nothing, so nothing happens there
    zone_side = args(["development"], recorded_only=True)
    result = module("vpc_zone_associations", zone_side)
    assert result["actions"] == [
        "tag %s: refarch:zone/%s=development" % (mgmt, new),
        "associate %s with development.internal. (cross-account)" % mgmt,
        "disassociate %s from the private zone %s of development" % (mgmt, old)]
    assert vpc_tags("management", mgmt) == {"refarch:zone/" + new: "development"}
    assert module("vpc_zone_associations", zone_side)["changed"] is False
    assert module("vpc_zone_associations", args(["management", "development"]))["changed"] is False
    prod_side = dict(args(["development"], recorded_only=True), owner="production", assume_role_arn=role("production"))
    assert module("vpc_zone_associations", prod_side)["changed"] is False


class LoseFirstReplies(AwsProxy):
    """Carries out the first request of every write (per action and path) and loses its reply:
    botocore retries each write once after it was applied."""

    def __init__(self, upstream_port):
        super(LoseFirstReplies, self).__init__(upstream_port)
        self.lost = set()

    def _draw_fault(self, action):
        if is_write(action) and action not in self.lost and "/tags/hostedzone" not in action:
            self.lost.add(action)
            return "lost_reply"
        return None


def test_lost_replies_neither_fail_nor_duplicate(estate, module):
    """Authorization, association (cross-account and not), VPC tags, disassociation: each write's
    first reply lost; the run succeeds, each VPC is listed once, no authorization is left."""
    mgmt = (estate["management"]["vpc"], "us-east-1")
    served = ["management", "development", "production"]
    for step, wanted in (("converge", served), ("unserve", ["management"])):
        with LoseFirstReplies(aws_port()) as proxy:
            result = module("vpc_zone_associations", args(wanted, endpoint_url=proxy.url))
            lost = [a for a, w, f in proxy.requests if f == "lost_reply"]
        assert not result.failed, (step, result.get("msg"))
        assert lost, step
        for env in ("development", "production"):
            zid = estate[env]["zone"]
            r53 = client("route53", env)
            vpcs = [(v["VPCId"], v["VPCRegion"]) for v in r53.get_hosted_zone(Id=zid)["VPCs"]]
            assert vpcs.count(mgmt) == (1 if env in wanted else 0), (step, env, vpcs)
            assert r53.list_vpc_association_authorizations(HostedZoneId=zid)["VPCs"] == []
        assert module("vpc_zone_associations", args(wanted))["changed"] is False, step


def aws_port():
    return int(boto3.client("route53").meta.endpoint_url.rsplit(":", 1)[1])
