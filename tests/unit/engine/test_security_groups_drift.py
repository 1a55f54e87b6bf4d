"""security_groups' diff (issue 18): rules added by hand to owned groups, purge_rules, and the
sg/ key space shared with vpn_instance. Plain-dict snapshots, no emulator."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.sg_diff import (
    diff_absent, diff_present, unmanaged_report, unmanaged_rules, wanted_tags)
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import ALL_EGRESS, ip_permission, plan_groups
from ansible_collections.refarch.network.plugins.module_utils.sg_read import empty, read_groups

OWNER = "mgmt"
OPTIONS = dict(owner=OWNER, tags={}, purge_groups=False)
APP = {"name": "app", "ingress": [{"ports": 443, "cidr": "10.0.0.0/8", "description": "https"}]}
SSH_WORLD = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
VPN_TAGS = {"Name": "mgmt-vpn", "refarch:owner": OWNER, "refarch:key": "sg/vpn", "refarch:module": "vpn_instance"}


def plan(*groups):
    return plan_groups([dict(g) for g in groups], OWNER)


def converged(planned, ids=None):
    """The snapshot once ``planned`` is converged: every rule ours, every tag in place."""
    snap = empty()
    for n, group in enumerate(planned):
        group_id = (ids or {}).get(group["name"], "sg-%02d" % n)
        egress = group["egress"] if group["egress"] is not None else {ALL_EGRESS: None}
        snap["owned"][group["name"]] = {
            "GroupId": group_id, "GroupName": group["group_name"], "Tags": tag_list(wanted_tags(group, OPTIONS)),
            "IpPermissions": [ip_permission(p, d, {}) for p, d in group["ingress"].items()],
            "IpPermissionsEgress": [ip_permission(p, d, {}) for p, d in egress.items()]}
        snap["rule_owners"][group_id] = {"ingress": set(group["ingress"]), "egress": set(egress)}
    snap["by_name"] = dict((g["GroupName"], g) for g in snap["owned"].values())
    return snap


def with_vpn_group(snap):
    vpn = {"GroupId": "sg-0vpn", "GroupName": "mgmt-vpn", "Tags": tag_list(VPN_TAGS),
           "IpPermissions": [dict(SSH_WORLD, IpRanges=[{"CidrIp": "192.0.2.0/24"}])], "IpPermissionsEgress": []}
    snap["others"]["vpn"] = vpn
    snap["by_name"]["mgmt-vpn"] = vpn
    return snap


def texts(actions):
    return [a.text for a in actions]


# --- rules added by hand --------------------------------------------------------------------

def test_a_rule_added_by_hand_is_reported_and_kept():
    planned = plan(APP)
    snap = converged(planned)
    snap["owned"]["app"]["IpPermissions"].append(SSH_WORLD)
    assert diff_present(planned, snap, OPTIONS) == ([], [])
    found = unmanaged_rules(planned, snap)
    assert [(g["name"], d, p) for g, d, p, _desc in found] == [("app", "ingress", ("tcp", 22, 22, "cidr", "0.0.0.0/0"))]
    lines, warnings = unmanaged_report(found)
    assert lines == ["sg/app ingress tcp 22 from 0.0.0.0/0"]
    assert warnings == ["security group sg/app (mgmt-app) holds a rule that is not in groups and that security_groups "
                        "did not add: ingress tcp 22 from 0.0.0.0/0; kept; purge_rules: true on the group revokes it"]


def test_purge_rules_true_revokes_it():
    planned = plan(dict(APP, purge_rules=True))
    snap = converged(planned)
    snap["owned"]["app"]["IpPermissions"].append(SSH_WORLD)
    actions, _leftover = diff_present(planned, snap, OPTIONS)
    assert texts(actions) == ["revoke sg/app ingress tcp 22 from 0.0.0.0/0"]
    assert actions[0]["perm"] == ("tcp", 22, 22, "cidr", "0.0.0.0/0") and actions[0]["direction"] == "ingress"
    assert unmanaged_report(unmanaged_rules(planned, snap))[1][0].endswith("; revoked (purge_rules: true)")


def test_purge_rules_false_keeps_even_our_stale_rules():
    planned = plan(dict(APP, purge_rules=False))
    snap = converged(plan(dict(APP, ingress=APP["ingress"] + [{"ports": 80, "cidr": "10.0.0.0/8"}])))
    snap["owned"]["app"]["IpPermissions"].append(SSH_WORLD)
    assert diff_present(planned, snap, OPTIONS) == ([], [])
    # the stale tcp/80 rule is ours: not drift, only the hand-added one is reported
    assert unmanaged_report(unmanaged_rules(planned, snap))[0] == ["sg/app ingress tcp 22 from 0.0.0.0/0"]


def test_only_managed_directions_of_planned_owned_groups_are_reported():
    planned = plan(APP, {"name": "default", "ingress": []})
    snap = converged(plan(APP))
    snap["owned"]["app"]["IpPermissionsEgress"].append(SSH_WORLD)   # egress is not managed for app
    snap["default"] = {"GroupId": "sg-0d", "GroupName": "default", "IpPermissions": [SSH_WORLD],
                       "IpPermissionsEgress": []}
    snap["owned"]["old"] = dict(snap["owned"]["app"], GroupId="sg-0old", IpPermissions=[SSH_WORLD])
    snap["rule_owners"]["sg-0old"] = {"ingress": set(), "egress": set()}
    assert unmanaged_rules(planned, snap) == []
    assert unmanaged_rules(planned, empty()) == []


def test_a_rule_in_the_data_is_not_drift_even_when_added_by_hand():
    planned = plan(APP)
    snap = converged(planned)
    snap["rule_owners"]["sg-00"]["ingress"] = set()   # e.g. authorized before rules carried our tag
    assert unmanaged_rules(planned, snap) == []


# --- key spaces -----------------------------------------------------------------------------

def test_new_groups_carry_the_module_tag_and_old_ones_get_it():
    planned = plan(APP)
    create = diff_present(planned, empty(), OPTIONS)[0][0]
    assert create.op == "create_group" and create["tags"]["refarch:module"] == "security_groups"
    snap = converged(planned)
    snap["owned"]["app"]["Tags"] = [t for t in snap["owned"]["app"]["Tags"] if t["Key"] != "refarch:module"]
    assert texts(diff_present(planned, snap, OPTIONS)[0]) == ["tag sg/app refarch:module=security_groups"]


def test_another_modules_group_is_never_purged_or_deleted():
    planned = plan(APP)
    snap = with_vpn_group(converged(planned))
    assert diff_present(planned, snap, dict(OPTIONS, purge_groups=True)) == ([], [])
    actions, kept = diff_absent(planned, snap)
    assert [a for a in actions if a.key == "sg/vpn"] == [] and kept == []
    assert texts(actions) == ["delete security group sg/app (mgmt-app)"]


def test_a_planned_group_taking_another_modules_key_is_refused():
    snap = with_vpn_group(converged(plan(APP)))
    with pytest.raises(InputError) as err:
        diff_present(plan(APP, {"name": "vpn", "group_name": "elsewhere", "ingress": []}), snap, OPTIONS)
    assert err.value.field == "groups[1].name"
    assert "sg/vpn" in err.value.reason and "sg-0vpn" in err.value.reason and "vpn_instance" in err.value.reason
    # its AWS name is taken too: refused by name, saying whose it is
    with pytest.raises(InputError) as err:
        diff_present(plan({"name": "bastion", "group_name": "mgmt-vpn"}), snap, OPTIONS)
    assert err.value.field == "groups[0](bastion).group_name" and "belongs to vpn_instance" in err.value.reason


class FakeEc2(object):
    """Just enough of an EC2 client for read_groups: one page per Describe."""

    meta = type("Meta", (), {"region_name": "us-east-1"})()

    def __init__(self, groups, rules=None):
        self.pages = {"describe_security_groups": {"SecurityGroups": groups},
                      "describe_security_group_rules": {"SecurityGroupRules": rules or []}}

    def get_paginator(self, operation):
        pages = [self.pages[operation]]
        return type("Paginator", (), {"paginate": lambda self, **kwargs: pages})()


def test_the_reader_puts_other_modules_groups_aside():
    def group(group_id, name, **tags):
        return {"GroupId": group_id, "GroupName": name, "Tags": tag_list(tags), "IpPermissions": [],
                "IpPermissionsEgress": []}
    mine = {"refarch:owner": OWNER, "refarch:key": "sg/app", "refarch:module": "security_groups"}
    ec2 = FakeEc2([group("sg-1", "mgmt-app", **mine), group("sg-2", "mgmt-vpn", **VPN_TAGS),
                   group("sg-3", "mgmt-old", **{"refarch:owner": OWNER, "refarch:key": "sg/old"}),
                   group("sg-4", "default")])
    snap = read_groups(ec2, "vpc-1", OWNER)
    assert sorted(snap["owned"]) == ["app", "old"]   # no module tag yet: ours, as before the tag existed
    assert list(snap["others"]) == ["vpn"] and snap["default"]["GroupId"] == "sg-4"
    assert sorted(snap["rule_owners"]) == ["sg-1", "sg-3"]
