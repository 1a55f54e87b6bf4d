#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: service_subnet_groups
short_description: Converge RDS, DocumentDB and ElastiCache subnet groups spanning tiers
version_added: 0.1.0
description:
  - Converges the subnet groups managed services need (Aurora PostgreSQL and other RDS engines,
    DocumentDB, ElastiCache), each spanning the owned subnets of a named tier.
  - DocumentDB subnet groups are written through the C(docdb) API; AWS keeps them in the same
    namespace as RDS DB subnet groups, so an RDS and a DocumentDB group cannot share a name.
  - Groups carry C(refarch:owner) (O(owner)) and C(refarch:key=subnet-group/<db|cache>/<name>).
    A group with the same name that is not owned makes the module fail; it is never touched.
  - A group whose subnets or description differ is modified in place. Idempotent; check mode is
    exact and writes nothing.
author:
  - refarch.network developers (@refarch)
options:
  vpc_id:
    description:
      - The VPC. Defaults to the VPC that M(refarch.network.vpc_tiers) built for O(owner).
      - In check mode, when O(owner) has no VPC yet, the module plans against the empty VPC
        M(refarch.network.vpc_tiers) will create; everything is reported as a create, and what
        only exists with the VPC (subnets, route tables, group IDs) appears by its logical name.
    type: str
  groups:
    description: The subnet groups.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The AWS subnet group name (lowercase letters, digits, hyphens).
        type: str
        required: true
      kind:
        description: Which service the group is for.
        type: str
        choices: [rds, docdb, elasticache]
        default: rds
      tier:
        description: The tier whose owned subnets the group spans.
        type: str
        required: true
      description:
        description: Group description. Defaults to one naming the kind, tier and owner.
        type: str
      tags:
        description: Extra tags for this group.
        type: dict
  purge_groups:
    description:
      - Delete owned subnet groups in the VPC that are not in O(groups) (only of the kinds
        O(groups) uses). Without it they are reported in RV(unplanned) and a warning.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
notes:
  - The moto emulator (5.2) lacks ModifyCacheSubnetGroup and DeleteCacheSubnetGroup, and its
    ModifyDBSubnetGroup loses the group; real AWS has all three.
"""

EXAMPLES = r"""
- name: Subnet groups of the single-VPC layout
  refarch.network.service_subnet_groups:
    owner: single_vpc_production
    groups:
      - {name: single-vpc-production-aurora, kind: rds, tier: aurora}
      - {name: single-vpc-production-documentdb, kind: docdb, tier: documentdb}
      - {name: single-vpc-production-elasticache, kind: elasticache, tier: elasticache}
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create rds subnet group aurora (tier aurora: subnet-1, subnet-2, subnet-3)"]
groups:
  description: The planned groups by name.
  returned: always
  type: dict
  sample: {"aurora": {"kind": "rds", "tier": "aurora", "subnets": ["subnet-1", "subnet-2"], "arn": null}}
vpc_id:
  description: The VPC; null in check mode when the VPC is yet to be created.
  returned: always
  type: str
unplanned:
  description: Owned groups that are not in O(groups) and were kept (see O(purge_groups)).
  returned: always
  type: list
  elements: str
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, Connection, is_owned, new_module, owned_subnets_by_tier, owned_tags, tag_dict, tag_list)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import (
    check_tier_subnets, plan_subnet_groups)
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import PLANNED, target_vpc_id

# the two APIs differ only in names
FAMILIES = {
    "db": dict(client="rds", describe="describe_db_subnet_groups", items="DBSubnetGroups", name="DBSubnetGroupName",
               desc="DBSubnetGroupDescription", arn="DBSubnetGroupArn", create="create_db_subnet_group",
               modify="modify_db_subnet_group", delete="delete_db_subnet_group"),
    "cache": dict(client="elasticache", describe="describe_cache_subnet_groups", items="CacheSubnetGroups",
                  name="CacheSubnetGroupName", desc="CacheSubnetGroupDescription", arn="ARN",
                  create="create_cache_subnet_group", modify="modify_cache_subnet_group",
                  delete="delete_cache_subnet_group"),
}


def read_family(conn, family, vpc_id, owner):
    """(owned {name: group}, all names in the VPC) for one family; tags cost a call per group."""
    api = FAMILIES[family]
    client = conn.client(api["client"])
    owned, names = {}, set()
    for page in client.get_paginator(api["describe"]).paginate():
        for group in page[api["items"]]:
            if group.get("VpcId") != vpc_id:
                continue
            names.add(group[api["name"]])
            tags = client.list_tags_for_resource(ResourceName=group[api["arn"]])["TagList"]
            if is_owned(tags, owner) and tag_dict(tags).get(KEY_TAG, "").startswith("subnet-group/"):
                owned[group[api["name"]]] = group
    return owned, names


def group_subnets(group):
    return sorted(s["SubnetIdentifier"] for s in group.get("Subnets", []))


def diff(planned, snapshot, subnets_by_tier, params):
    actions = []
    for group in planned:
        api = FAMILIES[group["family"]]
        owned, names = snapshot[group["family"]]
        if subnets_by_tier is None:   # check mode before vpc_tiers made the VPC
            group["subnets"] = [PLANNED % ("subnet/%s/*" % group["tier"])]
        else:
            group["subnets"] = check_tier_subnets(group, subnets_by_tier.get(group["tier"]))
        current = owned.get(group["name"])
        if current is None:
            if group["name"] in names:
                raise InputError(group["field"] + ".name", "a %s subnet group %s already exists in the VPC and is not "
                                                           "owned by %s; it is never modified"
                                 % (group["family"], group["name"], params["owner"]))
            actions.append(dict(op="create", group=group, text="create %s subnet group %s (tier %s: %s)" % (
                group["kind"], group["name"], group["tier"], ", ".join(group["subnets"]))))
        elif group_subnets(current) != group["subnets"] or current.get(api["desc"]) != group["description"]:
            actions.append(dict(op="modify", group=group, text="modify %s subnet group %s subnets %s -> %s" % (
                group["kind"], group["name"], ", ".join(group_subnets(current)), ", ".join(group["subnets"]))))
    return actions


def apply(conn, actions, params):
    for action in actions:
        group = action.get("group")
        if action["op"] == "delete":
            api = FAMILIES[action["family"]]
            getattr(conn.client(api["client"]), api["delete"])(**{api["name"]: action["name"]})
            continue
        api = FAMILIES[group["family"]]
        # DocumentDB groups go through the docdb API; RDS and ElastiCache through their own
        client = conn.client("docdb" if group["kind"] == "docdb" else api["client"])
        kwargs = {api["name"]: group["name"], api["desc"]: group["description"], "SubnetIds": group["subnets"]}
        if action["op"] == "create":
            tags = owned_tags(params["owner"], group["key"], group["name"], dict(params["tags"], **group["tags"]))
            group["arn"] = getattr(client, api["create"])(Tags=tag_list(tags), **kwargs)[
                "DBSubnetGroup" if group["family"] == "db" else "CacheSubnetGroup"][api["arn"]]
        else:
            getattr(client, api["modify"])(**kwargs)


def main():
    module = new_module(
        argument_spec=dict(
            owner=dict(type="str", required=True),
            vpc_id=dict(type="str"),
            groups=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                kind=dict(type="str", default="rds", choices=["rds", "docdb", "elasticache"]),
                tier=dict(type="str", required=True),
                description=dict(type="str"),
                tags=dict(type="dict"),
            )),
            purge_groups=dict(type="bool", default=False),
            tags=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    try:
        planned = plan_subnet_groups(params["groups"], params["owner"]) if present else []
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)

    conn = Connection(module)
    leftover, actions = [], []
    try:
        vpc_id = target_vpc_id(module, conn.client("ec2"), dict(groups={}, unplanned=[]))
        families = sorted(set(g["family"] for g in planned)) if present else sorted(FAMILIES)
        snapshot = dict((f, read_family(conn, f, vpc_id, params["owner"]) if vpc_id else ({}, set()))
                        for f in families)
        if present:
            subnets = owned_subnets_by_tier(conn.client("ec2"), params["owner"], vpc_id) if vpc_id else None
            actions = diff(planned, snapshot, subnets, params)
        wanted = set((g["family"], g["name"]) for g in planned)
        leftover = sorted((f, n) for f in families for n in snapshot[f][0] if (f, n) not in wanted)
        if params["purge_groups"] or not present:
            actions += [dict(op="delete", family=f, name=n, text="delete %s subnet group %s" % (f, n))
                        for f, n in leftover]
        for group in planned:
            current = snapshot[group["family"]][0].get(group["name"])
            group["arn"] = current[FAMILIES[group["family"]]["arn"]] if current else None
        if actions and not module.check_mode:
            apply(conn, actions, params)
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="AWS refused a service_subnet_groups call")

    unplanned = [] if params["purge_groups"] or not present else ["%s/%s" % item for item in leftover]
    for item in unplanned:
        module.warn("subnet group %s is owned by %s but not in groups; purge_groups: true deletes it"
                    % (item, params["owner"]))
    groups = dict((g["name"], dict(kind=g["kind"], tier=g["tier"], subnets=g["subnets"], arn=g["arn"]))
                  for g in planned)
    result = dict(changed=bool(actions), actions=[a["text"] for a in actions], groups=groups, vpc_id=vpc_id,
                  unplanned=unplanned)
    if module._diff:
        before = dict(("%s/%s" % (f, n), group_subnets(g)) for f in snapshot for n, g in snapshot[f][0].items())
        after = dict(("%s/%s" % (g["family"], g["name"]), g["subnets"]) for g in planned)
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
