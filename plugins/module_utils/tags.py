# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ownership tags and the pure helpers around them.

Pure: no boto3, so the planners and diffs that need tags import no AWS SDK.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.plan import check_own_tags, check_user_tags

OWNER_TAG = "refarch:owner"
KEY_TAG = "refarch:key"
# The module whose key space a resource belongs to: a module's purge and its unplanned report
# never see a resource another module stamped (the VPN's group and address, for instance).
MODULE_TAG = "refarch:module"
TIER_TAG = "refarch:tier"
ROUTE_TABLE_TAG = "refarch:route-table"


def tag_dict(tag_list):
    return dict((t["Key"], t["Value"]) for t in tag_list or [])


def tag_list(tags):
    return [{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())]


def owned_tags(owner, key, name=None, extra=None):
    """The tags every created resource carries: user tags, Name, owner and logical key.
    InputError (before any write) for user tags AWS or the ownership scheme refuses: refarch:
    or aws: keys, too many, too long; and for an empty owner or a Name too long."""
    tags = dict(check_user_tags(extra, "tags"))
    if name:
        tags["Name"] = name
    tags[OWNER_TAG] = owner
    tags[KEY_TAG] = key
    return check_own_tags(tags)


def tag_spec(resource_type, tags):
    return [{"ResourceType": resource_type, "Tags": tag_list(tags)}]


def is_owned(resource_tags, owner):
    return tag_dict(resource_tags).get(OWNER_TAG) == owner


def owner_filter(owner, key=None):
    filters = [{"Name": "tag:" + OWNER_TAG, "Values": [owner]}]
    if key is not None:
        filters.append({"Name": "tag:" + KEY_TAG, "Values": [key]})
    return filters
