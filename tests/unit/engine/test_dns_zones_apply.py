"""dns_zones' change-batch handler through the engine: a CREATE refused as "already exists"
whose record a fresh read does not list is submitted again as an UPSERT.

The moto emulator does this to a delegation removed and made again (its name servers are
fixed, so the new batch is identical to one it once applied): it looks such a CREATE up
among every record sorting after its name, so ``prod.example.com.`` makes
``dev.example.com.`` "already exist".
"""

from botocore.exceptions import ClientError

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.dns_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import delegation_records, zone_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, execute

OWNER, CHILD, PARENT = "development", "dev.example.com.", "example.com."
SERVERS = ["ns-2048.awsdns-64.com", "ns-2049.awsdns-65.net"]


class Module(object):
    check_mode = False


class Meta(object):
    method_to_api_mapping = {"change_resource_record_sets": "ChangeResourceRecordSets",
                             "list_resource_record_sets": "ListResourceRecordSets"}


class PhantomRoute53(object):
    """Lists no record, refuses every CREATE as already existing, records each batch."""
    meta = Meta()

    def __init__(self):
        self.batches = []

    def list_resource_record_sets(self, **kwargs):
        return {"ResourceRecordSets": []}

    def change_resource_record_sets(self, HostedZoneId, ChangeBatch):
        changes = ChangeBatch["Changes"]
        self.batches.append([(c["Action"], c["ResourceRecordSet"]["Type"]) for c in changes])
        for change in changes:
            if change["Action"] == "CREATE":
                rs = change["ResourceRecordSet"]
                raise ClientError({"Error": {"Code": "InvalidChangeBatch", "Message": "Tried to create resource record "
                                             "set [name='%s', type='%s'] but it already exists" % (rs["Name"], rs["Type"])},
                                   "ResponseMetadata": {"RetryAttempts": 0}}, "ChangeResourceRecordSets")
        return {"ChangeInfo": {"Id": "C1", "Status": "PENDING"}}


def delegation(existing=None):
    existing = existing or {}
    desired = delegation_records(CHILD, 3600, SERVERS)
    changes = zone_changes(OWNER, PARENT, desired, existing, CHILD)[0]
    return Action("change_records", "delegation", "delegate %s in %s" % (CHILD, PARENT), client="parent",
                  zone="zone/parent", name=PARENT, changes=changes, desired=desired, delegated=CHILD,
                  comment="refarch %s delegation" % OWNER)


def run_with(client, parent_id):
    return Run(clients={"parent": client}, ids=Ids({"zone/parent": parent_id}), owner=OWNER, sleep=lambda s: None)


def test_a_create_refused_for_a_record_the_zone_does_not_list_is_upserted():
    client = PhantomRoute53()
    assert execute(Module(), [delegation()], HANDLERS, run_with(client, "ZPARENT"))
    assert client.batches == [[("CREATE", "NS"), ("UPSERT", "TXT")], [("UPSERT", "NS"), ("UPSERT", "TXT")]]


def test_a_delegation_removed_and_made_again_next_to_another_one_in_the_emulator():
    import boto3
    import moto
    with moto.mock_aws():
        r53 = boto3.client("route53", region_name="us-east-1")
        pid = r53.create_hosted_zone(Name=PARENT, CallerReference="parent")["HostedZone"]["Id"].split("/")[-1]
        other = dns.rrset("NS", "prod.example.com.", 3600, dns.normalize_values("NS", SERVERS))
        r53.change_resource_record_sets(HostedZoneId=pid, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": other}]})
        assert execute(Module(), [delegation()], HANDLERS, run_with(r53, pid))

        def ours():
            listed = r53.list_resource_record_sets(HostedZoneId=pid)["ResourceRecordSets"]
            return dns.index_rrsets([rs for rs in listed if rs["Name"] != "prod.example.com."])
        removal = zone_changes(OWNER, PARENT, {}, ours(), CHILD)[0]
        r53.change_resource_record_sets(HostedZoneId=pid, ChangeBatch={"Changes": removal})
        assert ("NS", CHILD) not in ours()

        assert execute(Module(), [delegation(ours())], HANDLERS, run_with(r53, pid))
        assert dns.rrset_values(ours()[("NS", CHILD)]) == dns.normalize_values("NS", SERVERS)
