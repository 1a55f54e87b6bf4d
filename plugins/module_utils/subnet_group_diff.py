# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff layer of service_subnet_groups: planned groups + snapshot -> ordered actions.

Pure: no AWS calls. The snapshot is {family: (owned {name: group}, every name in the VPC)}
(``subnet_group_read``); the subnets come as {tier: [subnet]} of owned subnets, or None
before vpc_tiers made the VPC (check mode), when each group spans its tier by planned name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import check_tier_subnets
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_read import FAMILIES, group_key
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import PLANNED


def group_subnets(group):
    return sorted(s["SubnetIdentifier"] for s in group.get("Subnets", []))


def with_subnets(planned, subnets_by_tier):
    """The planned groups, each with the sorted ``subnets`` it spans (InputError: see check_tier_subnets)."""
    resolved = []
    for group in planned:
        if subnets_by_tier is None:
            subnets = [PLANNED % ("subnet/%s/*" % group["tier"])]
        else:
            subnets = check_tier_subnets(group, subnets_by_tier.get(group["tier"]))
        resolved.append(dict(group, subnets=subnets))
    return resolved


def diff_subnet_groups(planned, snap, options):
    """(actions, unplanned [(family, name)]). ``planned`` has its subnets (``with_subnets``; empty
    for state=absent); ``options``: owner, tags, purge (delete owned groups of the snapshot's
    families that are not planned). A name held by a group we do not own is refused."""
    actions = []
    for group in planned:
        api = FAMILIES[group["family"]]
        owned, names = snap[group["family"]]
        current = owned.get(group["name"])
        params = dict(kind=group["kind"], family=group["family"], name=group["name"],
                      description=group["description"], subnets=group["subnets"])
        if current is None:
            if group["name"] in names:
                raise InputError(group["field"] + ".name", "a %s subnet group %s already exists in the VPC and is not "
                                                           "owned by %s; it is never modified"
                                 % (group["family"], group["name"], options["owner"]))
            tags = owned_tags(options["owner"], group["key"], group["name"], dict(options["tags"], **group["tags"]))
            actions.append(Action("create_group", group["key"], "create %s subnet group %s (tier %s: %s)" % (
                group["kind"], group["name"], group["tier"], ", ".join(group["subnets"])), tags=tags, **params))
        elif group_subnets(current) != group["subnets"] or current.get(api["desc"]) != group["description"]:
            actions.append(Action("modify_group", group["key"], "modify %s subnet group %s subnets %s -> %s" % (
                group["kind"], group["name"], ", ".join(group_subnets(current)), ", ".join(group["subnets"])),
                **params))
    wanted = set((g["family"], g["name"]) for g in planned)
    leftover = sorted((f, n) for f in snap for n in snap[f][0] if (f, n) not in wanted)
    if options["purge"]:
        actions += [Action("delete_group", group_key(f, n), "delete %s subnet group %s" % (f, n), family=f, name=n)
                    for f, n in leftover]
    return actions, leftover


def models(planned, snap):
    """(before, after) for ``--diff``: the subnets of each group, as ``<family>/<name>``."""
    before = dict(("%s/%s" % (f, n), group_subnets(g)) for f in snap for n, g in snap[f][0].items())
    after = dict(("%s/%s" % (g["family"], g["name"]), g["subnets"]) for g in planned)
    return before, after
