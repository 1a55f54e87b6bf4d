# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff layer of security_groups: planned groups + snapshot (``sg_read``) -> ordered actions.

Pure: no AWS calls. Groups are named by logical key (``sg/<name>``, ``sg/default`` for the
adopted default group) and rules by their permission tuple, so the diff is the same in check
mode, before the groups have ids. One action per group write and per rule, in the order
creates, tags, rules (per group and direction: authorize, redescribe, revoke), deletes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import (
    KEY_TAG, MODULE_TAG, OWNER_TAG, owned_tags, tag_dict)
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import tag_changes
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import (
    ALL_EGRESS, DEFAULT_GROUP, describe_perm, diff_rules, flatten_ip_permissions)
from ansible_collections.refarch.network.plugins.module_utils.sg_read import MODULE, names_by_id

DIRECTIONS = (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress"))


def _rules(op, name, direction, items):
    """One action per rule: ``op`` is authorize, redescribe or revoke."""
    return [Action(op, "sg/" + name, "%s sg/%s %s" % (op, name, describe_perm(direction, perm, description)),
                   direction=direction, perm=perm, description=description)
            for perm, description in items]


def _delete(name, group):
    return Action("delete_group", "sg/" + name, "delete security group sg/%s (%s)" % (name, group["GroupName"]))


def wanted_tags(group, options):
    tags = owned_tags(options["owner"], "sg/" + group["name"], group["group_name"],
                      dict(options["tags"], **group["tags"]))
    tags[MODULE_TAG] = MODULE   # our key space: vpn_instance's sg/vpn shares owner and prefix
    return tags


def _holder(group, owner):
    tags = tag_dict(group.get("Tags"))
    if tags.get(OWNER_TAG) == owner:
        return "belongs to %s of %s as %s" % (tags.get(MODULE_TAG) or MODULE, owner, tags.get(KEY_TAG))
    return "is not owned by %s" % owner


def _refuse_clash(group, snap, owner):
    """A planned group may take neither another module's key nor an AWS name in use."""
    other = snap.get("others", {}).get(group["name"])
    if other is not None:
        raise InputError("groups[%d].name" % group["index"], "sg/%s is the key of group %s (%s), which %s; "
                         "choose another name" % (group["name"], other["GroupId"], other["GroupName"],
                                                  _holder(other, owner)))
    other = snap["by_name"].get(group["group_name"])
    if other is not None:
        raise InputError(group["field"] + ".group_name", "a group named %s (%s) already exists in the VPC "
                         "and %s; it is never modified" % (group["group_name"], other["GroupId"], _holder(other, owner)))


def _create(group, options):
    return Action("create_group", "sg/" + group["name"], "create security group sg/%s (%s)"
                  % (group["name"], group["group_name"]), group_name=group["group_name"],
                  description=group["description"], tags=wanted_tags(group, options))


def _tag(group, current, options):
    missing = tag_changes(current.get("Tags"), wanted_tags(group, options))
    if not missing:
        return []
    return [Action("tag", "sg/" + group["name"], "tag sg/%s %s" % (
        group["name"], ", ".join("%s=%s" % kv for kv in sorted(missing.items()))), tags=missing)]


def _purgeable(group, current, snap, direction, actual):
    """The rules purge may revoke: None (every rule) for the adopted default group and for a
    group with purge_rules: true; otherwise only the rules we authorized."""
    if group["adopted"] or group["purge_unmanaged"]:
        return None
    if current is None:
        return set(actual)
    return snap["rule_owners"][current["GroupId"]][direction]


def _without_followers(actual, snap, current, direction):
    """The rules of a group but those another module attached to it (a VPN's ``reach`` rules,
    sg_read.follows_group): neither ours to purge nor someone's by hand."""
    follows = snap["rule_owners"].get(current["GroupId"], {}).get("follows", ())
    return dict((p, d) for p, d in actual.items() if (direction, p) not in follows)


def _rule_actions(group, current, snap, id_to_name):
    rules = []
    for direction, attr in DIRECTIONS:
        if current is not None:
            actual = _without_followers(flatten_ip_permissions(current.get(attr), id_to_name), snap, current, direction)
        else:   # AWS gives a new group one egress rule: allow all to 0.0.0.0/0
            actual = {ALL_EGRESS: None} if direction == "egress" else {}
        ours = _purgeable(group, current, snap, direction, actual)
        add, remove, redescribe = diff_rules(group[direction], actual, group["purge"], ours)
        rules += _rules("authorize", group["name"], direction, add)
        rules += _rules("redescribe", group["name"], direction, redescribe) + _rules("revoke", group["name"], direction, remove)
    return rules


def diff_present(planned, snap, options):
    """(actions, unplanned names) turning the snapshot into the planned groups.

    ``options``: owner, tags (for every group), purge_groups. A planned group whose AWS name
    is held by a group we do not own, or whose key another module owns, is refused; purge
    revokes only rules we authorized (every rule, for a group with purge_rules: true).
    """
    owned, default = snap["owned"], snap["default"]
    id_to_name = names_by_id(snap)
    creates, tags, rules = [], [], []
    for group in planned:
        current = default if group["adopted"] else owned.get(group["name"])
        if current is None:
            _refuse_clash(group, snap, options["owner"])
            creates.append(_create(group, options))
        elif not group["adopted"]:
            tags += _tag(group, current, options)
        rules += _rule_actions(group, current, snap, id_to_name)
    planned_names = set(g["name"] for g in planned)
    leftover = sorted(n for n in owned if n not in planned_names)
    deletes = [_delete(n, owned[n]) for n in leftover] if options["purge_groups"] else []
    return creates + tags + rules + deletes, leftover


def unmanaged_rules(planned, snap):
    """[(group, direction, perm, description)]: rules of our planned, owned groups, in the
    directions the data manages, that are neither in the data nor added by us (added by hand).
    The same in check mode and a real run: a pure function of the snapshot read before."""
    id_to_name = names_by_id(snap)
    found = []
    for group in planned:
        current = None if group["adopted"] else snap["owned"].get(group["name"])
        for direction, attr in DIRECTIONS:
            if current is None or group[direction] is None:
                continue
            ours = snap["rule_owners"][current["GroupId"]][direction]
            actual = _without_followers(flatten_ip_permissions(current.get(attr), id_to_name), snap, current, direction)
            theirs = dict((p, d) for p, d in actual.items() if p not in ours)
            found += [(group, direction, p, d) for p, d in diff_rules(group[direction], theirs, True)[1]]
    return found


def unmanaged_report(found):
    """(result lines, warnings) for ``unmanaged_rules``."""
    lines, warnings = [], []
    for group, direction, perm, description in found:
        rule = describe_perm(direction, perm, description)
        fate = "revoked (purge_rules: true)" if group["purge_unmanaged"] else "kept; purge_rules: true on the group revokes it"
        lines.append("sg/%s %s" % (group["name"], rule))
        warnings.append("security group sg/%s (%s) holds a rule that is not in groups and that security_groups "
                        "did not add: %s; %s" % (group["name"], group["group_name"], rule, fate))
    return lines, warnings


def diff_absent(planned, snap):
    """(actions, kept): revoke our rules from the adopted default group, unlink owned groups,
    delete them. An owned group that holds someone else's rule is kept, with only our rules
    revoked."""
    owned, default = snap["owned"], snap["default"]
    id_to_name = names_by_id(snap)
    actions, kept = [], []
    for group in planned:
        if group["adopted"] and default is not None:
            for direction, attr in DIRECTIONS:
                actual = flatten_ip_permissions(default.get(attr), id_to_name)
                actions += _rules("revoke", DEFAULT_GROUP, direction, sorted(
                    (p, d) for p, d in actual.items() if p in (group[direction] or {})))
    keep = set()
    for name in sorted(owned):
        mine = snap["rule_owners"][owned[name]["GroupId"]]
        theirs = [describe_perm(direction, p) for direction, attr in DIRECTIONS
                  for p in flatten_ip_permissions(owned[name].get(attr), id_to_name)
                  if p not in mine[direction] and (direction, p) not in mine.get("follows", ())]
        if theirs:
            keep.add(name)
            kept.append("sg/%s: kept, it holds rules we do not own (%s)" % (name, ", ".join(theirs)))
    # rules between owned groups block their deletion, and a kept group loses only our rules
    for name in sorted(owned):
        mine = snap["rule_owners"][owned[name]["GroupId"]]
        for direction, attr in DIRECTIONS:
            actual = flatten_ip_permissions(owned[name].get(attr), id_to_name)
            actions += _rules("revoke", name, direction, sorted(
                (p, d) for p, d in actual.items() if p in mine[direction] and (
                    name in keep and p != ALL_EGRESS or p[3] == "group" and p[4] in id_to_name.values())))
    actions += [_delete(name, owned[name]) for name in sorted(set(owned) - keep)]
    return actions, kept


def _rule_model(group, attr, id_to_name):
    direction = "ingress" if attr == "IpPermissions" else "egress"
    return sorted(describe_perm(direction, p, d) for p, d in flatten_ip_permissions(group.get(attr), id_to_name).items())


def diff_models(planned, snap, present=True, vpc_exists=True):
    """(before, after) for ``--diff``: each group's rules (of the managed directions) as text."""
    id_to_name = names_by_id(snap)
    before, after = {}, {}
    for group in planned:
        current = snap["default"] if group["adopted"] else snap["owned"].get(group["name"])
        before[group["name"]] = {} if current is None else dict(
            (d, _rule_model(current, a, id_to_name)) for d, a in DIRECTIONS if group[d] is not None)
        after[group["name"]] = dict((d, sorted(describe_perm(d, p, desc) for p, desc in group[d].items()))
                                    for d, a in DIRECTIONS if group[d] is not None)
    for name, group in snap["owned"].items():
        before.setdefault(name, dict((d, _rule_model(group, a, id_to_name)) for d, a in DIRECTIONS))
    return (before if vpc_exists else {}), (after if present else {})
