# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of service_subnet_groups' actions, run by ``engine.execute``.

The run's clients are ``rds``, ``elasticache`` and, when a DocumentDB group is written,
``docdb`` (DocumentDB groups go through its API; RDS and ElastiCache through their own).
The engine knows no "already done" answers of these APIs, so a create or delete retried after
a lost reply is checked here: a create refused because the group exists is done when the group
carries our owner and key tags, a delete refused because it is gone is done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_dict, tag_list
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_read import FAMILIES


def clients_needed(families, actions):
    """The API clients a run needs: one per family read, plus docdb to write DocumentDB groups."""
    needed = set(FAMILIES[f]["client"] for f in families)
    if any(a.get("kind") == "docdb" for a in actions if a.op != "delete_group"):
        needed.add("docdb")
    return sorted(needed)


def _client(run, a):
    return getattr(run, "docdb" if a.get("kind") == "docdb" else FAMILIES[a["family"]]["client"])


def _arn_if_ours(run, a):
    """The ARN of the existing group named by ``a`` when it carries our owner and key, else None."""
    api = FAMILIES[a["family"]]
    client = getattr(run, api["client"])
    group = getattr(client, api["describe"])(**{api["name"]: a["name"]})[api["items"]][0]
    tags = tag_dict(client.list_tags_for_resource(ResourceName=group[api["arn"]])["TagList"])
    mine = tags.get(OWNER_TAG) == run.owner and tags.get(KEY_TAG) == a.key
    return group[api["arn"]] if mine else None


def _create_group(run, a):
    api = FAMILIES[a["family"]]
    kwargs = {api["name"]: a["name"], api["desc"]: a["description"], "SubnetIds": a["subnets"]}
    try:
        arn = getattr(_client(run, a), api["create"])(Tags=tag_list(a["tags"]), **kwargs)[api["result"]][api["arn"]]
    except ClientError as e:
        arn = _arn_if_ours(run, a) if retried(e.response) and error_code(e) in api["exists"] else None
        if arn is None:
            raise
    run.ids[a.key] = arn


def _modify_group(run, a):
    api = FAMILIES[a["family"]]
    kwargs = {api["name"]: a["name"], api["desc"]: a["description"], "SubnetIds": a["subnets"]}
    getattr(_client(run, a), api["modify"])(**kwargs)


def _delete_group(run, a):
    api = FAMILIES[a["family"]]
    try:
        getattr(getattr(run, api["client"]), api["delete"])(**{api["name"]: a["name"]})
    except ClientError as e:
        if not (retried(e.response) and error_code(e) in api["missing"]):
            raise


HANDLERS = {"create_group": _create_group, "modify_group": _modify_group, "delete_group": _delete_group}
