# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of vpc_peering: one snapshot of both sides (see ``peering_diff`` for its shape).

One read of each kind per side: the VPC, its owned route tables, its owned subnets (only when
routes are wanted); the live connections of the requester's account (those carrying our key, and
whether one a requester's route points at is alive), the accepter's that its routes point at (only
when one is not ours) and, when the accepter sees the connection through its own tags, the
accepter's tags of it. The VPC, its subnets and route tables come from this run's reads where they
are exact (``known_vpcs``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.connectivity import read_vpc_routing
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import find_vpc, paginate, tagged
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import LIVE, TARGET, complete, distinct_views


def read_side(ec2, role, owner, vpc, tiers):
    side = dict(role=role, owner=owner, region=ec2.meta.region_name, vpc=vpc, tables=[], chosen=set())
    if vpc:
        # the tables vpc_tiers read in this run, while no other task or link may have written them
        # (filter known_vpcs: peering.yml gives it the links the task converges at once)
        routing = read_vpc_routing(ec2, owner, vpc["VpcId"], tiers, reuse=True)
        side.update(tables=routing["tables"], chosen=routing["chosen"])
    return side


def live_connections(ec2):
    """Every live connection the account sees (ours and others'), in one read: both the ones carrying
    our tags and whether a connection a route points at is still alive."""
    return [c for c in paginate(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections",
                                Filters=[{"Name": "status-code", "Values": LIVE}])
            if c["Status"]["Code"] in LIVE]   # the emulator ignores the filter


def find_connections(live, owner, key):
    """Live connections (of ``live``) carrying our owner and key tags, an active one first (so a
    duplicate left by an interrupted run is the one removed)."""
    found = [c for c in live if tagged(c, owner, key)]
    return sorted(found, key=lambda c: (c["Status"]["Code"] != "active", c["VpcPeeringConnectionId"]))


def read_peering(req_ec2, acc_ec2, want, present, vpc_ids):
    """``(want, snap)``: the snapshot of both sides (``vpc_ids``: {role: VPC id given by the
    user, or None}), and ``want`` completed with the consent the VPC of a side that is not in
    this run records (its tiers and DNS wish)."""
    clients = dict(requester=req_ec2, accepter=acc_ec2)
    vpcs = dict((role, find_vpc(clients[role], want["owners"][role], vpc_ids[role], field="%s_owner" % role))
                for role in ("requester", "accepter"))
    want = complete(want, vpcs)
    snap = dict((role, read_side(clients[role], role, want["owners"][role], vpcs[role],
                                 (want["tiers"][role] or []) if present else []))
                for role in ("requester", "accepter"))
    listed = live_connections(req_ec2)
    found = find_connections(listed, want["owners"]["requester"], want["key"])
    snap.update(connection=found[0] if found else None, duplicates=found[1:], accepter_tags=None)
    live = set(c["VpcPeeringConnectionId"] for c in found)
    # the requester's account already listed every connection alive in it (the same answer as a
    # read of the connections its routes point at, made a moment ago in the same module)
    alive = dict(requester=set(c["VpcPeeringConnectionId"] for c in listed), accepter=None)
    for role in ("requester", "accepter"):
        snap[role]["stale"] = dead_connections(clients[role], snap[role]["tables"], live, alive[role])
    if snap["connection"] and snap["requester"]["vpc"] and snap["accepter"]["vpc"] and distinct_views(snap):
        pcx = snap["connection"]["VpcPeeringConnectionId"]
        snap["accepter_tags"] = acc_ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [pcx]}])["Tags"]
    return want, snap


def dead_connections(ec2, tables, live, alive=None):
    """Peering connections that routes of ``tables`` point at and that are gone (deleted out of
    band, failed, or no longer listed): their routes are dangling. One call, only when a route
    points at a connection other than ours and ``alive`` (every live connection of the account,
    when already read) is not given."""
    others = sorted(set(r[TARGET] for t in tables for r in t.get("Routes", []) if r.get(TARGET) and r[TARGET] not in live))
    if not others:
        return set()
    if alive is not None:
        return set(others) - alive
    found = paginate(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections",
                     Filters=[{"Name": "vpc-peering-connection-id", "Values": others}])
    alive = set(c["VpcPeeringConnectionId"] for c in found if c["Status"]["Code"] in LIVE)
    return set(others) - alive
