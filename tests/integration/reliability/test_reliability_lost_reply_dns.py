"""dns_zones when replies are lost: the request is carried out, the answer never arrives and
botocore retries. No second zone (the emulator ignores CallerReference), no failure of a
retried record change or association, a clean rerun changes nothing, teardown leaves nothing."""

import collections
import re

import boto3
from aws_proxy import AwsProxy, is_write

MGMT_ROLE = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
ZONE_ID = re.compile(r"/hostedzone/[^/]+")
# the writes whose retry used to duplicate or fail (Route53 REST actions, zone ids blanked)
FIXED = {"POST /2013-04-01/hostedzone", "POST /2013-04-01/hostedzone/Z/associatevpc",
         "POST /2013-04-01/hostedzone/Z/disassociatevpc", "POST /2013-04-01/hostedzone/Z/rrset/",
         "DELETE /2013-04-01/hostedzone/Z"}


def make_vpc(ec2, owner, cidr):
    return ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        {"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": "vpc"}]}])["Vpc"]["VpcId"]


def setup_world():
    ec2 = boto3.client("ec2")
    prod = make_vpc(ec2, "production", "10.130.0.0/16")
    dev = make_vpc(ec2, "development", "10.110.0.0/16")
    creds = boto3.client("sts").assume_role(RoleArn=MGMT_ROLE, RoleSessionName="test")["Credentials"]
    parent_r53 = boto3.client("route53", aws_access_key_id=creds["AccessKeyId"],
                              aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    parent = parent_r53.create_hosted_zone(Name="example.com", CallerReference="mgmt-root")["HostedZone"]["Id"]
    return parent_r53, parent, prod, dev


def args(url, peer=True, db=True, **extra):
    records = [dict(zone="public", name="vpn", type="A", values=["203.0.113.10"])]
    if db:
        records.append(dict(zone="private", name="db", type="CNAME", values=["db.abc.rds.amazonaws.com"]))
    base = dict(owner="production", region="us-east-1", endpoint_url=url, records=records,
                private_zone=dict(name="production.internal", vpcs=[dict(owner="development")] if peer else []),
                public_zone=dict(name="prod.example.com", parent_zone=dict(name="example.com", assume_role_arn=MGMT_ROLE)))
    base.update(extra)
    return base


def zone_counts():
    return collections.Counter(z["Name"] for z in boto3.client("route53").list_hosted_zones()["HostedZones"])


def private_zone_vpcs():
    """Counter of the VPC ids the private zone lists (one entry each when all is well)."""
    r53 = boto3.client("route53")
    zone = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "production.internal."][0]
    return collections.Counter(v["VPCId"] for v in r53.get_hosted_zone(Id=zone["Id"])["VPCs"])


def lost_writes(proxy):
    return collections.Counter(ZONE_ID.sub("/hostedzone/Z", a) for a, w, f in proxy.requests if f == "lost_reply" and w)


class LoseFirstReplies(AwsProxy):
    """Carries out the first request of every write (per exact action and path) but loses its
    reply: botocore retries each write once after it was applied."""

    def __init__(self, upstream_port):
        super(LoseFirstReplies, self).__init__(upstream_port)
        self.lost = set()

    def _draw_fault(self, action):
        if is_write(action) and action not in self.lost:
            self.lost.add(action)
            return "lost_reply"
        return None


def converge_and_teardown(aws, module, proxy_for):
    """Converge, shrink (drop the peer VPC and a record), tear down: each through a proxy from
    ``proxy_for(step)``, each followed by checks; returns the lost write kinds."""
    parent_r53, parent, prod, dev = setup_world()
    hit = collections.Counter()
    zones = {"production.internal.": 1, "prod.example.com.": 1}
    steps = (("converge", args, zones, [prod, dev]),
             ("shrink", lambda url: args(url, peer=False, db=False), zones, [prod]),
             ("teardown", lambda url: args(url, state="absent"), {}, None))
    for step, make_args, want_zones, vpcs in steps:
        with proxy_for(step) as proxy:
            result = module("dns_zones", make_args(proxy.url))
            hit.update(lost_writes(proxy))
        assert not result.failed, (step, result.get("msg"), result.get("actions"))
        assert zone_counts() == collections.Counter(want_zones), step
        if vpcs:
            assert private_zone_vpcs() == collections.Counter(vpcs), step
            again = module("dns_zones", make_args(aws.url))
            assert again["changed"] is False, (step, again["actions"])
    kinds = sorted((r["Type"], r["Name"]) for r in parent_r53.list_resource_record_sets(
        HostedZoneId=parent)["ResourceRecordSets"])
    assert kinds == [("NS", "example.com."), ("SOA", "example.com.")]
    return hit


def test_first_reply_of_every_write_lost(aws, module):
    hit = converge_and_teardown(aws, module, lambda step: LoseFirstReplies(aws.port))
    assert FIXED <= set(hit), dict(hit)


def test_lost_replies_at_random(aws, module):
    hit = collections.Counter()
    for seed in (1, 2, 3):
        aws.reset()
        hit.update(converge_and_teardown(aws, module, lambda step: AwsProxy(
            aws.port, fault_rate=0.3, faults=("lost_reply",), seed=seed * 10 + len(step))))
    assert {"POST /2013-04-01/hostedzone", "POST /2013-04-01/hostedzone/Z/rrset/"} <= set(hit), dict(hit)
