# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS-side helpers shared by vpc_peering and transit_gateway: reads, route writes, waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, OWNER_TAG, Connection, find_owned_vpc, is_owned, owned_subnets_by_tier,
    owner_filter, tag_dict)
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import write

LIVE_CIDR_STATES = ("associated", "associating")


def wait_until(module, check, timeout, what):
    """Call ``check`` until it returns something truthy, backing off exponentially."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        result = check()
        if result:
            return result
        now = time.monotonic()
        if now >= deadline:
            module.fail_json(msg="timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(min(delay, deadline - now))
        delay = min(delay * 2, 10.0)


def credentials_connection(module, role_arn, region, access_key=None, secret_key=None,
                           session_token=None, profile=None):
    """A Connection for another side (account/region), optionally with its own credentials.

    ``role_arn`` None keeps the module's own ``assume_role_arn``; '' assumes nothing.
    """
    if not (access_key or profile):
        return Connection(module, role_arn=role_arn, region=region)
    if profile:
        creds = dict(profile_name=profile, aws_access_key_id=None, aws_secret_access_key=None,
                     aws_session_token=None)
    else:
        creds = dict(profile_name=None, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                     aws_session_token=session_token)
    return Connection(module, role_arn=role_arn or "", region=region, credentials=creds)


def lookup_vpc(module, ec2, owner, vpc_id, field):
    """The VPC given by id, else the one owned by ``owner``; None when there is none."""
    if vpc_id:
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"]
        return vpcs[0] if vpcs else None
    try:
        return find_owned_vpc(ec2, owner)
    except ValueError as e:
        module.fail_json(msg="%s: %s" % (field, e))


def tagged(resource, owner, key=None):
    """Client-side check of owner/key tags: the emulator ignores some Describe filters."""
    tags = tag_dict(resource.get("Tags"))
    return tags.get(OWNER_TAG) == owner and (key is None or tags.get(KEY_TAG) == key)


def vpc_cidrs(vpc):
    cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])
             if a.get("CidrBlockState", {}).get("State", "associated") in LIVE_CIDR_STATES]
    return sorted(set(cidrs or [vpc["CidrBlock"]]))


def owned_route_tables(ec2, owner, vpc_id):
    """Every route table of the VPC carrying our owner tag."""
    tables = []
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}] + owner_filter(owner)
    for page in ec2.get_paginator("describe_route_tables").paginate(Filters=filters):
        tables.extend(page["RouteTables"])
    return tables


def chosen_tables(tables, by_tier, tiers):
    """Ids of the route tables (of ``tables``) serving the subnets of ``tiers`` in ``by_tier``."""
    subnet_ids = set(s["SubnetId"] for tier, subnets in by_tier.items() if tier in tiers for s in subnets)
    return set(t["RouteTableId"] for t in tables
               if any(a.get("SubnetId") in subnet_ids for a in t.get("Associations", [])))


def route_tables_and_chosen(ec2, owner, vpc_id, tiers):
    """(owned route tables of the VPC, ids of those serving the owned subnets of ``tiers``).

    One DescribeRouteTables (reused for the route diff) and, only when ``tiers`` is not
    empty, one DescribeSubnets.
    """
    tables = [t for t in owned_route_tables(ec2, owner, vpc_id) if is_owned(t.get("Tags"), owner)]
    if not tiers:
        return tables, set()
    return tables, chosen_tables(tables, owned_subnets_by_tier(ec2, owner, vpc_id), tiers)


def table_names(tables):
    """{route table id: its logical key} for readable actions and diffs."""
    return dict((t["RouteTableId"], tag_dict(t.get("Tags")).get(KEY_TAG, t["RouteTableId"])) for t in tables)


def route_target_is(ec2, rtb, cidr, target_param, target_id):
    """The route to ``cidr`` in ``rtb`` exists and goes to ``target_id`` (not someone else's)."""
    table = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
    return any(r.get("DestinationCidrBlock") == cidr and r.get(target_param) == target_id
               for r in table.get("Routes", []))


def apply_routes(ec2, adds, deletes, target_param, target_id):
    """Delete then add routes to ``target_id``. A retry after a lost reply that finds the work
    done (RouteAlreadyExists with OUR target, InvalidRoute.NotFound) counts as done."""
    for rtb, cidr in deletes:
        write(ec2.delete_route, RouteTableId=rtb, DestinationCidrBlock=cidr)
    for rtb, cidr in adds:
        write(ec2.create_route, verify=lambda rtb=rtb, cidr=cidr: route_target_is(ec2, rtb, cidr, target_param, target_id),
              RouteTableId=rtb, DestinationCidrBlock=cidr, **{target_param: target_id})
