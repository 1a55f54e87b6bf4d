"""dns_zones' plan and diff on their own: options + snapshot (plain dicts) -> actions, no emulator."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import (
    VPC_TAG_PREFIX, diff_dns, plan_dns, summarise,
)
from ansible_collections.refarch.network.plugins.module_utils.dns_read import known_ids
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

OWNER = "production"
PUB, PRIV, PARENT = "prod.example.com.", "production.internal.", "example.com."
SERVERS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.net"]
VPC = {"VpcId": "vpc-1", "CidrBlock": "10.130.0.0/16"}


def params(**extra):
    base = dict(owner=OWNER, state="present", vpc_id=None, tags={}, assume_role_arn=None,
                private_zone=dict(enabled=True, name="production.internal", comment=None, vpcs=[]),
                public_zone=dict(name="prod.example.com", comment=None,
                                 parent_zone=dict(name="example.com", id=None, ttl=3600, assume_role_arn="arn:x")),
                records=[dict(zone="public", name="vpn", type="A", ttl=300, values=["203.0.113.10"]),
                         dict(zone="private", name="db", type="CNAME", ttl=300, values=["db.abc.rds.amazonaws.com"])])
    base.update(extra)
    return base


def new_snapshot(vpcs=(("vpc-1", "us-east-1", None),), parent=True):
    """What the reader returns before the first run: the VPC and the parent zone exist."""
    return dict(vpc=dict(VPC), region="us-east-1", zones={"public": None, "private": None},
                records={"public": [], "private": []}, vpcs=list(vpcs), warnings=[],
                parent=dict(id="ZPARENT", client="parent", existing={}) if parent else None)


def registry(zone, entries):
    return dns.rrset("TXT", dns.registry_name(OWNER, zone), 300, dns.encode_registry(OWNER, entries))


def zone_records(zone, desired, extra=()):
    """The record sets of one of our zones holding ``desired`` (apex SOA/NS, registry)."""
    sets = [dns.rrset("SOA", zone, 900, ["ns-1. hostmaster. 1 7200 900 1209600 86400"]),
            dns.rrset("NS", zone, 172800, dns.normalize_values("NS", SERVERS))]
    sets += [dns.rrset(t, n, ttl, values) for (t, n), (ttl, values) in desired.items()] + list(extra)
    if desired:
        sets.append(registry(zone, set(dns.record_entry(t, n) for t, n in desired)))
    return sets


def built_snapshot(plan, vpcs=(("vpc-1", "us-east-1", None),)):
    """What the reader returns once ``plan`` has been converged."""
    snap = new_snapshot(vpcs)
    vpc_tags = dict((VPC_TAG_PREFIX + v, r) for v, r, _unused in vpcs)
    snap["zones"] = {
        "public": {"Id": "/hostedzone/ZPUB", "Name": PUB, "NameServers": list(SERVERS), "VPCs": [],
                   "Tags": owned_tags(OWNER, "zone/public", PUB.rstrip("."), plan["tags"])},
        "private": {"Id": "/hostedzone/ZPRIV", "Name": PRIV, "NameServers": [],
                    "VPCs": [{"VPCId": v, "VPCRegion": r} for v, r, _unused in vpcs],
                    "Tags": dict(owned_tags(OWNER, "zone/private", PRIV.rstrip("."), plan["tags"]), **vpc_tags)}}
    snap["records"] = dict((kind, zone_records(zone, plan["desired"].get(kind, {})))
                           for kind, zone in (("public", PUB), ("private", PRIV)))
    snap["parent"]["existing"] = dns.index_rrsets([
        dns.rrset("NS", PUB, 3600, dns.normalize_values("NS", SERVERS)),
        registry(PARENT, {dns.record_entry("NS", PUB, "delegation")})])
    return snap


def texts(actions):
    return [a.text for a in actions]


def test_new_environment_creates_zones_records_and_delegation_in_order():
    plan = plan_dns(params())
    actions, before, after, warnings = diff_dns(plan, new_snapshot())
    assert texts(actions) == [
        "create public zone prod.example.com.",
        "create record A vpn.prod.example.com. 203.0.113.10",
        "delegate prod.example.com. in example.com.",
        "create private zone production.internal. with vpc-1",
        "create record CNAME db.production.internal. db.abc.rds.amazonaws.com.",
    ]
    assert [(a.op, a.key) for a in actions] == [
        ("create_zone", "zone/public"), ("change_records", "records/public"), ("change_records", "delegation"),
        ("create_zone", "zone/private"), ("change_records", "records/private")]
    create_public, records, delegate, create_private, _unused = actions
    # a new zone is tagged as part of its creation; the private one records its association
    assert create_public["tags"]["refarch:key"] == "zone/public" and create_public["vpc"] is None
    assert create_private["vpc"] == {"VPCRegion": "us-east-1", "VPCId": "vpc-1"}
    assert create_private["tags"][VPC_TAG_PREFIX + "vpc-1"] == "us-east-1"
    # the batch carries the record and its registry entry, atomically
    assert [(c["Action"], c["ResourceRecordSet"]["Type"]) for c in records["changes"]] == [("CREATE", "A"), ("UPSERT", "TXT")]
    # the new zone's name servers are known only once it exists: the handler plans the delegation then
    assert delegate["changes"] is None and delegate["servers_of"] == "zone/public"
    assert delegate["zone"] == "zone/parent" and delegate["client"] == "parent" and delegate["delegated"] == PUB
    assert after["public_zone"]["name_servers"] == "(known after creation)" and before["public_zone"] is None
    assert after["private_zone"] == {"name": PRIV, "vpcs": ["vpc-1 us-east-1"]}
    assert warnings == []


def test_a_converged_environment_gives_no_action():
    plan = plan_dns(params())
    actions, before, after, warnings = diff_dns(plan, built_snapshot(plan))
    assert actions == [] and warnings == []
    assert before["records"] == after["records"]
    assert before["delegation"] == after["delegation"]


def test_a_private_zone_left_unread_with_nothing_asked_gives_no_action():
    """The reader leaves a private zone of only its SOA and NS unread (records None) when no
    record is asked of it: the diff has nothing of ours to compare there."""
    plan = plan_dns(params(records=[dict(zone="public", name="vpn", type="A", ttl=300, values=["203.0.113.10"])]))
    snap = built_snapshot(plan)
    snap["records"]["private"] = None
    actions, before, after, warnings = diff_dns(plan, snap)
    assert actions == [] and warnings == []
    assert before["records"] == after["records"] == {"A vpn.prod.example.com.": {"ttl": 300, "values": ["203.0.113.10"]}}


def test_each_record_of_a_batch_is_one_action_and_the_first_submits_it():
    plan = plan_dns(params(records=[dict(zone="public", name=n, type="A", ttl=300, values=["203.0.113.1"])
                                    for n in ("a", "b", "c")]))
    snap = built_snapshot(plan_dns(params()))
    actions, _unused, _unused, _unused = diff_dns(plan, snap)
    assert [(a.op, a.text) for a in actions] == [
        ("change_records", "create record A a.prod.example.com. 203.0.113.1"),
        ("in_batch", "create record A b.prod.example.com. 203.0.113.1"),
        ("in_batch", "create record A c.prod.example.com. 203.0.113.1"),
        ("in_batch", "delete record A vpn.prod.example.com."),
        ("change_records", "delete record CNAME db.production.internal.")]
    assert len(actions[0]["changes"]) == 5  # three creates, one delete, the registry


def test_changed_records_and_peer_vpcs():
    plan = plan_dns(params(records=[dict(zone="public", name="vpn", type="A", ttl=300, values=["203.0.113.11"])]))
    snap = built_snapshot(plan_dns(params()))
    snap["vpcs"].append(("vpc-2", "us-east-1", None))
    snap["vpcs"].append(("vpc-9", "eu-west-1", "peer1"))
    actions, before, after, _unused = diff_dns(plan, snap)
    assert texts(actions) == [
        "update record A vpn.prod.example.com. 203.0.113.11",
        "tag zone production.internal.: refarch:vpc/vpc-2, refarch:vpc/vpc-9",
        "associate vpc-2 (us-east-1) with production.internal.",
        "delete record CNAME db.production.internal.",
        "associate vpc-9 (eu-west-1) with production.internal. (cross-account)",  # always last
    ]
    assert actions[-1].op == "associate_cross_account" and actions[-1]["client"] == "peer1"
    assert before["records"]["A vpn.prod.example.com."]["values"] == ["203.0.113.10"]
    assert after["records"]["A vpn.prod.example.com."]["values"] == ["203.0.113.11"]


def test_only_associations_we_recorded_are_removed():
    plan = plan_dns(params())
    snap = built_snapshot(plan, vpcs=(("vpc-1", "us-east-1", None), ("vpc-2", "us-east-1", None),
                                      ("vpc-3", "us-east-1", None)))
    snap["vpcs"] = [("vpc-1", "us-east-1", None)]
    # vpc-3's association was removed by someone else; vpc-4's was made by someone else
    snap["zones"]["private"]["VPCs"] = [{"VPCId": v, "VPCRegion": "us-east-1"} for v in ("vpc-1", "vpc-2", "vpc-4")]
    actions, _unused, _unused, _unused = diff_dns(plan, snap)
    assert texts(actions) == ["disassociate vpc-2 (us-east-1) from production.internal.",
                              "untag zone production.internal.: refarch:vpc/vpc-3"]
    assert actions[0]["untag"] == [VPC_TAG_PREFIX + "vpc-2"] and actions[1]["keys"] == [VPC_TAG_PREFIX + "vpc-3"]


def test_tag_drift_and_an_untagged_zone_left_by_an_interrupted_run():
    plan = plan_dns(params(tags={"team": "net", "cost": 7}))
    snap = built_snapshot(plan_dns(params()))
    actions, _unused, _unused, _unused = diff_dns(plan, snap)
    assert texts(actions) == ["tag zone prod.example.com.: cost, team", "tag zone production.internal.: cost, team"]
    assert actions[0]["tags"] == {"team": "net", "cost": "7"}
    snap = built_snapshot(plan)
    snap["zones"]["public"]["Tags"] = {}
    actions, _unused, _unused, _unused = diff_dns(plan, snap)
    assert [(a.op, a.key) for a in actions] == [("tag_zone", "zone/public")]
    assert actions[0]["tags"]["refarch:owner"] == OWNER
    # numbers compare as the strings AWS stores: no perpetual diff
    assert diff_dns(plan, built_snapshot(plan))[0] == []


def test_a_record_that_is_not_ours_is_refused_before_any_write():
    plan = plan_dns(params())
    snap = new_snapshot()
    snap["zones"]["public"] = built_snapshot(plan)["zones"]["public"]
    snap["records"]["public"] = zone_records(PUB, {}, extra=[dns.rrset("A", "vpn." + PUB, 60, ["198.51.100.1"])])
    with pytest.raises(InputError) as err:
        diff_dns(plan, snap)
    assert err.value.field == "records" and "not owned by production" in err.value.reason and PUB in err.value.reason
    # someone else's delegation in the parent zone, even for a zone we are about to create
    snap = new_snapshot()
    snap["parent"]["existing"] = dns.index_rrsets([dns.rrset("NS", PUB, 60, ["ns1.elsewhere.net."])])
    with pytest.raises(InputError) as err:
        diff_dns(plan, snap)
    assert err.value.field == "public_zone.parent_zone"


def test_foreign_records_in_our_zone_and_the_parent_are_left_alone():
    plan = plan_dns(params())
    snap = built_snapshot(plan)
    foreign = dns.rrset("A", "app." + PUB, 60, ["198.51.100.3"])
    snap["records"]["public"].append(foreign)
    snap["parent"]["existing"][("TXT", dns.registry_name("development", PARENT))] = dns.rrset(
        "TXT", dns.registry_name("development", PARENT), 300, dns.encode_registry("development", {"NS dev.example.com. delegation"}))
    assert diff_dns(plan, snap)[0] == []
    actions, before, after, warnings = diff_dns(plan_dns(params(state="absent")), snap)
    assert texts(actions) == [
        "remove delegation of prod.example.com. in example.com.",
        "delete record A vpn.prod.example.com.",
        "delete record CNAME db.production.internal.",
        "delete private zone production.internal.",
    ]
    assert warnings == ["kept public zone prod.example.com. (ZPUB): it holds records production does not own: "
                        "A app.prod.example.com."]
    deleted = [c["ResourceRecordSet"]["Name"] for a in actions if a.op == "change_records" for c in a["changes"]]
    assert "app." + PUB not in deleted and "dev.example.com." not in deleted
    assert after["private_zone"] is None and before["private_zone"] == {"name": PRIV, "id": "ZPRIV"}


def test_absent_removes_in_reverse_and_is_idempotent():
    plan = plan_dns(params(state="absent"))
    actions, _unused, _unused, _unused = diff_dns(plan, built_snapshot(plan_dns(params())))
    assert [(a.op, a.key) for a in actions] == [
        ("change_records", "delegation"), ("change_records", "records/public"), ("delete_zone", "zone/public"),
        ("change_records", "records/private"), ("delete_zone", "zone/private")]
    delegation = actions[0]
    assert delegation["desired"] == {} and delegation["zone"] == "zone/parent"
    assert diff_dns(plan, new_snapshot())[0] == []


def test_the_domain_owners_call_leaves_its_own_delegations_alone():
    """The same owner writes its child's delegation into its own zone: another scope."""
    root = plan_dns(params(owner="management", private_zone=dict(enabled=False), records=[],
                           public_zone=dict(name="example.com", comment=None, parent_zone=None)))
    snap = new_snapshot(vpcs=())
    snap["zones"]["public"] = {"Id": "/hostedzone/ZROOT", "Name": PARENT, "NameServers": SERVERS, "VPCs": [],
                               "Tags": owned_tags("management", "zone/public", "example.com", {})}
    snap["records"]["public"] = zone_records(PARENT, {}) + [
        dns.rrset("NS", "mgt.example.com.", 3600, ["ns-1.awsdns-01.org."]),
        dns.rrset("TXT", dns.registry_name("management", PARENT), 300,
                  dns.encode_registry("management", {"NS mgt.example.com. delegation"}))]
    snap["parent"] = None
    assert diff_dns(root, snap)[0] == []


def test_check_mode_plans_against_a_missing_parent_zone():
    plan = plan_dns(params())
    actions, _unused, _unused, _unused = diff_dns(plan, new_snapshot(parent=False))
    assert [(a.op, a.text) for a in actions][2] == ("parent_missing", "delegate prod.example.com. in example.com.")


@pytest.mark.parametrize("change, field", [
    (dict(owner="Prod"), "owner"),
    (dict(private_zone=dict(enabled=True, name="bad..name", comment=None, vpcs=[])), "private_zone.name"),
    (dict(public_zone=dict(name="prod.example.com", comment=None, parent_zone=dict(name="other.org", ttl=60))),
     "public_zone.parent_zone.name"),
    (dict(private_zone=dict(enabled=True, name=None, comment=None, vpcs=[dict(vpc_id="vpc-1", owner="dev")])),
     "private_zone.vpcs[0]"),
    (dict(public_zone=None, records=[dict(zone="public", name="x", type="A", ttl=300, values=["10.0.0.1"])]),
     "records[0].zone"),
])
def test_plan_refuses_input_naming_the_field(change, field):
    with pytest.raises(InputError) as err:
        plan_dns(params(**change))
    assert err.value.field == field


def test_absent_plans_no_records_and_default_private_zone_name():
    plan = plan_dns(params(state="absent", private_zone=dict(enabled=True, name=None, comment=None, vpcs=[])))
    assert plan["desired"] == {} and plan["private"] == PRIV and plan["parent"]["ttl"] == 3600


def test_summary_and_reference():
    plan = plan_dns(params())
    snap = new_snapshot()
    checked = summarise(plan, snap, {"zone/parent": "ZPARENT"}, {})  # check mode: nothing created
    assert checked["private_zone"] == {"name": PRIV, "id": None, "name_servers": [],
                                       "vpcs": [{"vpc_id": "vpc-1", "region": "us-east-1"}]}
    assert checked["public_zone"] == {"name": PUB, "id": None, "parent_zone_id": "ZPARENT", "name_servers": []}
    real = summarise(plan, snap, {"zone/public": "ZPUB", "zone/private": "ZPRIV"}, {"zone/public": SERVERS[::-1]})
    assert real["reference"] == dict(
        environment=OWNER, vpc_id="vpc-1", vpc_cidr="10.130.0.0/16", resolver="10.130.0.2",
        private_zone_id="ZPRIV", private_zone_name=PRIV, public_zone_id="ZPUB", public_zone_name=PUB,
        name_servers=sorted(SERVERS))
    assert "name_servers" not in real["private_zone"]
    built = built_snapshot(plan)
    assert known_ids(built) == {"zone/public": "ZPUB", "zone/private": "ZPRIV", "zone/parent": "ZPARENT"}
    assert summarise(plan, built, known_ids(built), {})["public_zone"]["name_servers"] == sorted(SERVERS)
    gone = summarise(plan_dns(params(state="absent")), built, known_ids(built), {})
    assert gone["private_zone"] is None and gone["public_zone"] is None
