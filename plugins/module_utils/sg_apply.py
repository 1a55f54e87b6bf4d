# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of security_groups' actions, run by ``engine.execute``.

``run.ec2`` is guarded: an authorize or revoke retried after a lost reply that finds the rule
already there (or gone) is done, and a CreateSecurityGroup retried after a lost reply and
refused as a duplicate (group names are unique per VPC) adopts the group carrying our owner
and key tags. ``run.data["vpc_id"]`` is the VPC.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags, tag_list, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.engine import CREATES
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import ip_permission

CALLS = {
    "authorize": {"ingress": "authorize_security_group_ingress", "egress": "authorize_security_group_egress"},
    "revoke": {"ingress": "revoke_security_group_ingress", "egress": "revoke_security_group_egress"},
    "redescribe": {"ingress": "update_security_group_rule_descriptions_ingress",
                   "egress": "update_security_group_rule_descriptions_egress"},
}

# A group name is unique in its VPC, so a retried create never makes a twin: the engine's twin
# removal (which finds resources by owner and key tags, in any VPC) is switched off; adopting
# the group after InvalidGroup.Duplicate stays.
RUN_CREATES = {"CreateSecurityGroup": CREATES["CreateSecurityGroup"]._replace(delete=None, id_param=None)}


class _GroupIds(object):
    """Logical group names (as rules name them) -> ids known to the run; sg- ids stay."""

    def __init__(self, ids):
        self.ids = ids

    def get(self, name, default=None):
        return self.ids.get("sg/" + name, default)


def _create_group(run, a):
    answer = run.ec2.create_security_group(VpcId=run.data["vpc_id"], GroupName=a["group_name"],
                                           Description=a["description"],
                                           TagSpecifications=tag_spec("security-group", a["tags"]))
    run.ids[a.key] = answer["GroupId"]


def _tag(run, a):
    run.ec2.create_tags(Resources=[run.ids[a.key]], Tags=tag_list(a["tags"]))


def _rule(run, a):
    extra = {}
    if a.op == "authorize":  # each rule we add carries our owner: purge and teardown touch only those
        extra["TagSpecifications"] = tag_spec("security-group-rule", owned_tags(run.owner, a.key))
    call = getattr(run.ec2, CALLS[a.op][a["direction"]])
    call(GroupId=run.ids[a.key], IpPermissions=[ip_permission(a["perm"], a["description"], _GroupIds(run.ids))],
         **extra)


def _delete_group(run, a):
    run.ec2.delete_security_group(GroupId=run.ids[a.key])


HANDLERS = {"create_group": _create_group, "tag": _tag, "authorize": _rule, "redescribe": _rule, "revoke": _rule,
            "delete_group": _delete_group}
