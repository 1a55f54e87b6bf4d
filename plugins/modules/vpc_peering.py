#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_peering
short_description: Converge one VPC peering between two environments, with routes on both sides
version_added: 0.1.0
description:
  - Converges one VPC peering connection between the VPC of O(requester_owner) and the VPC of
    O(accepter_owner) in one call - request, accept, wait until active, tag both sides, set
    C(AllowDnsResolutionFromRemoteVpc) on both sides, and add routes to the peer's CIDRs in
    the owned route tables of the chosen tiers on both sides.
  - The two VPCs may be in different accounts and regions. The requester side uses the
    module's credentials (and O(assume_role_arn)); the accepter side uses
    O(accepter_assume_role_arn), O(accepter_region), or a second set of credentials.
  - Overlapping CIDRs are refused before any write (AWS refuses them too).
  - A route is ours when its target is our peering connection; routes are only added to or
    removed from route tables carrying our owner tag, and every other route is left alone.
    A destination already routed elsewhere in a chosen table is refused, not overwritten.
  - The connection is found by its tags C(refarch:owner=<requester_owner>) and
    C(refarch:key=pcx/<requester_owner>--<accepter_owner>) on the requester side.
  - O(state=absent) removes our routes on both sides, then the connection.
  - Check mode is exact - it reports the same actions a real run would take and writes nothing.
author:
  - refarch.network developers (@refarch)
options:
  requester_owner:
    description:
      - Owner (environment) of the requester VPC; the VPC tagged C(refarch:owner) with this
        value and C(refarch:key=vpc), unless O(requester_vpc_id) is given.
      - Also the owner tag of the connection on the requester side.
    type: str
    required: true
  accepter_owner:
    description:
      - Owner (environment) of the accepter VPC, looked up in the accepter account and region.
    type: str
    required: true
  requester_vpc_id:
    description: Use this VPC instead of looking it up by O(requester_owner).
    type: str
  accepter_vpc_id:
    description: Use this VPC instead of looking it up by O(accepter_owner).
    type: str
  accepter_region:
    description: Region of the accepter VPC. Defaults to the requester's region.
    type: str
  accepter_assume_role_arn:
    description:
      - Role to assume for every call on the accepter side (for example the accepter
        account's C(OrganizationAccountAccessRole)).
      - When omitted, the accepter side uses the same account as the requester side (the
        module's O(assume_role_arn) too); an empty string uses the base credentials without
        assuming any role (the caller's own account).
    type: str
  accepter_access_key:
    description: Access key of a second set of credentials for the accepter side.
    type: str
  accepter_secret_key:
    description: Secret key going with O(accepter_access_key).
    type: str
  accepter_session_token:
    description: Session token going with O(accepter_access_key).
    type: str
  accepter_profile:
    description: A named profile to use for the accepter side.
    type: str
  requester_tiers:
    description: Tiers whose owned route tables on the requester side get routes to the accepter.
    type: list
    elements: str
    default: [private, persistence]
  accepter_tiers:
    description: Tiers whose owned route tables on the accepter side get routes to the requester.
    type: list
    elements: str
    default: [private, persistence]
  allow_dns_resolution:
    description:
      - Value of C(AllowDnsResolutionFromRemoteVpc) on both sides, so each VPC resolves the
        other's private DNS host names to private addresses.
    type: bool
    default: false
  name:
    description: C(Name) tag of the connection. Defaults to C(<requester_owner>--<accepter_owner>).
    type: str
  tags:
    description: Extra tags for the connection (both sides).
    type: dict
    default: {}
  state:
    description:
      - V(present) converges; V(absent) removes our routes on both sides, then the connection.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description: Seconds to wait for the connection to become visible to the accepter and active.
    type: int
    default: 300
notes:
  - Tags of a peering connection are per account; in a cross-account or cross-region peering
    the accepter's view is tagged with O(accepter_owner) and the same key.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Peer management with production (production in another account)
  refarch.network.vpc_peering:
    requester_owner: management
    accepter_owner: production
    accepter_assume_role_arn: arn:aws:iam::333333333333:role/OrganizationAccountAccessRole
    requester_tiers: [private, persistence]
    accepter_tiers: [private]
    allow_dns_resolution: true

- name: Peer across regions, VPCs given by id, same account
  refarch.network.vpc_peering:
    requester_owner: management
    accepter_owner: dr
    requester_vpc_id: vpc-0123456789abcdef0
    accepter_vpc_id: vpc-0fedcba9876543210
    accepter_region: eu-west-1

- name: Remove the peering and its routes
  refarch.network.vpc_peering:
    requester_owner: management
    accepter_owner: production
    accepter_assume_role_arn: arn:aws:iam::333333333333:role/OrganizationAccountAccessRole
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did, or would do in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: ["create peering pcx/management--production vpc-1 (10.120.0.0/16) -> vpc-2 (10.130.0.0/16)"]
peering:
  description: The connection after the run (empty when absent).
  returned: always
  type: dict
  contains:
    id:
      description: Peering connection id (C(pcx-new) in check mode before creation).
      type: str
    key:
      description: Logical key of the connection.
      type: str
    status:
      description: Status code of the connection.
      type: str
    requester_vpc_id:
      description: Requester VPC.
      type: str
    accepter_vpc_id:
      description: Accepter VPC.
      type: str
    allow_dns_resolution:
      description: C(AllowDnsResolutionFromRemoteVpc) on the requester and accepter sides.
      type: dict
routes:
  description: Route table key -> CIDRs routed through the connection, per side, after the run.
  returned: always
  type: dict
  sample: {"requester": {"rtb/private/us-east-1a": ["10.130.0.0/16"]}, "accepter": {}}
"""

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    Connection, error_code, new_module, owned_tags, owner_filter, tag_dict, tag_list, tag_spec)
from ansible_collections.refarch.network.plugins.module_utils.connectivity import (
    apply_routes, credentials_connection, lookup_vpc, route_tables_and_chosen, table_names, tagged, vpc_cidrs,
    wait_until)
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import create_once, write
from ansible_collections.refarch.network.plugins.module_utils.peering_plan import (
    check_no_overlap, peering_key, plan_routes, routes_view)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

LIVE = ["initiating-request", "pending-acceptance", "provisioning", "active"]
NEW_ID = "pcx-new"
DNS_OPTION = "AllowDnsResolutionFromRemoteVpc"


class Side(object):
    """One end of the peering: its client, owner, VPC and route tables."""

    def __init__(self, role, ec2, owner, tiers):
        self.role = role            # "requester" or "accepter"
        self.ec2 = ec2
        self.owner = owner
        self.tiers = tiers
        self.vpc = None
        self.tables = []
        self.chosen = set()

    def read(self, module, vpc_id, present):
        """One read of each kind: the VPC, its owned route tables (reused for the route diff) and,
        when routes are wanted, its owned subnets (which tables serve the chosen tiers)."""
        self.vpc = lookup_vpc(module, self.ec2, self.owner, vpc_id, "%s_owner" % self.role)
        if self.vpc:
            self.tables, self.chosen = route_tables_and_chosen(
                self.ec2, self.owner, self.vpc["VpcId"], self.tiers if present else [])

    @property
    def region(self):
        return self.ec2.meta.region_name


def status_of(side, pcx_id):
    """Status code of a connection as ``side`` sees it; "deleted" once AWS forgot it."""
    try:
        found = side.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
    except ClientError as e:
        if "NotFound" not in error_code(e):
            raise
        found = []
    return found[0]["Status"]["Code"] if found else "deleted"


def find_connections(side, key):
    filters = owner_filter(side.owner, key) + [{"Name": "status-code", "Values": LIVE}]
    found = [c for c in side.ec2.describe_vpc_peering_connections(Filters=filters)["VpcPeeringConnections"]
             if c["Status"]["Code"] in LIVE and tagged(c, side.owner, key)]  # the emulator ignores these filters
    # an active one first, so a duplicate left by a lost create reply is the one removed
    return sorted(found, key=lambda c: (c["Status"]["Code"] != "active", c["VpcPeeringConnectionId"]))


def dns_of(conn):
    if not conn:
        return dict(requester=False, accepter=False)
    return dict(requester=bool(conn["RequesterVpcInfo"].get("PeeringOptions", {}).get(DNS_OPTION)),
                accepter=bool(conn["AccepterVpcInfo"].get("PeeringOptions", {}).get(DNS_OPTION)))


def route_plan(side, peer, pcx_id, present):
    destinations = vpc_cidrs(peer.vpc) if (present and peer.vpc) else []
    chosen = side.chosen if present else set()
    adds, deletes, conflicts = plan_routes(side.tables, chosen, destinations, "VpcPeeringConnectionId", pcx_id)
    before, after = routes_view(side.tables, chosen, destinations, "VpcPeeringConnectionId", pcx_id,
                                table_names(side.tables))
    return dict(adds=adds, deletes=deletes, conflicts=conflicts, before=before, after=after)


class Peering(object):
    def __init__(self, module, requester, accepter):
        self.module = module
        self.p = module.params
        self.req = requester
        self.acc = accepter
        self.key = peering_key(self.p["requester_owner"], self.p["accepter_owner"])
        self.actions = []
        self.conn = None
        self.duplicates = []

    # -- read -------------------------------------------------------------------------------
    def read(self):
        present = self.p["state"] == "present"
        self.req.read(self.module, self.p["requester_vpc_id"], present)
        self.acc.read(self.module, self.p["accepter_vpc_id"], present)
        found = find_connections(self.req, self.key)
        if found:
            self.conn, self.duplicates = found[0], found[1:]

    def distinct_views(self):
        """True when the accepter sees the connection through its own tags (account or region)."""
        return (self.req.vpc["OwnerId"] != self.acc.vpc["OwnerId"]) or (self.req.region != self.acc.region)

    def tags(self, owner):
        name = self.p["name"] or "%s--%s" % (self.p["requester_owner"], self.p["accepter_owner"])
        return owned_tags(owner, self.key, name, self.p["tags"])

    # -- diff + apply -----------------------------------------------------------------------
    def act(self, text, func=None, *args, **kwargs):
        self.actions.append(text)
        if func is not None and not self.module.check_mode:
            return func(*args, **kwargs)
        return None

    def present(self):
        p, req, acc = self.p, self.req, self.acc
        missing = [side for side in (req, acc) if side.vpc is None]
        if missing and self.module.check_mode:
            # --check on new environments: their VPCs are only planned, so is the link
            self.act("request peering %s (VPCs of %s not built yet)" % (self.key, ", ".join(s.owner for s in missing)))
            return {}, {"peering": None, "routes": {}}
        for side in (req, acc):
            if side.vpc is None:
                self.module.fail_json(msg="%s_owner: no VPC found for %s (tags refarch:owner=%s, refarch:key=vpc) in %s" % (
                    side.role, side.owner, side.owner, side.region), field="%s_owner" % side.role)
        check_no_overlap(vpc_cidrs(req.vpc), vpc_cidrs(acc.vpc))
        if self.conn and (self.conn["RequesterVpcInfo"]["VpcId"] != req.vpc["VpcId"]
                          or self.conn["AccepterVpcInfo"]["VpcId"] != acc.vpc["VpcId"]):
            raise InputError("requester_owner", "peering %s (%s) joins %s and %s, not %s and %s; remove it first "
                             "with state=absent" % (self.key, self.conn["VpcPeeringConnectionId"],
                                                    self.conn["RequesterVpcInfo"]["VpcId"],
                                                    self.conn["AccepterVpcInfo"]["VpcId"],
                                                    req.vpc["VpcId"], acc.vpc["VpcId"]))
        pcx_id = self.conn["VpcPeeringConnectionId"] if self.conn else None
        plans = dict((side.role, route_plan(side, other, pcx_id, True)) for side, other in ((req, acc), (acc, req)))
        for role, plan in sorted(plans.items()):
            for rtb, cidr, target in plan["conflicts"]:
                raise InputError("%s_tiers" % role, "route table %s already routes %s to %s, which is not this peering; "
                                 "refusing to replace a route we do not own" % (rtb, cidr, target))
        before = self.view(plans, "before")

        for dup in self.duplicates:
            self.act("delete duplicate peering %s" % dup["VpcPeeringConnectionId"],
                     self.delete_connection, dup["VpcPeeringConnectionId"])
        if self.conn is None:
            self.act("create peering %s %s (%s) -> %s (%s) in %s/%s" % (
                self.key, req.vpc["VpcId"], ",".join(vpc_cidrs(req.vpc)), acc.vpc["VpcId"],
                ",".join(vpc_cidrs(acc.vpc)), acc.vpc["OwnerId"], acc.region))
            if not self.module.check_mode:
                self.create_connection()
        pcx_id = self.conn["VpcPeeringConnectionId"] if self.conn else NEW_ID
        status = self.conn["Status"]["Code"] if self.conn else "initiating-request"
        if status in ("initiating-request", "pending-acceptance"):
            self.act("accept peering %s as %s" % (pcx_id, acc.owner))
            if not self.module.check_mode:
                self.wait_status(acc, pcx_id, ["pending-acceptance", "provisioning", "active"], "visible to the accepter")
                # a retry whose first attempt was accepted finds the connection past pending-acceptance
                write(acc.ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx_id,
                      verify=lambda: status_of(acc, pcx_id) in ("provisioning", "active"))
        if status != "active" and not self.module.check_mode:
            self.conn = self.wait_status(req, pcx_id, ["active"], "active")
        if self.distinct_views():
            self.tag_accepter(pcx_id)
        self.set_dns(pcx_id)
        # routes: recompute with the real id now the connection exists (nothing of ours before)
        for side, other in ((req, acc), (acc, req)):
            plan = plans[side.role]
            names = table_names(side.tables)
            for rtb, cidr in plan["deletes"]:
                self.act("delete route %s %s %s -> %s" % (side.owner, names[rtb], cidr, pcx_id))
            for rtb, cidr in plan["adds"]:
                self.act("create route %s %s %s -> %s" % (side.owner, names[rtb], cidr, pcx_id))
            if not self.module.check_mode:
                apply_routes(side.ec2, plan["adds"], plan["deletes"], "VpcPeeringConnectionId", pcx_id)
        after = self.view(plans, "after", pcx_id, self.desired_dns())
        return before, after

    def create_connection(self):
        """Create the connection, tagged atomically; AWS has no ClientToken for it, so after a
        retried create the connection of the lost attempt (same owner + key) is deleted."""
        req, acc = self.req, self.acc
        answer = req.ec2.create_vpc_peering_connection(
            VpcId=req.vpc["VpcId"], PeerVpcId=acc.vpc["VpcId"], PeerOwnerId=acc.vpc["OwnerId"],
            PeerRegion=acc.region, TagSpecifications=tag_spec("vpc-peering-connection", self.tags(req.owner)))
        self.conn = answer["VpcPeeringConnection"]
        create_once(answer, self.conn["VpcPeeringConnectionId"],
                    lambda: [c["VpcPeeringConnectionId"] for c in find_connections(req, self.key)],
                    self.delete_connection)

    def delete_connection(self, pcx_id):
        write(self.req.ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=pcx_id,
              verify=lambda: status_of(self.req, pcx_id) not in LIVE)

    def tag_accepter(self, pcx_id):
        want = self.tags(self.acc.owner)
        have = {}
        if pcx_id != NEW_ID:
            have = tag_dict(self.acc.ec2.describe_tags(
                Filters=[{"Name": "resource-id", "Values": [pcx_id]}])["Tags"])
        missing = dict((k, v) for k, v in want.items() if have.get(k) != v)
        if missing:
            self.act("tag peering %s as %s (%s)" % (pcx_id, self.acc.owner, ", ".join(sorted(missing))),
                     self.acc.ec2.create_tags, Resources=[pcx_id], Tags=tag_list(missing))

    def desired_dns(self):
        flag = self.p["allow_dns_resolution"]
        return dict(requester=flag, accepter=flag)

    def set_dns(self, pcx_id):
        have = dns_of(self.conn)
        for role, side, option in (("requester", self.req, "RequesterPeeringConnectionOptions"),
                                   ("accepter", self.acc, "AccepterPeeringConnectionOptions")):
            want = self.p["allow_dns_resolution"]
            if have[role] != want:
                self.act("set %s=%s on the %s side of %s" % (DNS_OPTION, str(want).lower(), role, pcx_id),
                         side.ec2.modify_vpc_peering_connection_options,
                         VpcPeeringConnectionId=pcx_id, **{option: {DNS_OPTION: want}})

    def wait_status(self, side, pcx_id, statuses, what):
        def check():
            try:
                found = side.ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
            except ClientError as e:  # not yet visible across accounts/regions
                if "NotFound" in e.response.get("Error", {}).get("Code", ""):
                    return None
                raise
            if found and found[0]["Status"]["Code"] in ("failed", "rejected", "expired", "deleted"):
                self.module.fail_json(msg="peering %s is %s: %s" % (
                    pcx_id, found[0]["Status"]["Code"], found[0]["Status"].get("Message", "")))
            return found[0] if found and found[0]["Status"]["Code"] in statuses else None
        return wait_until(self.module, check, self.p["wait_timeout"], "peering %s to be %s" % (pcx_id, what))

    def absent(self):
        plans = {}
        pcx_id = self.conn["VpcPeeringConnectionId"] if self.conn else None
        for side, other in ((self.req, self.acc), (self.acc, self.req)):
            plans[side.role] = route_plan(side, other, pcx_id, False) if side.vpc else dict(
                adds=[], deletes=[], before={}, after={})
        before = self.view(plans, "before")
        for side in (self.req, self.acc):
            names = table_names(side.tables)
            for rtb, cidr in plans[side.role]["deletes"]:
                self.act("delete route %s %s %s -> %s" % (side.owner, names[rtb], cidr, pcx_id))
            if not self.module.check_mode:
                apply_routes(side.ec2, [], plans[side.role]["deletes"], "VpcPeeringConnectionId", pcx_id)
        for conn in ([self.conn] if self.conn else []) + self.duplicates:
            self.act("delete peering %s %s" % (self.key, conn["VpcPeeringConnectionId"]),
                     self.delete_connection, conn["VpcPeeringConnectionId"])
        self.conn = None
        return before, self.view(plans, "after", None)

    def view(self, plans, when, pcx_id=None, dns=None):
        conn = None
        if when == "before" and self.conn:
            conn = dict(id=self.conn["VpcPeeringConnectionId"], status=self.conn["Status"]["Code"],
                        allow_dns_resolution=dns_of(self.conn))
        elif when == "after" and pcx_id:
            conn = dict(id=pcx_id, status="active", allow_dns_resolution=dns)
        return dict(peering=conn, routes=dict((role, plans[role][when]) for role in sorted(plans)))

    def result(self, after):
        peering = {}
        if after["peering"]:
            peering = dict(after["peering"], key=self.key, requester_vpc_id=self.req.vpc["VpcId"],
                           accepter_vpc_id=self.acc.vpc["VpcId"])
        return dict(peering=peering, routes=after["routes"])


def main():
    module = new_module(
        argument_spec=dict(
            requester_owner=dict(type="str", required=True),
            accepter_owner=dict(type="str", required=True),
            requester_vpc_id=dict(type="str"),
            accepter_vpc_id=dict(type="str"),
            accepter_region=dict(type="str"),
            accepter_assume_role_arn=dict(type="str"),
            accepter_access_key=dict(type="str", no_log=False),
            accepter_secret_key=dict(type="str", no_log=True),
            accepter_session_token=dict(type="str", no_log=True),
            accepter_profile=dict(type="str"),
            requester_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
            accepter_tiers=dict(type="list", elements="str", default=["private", "persistence"]),
            allow_dns_resolution=dict(type="bool", default=False),
            name=dict(type="str"),
            tags=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            wait_timeout=dict(type="int", default=300),
        ),
        supports_check_mode=True,
        required_together=[("accepter_access_key", "accepter_secret_key")],
        mutually_exclusive=[("accepter_profile", "accepter_access_key")],
    )
    p = module.params
    if p["requester_owner"] == p["accepter_owner"] and not (p["requester_vpc_id"] and p["accepter_vpc_id"]):
        module.fail_json(msg="accepter_owner: must differ from requester_owner", field="accepter_owner")
    req_ec2 = Connection(module).client("ec2")
    acc_ec2 = credentials_connection(
        module, p["accepter_assume_role_arn"], p["accepter_region"] or req_ec2.meta.region_name,
        p["accepter_access_key"], p["accepter_secret_key"], p["accepter_session_token"], p["accepter_profile"],
    ).client("ec2")
    peering = Peering(module, Side("requester", req_ec2, p["requester_owner"], p["requester_tiers"]),
                      Side("accepter", acc_ec2, p["accepter_owner"], p["accepter_tiers"]))
    try:
        peering.read()
        if p["state"] == "present":
            before, after = peering.present()
        else:
            before, after = peering.absent()
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason, actions=peering.actions)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="vpc_peering %s failed" % peering.key, actions=peering.actions)
    result = dict(changed=bool(peering.actions), actions=peering.actions, **peering.result(after))
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
