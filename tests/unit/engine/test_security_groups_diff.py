"""security_groups' diff on its own: planned groups + snapshot (plain dicts) -> actions, no emulator."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.sg_diff import (
    diff_absent, diff_models, diff_present, wanted_tags)
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import ALL_EGRESS, ip_permission, plan_groups
from ansible_collections.refarch.network.plugins.module_utils.sg_read import empty, planned_vpc

OWNER = "prod"
OPTIONS = dict(owner=OWNER, tags={}, purge_groups=False)
GROUPS = [
    {"name": "default", "ingress": [{"proto": "all", "group": "eks_cluster", "description": "eks_to_base"}]},
    {"name": "eks_cluster", "ingress": [{"proto": "all", "group": "default", "description": "base_to_eks"}]},
    {"name": "public_lb",
     "ingress": [{"ports": 443, "cidr": "0.0.0.0/0", "description": "https"}],
     "egress": [{"proto": "all", "cidr": "0.0.0.0/0", "cidr_ipv6": "::/0"}]},
]
IDS = {"default": "sg-0d", "eks_cluster": "sg-0e", "public_lb": "sg-0f"}


def plan(groups=None):
    groups = GROUPS if groups is None else groups
    return plan_groups([dict(g) for g in groups], OWNER)


def perms(rules):
    return [ip_permission(p, d, IDS) for p, d in sorted((rules or {}).items(), key=str)]


def built(planned, options=None):
    """The snapshot the reader returns once ``planned`` has been converged (all rules ours)."""
    options = OPTIONS if options is None else options
    snap = empty()
    snap["default"] = {"GroupId": IDS["default"], "GroupName": "default", "IpPermissions": [],
                       "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    for group in planned:
        egress = perms(group["egress"]) if group["egress"] is not None else perms({ALL_EGRESS: None})
        record = {"GroupId": IDS[group["name"]], "GroupName": group["group_name"], "IpPermissions": perms(group["ingress"]),
                  "IpPermissionsEgress": egress}
        if group["adopted"]:
            snap["default"].update(IpPermissions=record["IpPermissions"])
            continue
        record["Tags"] = tag_list(wanted_tags(group, options))
        snap["owned"][group["name"]] = record
        snap["rule_owners"][record["GroupId"]] = {
            "ingress": set(group["ingress"] or {}), "egress": set(group["egress"] or {ALL_EGRESS: None})}
    snap["by_name"] = dict((g["GroupName"], g) for g in [snap["default"]] + list(snap["owned"].values()))
    return snap


def texts(actions):
    return [a.text for a in actions]


def test_new_vpc_creates_then_rules_in_order():
    actions, leftover = diff_present(plan(), planned_vpc(), OPTIONS)
    assert leftover == []
    assert [a.op for a in actions] == ["create_group", "create_group"] + ["authorize"] * 4
    assert texts(actions) == [
        "create security group sg/eks_cluster (prod-eks_cluster)",
        "create security group sg/public_lb (prod-public_lb)",
        "authorize sg/default ingress all from sg:eks_cluster (eks_to_base)",
        "authorize sg/eks_cluster ingress all from sg:default (base_to_eks)",
        "authorize sg/public_lb ingress tcp 443 from 0.0.0.0/0 (https)",
        # AWS's own all-egress rule of a new group is there already: only IPv6 is added
        "authorize sg/public_lb egress all to ::/0"]
    create = actions[0]
    assert create.key == "sg/eks_cluster" and create["group_name"] == "prod-eks_cluster"
    assert create["tags"] == {"Name": "prod-eks_cluster", "refarch:owner": OWNER, "refarch:key": "sg/eks_cluster",
                              "refarch:module": "security_groups"}
    assert actions[2].key == "sg/default" and actions[2]["direction"] == "ingress"
    assert actions[2]["perm"] == ("-1", None, None, "group", "eks_cluster")


def test_converged_snapshot_gives_no_actions():
    planned = plan()
    assert diff_present(planned, built(planned), OPTIONS) == ([], [])
    before, after = diff_models(planned, built(planned))
    assert before == after


def test_empty_egress_revokes_the_default_rule_of_a_new_group():
    planned = plan([{"name": "db", "ingress": [{"ports": 5432, "group": "self"}], "egress": []}])
    actions, _unused = diff_present(planned, empty(), OPTIONS)
    assert texts(actions)[-1] == "revoke sg/db egress all to 0.0.0.0/0"


def test_drift_is_corrected_and_foreign_rules_survive():
    planned = plan()
    snap = built(planned)
    lb = snap["owned"]["public_lb"]
    lb["IpPermissions"][0]["IpRanges"][0]["Description"] = "changed"
    # someone else's rule in our group: not ours, so purge leaves it
    lb["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                                "IpRanges": [{"CidrIp": "10.7.0.0/16"}]})
    # a rule we authorized earlier and that is no longer in the data
    lb["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    snap["rule_owners"]["sg-0f"]["ingress"].add(("tcp", 80, 80, "cidr", "0.0.0.0/0"))
    # a tag lost, and a foreign rule in the adopted default group (purged only on request)
    snap["owned"]["eks_cluster"]["Tags"] = [t for t in snap["owned"]["eks_cluster"]["Tags"] if t["Key"] != "Name"]
    snap["default"]["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                             "IpRanges": [{"CidrIp": "10.8.0.0/16"}]})
    actions, _unused = diff_present(planned, snap, OPTIONS)
    assert texts(actions) == ["tag sg/eks_cluster Name=prod-eks_cluster",
                              "redescribe sg/public_lb ingress tcp 443 from 0.0.0.0/0 (https)",
                              "revoke sg/public_lb ingress tcp 80 from 0.0.0.0/0"]
    assert actions[0]["tags"] == {"Name": "prod-eks_cluster"}

    asked = plan([dict(GROUPS[0], purge_rules=True)] + GROUPS[1:])
    actions, _unused = diff_present(asked, snap, OPTIONS)
    assert "revoke sg/default ingress tcp 5432 from 10.8.0.0/16" in texts(actions)


def test_a_name_held_by_a_group_not_ours_is_refused():
    snap = empty()
    snap["by_name"]["prod-app"] = {"GroupId": "sg-0999", "GroupName": "prod-app"}
    with pytest.raises(InputError) as err:
        diff_present(plan([{"name": "web"}, {"name": "app", "ingress": []}]), snap, OPTIONS)
    assert err.value.field == "groups[1](app).group_name"
    assert "sg-0999" in err.value.reason and "not owned by prod" in err.value.reason


def test_unplanned_groups_are_reported_and_deleted_only_with_purge_groups():
    planned = plan()
    snap = built(planned)
    fewer = plan(GROUPS[:2])
    assert diff_present(fewer, snap, OPTIONS) == ([], ["public_lb"])
    actions, leftover = diff_present(fewer, snap, dict(OPTIONS, purge_groups=True))
    assert leftover == ["public_lb"]
    assert [(a.op, a.key, a.text) for a in actions] == [
        ("delete_group", "sg/public_lb", "delete security group sg/public_lb (prod-public_lb)")]


def test_absent_unlinks_then_deletes_and_keeps_a_group_with_a_foreign_rule():
    planned = plan()
    snap = built(planned)
    snap["owned"]["public_lb"]["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 9443, "ToPort": 9443,
                                                        "IpRanges": [{"CidrIp": "198.51.100.0/24"}]})
    actions, kept = diff_absent(planned, snap)
    assert texts(actions) == [
        "revoke sg/default ingress all from sg:eks_cluster (eks_to_base)",
        "revoke sg/eks_cluster ingress all from sg:default (base_to_eks)",
        "revoke sg/public_lb ingress tcp 443 from 0.0.0.0/0 (https)",
        "revoke sg/public_lb egress all to ::/0",
        "delete security group sg/eks_cluster (prod-eks_cluster)"]
    assert kept == ["sg/public_lb: kept, it holds rules we do not own (ingress tcp 9443 from 198.51.100.0/24)"]
    assert diff_absent(planned, empty()) == ([], [])


def test_models_for_diff():
    planned = plan()
    before, after = diff_models(planned, planned_vpc(), present=True, vpc_exists=False)
    assert before == {}
    assert after["default"] == {"ingress": ["ingress all from sg:eks_cluster (eks_to_base)"]}
    assert after["public_lb"]["egress"] == ["egress all to 0.0.0.0/0", "egress all to ::/0"]
    before, after = diff_models(planned, built(planned), present=False)
    assert after == {} and sorted(before) == ["default", "eks_cluster", "public_lb"]
