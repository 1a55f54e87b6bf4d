# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which VPC a module that works inside an existing VPC acts on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.ec2_read import find_vpc
from ansible_collections.refarch.network.plugins.module_utils.engine import prerequisite_missing
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

# stands for what only exists once the VPC does (subnets, route tables, groups to create)
PLANNED = "%s (planned)"


def target_vpc(module, ec2):
    """The id of ``vpc_id`` if given, else of the VPC vpc_tiers built for ``owner``; or None.

    None means there is no VPC yet, and the caller works against an empty one: with
    state=absent there is nothing to remove; in check mode with state=present the module plans
    against the VPC vpc_tiers will create (a --check run of site.yml on a new environment never
    builds the VPC, yet must report every create a real run makes). A real run with
    state=present raises an ``InputError`` on ``vpc_id``, as do two VPCs owned by ``owner``.
    """
    params = module.params
    vpc = find_vpc(ec2, params["owner"], params.get("vpc_id"), field="vpc_id")
    if vpc is not None:
        return vpc["VpcId"]
    if params["state"] == "absent":
        return None
    if params.get("vpc_id"):
        raise InputError("vpc_id", "there is no VPC %s in this account and region" % params["vpc_id"])
    prerequisite_missing(module, InputError("vpc_id", "no VPC is owned by %s; build it first (vpc_tiers) or give vpc_id"
                                            % params["owner"]))
    module.warn("no VPC is owned by %s yet; it will be created by vpc_tiers, so check mode plans against "
                "an empty VPC" % params["owner"])
    return None
