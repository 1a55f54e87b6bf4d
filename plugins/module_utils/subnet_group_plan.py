# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of managed-service subnet groups (RDS, DocumentDB, ElastiCache).

DocumentDB subnet groups are RDS DB subnet groups (one shared API and namespace), so both
kinds belong to the ``db`` family and are read once; ElastiCache has its own ``cache`` family.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, mappings
from ansible_collections.refarch.network.plugins.module_utils.plan import check_user_tags

KINDS = {"rds": "db", "docdb": "db", "elasticache": "cache"}
GROUP_KEYS = ("name", "kind", "tier", "description", "tags")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,254}$")


def plan_subnet_groups(groups, owner):
    planned, seen = [], {}
    for i, field, group in mappings(groups, "groups", GROUP_KEYS, "subnet groups", "name, kind and tier"):
        name = group.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name) or name == "default" or "--" in name \
                or name.endswith("-"):
            raise InputError(field + ".name", "%r is not a valid subnet group name (lowercase letters, digits and "
                                              "single hyphens, starting with a letter, not 'default')" % (name,))
        field = "groups[%d](%s)" % (i, name)
        kind = group.get("kind") or "rds"
        if kind not in KINDS:
            raise InputError(field + ".kind", "%r is not one of %s" % (kind, ", ".join(sorted(KINDS))))
        family = (KINDS[kind], name)
        if family in seen:
            raise InputError(field + ".name", "duplicate %s subnet group %r (also %s)" % (family[0], name, seen[family]))
        seen[family] = field
        tier = group.get("tier")
        if not isinstance(tier, str) or not tier:
            raise InputError(field + ".tier", "required: the tier whose subnets the group spans")
        tags = check_user_tags(group.get("tags"), field + ".tags")
        planned.append({"name": name, "field": field, "kind": kind, "family": KINDS[kind], "tier": tier,
                        "tags": tags, "key": "subnet-group/%s/%s" % (KINDS[kind], name),
                        "description": group.get("description") or "%s %s subnets of %s" % (kind, tier, owner)})
    return planned


def check_tier_subnets(group, subnets):
    """The subnet IDs for a group, or InputError: DB groups need two zones, all need one subnet."""
    if not subnets:
        raise InputError(group["field"] + ".tier", "tier %r has no owned subnets" % group["tier"])
    zones = set(s["AvailabilityZone"] for s in subnets)
    if group["family"] == "db" and len(zones) < 2:
        raise InputError(group["field"] + ".tier", "%s subnet groups need subnets in two availability zones; tier "
                                                   "%r has only %s" % (group["kind"], group["tier"], ", ".join(zones)))
    return sorted(s["SubnetId"] for s in subnets)
