"""Issue 19, pure parts: which zones the VPN's VPC resolves (plan/diff of vpc_zone_associations,
the vpn_served_zones filter) and how a name resolves from a VPC or from outside (dns_resolve)."""

import pytest

from ansible_collections.refarch.network.plugins.filter.account_requests import referred_environments
from ansible_collections.refarch.network.plugins.filter.vpn_served_zones import vpn_served_zones
from ansible_collections.refarch.network.plugins.module_utils.dns_resolve import resolve
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.zone_assoc_diff import (
    diff_associations, plan_associations, summarise,
)

VPC = "vpc-mgmt"
PRD_ROLE = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"


def plan(*owners, **extra):
    params = dict(owner="management", zones=[dict(owner=o) for o in owners])
    params.update(extra)
    return plan_associations(params)


def snapshot(zones, tags=None):
    return dict(vpc={"VpcId": VPC, "CidrBlock": "10.120.0.0/16", "Tags": [
        {"Key": k, "Value": v} for k, v in (tags or {}).items()]}, region="us-east-1", zones=zones)


def zone(owner, zid, vpcs=(), client=None):
    return dict(owner=owner, id=zid, name="%s.internal." % owner, vpcs=list(vpcs), client=client)


def texts(actions):
    return [a.text for a in actions]


def test_plan_refuses_bad_and_repeated_owners_naming_the_field():
    with pytest.raises(InputError) as e:
        plan("production", "production")
    assert e.value.field == "zones[1].owner"
    with pytest.raises(InputError) as e:
        plan("Prod")
    assert e.value.field == "zones[0].owner"
    assert plan("production", state="absent")["zones"] == []


def test_a_new_zone_is_recorded_on_the_vpc_before_it_is_associated():
    snap = snapshot([zone("management", "ZM", [(VPC, "us-east-1")]), zone("production", "ZP", [("vpc-p", "us-east-1")],
                                                                          client="zone1")])
    actions, before, after = diff_associations(plan("management", "production"), snap)
    assert [a.op for a in actions] == ["tag_vpc", "associate_cross_account"]
    assert actions[0]["tags"] == {"refarch:zone/ZP": "production"}
    assert actions[1]["client"] == "zone1" and actions[1]["vpc"] == {"VPCId": VPC, "VPCRegion": "us-east-1"}
    assert before == {"management.internal. (management)": "associated"}
    assert sorted(after) == ["management.internal. (management)", "production.internal. (production)"]
    assert summarise(None, snap)["search_domains"] == ["management.internal", "production.internal"]
    assert summarise(None, snap)["resolver"] == "10.120.0.2"


def test_same_account_zones_are_associated_directly_and_an_interrupted_run_is_not_tagged_twice():
    snap = snapshot([zone("development", "ZD")], tags={"refarch:zone/ZD": "development"})
    actions = diff_associations(plan("development"), snap)[0]
    assert [a.op for a in actions] == ["associate"]


def test_converged_is_no_action_and_foreign_associations_are_never_ours():
    snap = snapshot([zone("production", "ZP", [(VPC, "us-east-1")])], tags={"refarch:zone/ZP": "production"})
    assert diff_associations(plan("production"), snap)[0] == []
    # management's own zone is associated by its dns_zones call, not recorded here: left alone when not served
    snap = snapshot([], tags={})
    assert diff_associations(plan(), snap)[0] == []


def test_a_zone_no_longer_served_is_disassociated_and_untagged():
    snap = snapshot([zone("development", "ZD", [(VPC, "us-east-1")])],
                    tags={"refarch:zone/ZD": "development", "refarch:zone/ZP": "production", "Name": "management"})
    actions = diff_associations(plan("development"), snap)[0]
    assert texts(actions) == ["disassociate %s from the private zone ZP of production" % VPC]
    assert actions[0]["untag"] == ["refarch:zone/ZP"]
    absent = diff_associations(plan("development", state="absent"), snap)[0]
    assert [a["zone_id"] for a in absent] == ["ZD", "ZP"]


def test_a_served_zone_not_built_or_destroyed_is_skipped_and_keeps_its_record():
    missing = dict(owner="production", id=None, name=None, vpcs=[], client=None)
    snap = snapshot([missing], tags={"refarch:zone/ZOLD": "production", "refarch:zone/ZD": "development"})
    actions = diff_associations(plan("production"), snap)[0]
    assert texts(actions) == ["disassociate %s from the private zone ZD of development" % VPC]
    assert summarise(None, snap)["search_domains"] == []
    # rebuilt: the new zone is associated, the old record goes (its zone went with its associations)
    snap = snapshot([zone("production", "ZNEW")], tags={"refarch:zone/ZOLD": "production"})
    assert [a.op for a in diff_associations(plan("production"), snap)[0]] == ["tag_vpc", "associate", "disassociate"]


# --- the filter the pritunl_vpn role calls ---------------------------------------------------

def test_served_zones_take_roles_and_names_from_the_run_or_account_context():
    hostvars = {
        "management": {"owner": "management", "refarch_role_arn": "arn:mgmt", "dns_private_zone": "management.internal",
                       "refarch_environment_roles": {"development": "arn:dev"}},
        "production": {"owner": "production", "refarch_role_arn": PRD_ROLE, "dns_private_zone": "production.internal",
                       "dns_public_zone": "prod.example.com", "dns_split_horizon": True},
    }
    assert vpn_served_zones(["management", "production", "development"], hostvars, "management") == [
        dict(owner="management", assume_role_arn="", name="management.internal"),
        dict(owner="production", assume_role_arn=PRD_ROLE, name="prod.example.com"),
        dict(owner="development", assume_role_arn="arn:dev"),   # not in the run: found by its tags
    ]


def test_the_served_environments_are_resolved_accounts_of_a_vpn_run():
    data = dict(peers=["development"], vpn_enabled=True, refarch_vpn_served_environments=["production", "development"])
    assert referred_environments(data) == ["development", "production"]
    assert referred_environments(dict(data, vpn_enabled=False)) == ["development"]


# --- resolution from a VPC, and split horizon ------------------------------------------------

def rr(name, rtype, *values):
    return {"Name": name, "Type": rtype, "TTL": 60, "ResourceRecords": [{"Value": v} for v in values]}


ZONES = [
    dict(name="prod.example.com.", private=False, vpcs=[], records=[rr("api.prod.example.com.", "A", "203.0.113.20")]),
    dict(name="prod.example.com.", private=True, vpcs=[("vpc-prd", "us-east-1"), (VPC, "us-east-1")],
         records=[rr("api.prod.example.com.", "A", "10.130.64.20"), rr("www.prod.example.com.", "CNAME", "api.prod.example.com.")]),
    dict(name="production.internal.", private=True, vpcs=[("vpc-prd", "us-east-1")],
         records=[rr("db.production.internal.", "A", "10.130.128.5")]),
    dict(name="example.com.", private=False, vpcs=[], records=[rr("www.example.com.", "A", "203.0.113.1")]),
]


def test_split_horizon_private_inside_the_vpcs_public_outside():
    assert resolve(ZONES, "api.prod.example.com", vpc=(VPC, "us-east-1")) == ("prod.example.com.", ["10.130.64.20"])
    assert resolve(ZONES, "api.prod.example.com", vpc=("vpc-prd", "us-east-1"))[1] == ["10.130.64.20"]
    assert resolve(ZONES, "api.prod.example.com") == ("prod.example.com.", ["203.0.113.20"])
    assert resolve(ZONES, "www.prod.example.com", vpc=(VPC, "us-east-1"))[1] == ["10.130.64.20"]  # CNAME followed


def test_the_longest_associated_private_zone_answers_alone():
    # the private zone has no such name: NXDOMAIN, not the public answer
    assert resolve(ZONES, "mail.prod.example.com", vpc=(VPC, "us-east-1")) == ("prod.example.com.", None)
    # a zone not associated with the VPC does not answer; the public DNS does for public names
    assert resolve(ZONES, "db.production.internal", vpc=(VPC, "us-east-1")) == (None, None)
    assert resolve(ZONES, "db.production.internal", vpc=("vpc-prd", "us-east-1"))[1] == ["10.130.128.5"]
    assert resolve(ZONES, "www.example.com", vpc=(VPC, "us-east-1")) == ("example.com.", ["203.0.113.1"])


def test_recorded_only_restores_a_rebuilt_zone_and_touches_nothing_else():
    """The zone environment's own run (dns.yml): consent is the VPC's record of its owner."""
    snap = snapshot([zone("development", "ZNEW", client="zone0")],
                    tags={"refarch:zone/ZOLD": "development", "refarch:zone/ZP": "production"})
    actions = diff_associations(plan("development", recorded_only=True), snap)[0]
    assert [(a.op, a.get("zone_id")) for a in actions] == [
        ("tag_vpc", None), ("associate_cross_account", "ZNEW"), ("disassociate", "ZOLD")]
    # a VPC that never served development: nothing
    snap = snapshot([zone("development", "ZNEW")], tags={"refarch:zone/ZP": "production"})
    assert diff_associations(plan("development", recorded_only=True), snap)[0] == []
