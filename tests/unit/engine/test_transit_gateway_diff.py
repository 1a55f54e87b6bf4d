"""transit_gateway's diff on its own: snapshots as plain dicts, no emulator, no AWS call."""

import copy

import pytest

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import resolve
from ansible_collections.refarch.network.plugins.module_utils.tgw_diff import (
    diff_absent, diff_present, known_ids, placeholders, plan_tgw)

CIDRS = {"hub": "10.120.0.0/16", "dev": "10.110.0.0/16", "prod": "10.130.0.0/16"}
HUB_AND_SPOKES = [dict(owner="hub", peers=["dev", "prod"]), dict(owner="dev", peers=["hub"]), dict(owner="prod", peers=["hub"])]


def want(attachments=None, state="present", **extra):
    attachments = HUB_AND_SPOKES if attachments is None else attachments
    params = dict(owner="hub", name=None, tags={}, amazon_side_asn=None, state=state,
                  attachments=[dict(dict(subnet_tier="private", route_tiers=["private"], vpc_id=None), **a) for a in attachments])
    params.update(extra)
    return plan_tgw(params)


def tags(owner, key):
    return [{"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": key},
            {"Key": "Name", "Value": "%s-%s" % (owner, key.replace("/", "-"))}]


def vpc_entry(owner, routes=()):
    """One VPC: a chosen private table (with ``routes``) and a public one, two subnets."""
    tables = [{"RouteTableId": "rtb-%s-private" % owner, "Tags": [{"Key": "refarch:key", "Value": "rtb/private"}],
               "Routes": [{"DestinationCidrBlock": CIDRS[owner], "GatewayId": "local"}] + list(routes)},
              {"RouteTableId": "rtb-%s-public" % owner, "Tags": [{"Key": "refarch:key", "Value": "rtb/public"}],
               "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-%s" % owner}]}]
    return dict(vpc={"VpcId": "vpc-%s" % owner, "CidrBlock": CIDRS[owner]}, subnets=["subnet-%s-a" % owner, "subnet-%s-b" % owner],
                tables=tables, chosen={"rtb-%s-private" % owner})


def new_snapshot():
    return dict(tgw=None, vpcs=dict((o, vpc_entry(o)) for o in CIDRS), attachments={}, tables={},
                associations={}, propagations={})


def built_snapshot():
    """What a converged hub-and-spokes run leaves."""
    peers = dict((a["owner"], a["peers"]) for a in HUB_AND_SPOKES)
    snap = dict(tgw={"TransitGatewayId": "tgw-1", "State": "available"}, vpcs={}, attachments={}, tables={},
                associations={}, propagations={})
    for owner in CIDRS:
        snap["vpcs"][owner] = vpc_entry(owner, [{"DestinationCidrBlock": CIDRS[p], "TransitGatewayId": "tgw-1"}
                                                for p in peers[owner]])
        snap["attachments"][owner] = {"TransitGatewayAttachmentId": "tgw-attach-%s" % owner, "VpcId": "vpc-%s" % owner,
                                      "State": "available", "SubnetIds": ["subnet-%s-a" % owner, "subnet-%s-b" % owner],
                                      "Tags": tags("hub", "tgw-attach/%s" % owner)}
        snap["tables"][owner] = {"TransitGatewayRouteTableId": "tgw-rtb-%s" % owner, "State": "available"}
        snap["associations"]["tgw-rtb-%s" % owner] = {"tgw-attach-%s" % owner}
        snap["propagations"]["tgw-rtb-%s" % owner] = set("tgw-attach-%s" % p for p in peers[owner])
    return snap


def test_a_new_hub_waits_for_the_gateway_then_creates_everything_then_waits_then_links():
    actions, before, after = diff_present(want(), new_snapshot())
    ops = [a.op for a in actions]
    assert ops[:2] == ["create_tgw", "wait_tgw"]
    assert ops[2:8] == ["create_tgw_route_table"] * 3 + ["create_tgw_attachment"] * 3
    assert ops[8:10] == ["wait_tgw_route_tables", "wait_tgw_attachments"]
    assert ops[10:17] == ["associate", "enable_propagation", "enable_propagation", "associate", "enable_propagation",
                          "associate", "enable_propagation"]
    assert ops[17:] == ["create_route"] * 4
    assert actions[0]["options"]["DefaultRouteTableAssociation"] == "disable"
    assert actions[0]["tags"]["Name"] == "hub-tgw" and actions[2]["tags"]["Name"] == "hub-tgw-rtb-hub"
    assert actions[5].text == "create tgw attachment tgw-attach/hub vpc-hub (subnet-hub-a, subnet-hub-b)"
    assert actions[5]["tags"]["refarch:key"] == "tgw-attach/hub"
    assert actions[9]["keys"] == ["tgw-attach/hub", "tgw-attach/dev", "tgw-attach/prod"]
    assert (actions[10].text, actions[10]["table"], actions[10]["attachment"]) == (
        "associate tgw-attach/hub with tgw-rtb/hub", "tgw-rtb/hub", "tgw-attach/hub")
    assert actions[11].text == "enable propagation tgw-attach/dev -> tgw-rtb/hub"
    assert [a.text for a in actions[17:]] == [
        "create route hub rtb/private 10.110.0.0/16 -> tgw-new",
        "create route hub rtb/private 10.130.0.0/16 -> tgw-new",
        "create route dev rtb/private 10.120.0.0/16 -> tgw-new",
        "create route prod rtb/private 10.120.0.0/16 -> tgw-new"]
    assert actions[17]["target"] == "tgw" and actions[17]["param"] == "TransitGatewayId"
    assert before == dict(transit_gateway=None, routes={})
    assert after["transit_gateway"]["attachments"]["dev"]["id"] == "tgw-attach-new-dev"
    assert after["routes"]["hub"] == {"rtb/private": ["10.110.0.0/16", "10.130.0.0/16"]}


def test_a_converged_hub_gives_no_action():
    snap = built_snapshot()
    kept = copy.deepcopy(snap)
    actions, before, after = diff_present(want(), snap)
    assert actions == []
    assert before == after and snap == kept
    assert known_ids(snap)["tgw-attach/dev"] == "tgw-attach-dev" and known_ids(snap)["tgw"] == "tgw-1"


def test_a_pending_gateway_is_waited_for_before_anything_is_attached():
    snap = new_snapshot()
    snap["tgw"] = {"TransitGatewayId": "tgw-1", "State": "pending"}
    ops = [a.op for a in diff_present(want(), snap)[0]]
    assert ops[0] == "wait_tgw" and ops.index("create_tgw_attachment") > 0 and "create_tgw" not in ops


def test_dropping_a_spoke_removes_its_routes_links_attachment_and_table():
    actions = diff_present(want([dict(owner="hub", peers=["prod"]), dict(owner="prod", peers=["hub"])]), built_snapshot())[0]
    assert [a.text for a in actions] == [
        "delete route dev rtb/private 10.120.0.0/16 -> tgw-1",
        "disassociate tgw-attach/dev from tgw-rtb/dev",
        "delete tgw attachment tgw-attach/dev tgw-attach-dev",
        "wait for tgw attachments tgw-attach/dev to be deleted",
        # deleting the attachment withdrew its propagation into hub's table; hub's into dev's table stays
        "disable propagation tgw-attach-hub -> tgw-rtb/dev",
        "delete tgw route table tgw-rtb/dev tgw-rtb-dev",
        "delete route hub rtb/private 10.110.0.0/16 -> tgw-1"]
    assert actions[3]["ids"] == ["tgw-attach-dev"]
    assert (actions[4]["table"], actions[4]["attachment"]) == ("tgw-rtb/dev", "tgw-attach/hub")


def test_an_untagged_attachment_is_adopted_tagged_and_resized():
    snap = built_snapshot()
    snap["attachments"]["prod"].update(Tags=[], SubnetIds=["subnet-prod-a"])
    actions = diff_present(want(), snap)[0]
    assert [a.text for a in actions] == [
        "tag tgw attachment tgw-attach/prod tgw-attach-prod (Name, refarch:key, refarch:owner)",
        "modify tgw attachment tgw-attach/prod subnets +[subnet-prod-b] -[]",
        "wait for tgw attachments tgw-attach/prod to be available"]
    assert actions[1]["add"] == ["subnet-prod-b"] and actions[1]["remove"] == []


def test_links_that_are_not_wanted_are_undone():
    snap = built_snapshot()
    snap["associations"]["tgw-rtb-hub"].add("tgw-attach-dev")
    snap["associations"]["tgw-rtb-dev"] = set()
    snap["propagations"]["tgw-rtb-dev"].add("tgw-attach-prod")
    actions = diff_present(want(), snap)[0]
    assert [a.text for a in actions] == [
        "disassociate tgw-attach/dev from tgw-rtb/hub",
        "associate tgw-attach/dev with tgw-rtb/dev",
        "disable propagation tgw-attach/prod -> tgw-rtb/dev"]


def test_foreign_routes_are_left_alone_and_a_held_destination_is_refused():
    snap = built_snapshot()
    snap["vpcs"]["dev"]["tables"][1]["Routes"].append({"DestinationCidrBlock": "10.120.0.0/16", "GatewayId": "igw-x"})
    assert diff_present(want(), snap)[0] == []  # not a chosen table, not our target
    snap["vpcs"]["dev"]["tables"][0]["Routes"][1] = {"DestinationCidrBlock": "10.120.0.0/16", "NetworkInterfaceId": "eni-1"}
    with pytest.raises(InputError) as caught:
        diff_present(want(), snap)
    assert caught.value.field == "attachments.route_tiers" and "eni-1" in caught.value.reason


@pytest.mark.parametrize("attachments, field", [
    ([dict(owner="hub", peers=["prod"]), dict(owner="prod", peers=[])], "attachments[1].peers"),
    ([dict(owner="hub", peers=["nowhere"])], "attachments[0].peers"),
    ([dict(owner="hub", peers=[]), dict(owner="hub", peers=[])], "attachments[0].owner"),
])
def test_peers_must_be_mutual_and_known(attachments, field):
    with pytest.raises(InputError) as caught:
        want(attachments)
    assert caught.value.field == field


def test_missing_vpcs_subnets_and_overlaps_are_refused_with_their_field():
    snap = new_snapshot()
    snap["vpcs"]["dev"]["vpc"] = None
    with pytest.raises(InputError) as caught:
        diff_present(want(), snap)
    assert caught.value.field == "attachments[1].owner"
    snap = new_snapshot()
    snap["vpcs"]["prod"]["subnets"] = []
    with pytest.raises(InputError) as caught:
        diff_present(want(), snap)
    assert caught.value.field == "attachments[2].subnet_tier"
    snap = new_snapshot()
    snap["vpcs"]["prod"]["vpc"]["CidrBlock"] = "10.120.128.0/17"
    with pytest.raises(InputError) as caught:
        diff_present(want(), snap)
    assert caught.value.field == "attachments[0].peers" and "overlaps" in caught.value.reason


def test_absent_removes_routes_links_attachments_tables_then_the_gateway():
    actions, before, after = diff_absent(want(state="absent"), built_snapshot())
    ops = [a.op for a in actions]
    assert ops == ["delete_route"] * 4 + ["disassociate", "delete_tgw_attachment"] * 3 + [
        "wait_tgw_attachments_deleted"] + ["delete_tgw_route_table"] * 3 + ["delete_tgw"]
    assert actions[-1].text == "delete transit gateway tgw tgw-1"
    assert sorted(actions[10]["ids"]) == ["tgw-attach-dev", "tgw-attach-hub", "tgw-attach-prod"]
    assert after == dict(transit_gateway=None, routes={}) and before["transit_gateway"]["id"] == "tgw-1"
    assert diff_absent(want(state="absent"), new_snapshot())[0] == []


def test_placeholders_become_the_ids_the_run_made():
    actions, _unused, after = diff_present(want(), new_snapshot())
    made = placeholders({"tgw": "tgw-9", "tgw-attach/dev": "tgw-attach-9", "tgw-rtb/dev": "tgw-rtb-9"})
    assert made == {"tgw-new": "tgw-9", "tgw-attach-new-dev": "tgw-attach-9"}
    assert resolve(actions[-1].text, made) == "create route prod rtb/private 10.120.0.0/16 -> tgw-9"
    resolved = resolve(after, made)
    assert resolved["transit_gateway"]["id"] == "tgw-9"
    assert resolved["transit_gateway"]["attachments"]["dev"]["id"] == "tgw-attach-9"
