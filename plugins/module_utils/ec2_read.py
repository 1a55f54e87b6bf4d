# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read helpers every module shares: one of each.

- ``paginate``: every page of a Describe/List call (``CountingReader``: counted); ``at_once``:
  independent reads made together;
- ``find_vpc``: the VPC a module works in (given by id, or the one ``vpc_tiers`` built);
- ``owned_route_tables``: the route tables of a VPC carrying our owner tag;
- ``route_target``: what a route points at; ``routed_to``: what a table routes a CIDR to;
- ``tag_changes``: the tags to set so a resource carries the ones we want.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, TIER_TAG, owner_filter, tag_dict

ROUTE_TARGETS = ("GatewayId", "NatGatewayId", "VpcPeeringConnectionId", "TransitGatewayId", "NetworkInterfaceId",
                 "InstanceId", "VpcEndpointId", "EgressOnlyInternetGatewayId", "CarrierGatewayId",
                 "LocalGatewayId", "CoreNetworkArn")


# The VPCs this run has already read (option known_vpcs, set by aws.new_module): [{region, vpc,
# subnets, ...KNOWN_READS}], as vpc_tiers returns them in known_vpc. find_vpc answers from them instead of reading again.
KNOWN_VPCS = []


def paginate(client, operation, key, **kwargs):
    """Every item of ``key`` over all pages of ``operation``."""
    items = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page[key])
    return items


def at_once(reads, workers=3):
    """{name: read()} for reads that do not depend on each other, made ``workers`` at a time.

    Each AWS call spends most of its time waiting for the reply (tens of milliseconds on AWS), and
    a boto3 client is thread-safe: N reads cost about N / ``workers`` round trips instead of N.
    Three, not more: the environments of a run already read in parallel (a worker each), and on
    two cores eight threads per module cost more CPU than they saved (measured against the
    emulator, a no-op site.yml: eight threads 0.35 to 0.6 s of CPU more than sequential reads, three 0.15 s).
    Every read finishes before the first failure (in the order given) is raised.
    """
    if len(reads) < 2:
        return dict((name, read()) for name, read in reads.items())
    with ThreadPoolExecutor(max_workers=min(workers, len(reads))) as pool:
        futures = [(name, pool.submit(read)) for name, read in reads.items()]
    return dict((name, future.result()) for name, future in futures)


class CountingReader(object):
    """Every page of Describe calls of one client, counted; safe to use from ``at_once``'s threads."""

    def __init__(self, ec2):
        self.ec2 = ec2
        self.calls = 0
        self.lock = threading.Lock()

    def count(self, calls=1):
        with self.lock:
            self.calls += calls

    def all(self, operation, result_key, **kwargs):
        items = []
        if self.ec2.can_paginate(operation):
            for page in self.ec2.get_paginator(operation).paginate(**kwargs):
                self.count()
                items.extend(page.get(result_key) or [])
        else:
            self.count()
            items.extend(getattr(self.ec2, operation)(**kwargs).get(result_key) or [])
        return items


def tagged(resource, owner, key=None):
    """Client-side check of owner/key tags: the emulator ignores some Describe filters."""
    tags = tag_dict(resource.get("Tags"))
    return tags.get(OWNER_TAG) == owner and (key is None or tags.get(KEY_TAG) == key)


def find_vpc(ec2, owner, vpc_id=None, field="vpc_id", reuse=True):
    """The VPC given by ``vpc_id``, else the one owned by ``owner`` (tags owner + key ``vpc``);
    None when there is none. Two owned VPCs are an ``InputError`` on ``field``.

    With ``reuse``, a VPC the run already read (option ``known_vpcs``) is answered without a call.
    """
    known = known_vpc(ec2.meta.region_name, owner, vpc_id) if reuse else None
    if known:
        return known
    if vpc_id:
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"]
        return vpcs[0] if vpcs else None
    vpcs = [v for v in paginate(ec2, "describe_vpcs", "Vpcs", Filters=owner_filter(owner, "vpc"))
            if tagged(v, owner, "vpc")]
    if len(vpcs) > 1:
        raise InputError(field, "owner %r has %d VPCs tagged %s=vpc (%s); give %s" % (
            owner, len(vpcs), KEY_TAG, ", ".join(v["VpcId"] for v in vpcs), field))
    return vpcs[0] if vpcs else None


def known_vpc(region, owner, vpc_id=None):
    """The VPC of ``known_vpcs`` in ``region`` with id ``vpc_id``, else owned by ``owner``; or None.

    vpc_tiers gives its VPC as read at its end (after its own writes); later only its tags change
    (peering consent, zone associations), and the playbooks stop passing known VPCs once such a
    write happened in the run (filter known_vpcs), so a later module would read exactly this.
    vpc_tiers' own read found a single owned VPC, or it failed and the run stopped.
    """
    for item in KNOWN_VPCS:
        vpc = item.get("vpc") or {}
        if item.get("region") != region or not vpc.get("VpcId"):
            continue
        if (vpc["VpcId"] == vpc_id) if vpc_id else tagged(vpc, owner, "vpc"):
            return vpc
    return None


# VPC-wide reads that vpc_tiers makes as network_info does (filtered by the VPC alone, every page). Its
# answer stands for a later read of the run while nothing else changed them: it passes them on only
# when it wrote nothing itself, and the filter known_vpcs drops route tables once a task that writes
# routes (endpoints, peering, Transit Gateway, VPN) changed anything, and security groups once a task
# that writes groups or rules (security_groups, the VPN) did. NAT gateways and flow logs only it writes.
KNOWN_READS = ("route_tables", "nat_gateways", "flow_logs", "security_groups")


def known_read(region, vpc_id, kind):
    """``kind`` (``subnets`` or one of KNOWN_READS) of the VPC ``vpc_id`` as vpc_tiers read it
    (``known_vpcs``), or None when this run has no exact copy."""
    for item in KNOWN_VPCS:
        if item.get("region") == region and (item.get("vpc") or {}).get("VpcId") == vpc_id and kind in item:
            return json.loads(item[kind]) if isinstance(item[kind], str) else item[kind]
    return None


def as_text(items):
    """A read as vpc_tiers passes it on (``known_vpc``): JSON text. Ansible hands a string from task
    to task for the price of one value, a list for the price of every value in it (measured: the
    three demo environments' reads, 0.018 s against 0.05 s in each task that takes them)."""
    return json.dumps(items, separators=(",", ":"), default=_isoformat)


def _isoformat(value):  # boto3's datetimes, written as a module result writes them
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def owned_subnets_by_tier(ec2, owner, vpc_id):
    """{tier: [subnet, ...]} for the owned subnets of a VPC (tag ``refarch:tier``), by zone."""
    result = {}
    subnets = known_read(ec2.meta.region_name, vpc_id, "subnets")  # only vpc_tiers writes subnets
    if subnets is None:
        subnets = paginate(ec2, "describe_subnets", "Subnets", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}] + owner_filter(owner))
    for subnet in subnets:
        tier = tag_dict(subnet.get("Tags")).get(TIER_TAG)
        if tier and tagged(subnet, owner):
            result.setdefault(tier, []).append(subnet)
    for subnets in result.values():
        subnets.sort(key=lambda s: s["AvailabilityZone"])
    return result


def owned_route_tables(ec2, owner, vpc_id, reuse=False):
    """Every route table of the VPC carrying our owner tag.

    With ``reuse``, from the VPC's tables vpc_tiers read in this run while they are exact
    (``known_vpcs``): the same tables less those not ours, as a read filtered by owner gives them.
    """
    known = known_read(ec2.meta.region_name, vpc_id, "route_tables") if reuse else None
    if known is None:
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}] + owner_filter(owner)
        known = paginate(ec2, "describe_route_tables", "RouteTables", Filters=filters)
    return [t for t in known if tagged(t, owner)]


def route_target(route):
    """The id a route points at (gateway, NAT, peering, attachment, ENI...), or None."""
    for field in ROUTE_TARGETS:
        if route.get(field):
            return route[field]
    return None


def routed_to(ec2, table_id, destination):
    """The id the route to ``destination`` in table ``table_id`` points at (None: no such route):
    how a retried CreateRoute tells our earlier attempt from someone else's route."""
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    for route in table.get("Routes", []):
        if route.get("DestinationCidrBlock") == destination:
            return route_target(route)
    return None


def tag_changes(have_tags, want_tags):
    """{key: value} to set so that a resource tagged ``have_tags`` (boto3 list) carries
    ``want_tags`` (dict); tags we do not name are left alone."""
    to_set, _unused = compare_aws_tags(tag_dict(have_tags), dict((k, str(v)) for k, v in want_tags.items()),
                                       purge_tags=False)
    return to_set
