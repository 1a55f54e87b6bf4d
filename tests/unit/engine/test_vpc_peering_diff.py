"""vpc_peering's diff on its own: snapshots as plain dicts, no emulator, no AWS call."""

import copy

import pytest

from ansible_collections.refarch.network.plugins.module_utils.connectivity import execute_named
from ansible_collections.refarch.network.plugins.module_utils.engine import ExecutionFailed, Run, failure
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import (
    NEW_ID, complete, deferral, diff_absent, diff_present, known_ids, placeholders, plan_peering, resolve, result_of)

KEY = "pcx/management--production"
MGMT_ACCOUNT, PROD_ACCOUNT = "111111111111", "333333333333"


def params(**extra):
    base = dict(requester_owner="management", accepter_owner="production", requester_vpc_id=None, accepter_vpc_id=None,
                requester_tiers=["private"], accepter_tiers=["private"], allow_dns_resolution=True, name=None, tags={})
    base.update(extra)
    return base


def tags(**pairs):
    return [{"Key": k.replace("_", ":"), "Value": v} for k, v in pairs.items()]


def vpc(vpc_id, cidr, account=MGMT_ACCOUNT, consent=None):
    """A VPC; ``consent``: {other owner: recorded value} (tags refarch:peering/<other>)."""
    return {"VpcId": vpc_id, "CidrBlock": cidr, "OwnerId": account,
            "Tags": [{"Key": "refarch:peering/" + k, "Value": v} for k, v in (consent or {}).items()],
            "CidrBlockAssociationSet": [{"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}]}


def table(rtb, key, *routes):
    return {"RouteTableId": rtb, "Tags": [{"Key": "refarch:key", "Value": key}],
            "Routes": [{"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "local"}] + list(routes)}


def side(role, owner, the_vpc, tables, chosen, region="us-east-1"):
    return dict(role=role, owner=owner, region=region, vpc=the_vpc, tables=tables, chosen=set(chosen))


def new_snapshot(prod_account=MGMT_ACCOUNT, prod_region="us-east-1"):
    """Both VPCs built, no peering yet: management has two chosen tables, production one."""
    return dict(
        requester=side("requester", "management", vpc("vpc-m", "10.120.0.0/16"),
                       [table("rtb-m1", "rtb/private/a"), table("rtb-m2", "rtb/private/b"), table("rtb-mp", "rtb/public")],
                       ["rtb-m1", "rtb-m2"]),
        accepter=side("accepter", "production", vpc("vpc-p", "10.130.0.0/16", prod_account),
                      [table("rtb-p1", "rtb/private/a")], ["rtb-p1"], region=prod_region),
        connection=None, duplicates=[], accepter_tags=None)


def connection(pcx="pcx-1", status="active", dns=True):
    """The connection as its requester sees it: tagged as the create call tags it."""
    made = plan_peering(params())["tags"]["requester"]
    return {"VpcPeeringConnectionId": pcx, "Status": {"Code": status}, "Tags": [{"Key": k, "Value": v} for k, v in made.items()],
            "RequesterVpcInfo": {"VpcId": "vpc-m", "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": dns}},
            "AccepterVpcInfo": {"VpcId": "vpc-p", "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": dns}}}


def built_snapshot(prod_account=MGMT_ACCOUNT):
    """What a converged run leaves: connection active, DNS on, routes in every chosen table."""
    snap = new_snapshot(prod_account)
    snap["requester"]["vpc"]["Tags"] = [{"Key": "refarch:peering/production", "Value": "tiers=private dns=true"}]
    snap["accepter"]["vpc"]["Tags"] = [{"Key": "refarch:peering/management", "Value": "tiers=private dns=true"}]
    snap["connection"] = connection()
    for t in snap["requester"]["tables"][:2]:
        t["Routes"].append({"DestinationCidrBlock": "10.130.0.0/16", "VpcPeeringConnectionId": "pcx-1"})
    snap["accepter"]["tables"][0]["Routes"].append({"DestinationCidrBlock": "10.120.0.0/16", "VpcPeeringConnectionId": "pcx-1"})
    if prod_account != MGMT_ACCOUNT:
        snap["accepter_tags"] = tags(Name="management--production", refarch_owner="production", refarch_key=KEY)
    return snap


def summary(actions):
    return [(a.op, a.key) for a in actions]


def test_a_new_peering_is_created_accepted_waited_for_then_routed():
    actions, before, after = diff_present(plan_peering(params()), new_snapshot())
    assert [a.op for a in actions] == ["create_peering", "wait_peering", "accept_peering", "wait_peering",
                                       "set_dns", "set_dns", "tag_vpc", "tag_vpc", "create_route", "create_route",
                                       "create_route"]
    assert all(a.key == KEY for a in actions[:6])
    create = actions[0]
    assert create.text == "create peering %s vpc-m (10.120.0.0/16) -> vpc-p (10.130.0.0/16) in %s/us-east-1" % (
        KEY, MGMT_ACCOUNT)
    assert create["tags"]["refarch:owner"] == "management" and create["tags"]["refarch:key"] == KEY
    assert actions[1]["client"] == "peer_ec2" and actions[3]["statuses"] == ["active"]
    assert actions[2].text == "accept peering pcx-new as production"
    assert [a["client"] for a in actions[4:6]] == ["ec2", "peer_ec2"]
    assert [a.text for a in actions[8:]] == [
        "create route management rtb/private/a 10.130.0.0/16 -> pcx-new",
        "create route management rtb/private/b 10.130.0.0/16 -> pcx-new",
        "create route production rtb/private/a 10.120.0.0/16 -> pcx-new"]
    assert actions[8]["target"] == KEY and actions[8]["param"] == "VpcPeeringConnectionId"
    assert actions[10]["client"] == "peer_ec2"
    assert before["peering"] is None and after["peering"]["id"] == NEW_ID
    assert after["routes"]["accepter"] == {"rtb/private/a": ["10.120.0.0/16"]}


def test_across_accounts_the_accepter_side_is_tagged_too():
    actions, _unused, _unused = diff_present(plan_peering(params(tags={"team": "net"})), new_snapshot(PROD_ACCOUNT))
    tag = [a for a in actions if a.op == "tag_peering"]
    assert [a.text for a in tag] == ["tag peering pcx-new as production (Name, refarch:key, refarch:owner, team)"]
    assert tag[0]["tags"]["refarch:owner"] == "production"
    ops = [a.op for a in actions]
    assert ops.index("wait_peering") < ops.index("accept_peering") < ops.index("tag_peering") < ops.index("create_route")


@pytest.mark.parametrize("account", [MGMT_ACCOUNT, PROD_ACCOUNT])
def test_a_converged_peering_gives_no_action(account):
    snap = built_snapshot(account)
    actions, before, after = diff_present(plan_peering(params()), snap)
    assert actions == []
    assert before == after
    assert known_ids(plan_peering(params()), snap) == {KEY: "pcx-1"}


def test_changes_to_an_existing_peering_name_its_id():
    snap = built_snapshot(PROD_ACCOUNT)
    snap["accepter_tags"] = tags(refarch_owner="production", refarch_key=KEY)  # Name lost
    snap["requester"]["chosen"] = {"rtb-mp"}  # the reader's answer to requester_tiers=[public]
    actions, _unused, _unused = diff_present(plan_peering(params(requester_tiers=["public"], allow_dns_resolution=False)), snap)
    assert [a.text for a in actions] == [
        "tag peering pcx-1 as production (Name)",
        "set AllowDnsResolutionFromRemoteVpc=false on the requester side of pcx-1",
        "set AllowDnsResolutionFromRemoteVpc=false on the accepter side of pcx-1",
        "record on vpc-m (management): peering with production, tiers=public dns=false",   # the new choice
        "record on vpc-p (production): peering with management, tiers=private dns=false",
        "delete route management rtb/private/a 10.130.0.0/16 -> pcx-1",
        "delete route management rtb/private/b 10.130.0.0/16 -> pcx-1",
        "create route management rtb/public 10.130.0.0/16 -> pcx-1"]


def test_a_pending_connection_is_accepted_and_a_provisioning_one_waited_for():
    snap = built_snapshot()
    snap["connection"]["Status"]["Code"] = "pending-acceptance"
    assert [a.op for a in diff_present(plan_peering(params()), snap)[0]] == ["wait_peering", "accept_peering", "wait_peering"]
    snap["connection"]["Status"]["Code"] = "provisioning"
    actions = diff_present(plan_peering(params()), snap)[0]
    assert [a.text for a in actions] == ["wait for peering pcx-1 to be active"]


def test_duplicates_are_deleted_first():
    snap = built_snapshot()
    snap["duplicates"] = [connection("pcx-2", status="pending-acceptance")]
    actions = diff_present(plan_peering(params()), snap)[0]
    assert [(a.op, a.text, a["pcx"]) for a in actions] == [("delete_peering", "delete duplicate peering pcx-2", "pcx-2")]


def test_foreign_routes_are_left_alone_and_a_held_destination_is_refused():
    snap = new_snapshot()
    snap["requester"]["tables"][2]["Routes"].append({"DestinationCidrBlock": "10.130.0.0/16", "GatewayId": "igw-1"})
    snap["requester"]["tables"][0]["Routes"].append({"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "igw-1"})
    actions = diff_present(plan_peering(params()), snap)[0]
    assert not [a for a in actions if a.op == "delete_route"]  # the public table's route is not ours
    snap["requester"]["tables"][1]["Routes"].append({"DestinationCidrBlock": "10.130.0.0/16", "GatewayId": "igw-1"})
    with pytest.raises(InputError) as caught:
        diff_present(plan_peering(params()), snap)
    assert caught.value.field == "requester_tiers" and "igw-1" in caught.value.reason


def test_refusals_name_their_field():
    with pytest.raises(InputError) as caught:
        plan_peering(params(accepter_owner="management"))
    assert caught.value.field == "accepter_owner"
    assert plan_peering(params(accepter_owner="management", requester_vpc_id="vpc-a", accepter_vpc_id="vpc-b"))

    overlap = new_snapshot()
    overlap["accepter"]["vpc"] = vpc("vpc-p", "10.120.128.0/17")
    with pytest.raises(InputError) as caught:
        diff_present(plan_peering(params()), overlap)
    assert caught.value.field == "accepter_owner" and "10.120.0.0/16 overlaps 10.120.128.0/17" in caught.value.reason

    elsewhere = built_snapshot()
    elsewhere["connection"]["AccepterVpcInfo"]["VpcId"] = "vpc-other"
    with pytest.raises(InputError) as caught:
        diff_present(plan_peering(params()), elsewhere)
    assert caught.value.field == "requester_owner" and "vpc-other" in caught.value.reason


def test_a_missing_vpc_is_refused_unless_only_planned():
    snap = new_snapshot()
    snap["accepter"].update(vpc=None, tables=[], chosen=set())
    with pytest.raises(InputError) as caught:
        diff_present(plan_peering(params()), snap)
    assert caught.value.field == "accepter_owner" and "no VPC found for production" in caught.value.reason
    noted = []  # check mode (engine.on_missing): the missing VPC is told, and the diff goes on
    actions, before, after = diff_present(plan_peering(params()), snap, noted.append)
    assert [e.field for e in noted] == ["accepter_owner"]
    assert [(a.op, a.text) for a in actions] == [
        ("request_peering", "request peering %s (VPCs of production not built yet)" % KEY)]
    assert result_of(plan_peering(params()), snap, after) == dict(peering={}, routes={})


def test_absent_removes_our_routes_then_the_connections_and_nothing_more():
    snap = built_snapshot()
    snap["accepter"]["tables"][0]["Routes"].append({"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "igw-1"})
    snap["duplicates"] = [connection("pcx-2")]
    actions, before, after = diff_absent(plan_peering(params()), snap)
    assert summary(actions) == [("delete_route", "rtb/private/a"), ("delete_route", "rtb/private/b"),
                                ("delete_route", "rtb/private/a"), ("untag_vpc", KEY), ("untag_vpc", KEY),
                                ("delete_peering", KEY), ("delete_peering", KEY)]
    assert [a["client"] for a in actions[:3]] == ["ec2", "ec2", "peer_ec2"]
    assert actions[-2].text == "delete peering %s pcx-1" % KEY
    assert after == dict(peering=None, routes=dict(requester={}, accepter={}))
    assert before["peering"]["id"] == "pcx-1"
    gone = new_snapshot()
    gone["accepter"].update(vpc=None, tables=[], chosen=set())
    assert diff_absent(plan_peering(params()), gone)[0] == []


def test_the_snapshot_is_not_changed_and_placeholders_resolve():
    snap = new_snapshot(PROD_ACCOUNT)
    kept = copy.deepcopy(snap)
    actions, _unused, after = diff_present(plan_peering(params()), snap)
    assert snap == kept
    made = {NEW_ID: "pcx-9"}
    assert resolve(actions[2].text, made) == "accept peering pcx-9 as production"
    assert resolve(after, made)["peering"]["id"] == "pcx-9"
    assert resolve("create route x rtb/a 10.0.0.0/16 -> pcx-new", {}) == "create route x rtb/a 10.0.0.0/16 -> pcx-new"


def test_a_failure_names_the_connection_the_run_made():
    """execute_named with stand-in handlers (no client): the texts of a failure carry the id."""
    class Module(object):
        check_mode = False

    def create(run, a):
        run.ids[a.key] = "pcx-9"

    def refuse(run, a):
        raise RuntimeError("refused")
    want = plan_peering(params())
    actions = diff_present(want, new_snapshot())[0][:3]
    handlers = dict(create_peering=create, wait_peering=lambda run, a: lambda: True, accept_peering=refuse)
    with pytest.raises(ExecutionFailed) as caught:
        execute_named(Module(), actions, handlers, Run(), placeholders(want), 10)
    assert failure(caught.value, "vpc_peering")["msg"] == "vpc_peering stopped at 'accept peering pcx-9 as production': refused"
    assert caught.value.done[1] == "wait for peering pcx-9 to be visible to the accepter"
    assert execute_named(Module(), actions[:2], handlers, Run(), placeholders(want), 10) == {NEW_ID: "pcx-9"}


# -- one environment alone: the other side's consent comes from its VPC's record ----------------

def vpcs(snap):
    return dict((role, snap[role]["vpc"]) for role in ("requester", "accepter"))


def test_each_side_records_its_consent_on_its_own_vpc():
    snap = new_snapshot()
    texts = [a.text for a in diff_present(plan_peering(params(accepter_tiers=[])), snap)[0] if a.op == "tag_vpc"]
    assert texts == ["record on vpc-m (management): peering with production, tiers=private dns=true",
                     "record on vpc-p (production): peering with management, tiers= dns=true"]


@pytest.mark.parametrize("absent", ["requester", "accepter"])
def test_alone_a_built_link_converges_with_the_recorded_consent_and_does_nothing(absent):
    snap = built_snapshot(PROD_ACCOUNT)
    want = plan_peering(params(absent_side=absent, **{"%s_tiers" % absent: ["public"]}))
    assert want["tiers"][absent] is None and want["dns"] is None
    want = complete(want, vpcs(snap))
    assert want["tiers"][absent] == ["private"] and want["dns"] is True
    assert deferral(want, snap) is None
    actions, before, after = diff_present(want, snap)
    assert actions == [] and before == after


def test_alone_a_link_deleted_with_one_side_is_made_again_from_the_other_sides_consent():
    snap = built_snapshot(PROD_ACCOUNT)
    snap["connection"] = None   # production was destroyed and is built again, alone
    snap["accepter"]["vpc"]["Tags"] = []
    snap["accepter"]["tables"][0]["Routes"] = snap["accepter"]["tables"][0]["Routes"][:1]
    snap["requester"]["stale"] = {"pcx-1"}   # management's routes still name the deleted connection
    want = complete(plan_peering(params(absent_side="requester")), vpcs(snap))
    assert deferral(want, snap) is None
    ops = [a.op for a in diff_present(want, snap)[0]]
    assert ops == ["create_peering", "wait_peering", "accept_peering", "wait_peering", "set_dns", "set_dns",
                   "tag_vpc", "replace_route", "replace_route", "create_route"]


def test_alone_the_absent_sides_record_is_never_written_or_erased():
    snap = built_snapshot(PROD_ACCOUNT)
    snap["accepter"]["chosen"] = set()   # the reader's answer to accepter_tiers=[]
    want = complete(plan_peering(params(absent_side="requester", accepter_tiers=[])), vpcs(snap))
    texts = [a.text for a in diff_present(want, snap)[0]]
    assert texts == ["record on vpc-p (production): peering with management, tiers= dns=true",
                     "delete route production rtb/private/a 10.120.0.0/16 -> pcx-1"]
    removal = [a.text for a in diff_absent(want, snap)[0] if "consent" in a.text]
    assert removal == ["erase on vpc-p (production) the consent to peer with management"]


def test_alone_a_link_without_the_other_sides_consent_or_vpc_is_deferred():
    want = plan_peering(params(absent_side="accepter"))
    new = new_snapshot()
    assert "production is not in this run and its VPC records no consent to this link (tag refarch:peering/management)" \
        in deferral(complete(want, vpcs(new)), new)
    gone = built_snapshot()
    gone["accepter"]["vpc"] = None
    assert deferral(complete(want, vpcs(gone)), gone).endswith("no VPC for production")
    assert deferral(plan_peering(params()), new) is None   # both sides in the run: never deferred


def test_a_route_left_on_a_connection_deleted_out_of_band_is_replaced():
    snap = built_snapshot()
    snap["connection"] = None   # deleted out of band: the routes still point at pcx-1
    snap["requester"]["stale"] = snap["accepter"]["stale"] = {"pcx-1"}
    texts = [a.text for a in diff_present(plan_peering(params()), snap)[0]]
    assert texts[0].startswith("create peering " + KEY)
    assert [t for t in texts if "route" in t] == [
        "replace route management rtb/private/a 10.130.0.0/16 -> pcx-new (was pcx-1, deleted)",
        "replace route management rtb/private/b 10.130.0.0/16 -> pcx-new (was pcx-1, deleted)",
        "replace route production rtb/private/a 10.120.0.0/16 -> pcx-new (was pcx-1, deleted)"]


def test_destroy_removes_routes_left_on_a_dead_connection():
    snap = built_snapshot()
    snap["connection"] = None
    snap["requester"]["stale"] = snap["accepter"]["stale"] = {"pcx-1"}
    texts = [a.text for a in diff_absent(plan_peering(params()), snap)[0] if "route" in a.text]
    assert texts == ["delete route management rtb/private/a 10.130.0.0/16 -> a deleted peering",
                     "delete route management rtb/private/b 10.130.0.0/16 -> a deleted peering",
                     "delete route production rtb/private/a 10.120.0.0/16 -> a deleted peering"]
