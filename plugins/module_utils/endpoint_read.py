# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of vpc_endpoints: our endpoints, and what the plan's tiers and group names name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, owner_filter, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import owned_route_tables, owned_subnets_by_tier, paginate, tagged
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import LIVE_STATES
from ansible_collections.refarch.network.plugins.module_utils.sg_read import group_ids


def read_endpoints(ec2, vpc_id, owner):
    """Owned, live endpoints of the VPC by logical name."""
    owned = {}
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}] + owner_filter(owner)
    for endpoint in paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters):
        key = tag_dict(endpoint.get("Tags")).get(KEY_TAG, "")
        if tagged(endpoint, owner) and key.startswith("vpce/") and endpoint["State"].lower() in LIVE_STATES:
            owned[key[5:]] = endpoint
    return owned


def read_references(ec2, vpc_id, owner, planned):
    """What the endpoints' data names, read only when some endpoint needs it: the owned subnets
    by tier, the group ids by logical name, the owned route tables."""
    refs = {"subnets": {}, "groups": {}, "route_tables": []}
    if planned:
        refs["subnets"] = owned_subnets_by_tier(ec2, owner, vpc_id)
    if any(e.get("security_groups") for e in planned):
        refs["groups"] = group_ids(ec2, vpc_id, owner)
    if any(e["type"] == "Gateway" for e in planned):
        refs["route_tables"] = owned_route_tables(ec2, owner, vpc_id)
    return refs


def read_services(ec2):
    """{service name: set of endpoint types} the region offers."""
    offered = {}
    for detail in paginate(ec2, "describe_vpc_endpoint_services", "ServiceDetails"):
        offered.setdefault(detail["ServiceName"], set()).update(t["ServiceType"] for t in detail.get("ServiceType", []))
    return offered
