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
    deleted. Check mode is exact and writes nothing.
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
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
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

import json
import uuid

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, Connection, error_code, is_owned, new_module, owned_route_tables_for_tiers, owned_subnets_by_tier, owned_tags,
    owner_filter, tag_dict, tag_spec)
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import (
    LIVE_STATES, endpoint_changes, plan_endpoints)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import PLANNED, target_vpc_id
from ansible_collections.refarch.network.plugins.module_utils.waiters import WaitTimeout, poll

ENDPOINT_SPEC = dict(
    service=dict(type="str", required=True), name=dict(type="str"),
    type=dict(type="str", default="Interface", choices=["Interface", "Gateway", "interface", "gateway"]),
    subnet_tier=dict(type="str"), security_groups=dict(type="list", elements="str"),
    private_dns=dict(type="bool"), policy=dict(type="raw"), route_table_tiers=dict(type="list", elements="str"),
)


def read_endpoints(ec2, vpc_id, owner):
    """Owned, live endpoints of the VPC by logical name."""
    owned = {}
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}] + owner_filter(owner)
    for page in ec2.get_paginator("describe_vpc_endpoints").paginate(Filters=filters):
        for endpoint in page["VpcEndpoints"]:
            key = tag_dict(endpoint.get("Tags")).get(KEY_TAG, "")
            if key.startswith("vpce/") and endpoint["State"].lower() in LIVE_STATES:
                owned[key[5:]] = endpoint
    return owned


def group_ids(ec2, vpc_id, owner):
    """{logical name: id} for owned groups (key sg/<name>) and the default group."""
    ids = {}
    for page in ec2.get_paginator("describe_security_groups").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
        for group in page["SecurityGroups"]:
            key = tag_dict(group.get("Tags")).get(KEY_TAG, "")
            if group["GroupName"] == "default":
                ids["default"] = group["GroupId"]
            elif is_owned(group.get("Tags"), owner) and key.startswith("sg/"):
                ids[key[3:]] = group["GroupId"]
    return ids


def resolve(ec2, module, planned, vpc_id):
    """Turn tiers and group names into IDs on each planned endpoint (sets)."""
    owner = module.params["owner"]
    subnets = owned_subnets_by_tier(ec2, owner, vpc_id) if any(e["type"] == "Interface" for e in planned) else {}
    groups = group_ids(ec2, vpc_id, owner) if any(e.get("security_groups") for e in planned) else {}
    for endpoint in planned:
        if endpoint["type"] == "Interface":
            tier = subnets.get(endpoint["subnet_tier"])
            if not tier:
                raise InputError(endpoint["field"] + ".subnet_tier", "tier %r has no subnets owned by %s (tiers: %s)"
                                 % (endpoint["subnet_tier"], owner, ", ".join(sorted(subnets)) or "none"))
            endpoint["subnets"] = set(s["SubnetId"] for s in tier)
            endpoint["groups"] = set()
            for name in endpoint["security_groups"]:
                if name.startswith("sg-"):
                    endpoint["groups"].add(name)
                elif name in groups:
                    endpoint["groups"].add(groups[name])
                elif module.check_mode:   # made by security_groups in this same (check) run
                    endpoint["groups"].add(PLANNED % ("sg/" + name))
                else:
                    raise InputError(endpoint["field"] + ".security_groups", "no group %r in the VPC (groups: %s)"
                                     % (name, ", ".join(sorted(groups)) or "none"))
        else:
            tables = owned_route_tables_for_tiers(ec2, owner, vpc_id, endpoint["route_table_tiers"])
            if not tables:
                raise InputError(endpoint["field"] + ".route_table_tiers", "no owned route tables serve tiers %s"
                                 % ", ".join(endpoint["route_table_tiers"]))
            endpoint["route_tables"] = set(t["RouteTableId"] for t in tables)


def resolve_planned(planned):
    """Check mode before vpc_tiers made the VPC: subnets, groups and route tables by logical name."""
    for endpoint in planned:
        if endpoint["type"] == "Interface":
            endpoint["subnets"] = set([PLANNED % ("subnet/%s/*" % endpoint["subnet_tier"])])
            endpoint["groups"] = set(n if n.startswith("sg-") else PLANNED % ("sg/" + n)
                                     for n in endpoint["security_groups"])
        else:
            endpoint["route_tables"] = set(PLANNED % ("rtb of tier " + t) for t in endpoint["route_table_tiers"])


def check_services(ec2, creates):
    """Fail, listing every one, when a service to create is unknown or lacks the endpoint type."""
    offered = {}
    for page in ec2.get_paginator("describe_vpc_endpoint_services").paginate():
        for detail in page.get("ServiceDetails", []):
            types = offered.setdefault(detail["ServiceName"], set())
            types.update(t["ServiceType"] for t in detail.get("ServiceType", []))
    bad = []
    for endpoint in creates:
        if endpoint["service"] not in offered:
            bad.append("%s: service %s does not exist in this region" % (endpoint["field"], endpoint["service"]))
        elif endpoint["type"] not in offered[endpoint["service"]]:
            bad.append("%s: service %s offers %s endpoints, not %s" % (
                endpoint["field"], endpoint["service"], "/".join(sorted(offered[endpoint["service"]])), endpoint["type"]))
    return bad


def diff(planned, owned, params):
    creates, modifies = [], []
    for endpoint in planned:
        current = owned.get(endpoint["name"])
        if current is None:
            creates.append(endpoint)
            continue
        kwargs, texts = endpoint_changes(endpoint, current)
        if kwargs:
            modifies.append((endpoint, current, kwargs, texts))
    names = set(e["name"] for e in planned)
    leftover = sorted(n for n in owned if n not in names)
    deletes = leftover if params["purge_endpoints"] else []
    return creates, modifies, deletes, leftover


def create(ec2, endpoint, vpc_id, params):
    kwargs = dict(VpcId=vpc_id, ServiceName=endpoint["service"], VpcEndpointType=endpoint["type"],
                  ClientToken=str(uuid.uuid4()),   # botocore's retries resend it: no duplicate endpoint
                  TagSpecifications=tag_spec("vpc-endpoint", owned_tags(
                      params["owner"], "vpce/" + endpoint["name"], "%s-%s" % (params["owner"], endpoint["name"]),
                      params["tags"])))
    if endpoint["type"] == "Interface":
        kwargs.update(SubnetIds=sorted(endpoint["subnets"]), SecurityGroupIds=sorted(endpoint["groups"]),
                      PrivateDnsEnabled=endpoint["private_dns"])
    else:
        kwargs["RouteTableIds"] = sorted(endpoint["route_tables"])
    if endpoint["policy"] is not None:
        kwargs["PolicyDocument"] = json.dumps(endpoint["policy"], sort_keys=True)
    return ec2.create_vpc_endpoint(**kwargs)["VpcEndpoint"]["VpcEndpointId"]


def wait_for(ec2, ids, gone, timeout):
    """Poll the endpoints together until all are available (or all gone)."""
    def settled():
        try:
            found = ec2.describe_vpc_endpoints(VpcEndpointIds=ids)["VpcEndpoints"]
        except ClientError as e:
            if gone and error_code(e).startswith("InvalidVpcEndpointId"):
                return True   # AWS forgets deleted endpoints after a while
            raise
        states = dict((e["VpcEndpointId"], e["State"].lower()) for e in found)
        failed = sorted(i for i, s in states.items() if s in ("failed", "rejected"))
        if failed:
            raise ValueError("endpoints %s failed to become available" % ", ".join(failed))
        if gone:
            return all(states.get(i) in (None, "deleted") for i in ids)
        return all(states.get(i) == "available" for i in ids)
    poll(settled, "%d VPC endpoints to be %s" % (len(ids), "deleted" if gone else "available"), timeout=timeout)


def summary(endpoint, current):
    if endpoint["type"] == "Interface":
        subnets, groups = sorted(endpoint["subnets"]), sorted(endpoint["groups"])
    else:
        subnets, groups = [], []
    return dict(id=current["VpcEndpointId"] if current else None, service=endpoint["service"], type=endpoint["type"],
                private_dns=endpoint.get("private_dns", False), subnets=subnets, security_groups=groups,
                route_tables=sorted(endpoint.get("route_tables", [])))


def observed(current):
    return dict(id=current["VpcEndpointId"], service=current["ServiceName"], type=current["VpcEndpointType"],
                private_dns=bool(current.get("PrivateDnsEnabled")) and current["VpcEndpointType"] == "Interface",
                subnets=sorted(current.get("SubnetIds", [])),
                security_groups=sorted(g["GroupId"] for g in current.get("Groups", [])),
                route_tables=sorted(current.get("RouteTableIds", [])))


def main():
    module = new_module(
        argument_spec=dict(
            owner=dict(type="str", required=True),
            vpc_id=dict(type="str"),
            subnet_tier=dict(type="str"),
            security_groups=dict(type="list", elements="str"),
            endpoints=dict(type="list", elements="dict", default=[], options=ENDPOINT_SPEC),
            purge_endpoints=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            tags=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    ec2 = Connection(module).client("ec2")
    try:
        planned = plan_endpoints(params["endpoints"], params, ec2.meta.region_name) if present else []
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)

    actions, leftover, result_endpoints = [], [], {}
    try:
        vpc_id = target_vpc_id(module, ec2, dict(endpoints={}, unplanned=[]))
        owned = read_endpoints(ec2, vpc_id, params["owner"]) if vpc_id else {}
        if present:
            if vpc_id:
                resolve(ec2, module, planned, vpc_id)
            else:
                resolve_planned(planned)
            creates, modifies, deletes, leftover = diff(planned, owned, params)
            bad = check_services(ec2, creates) if creates else []
            if bad:
                module.fail_json(msg="Unknown endpoint services, nothing was created: " + "; ".join(bad),
                                 field=bad[0].split(":")[0], unknown=bad)
        else:
            creates, modifies, deletes = [], [], sorted(owned)
        actions = (["create %s endpoint vpce/%s %s" % (e["type"], e["name"], e["service"]) for e in creates]
                   + ["modify vpce/%s %s" % (e["name"], t) for e, c, k, texts in modifies for t in texts]
                   + ["delete endpoint vpce/%s %s" % (n, owned[n]["VpcEndpointId"]) for n in deletes])
        before = dict((n, observed(e)) for n, e in owned.items())
        after = dict((e["name"], summary(e, owned.get(e["name"]))) for e in planned)
        if actions and not module.check_mode:
            created = dict((e["name"], create(ec2, e, vpc_id, params)) for e in creates)
            for endpoint, current, kwargs, texts in modifies:
                ec2.modify_vpc_endpoint(VpcEndpointId=current["VpcEndpointId"], **kwargs)
            if deletes:
                ec2.delete_vpc_endpoints(VpcEndpointIds=[owned[n]["VpcEndpointId"] for n in deletes])
            if params["wait"] and created:
                wait_for(ec2, sorted(created.values()), False, params["wait_timeout"])
            if params["wait"] and deletes:
                wait_for(ec2, [owned[n]["VpcEndpointId"] for n in deletes], True, params["wait_timeout"])
            for name, endpoint_id in created.items():
                after[name]["id"] = endpoint_id
        result_endpoints = after
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)
    except WaitTimeout as e:
        module.fail_json(msg=str(e))
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="AWS refused a vpc_endpoints call")
    except ValueError as e:
        module.fail_json(msg=str(e))

    for name in leftover:
        if not params["purge_endpoints"]:
            module.warn("endpoint vpce/%s is owned by %s but not in endpoints; purge_endpoints: true deletes it"
                        % (name, params["owner"]))
    result = dict(changed=bool(actions), actions=actions, endpoints=result_endpoints, vpc_id=vpc_id,
                  unplanned=[] if params["purge_endpoints"] else leftover)
    if module._diff:
        result["diff"] = dict(before=before, after=after if present else {})
    module.exit_json(**result)


if __name__ == "__main__":
    main()
