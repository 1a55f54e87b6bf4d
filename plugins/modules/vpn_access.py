#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import vpn_reach
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_dict
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.vpn import MODULE
from ansible_collections.refarch.network.plugins.module_utils.vpn_apply import HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.vpn_diff import reach_rules
from ansible_collections.refarch.network.plugins.module_utils.vpn_read import owned_instances, read_reach

ARGUMENT_SPEC = dict(
    owner=dict(type="str", required=True), environment=dict(type="str", required=True),
    vpn_owner=dict(type="str", required=True), vpn_assume_role_arn=dict(type="str"), vpn_region=dict(type="str"),
)


def converge(module):
    p = module.params
    names = dict(owner=p["vpn_owner"], name="%s-vpn" % p["vpn_owner"], module=MODULE, instance="instance/vpn")
    vpn_ec2 = Connection(module, p["vpn_assume_role_arn"], p["vpn_region"]).client("ec2")
    instances = owned_instances(vpn_ec2, p["vpn_owner"], names["instance"])
    if len(instances) > 1:
        raise InputError("vpn_owner", "%d VPN instances carry owner %s; remove the extra ones" % (len(instances), p["vpn_owner"]))
    record = tag_dict(instances[0].get("Tags")).get(vpn_reach.RECORD_TAG % p["environment"]) if instances else None
    source = instances[0].get("PrivateIpAddress") if instances else None
    entry = dict(vpn_reach.parse_record(p["environment"], record), owner=p["owner"])
    ec2 = Connection(module).client("ec2")
    snap = dict(reach=[read_reach(ec2, names, entry, "ec2")])
    out = dict(actions=[], before={}, after={}, warnings=[])
    reach_rules(dict(tags={}), names, snap, "%s/32" % source if source else None, bool(source), out)
    execute(module, out["actions"], HANDLERS, Run(dict(ec2=ec2), ids=Ids({}), owner=p["vpn_owner"]))
    return converged(module, out["actions"], out["before"], out["after"], rules=out["after"]["reach"])


def main():
    module, ok, result = run_module("vpn_access", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
