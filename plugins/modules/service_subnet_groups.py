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
  - A group whose subnets or description differ is modified in place. Idempotent.
options:
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
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.aws.target_vpc
  - refarch.network.common.converge
notes:
  - The moto emulator (5.2) lacks ModifyCacheSubnetGroup and DeleteCacheSubnetGroup (the project's
    tools/emulator_server.py adds them), and its ModifyDBSubnetGroup loses the group; real AWS has all three.
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

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    Ids, Run, converged, execute, run_module, unplanned_warnings)
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_apply import HANDLERS, clients_needed
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_diff import (
    diff_subnet_groups, models, with_subnets)
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import plan_subnet_groups
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_read import (
    FAMILIES, known_ids, read_subnet_groups)
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import target_vpc

GROUP_SPEC = dict(
    name=dict(type="str", required=True),
    kind=dict(type="str", default="rds", choices=["rds", "docdb", "elasticache"]),
    tier=dict(type="str", required=True),
    description=dict(type="str"),
    tags=dict(type="dict"),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    vpc_id=dict(type="str"),
    groups=dict(type="list", elements="dict", default=[], options=GROUP_SPEC),
    purge_groups=dict(type="bool", default=False),
)


def converge(module):
    params = module.params
    owner, present = params["owner"], params["state"] == "present"
    planned = plan_subnet_groups(params["groups"], owner) if present else []

    conn = Connection(module)
    vpc_id = target_vpc(module, conn.client("ec2"))
    # every family, also one no group asks for any more: its owned groups are unplanned (or purged)
    families = sorted(FAMILIES)
    snap, subnets_by_tier = read_subnet_groups(conn.client, families, vpc_id, owner)
    # before vpc_tiers made the VPC (check mode) each group spans its tier by planned name
    planned = with_subnets(planned, subnets_by_tier)
    purge = params["purge_groups"] or not present
    actions, leftover = diff_subnet_groups(planned, snap, dict(owner=owner, tags=params["tags"], purge=purge))

    run = Run(dict((name, conn.client(name)) for name in clients_needed(families, actions)),
              ids=Ids(known_ids(snap)), owner=owner)
    execute(module, actions, HANDLERS, run)

    unplanned = [] if purge else ["%s/%s" % item for item in leftover]
    groups = dict((g["name"], dict(kind=g["kind"], tier=g["tier"], subnets=g["subnets"], arn=run.ids.get(g["key"])))
                  for g in planned)
    return converged(module, actions, groups=groups, vpc_id=vpc_id, unplanned=unplanned,
                     warnings=unplanned_warnings(unplanned, owner, "subnet group %s", "groups"),
                     diff=lambda: dict(zip(("before", "after"), models(planned, snap))))


def main():
    module, ok, result = run_module("service_subnet_groups", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
