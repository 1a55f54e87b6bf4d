# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of service_subnet_groups: the subnet groups of a VPC, per API family.

DocumentDB groups are RDS DB subnet groups (one API and namespace): the ``db`` family is read
through RDS, the ``cache`` family through ElastiCache. The two APIs differ only in names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, is_owned, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import owned_subnets_by_tier, paginate

FAMILIES = {
    "db": dict(client="rds", describe="describe_db_subnet_groups", items="DBSubnetGroups", name="DBSubnetGroupName",
               desc="DBSubnetGroupDescription", arn="DBSubnetGroupArn", create="create_db_subnet_group",
               result="DBSubnetGroup", modify="modify_db_subnet_group", delete="delete_db_subnet_group",
               exists=("DBSubnetGroupAlreadyExists", "DBSubnetGroupAlreadyExistsFault"),
               missing=("DBSubnetGroupNotFound", "DBSubnetGroupNotFoundFault")),
    "cache": dict(client="elasticache", describe="describe_cache_subnet_groups", items="CacheSubnetGroups",
                  name="CacheSubnetGroupName", desc="CacheSubnetGroupDescription", arn="ARN",
                  create="create_cache_subnet_group", result="CacheSubnetGroup", modify="modify_cache_subnet_group",
                  delete="delete_cache_subnet_group",
                  exists=("CacheSubnetGroupAlreadyExists", "CacheSubnetGroupAlreadyExistsFault"),
                  missing=("CacheSubnetGroupNotFound", "CacheSubnetGroupNotFoundFault")),
}


def group_key(family, name):
    return "subnet-group/%s/%s" % (family, name)


def is_ours(client, family, group, owner):
    """The group carries our owner tag and a subnet-group key (its tags cost one call)."""
    tags = client.list_tags_for_resource(ResourceName=group[FAMILIES[family]["arn"]])["TagList"]
    return is_owned(tags, owner) and tag_dict(tags).get(KEY_TAG, "").startswith("subnet-group/")


def read_family(client, family, vpc_id, owner):
    """(owned {name: group}, every group name in the VPC) for one family."""
    api = FAMILIES[family]
    owned, names = {}, set()
    for group in paginate(client, api["describe"], api["items"]):
        if group.get("VpcId") != vpc_id:
            continue
        names.add(group[api["name"]])
        if is_ours(client, family, group, owner):
            owned[group[api["name"]]] = group
    return owned, names


def read_subnet_groups(client, families, vpc_id, owner):
    """(snapshot {family: (owned, names)}, owned subnets {tier: [subnet]}); ``client(service)``
    gives a client. Without a VPC (check mode before vpc_tiers made it): empty, and None."""
    if not vpc_id:
        return dict((f, ({}, set())) for f in families), None
    snap = dict((f, read_family(client(FAMILIES[f]["client"]), f, vpc_id, owner)) for f in families)
    return snap, owned_subnets_by_tier(client("ec2"), owner, vpc_id)


def known_ids(snap):
    """{logical key: ARN} of the owned groups."""
    return dict((group_key(family, name), group[FAMILIES[family]["arn"]])
                for family, (owned, _names) in snap.items() for name, group in owned.items())
