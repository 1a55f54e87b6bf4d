#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_endpoints
short_description: Converge the interface and gateway VPC endpoints of one VPC
version_added: 0.1.0
description:
  - Converges all VPC endpoints of an environment in one call - interface endpoints in the
    subnets of a named tier with their security groups and private DNS, and gateway endpoints
    (S3, DynamoDB) on the route tables of chosen tiers.
  - Unlike M(amazon.aws.ec2_vpc_endpoint) it corrects drift on existing owned endpoints -
    subnets, security groups, route tables, policy and private DNS - with ModifyVpcEndpoint.
  - Before creating anything it checks that every new endpoint's service exists in the region
    and offers the endpoint type, and reports all unknown services at once.
  - All endpoints are created first, then waited for together, polling with backoff.
  - Endpoints carry C(refarch:owner) and C(refarch:key=vpce/<name>); only those are modified or
    deleted.
options:
  subnet_tier:
    description: Default tier for interface endpoints (its owned subnets, one per zone).
    type: str
  security_groups:
    description:
      - Default security groups for interface endpoints - logical names of groups made by
        M(refarch.network.security_groups), V(default) for the VPC's default group, or C(sg-) IDs.
    type: list
    elements: str
  endpoints:
    description: The endpoints.
    type: list
    elements: dict
    default: []
    suboptions:
      service:
        description:
          - Service, short (V(ecr.api) becomes C(com.amazonaws.<region>.ecr.api)) or full.
        type: str
        required: true
      name:
        description:
          - Logical name (key C(vpce/<name>)). Defaults to the short service name, with
            C(-gateway) appended for gateway endpoints.
        type: str
      type:
        description: Endpoint type.
        type: str
        choices: [Interface, Gateway, interface, gateway]
        default: Interface
      subnet_tier:
        description: Tier whose subnets hold an interface endpoint. Defaults to O(subnet_tier).
        type: str
      security_groups:
        description: Security groups of an interface endpoint. Defaults to O(security_groups).
        type: list
        elements: str
      private_dns:
        description: Private DNS of an interface endpoint (V(false) for S3 interface endpoints).
        type: bool
      policy:
        description:
          - Endpoint policy, as a mapping or JSON text. When omitted the policy is not managed.
        type: raw
      route_table_tiers:
        description: Gateway endpoints - tiers whose owned route tables get the endpoint's routes.
        type: list
        elements: str
  purge_endpoints:
    description:
      - Delete owned endpoints that are not in O(endpoints). Without it they are reported in
        RV(unplanned) and a warning.
    type: bool
    default: false
  wait:
    description: Wait until created endpoints are available and deleted ones are gone.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.aws.target_vpc
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: The twelve interface endpoints of the single-VPC layout, plus an S3 gateway
  refarch.network.vpc_endpoints:
    owner: single_vpc_production
    subnet_tier: endpoints
    security_groups: [default, eks_cluster]
    endpoints:
      - {service: ec2}
      - {service: ecr.api}
      - {service: ecr.dkr}
      - {service: logs}
      - {service: sts}
      - {service: elasticloadbalancing}
      - {service: autoscaling}
      - {service: secretsmanager}
      - {service: rds}
      - {service: s3, private_dns: false}
      - {service: elasticache}
      - {service: email-smtp}
      - {service: s3, type: Gateway, route_table_tiers: [eks_private]}
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create Interface endpoint vpce/ec2 com.amazonaws.us-east-1.ec2", "modify vpce/sts private_dns False -> True"]
endpoints:
  description: The planned endpoints by name; C(id) is null for one only planned in check mode.
  returned: always
  type: dict
  sample: {"ec2": {"id": "vpce-0123", "service": "com.amazonaws.us-east-1.ec2", "type": "Interface",
                   "private_dns": true, "subnets": ["subnet-1"], "security_groups": ["sg-1", "sg-2"],
                   "route_tables": []}}
vpc_id:
  description: The VPC; null in check mode when the VPC is yet to be created.
  returned: always
  type: str
unplanned:
  description: Owned endpoints that are not in O(endpoints) and were kept (see O(purge_endpoints)).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.endpoint_apply import HANDLERS, known_ids
from ansible_collections.refarch.network.plugins.module_utils.endpoint_diff import (
    diff_endpoints, observed, resolve, resolve_planned, summary, texts, unknown_services)
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import plan_endpoints
from ansible_collections.refarch.network.plugins.module_utils.endpoint_read import (
    read_endpoints, read_references, read_services)
from ansible_collections.refarch.network.plugins.module_utils.engine import (
    Ids, Run, converged, execute, on_missing, run_module, unplanned_warnings)
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import target_vpc

ENDPOINT_SPEC = dict(
    service=dict(type="str", required=True), name=dict(type="str"),
    type=dict(type="str", default="Interface", choices=["Interface", "Gateway", "interface", "gateway"]),
    subnet_tier=dict(type="str"), security_groups=dict(type="list", elements="str"),
    private_dns=dict(type="bool"), policy=dict(type="raw"), route_table_tiers=dict(type="list", elements="str"),
)
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC,
    vpc_id=dict(type="str"),
    subnet_tier=dict(type="str"),
    security_groups=dict(type="list", elements="str"),
    endpoints=dict(type="list", elements="dict", default=[], options=ENDPOINT_SPEC),
    purge_endpoints=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


def converge(module):
    params = module.params
    owner, present = params["owner"], params["state"] == "present"
    ec2 = Connection(module).client("ec2")
    planned = plan_endpoints(params["endpoints"], params, ec2.meta.region_name) if present else []

    vpc_id = target_vpc(module, ec2)
    owned = read_endpoints(ec2, vpc_id, owner) if vpc_id else {}
    if vpc_id:   # in check mode the groups of the security_groups task before this one are planned too
        planned = resolve(planned, read_references(ec2, vpc_id, owner, planned), owner, on_missing(module))
    else:        # check mode before vpc_tiers made the VPC
        planned = resolve_planned(planned)
    purge = params["purge_endpoints"] or not present
    actions, leftover = diff_endpoints(planned, owned, dict(owner=owner, tags=params["tags"], purge=purge,
                                                            wait=params["wait"]))
    if any(a.op == "create_endpoint" for a in actions):
        unknown_services(planned, actions, read_services(ec2))

    run = Run({"ec2": ec2}, ids=Ids(known_ids(owned)), owner=owner, vpc_id=vpc_id)
    execute(module, actions, HANDLERS, run, wait_timeout=params["wait_timeout"])

    unplanned = [] if purge else leftover
    after = dict((e["name"], summary(e, run.ids.get("vpce/" + e["name"]))) for e in planned)
    return converged(module, actions, dict((n, observed(e)) for n, e in owned.items()), after,
                     changed=any(not a.is_wait for a in actions), texts=texts(actions), endpoints=after,
                     vpc_id=vpc_id, unplanned=unplanned, warnings=unplanned_warnings(unplanned, owner, "endpoint vpce/%s", "endpoints"))


def main():
    module, ok, result = run_module("vpc_endpoints", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
