# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which VPC a module that works inside an existing VPC acts on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import find_owned_vpc

# stands for what only exists once the VPC does (subnets, route tables, groups to create)
PLANNED = "%s (planned)"


def target_vpc_id(module, ec2, empty_result):
    """``vpc_id`` if given, else the VPC vpc_tiers built for ``owner``.

    Without one: state=absent has nothing to remove and exits unchanged with ``empty_result``;
    check mode with state=present returns None, and the module plans against an empty VPC
    (a --check run of site.yml on a new environment never builds the VPC, yet must report
    every create a real run makes); a real run with state=present fails naming ``vpc_id``.
    """
    params = module.params
    if params.get("vpc_id"):
        return params["vpc_id"]
    try:
        vpc = find_owned_vpc(ec2, params["owner"])
    except ValueError as e:
        module.fail_json(msg="vpc_id: %s; give vpc_id" % e, field="vpc_id")
    if vpc is not None:
        return vpc["VpcId"]
    if params["state"] == "absent":
        module.exit_json(changed=False, actions=[], vpc_id=None, **empty_result)
    if module.check_mode:
        module.warn("no VPC is owned by %s yet; it will be created by vpc_tiers, so check mode plans against "
                    "an empty VPC" % params["owner"])
        return None
    module.fail_json(msg="vpc_id: no VPC is owned by %s; build it first (vpc_tiers) or give vpc_id"
                     % params["owner"], field="vpc_id")
