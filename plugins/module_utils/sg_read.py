# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of security_groups: the groups of one VPC and which of their rules are ours.

A snapshot is a dict: ``owned`` (our groups by logical name), ``default`` (the VPC's default
group), ``by_name`` (every group by AWS name, to refuse a clash with someone else's group),
``others`` (groups of the owner in the ``sg/`` key space that another module stamped, such as
vpn_instance's ``sg/vpn``: never ours to tag, purge or delete) and ``rule_owners`` ({group id:
{direction: set of perms we authorized}}).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, MODULE_TAG, is_owned, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import known_read, paginate
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import (
    ALL_EGRESS, DEFAULT_GROUP, prefix_list_names, resolve_prefix_lists, rule_perm)
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import PLANNED

# The refarch:module value of our groups; a group without the tag predates it and is ours.
MODULE = "security_groups"


def in_vpc(vpc_id):
    return [{"Name": "vpc-id", "Values": [vpc_id]}]


def empty():
    """The snapshot of a VPC that holds nothing of ours (or of no VPC at all)."""
    return {"owned": {}, "default": None, "by_name": {}, "others": {}, "rule_owners": {}}


def planned_vpc():
    """The snapshot of a VPC vpc_tiers has yet to create: only AWS's default group, with the
    rules AWS gives it (all from itself, all egress; a VPC whose default group is adopted is
    not locked down)."""
    default = {"GroupId": PLANNED % "sg/default", "GroupName": DEFAULT_GROUP,
               "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": PLANNED % "sg/default"}]}],
               "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    return dict(empty(), default=default, by_name={DEFAULT_GROUP: default})


def known_ids(snap):
    """{logical key ``sg/<name>``: group id} of the owned groups and the default group."""
    ids = dict(("sg/" + name, group["GroupId"]) for name, group in snap["owned"].items())
    if snap["default"]:
        ids["sg/" + DEFAULT_GROUP] = snap["default"]["GroupId"]
    return ids


def names_by_id(snap):
    """{group id: logical name}: rules that reference our groups read as logical names."""
    return dict((group_id, key[3:]) for key, group_id in known_ids(snap).items())


def _groups(ec2, vpc_id, owner, reuse=False):
    snap = empty()
    # with reuse, the VPC's groups as vpc_tiers read them in this run while that is exact (known_vpcs)
    groups = known_read(ec2.meta.region_name, vpc_id, "security_groups") if reuse else None
    if groups is None:
        groups = paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpc(vpc_id))
    for group in groups:
        snap["by_name"][group["GroupName"]] = group
        tags = tag_dict(group.get("Tags"))
        key = tags.get(KEY_TAG, "")
        if group["GroupName"] == DEFAULT_GROUP:
            snap["default"] = group
        elif is_owned(group.get("Tags"), owner) and key.startswith("sg/"):
            space = "owned" if tags.get(MODULE_TAG) in (None, "", MODULE) else "others"
            snap[space][key[3:]] = group
    return snap


def read_groups(ec2, vpc_id, owner):
    """The snapshot of the VPC's groups for ``owner``: from vpc_tiers' read of them in this run
    while it is exact (``known_vpcs``; security_groups' task is the only one writing the VPC's
    groups while it runs), else read."""
    snap = _groups(ec2, vpc_id, owner, reuse=True)
    snap["rule_owners"] = read_rule_owners(ec2, snap, owner)
    return snap


def group_ids(ec2, vpc_id, owner, listed=None):
    """{logical name: group id} of the groups security_groups made in the VPC, and ``default``
    (what other modules' data names groups by). ``listed`` (a list, filled when given): the ids of
    every group of the VPC, from the same read."""
    snap = _groups(ec2, vpc_id, owner)
    if listed is not None:
        listed.extend(g["GroupId"] for g in snap["by_name"].values())
    return dict((key[3:], group_id) for key, group_id in known_ids(snap).items())


def read_rule_owners(ec2, snap, owner):
    """{group id: {direction: perms}} of the rules we authorized (tagged with our owner).

    Rules are owned one by one: purge and teardown touch only these, so a rule someone else
    added to one of our groups survives. AWS's own all-egress rule of a group we created
    counts as ours.
    """
    ours = dict((g["GroupId"], {"ingress": set(), "egress": set([ALL_EGRESS]), "follows": set()})
                for g in snap["owned"].values())
    if not ours:
        return ours
    id_to_name = names_by_id(snap)
    for rule in paginate(ec2, "describe_security_group_rules", "SecurityGroupRules",
                         Filters=[{"Name": "group-id", "Values": sorted(ours)}]):
        perm = rule_perm(rule, id_to_name) if rule.get("GroupId") in ours else None
        direction = "egress" if rule.get("IsEgress") else "ingress"
        if perm and is_owned(rule.get("Tags"), owner):
            ours[rule["GroupId"]][direction].add(perm)
        elif perm and follows_group(rule.get("Tags")):
            ours[rule["GroupId"]]["follows"].add((direction, perm))
    return ours


def follows_group(tags):
    """A rule another environment's VPN added to admit its address (vpn_instance ``reach``): it
    is not ours to purge, but it lives and dies with the group, so it keeps no group on teardown."""
    tags = tag_dict(tags)
    return tags.get(MODULE_TAG) == "vpn_instance" and tags.get(KEY_TAG, "").startswith("reach/")


def listed_group_ids(ec2, vpc_id):
    """The ids of the groups a filtered Describe lists in the VPC (read back after creates)."""
    return [g["GroupId"] for g in paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpc(vpc_id))]


def resolve_prefix_list_names(ec2, planned):
    """Prefix lists given by name become their ids (one Describe, only when a rule names one)."""
    names = prefix_list_names(planned)
    if names:
        lists = paginate(ec2, "describe_managed_prefix_lists", "PrefixLists",
                         Filters=[{"Name": "prefix-list-name", "Values": names}])
        resolve_prefix_lists(planned, dict((p["PrefixListName"], p["PrefixListId"]) for p in lists))
