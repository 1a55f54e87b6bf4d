# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What vpc_peering and transit_gateway share on the AWS side: the other side's connection,
the read of one VPC's route tables and tiers, and the route handlers.

Pure route planning (which routes to add or remove) is in ``peering_diff``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import owned_route_tables, owned_subnets_by_tier, routed_to
from ansible_collections.refarch.network.plugins.module_utils.engine import ExecutionFailed, execute
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import resolve


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


def chosen_tables(tables, by_tier, tiers):
    """Ids of the route tables (of ``tables``) serving the subnets of ``tiers`` in ``by_tier``."""
    subnet_ids = set(s["SubnetId"] for tier, subnets in by_tier.items() if tier in tiers for s in subnets)
    return set(t["RouteTableId"] for t in tables
               if any(a.get("SubnetId") in subnet_ids for a in t.get("Associations", [])))


def read_vpc_routing(ec2, owner, vpc_id, route_tiers, subnet_tier=None, reuse=False):
    """The routing side of one VPC: ``tables`` (its owned route tables, reused for the route
    diff), ``chosen`` (ids of those serving the owned subnets of ``route_tiers``) and, when
    ``subnet_tier`` is given, ``subnets`` (one owned subnet id of that tier per zone).

    One DescribeRouteTables (none with ``reuse`` while this run's copy is exact: ``owned_route_tables``)
    and, only when a tier is asked for, one DescribeSubnets.
    """
    tables = owned_route_tables(ec2, owner, vpc_id, reuse=reuse)
    if not route_tiers and not subnet_tier:
        return dict(tables=tables, chosen=set(), subnets=[])
    by_tier = owned_subnets_by_tier(ec2, owner, vpc_id)
    per_az = {}
    for subnet in by_tier.get(subnet_tier, []) if subnet_tier else []:
        per_az.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
    return dict(tables=tables, chosen=chosen_tables(tables, by_tier, route_tiers or []),
                subnets=[per_az[az] for az in sorted(per_az)])


def execute_named(module, actions, handlers, run, names_of, wait_timeout):
    """``engine.execute``, then ``names_of(ids)``: {placeholder: id} of what the run made,
    for ``resolve``. A failure's texts (the failed action, those done) name the ids too."""
    try:
        execute(module, actions, handlers, run, wait_timeout=wait_timeout)
    except ExecutionFailed as e:
        names = names_of(run.ids.ids)
        e.action.text = resolve(e.action.text, names)
        e.done[:] = resolve(e.done, names)
        raise
    return names_of(run.ids.ids)


# -- route handlers (actions made by ``peering_diff.route_actions``) ---------------------------

def _client(run, action):
    return getattr(run, action.get("client") or "ec2")


def ref_id(run, ref):
    """The id behind a logical key, or ``ref`` itself when it already is an id."""
    return run.ids[ref] if ref in run.ids else ref


def create_route(run, a):
    """A retry that finds the route there counts as done only when it goes to OUR target."""
    ec2 = _client(run, a)
    target = ref_id(run, a["target"])
    ec2.create_route(done_if=lambda: routed_to(ec2, a["table"], a["destination"]) == target,
                     RouteTableId=a["table"], DestinationCidrBlock=a["destination"], **{a["param"]: target})


def delete_route(run, a):
    _client(run, a).delete_route(RouteTableId=a["table"], DestinationCidrBlock=a["destination"])


def replace_route(run, a):
    """A route left pointing at a connection deleted out of band now goes to OUR target."""
    _client(run, a).replace_route(RouteTableId=a["table"], DestinationCidrBlock=a["destination"],
                                  **{a["param"]: ref_id(run, a["target"])})


ROUTE_HANDLERS = {"create_route": create_route, "delete_route": delete_route, "replace_route": replace_route}
