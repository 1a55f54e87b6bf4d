#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dns_zones
short_description: Converge an environment's Route53 zones, delegation and records in one call
version_added: 0.1.0
description:
  - Converges the DNS of one environment - a private hosted zone for internal names associated
    with the environment's VPC (and, when asked, with other VPCs for split-horizon DNS), a public
    hosted zone for the environment's subdomain with its NS delegation written into the parent
    zone (which may live in another account), and the records it is asked for.
  - Returns the DNS reference of the environment - the VPC resolver address (the VPC base + 2),
    the zone ids and names and the public zone's name servers.
  - Zones are found by name and type and are ours when they carry the tag C(refarch:owner=<owner>)
    (key C(zone/private) or C(zone/public)). A zone of the same name without our tag is never
    touched.
  - Route53 records carry no tags. The records this module manages in a zone are listed in a TXT
    record C(_refarch-owner-<owner>.<zone>), changed in the same atomic change batch as the records
    themselves. A record not listed there is never modified or deleted, and a requested record
    that already exists without being listed makes the module fail before any write.
  - VPC associations the module made are recorded as zone tags C(refarch:vpc/<vpc-id>=<region>);
    only those are ever removed.
  - Cross-account private zone association uses C(CreateVPCAssociationAuthorization) in the zone's
    account, then C(AssociateVPCWithHostedZone) in the VPC's account. Endpoints that lack the
    authorization call (the moto emulator) make the module fail with a message saying so.
  - With O(state=absent) the module removes the delegation it wrote into the parent zone, the
    records it owns and then its zones; a zone that still holds records it does not own is kept
    and reported in a warning.
  - Check mode is exact - it reports the same actions a real run would take and writes nothing.
author:
  - refarch.network developers (@refarch)
options:
  vpc_id:
    description:
      - The environment's VPC. Without it the VPC tagged C(refarch:owner=<owner>) and
        C(refarch:key=vpc) (built by M(refarch.network.vpc_tiers)) is used.
    type: str
  private_zone:
    description:
      - The private hosted zone for internal names.
    type: dict
    default: {}
    suboptions:
      enabled:
        description:
          - V(false) makes this call manage no private zone; an existing one is left alone.
        type: bool
        default: true
      name:
        description:
          - Zone name. Defaults to C(<owner>.internal). Giving it the public zone's name makes
            split-horizon DNS - the same names resolve privately inside the VPCs.
        type: str
      comment:
        description: Zone comment, used at creation.
        type: str
      vpcs:
        description:
          - Other VPCs to associate with the zone (peered environments), besides the
            environment's own VPC.
        type: list
        elements: dict
        default: []
        suboptions:
          vpc_id:
            description: The VPC. One of O(private_zone.vpcs[].vpc_id) and O(private_zone.vpcs[].owner) is required.
            type: str
          owner:
            description: Find the VPC tagged C(refarch:owner=<owner>), C(refarch:key=vpc).
            type: str
          region:
            description: The VPC's region. Defaults to O(region).
            type: str
          assume_role_arn:
            description:
              - A role in the VPC's account, when it is not the zone's account. A different
                account triggers the association authorization flow.
            type: str
  public_zone:
    description:
      - The public hosted zone for the environment's subdomain. Omitted, no public zone is managed.
    type: dict
    suboptions:
      name:
        description: Zone name, for example C(prod.example.com).
        type: str
        required: true
      comment:
        description: Zone comment, used at creation.
        type: str
      parent_zone:
        description:
          - The public zone to write the NS delegation into. Omitted, no delegation is written
            (the zone is the domain's own zone, as C(example.com) in the management environment).
        type: dict
        suboptions:
          name:
            description: Parent zone name, for example C(example.com).
            type: str
            required: true
          id:
            description: Parent zone id, needed only when several public zones have that name.
            type: str
          assume_role_arn:
            description:
              - A role in the account that holds the parent zone. Omitted or empty, the parent
                zone is looked up in the environment's own account.
            type: str
          ttl:
            description: TTL of the delegation NS record.
            type: int
            default: 3600
  records:
    description:
      - Records the module owns. Records not listed that it created earlier are deleted.
    type: list
    elements: dict
    default: []
    suboptions:
      zone:
        description: The zone the record belongs in.
        type: str
        choices: [private, public]
        default: private
      name:
        description:
          - Record name, relative to the zone (V(vpn), V(@) for the apex) or absolute
            (V(vpn.prod.example.com)).
        type: str
        required: true
      type:
        description: Record type.
        type: str
        required: true
        choices: [A, AAAA, CAA, CNAME, MX, NS, PTR, SRV, TXT]
      ttl:
        description: TTL in seconds.
        type: int
        default: 300
      values:
        description: Record values. TXT values are quoted when they are not already.
        type: list
        elements: str
        required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
notes:
  - Zone tags are added or updated, never purged, except C(refarch:vpc/) tags of associations
    the module removes.
  - Renaming a zone creates a new zone; the old one stays until a call with its name and
    O(state=absent).
"""

EXAMPLES = r"""
- name: The management environment owns the domain's zone
  refarch.network.dns_zones:
    owner: management
    private_zone:
      enabled: false
    public_zone:
      name: example.com

- name: Production's zones, delegated from the management account
  refarch.network.dns_zones:
    owner: production
    region: us-east-1
    private_zone:
      name: production.internal
    public_zone:
      name: prod.example.com
      parent_zone:
        name: example.com
        assume_role_arn: arn:aws:iam::111111111111:role/OrganizationAccountAccessRole
    records:
      - zone: public
        name: vpn
        type: A
        values: [203.0.113.10]
  register: dns

- name: Show the resolver
  ansible.builtin.debug:
    msg: "{{ dns.reference.resolver }}"
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create public zone prod.example.com.", "delegate prod.example.com. in example.com. (4 name servers)"]
private_zone:
  description: The private zone, or null when none is managed or it was removed.
  returned: always
  type: dict
  contains:
    id: {description: Zone id (null in check mode before creation)., type: str}
    name: {description: Zone name with the final dot., type: str}
    vpcs: {description: Associated VPCs., type: list, elements: dict}
public_zone:
  description: The public zone, or null when none is managed or it was removed.
  returned: always
  type: dict
  contains:
    id: {description: Zone id., type: str}
    name: {description: Zone name with the final dot., type: str}
    name_servers: {description: The zone's name servers., type: list, elements: str}
    parent_zone_id: {description: The parent zone the delegation is in., type: str}
reference:
  description: The environment's DNS reference.
  returned: always
  type: dict
  sample:
    environment: production
    vpc_id: vpc-0abc
    vpc_cidr: 10.130.0.0/16
    resolver: 10.130.0.2
    private_zone_id: Z0PRIV
    private_zone_name: production.internal.
    public_zone_id: Z0PUB
    public_zone_name: prod.example.com.
    name_servers: [ns-1.awsdns-01.org]
"""

import uuid

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.aws import (
    Connection, error_code, find_owned_vpc, new_module, owned_tags, tag_dict, tag_list, OWNER_TAG, KEY_TAG)
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import create_once, retried, write
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

VPC_TAG_PREFIX = "refarch:vpc/"
UNSUPPORTED_CODES = ("404", "UnknownOperationException", "InvalidAction", "NotImplemented")


class Failure(Exception):
    def __init__(self, msg, field=None):
        super(Failure, self).__init__(msg)
        self.field = field


def zone_id(zone):
    return zone["Id"].split("/")[-1]


def caller_reference(owner, key):
    # Unique per request (AWS rejects a reused reference) yet recognisable, so a zone created
    # by an interrupted run (untagged) is found again by its prefix and adopted.
    return "refarch/%s/%s/%s" % (owner, key, uuid.uuid4().hex)


class Zones(object):
    """Reads and writes Route53 for one account."""

    def __init__(self, client):
        self.r53 = client

    def by_name(self, name, private):
        """Hosted zones called ``name`` of the given type, each with its tags."""
        zones, kwargs = [], dict(DNSName=name)
        while True:
            page = self.r53.list_hosted_zones_by_name(**kwargs)
            found = [z for z in page["HostedZones"] if dns.fqdn(z["Name"]) == name]
            zones.extend(z for z in found if z.get("Config", {}).get("PrivateZone", False) == private)
            if not page.get("IsTruncated") or len(found) < len(page["HostedZones"]):
                break
            kwargs = dict(DNSName=page["NextDNSName"], HostedZoneId=page["NextHostedZoneId"])
        for start in range(0, len(zones), 10):
            batch = zones[start:start + 10]
            tag_sets = self.r53.list_tags_for_resources(ResourceType="hostedzone",
                                                        ResourceIds=[zone_id(z) for z in batch])
            tags = dict((t["ResourceId"], tag_dict(t.get("Tags"))) for t in tag_sets["ResourceTagSets"])
            for zone in batch:
                zone["Tags"] = tags.get(zone_id(zone), {})
        return zones

    def owned(self, name, private, owner, key, field):
        """Our zone (tagged, or created by an interrupted run of ours and untagged), with details."""
        prefix = "refarch/%s/%s/" % (owner, key)
        ours = [z for z in self.by_name(name, private)
                if (z["Tags"].get(OWNER_TAG) == owner and z["Tags"].get(KEY_TAG) == key)
                or (OWNER_TAG not in z["Tags"] and z.get("CallerReference", "").startswith(prefix))]
        if len(ours) > 1:
            raise Failure("%d zones named %s are owned by %s (%s); delete the extra ones" % (
                len(ours), name, owner, ", ".join(zone_id(z) for z in ours)), field)
        if not ours:
            return None
        return self.detail(ours[0])

    def records(self, zid):
        paginator = self.r53.get_paginator("list_resource_record_sets")
        return [rs for page in paginator.paginate(HostedZoneId=zid) for rs in page["ResourceRecordSets"]]

    def rrsets(self, zid, names):
        """Only the named record sets (type, name) of a possibly large zone."""
        found = {}
        for rtype, name in names:
            page = self.r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=name,
                                                      StartRecordType=rtype, MaxItems="1")
            for rs in page["ResourceRecordSets"]:
                if rs["Type"] == rtype and dns.fqdn(rs["Name"]) == name and "SetIdentifier" not in rs:
                    found[(rtype, name)] = rs
        return found

    def create(self, name, private, owner, key, comment, vpc=None):
        ref = caller_reference(owner, key)
        kwargs = dict(Name=name, CallerReference=ref, HostedZoneConfig=dict(PrivateZone=private))
        if comment:
            kwargs["HostedZoneConfig"]["Comment"] = comment
        if vpc:
            kwargs["VPC"] = vpc
        try:
            answer = self.r53.create_hosted_zone(**kwargs)
        except ClientError as e:
            # A retried request whose first attempt succeeded: find the zone by its reference.
            if error_code(e) != "HostedZoneAlreadyExists":
                raise
            zone = [z for z in self.by_name(name, private) if z.get("CallerReference") == ref][0]
            return self.detail(zone)
        zone = answer["HostedZone"]
        # A service that does not deduplicate CallerReference (the emulator) made a zone per
        # attempt: keep the answered one, delete the others carrying this run's reference (empty,
        # just made by this very request).
        create_once(answer, zone_id(zone),
                    lambda: [zone_id(z) for z in self.by_name(name, private) if z.get("CallerReference") == ref],
                    self.delete)
        return self.detail(zone)

    def vpcs_of(self, zid):
        return [(v["VPCId"], v["VPCRegion"]) for v in self.r53.get_hosted_zone(Id=zid).get("VPCs", [])]

    def associate(self, zid, vpc, r53=None):
        """Associate ``vpc`` (through ``r53``, the VPC account's client for a cross-account one).

        A retry after a lost reply finds it done (AWS: ConflictingDomainExists); a service that
        appends blindly (the emulator) lists the VPC twice, which is set right by associating
        it once more from scratch.
        """
        pair = (vpc["VPCId"], vpc["VPCRegion"])
        for _attempt in range(3):
            answer = write((r53 or self.r53).associate_vpc_with_hosted_zone, HostedZoneId=zid, VPC=vpc,
                           verify=lambda: pair in self.vpcs_of(zid))
            if not retried(answer) or self.vpcs_of(zid).count(pair) < 2:
                return
            self.disassociate(zid, vpc)

    def disassociate(self, zid, vpc):
        """Disassociate; a retry finding it gone (VPCAssociationNotFound, or the emulator's
        LastVPCAssociation once ours was removed) is done."""
        write(self.r53.disassociate_vpc_from_hosted_zone, HostedZoneId=zid, VPC=vpc,
              verify=lambda: (vpc["VPCId"], vpc["VPCRegion"]) not in self.vpcs_of(zid))

    def detail(self, zone):
        got = self.r53.get_hosted_zone(Id=zone_id(zone))
        return dict(got["HostedZone"], Tags=zone.get("Tags", {}), VPCs=got.get("VPCs", []),
                    NameServers=got.get("DelegationSet", {}).get("NameServers", []))

    def change(self, zid, changes, comment, replan):
        """Submit a change batch. A batch AWS rejects as stale (a retried request whose first attempt
        was applied, or a concurrent edit) is planned again from a fresh read: nothing left to do
        means it was applied; a fresh plan is submitted once. ``replan()`` re-reads and re-plans."""
        for attempt in (1, 2):
            if not changes:
                return
            try:
                self.r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch=dict(Comment=comment, Changes=changes))
                return
            except ClientError as e:
                if error_code(e) != "InvalidChangeBatch" or attempt == 2:
                    raise
            changes = replan()

    def delete(self, zid):
        try:
            self.r53.delete_hosted_zone(Id=zid)
        except ClientError as e:
            if error_code(e) != "NoSuchHostedZone":  # a retried request whose first attempt succeeded
                raise

    def tag(self, zid, add=None, remove=None):
        kwargs = {}
        if add:
            kwargs["AddTags"] = tag_list(add)
        if remove:
            kwargs["RemoveTagKeys"] = sorted(remove)
        if kwargs:
            self.r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid, **kwargs)


class DnsZones(object):
    """Read and plan everything first (failing before any write), then apply ``steps`` in order.

    Steps that need a zone created earlier in the same run read it from a ``holder`` dict.
    """

    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.owner = self.p["owner"]
        self.present = self.p["state"] == "present"
        self.conn = Connection(module)
        self.zones = Zones(self.conn.client("route53"))
        self.actions, self.warnings, self.steps = [], [], []
        self.last = []  # cross-account associations: after everything else, they may be unsupported
        self.before, self.after = {}, {}
        self.result = dict(private_zone=None, public_zone=None)

    def step(self, action, fn):
        if action:
            self.actions.append(action)
        self.steps.append(fn)

    # ---- validation (no AWS call) -----------------------------------------------------
    def validate(self):
        dns.check_owner(self.owner)
        priv, pub = self.p["private_zone"], self.p["public_zone"]
        self.priv_name = self.pub_name = self.parent_name = None
        if priv["enabled"]:
            self.priv_name = dns.check_zone_name(priv.get("name") or "%s.internal" % self.owner, "private_zone.name")
        if pub:
            self.pub_name = dns.check_zone_name(pub["name"], "public_zone.name")
            parent = pub.get("parent_zone")
            if parent:
                self.parent_name = dns.check_zone_name(parent["name"], "public_zone.parent_zone.name")
                if not self.pub_name.endswith("." + self.parent_name):
                    raise InputError("public_zone.parent_zone.name", "%s is not a parent of %s" % (
                        self.parent_name, self.pub_name))
        for index, item in enumerate(priv["vpcs"] if priv["enabled"] else []):
            if bool(item.get("vpc_id")) == bool(item.get("owner")):
                raise InputError("private_zone.vpcs[%d]" % index, "give exactly one of vpc_id and owner")
        self.desired = dns.check_records(self.p["records"], dict(private=self.priv_name, public=self.pub_name))
        if not self.present:
            self.desired = {}

    # ---- read -------------------------------------------------------------------------
    def read_vpc(self):
        ec2 = self.conn.client("ec2")
        if self.p["vpc_id"]:
            vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [self.p["vpc_id"]]}])["Vpcs"]
            if not vpcs:
                raise Failure("VPC %s does not exist" % self.p["vpc_id"], "vpc_id")
            return vpcs[0], ec2.meta.region_name
        try:
            return find_owned_vpc(ec2, self.owner), ec2.meta.region_name
        except ValueError as e:
            raise Failure(str(e), "owner")

    def account_of(self, role_arn):
        role_arn = role_arn or self.p.get("assume_role_arn")
        if role_arn:
            return role_arn.split(":")[4]
        if not hasattr(self, "_caller_account"):
            self._caller_account = self.conn.client("sts").get_caller_identity()["Account"]
        return self._caller_account

    def wanted_vpcs(self, vpc, region):
        """[(vpc_id, region, connection in the VPC's account when it is not the zone's, else None)]."""
        result = [(vpc["VpcId"], region, None)]
        for index, item in enumerate(self.p["private_zone"]["vpcs"]):
            field = "private_zone.vpcs[%d]" % index
            role = item.get("assume_role_arn") or None
            conn = Connection(self.module, role_arn=role, region=item.get("region") or self.conn.region)
            vpc_id = item.get("vpc_id")
            if not vpc_id:
                try:
                    found = find_owned_vpc(conn.client("ec2"), item["owner"])
                except ValueError as e:
                    raise Failure(str(e), field)
                if not found:
                    raise Failure("no VPC tagged %s=%s, %s=vpc in that account and region" % (
                        OWNER_TAG, item["owner"], KEY_TAG), field)
                vpc_id = found["VpcId"]
            cross = role is not None and self.account_of(role) != self.account_of(None)
            result.append((vpc_id, item.get("region") or conn.client("ec2").meta.region_name,
                           conn if cross else None))
        return result

    # ---- private zone -----------------------------------------------------------------
    def plan_private(self, vpc, region):
        name, key = self.priv_name, "zone/private"
        zone = self.zones.owned(name, True, self.owner, key, "private_zone.name")
        if not self.present:
            return self.plan_removal(zone, name, "private")
        if vpc is None and self.module.check_mode:
            # --check on a new environment: vpc_tiers only planned the VPC, so plan against it
            vpc = {"VpcId": "(vpc %s, planned)" % self.owner}
        elif vpc is None:
            raise Failure("no VPC tagged %s=%s, %s=vpc; build it first (vpc_tiers) or pass vpc_id" % (
                OWNER_TAG, self.owner, KEY_TAG), "vpc_id")
        wanted = self.wanted_vpcs(vpc, region)
        pairs = [(vid, reg) for vid, reg, conn in wanted]
        holder = dict(zone=zone)
        associated = set((v["VPCId"], v["VPCRegion"]) for v in (zone or {}).get("VPCs", []))
        registered = set((k[len(VPC_TAG_PREFIX):], v) for k, v in (zone or {}).get("Tags", {}).items()
                         if k.startswith(VPC_TAG_PREFIX))
        self.before["private_zone"] = zone and dict(name=name, vpcs=sorted("%s %s" % a for a in associated))
        self.after["private_zone"] = dict(name=name, vpcs=sorted("%s %s" % p for p in pairs))
        if zone is None:
            associated.add((vpc["VpcId"], region))
            self.step("create private zone %s with %s" % (name, vpc["VpcId"]), lambda: holder.update(
                zone=self.zones.create(name, True, self.owner, key, self.p["private_zone"].get("comment"),
                                       vpc=dict(VPCRegion=region, VPCId=vpc["VpcId"]))))
        tags = owned_tags(self.owner, key, name.rstrip("."), self.p["tags"])
        # Tag before associating: an interrupted run then still knows the association is ours.
        tags.update((VPC_TAG_PREFIX + vid, reg) for vid, reg in pairs)
        self.plan_tags(holder, tags, name)
        for vid, reg, conn in wanted:
            if (vid, reg) not in associated:
                self.plan_association(holder, name, vid, reg, conn)
        stale = sorted(registered - set(pairs))
        for vid, reg in stale:
            if (vid, reg) in associated:
                self.step("disassociate %s (%s) from %s" % (vid, reg, name),
                          lambda vid=vid, reg=reg: self.zones.disassociate(
                              zone_id(holder["zone"]), dict(VPCRegion=reg, VPCId=vid)))
        if stale:
            self.step(None, lambda: self.zones.tag(zone_id(holder["zone"]),
                                                   remove=[VPC_TAG_PREFIX + p[0] for p in stale]))
        self.plan_records(holder, name, "private")
        self.result["private_zone"] = dict(holder=holder, name=name,
                                           vpcs=[dict(vpc_id=v, region=r) for v, r in pairs])

    def plan_association(self, holder, name, vpc_id, region, conn):
        vpc = dict(VPCRegion=region, VPCId=vpc_id)
        if conn is None:
            self.step("associate %s (%s) with %s" % (vpc_id, region, name),
                      lambda: self.zones.associate(zone_id(holder["zone"]), vpc))
            return

        def cross_account():
            zid = zone_id(holder["zone"])
            try:
                self.zones.r53.create_vpc_association_authorization(HostedZoneId=zid, VPC=vpc)
            except ClientError as e:
                status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if error_code(e) in UNSUPPORTED_CODES or status == 404:
                    raise Failure(
                        "cross-account association of %s with %s needs CreateVPCAssociationAuthorization, which "
                        "this endpoint does not implement (HTTP %s %s; the moto emulator lacks it). Associate "
                        "VPCs of the zone's own account here, or run against AWS" % (
                            vpc_id, name, status, error_code(e)), "private_zone.vpcs")
                raise
            self.zones.associate(zid, vpc, conn.client("route53"))
            # An authorization is single-use; AWS recommends removing it once used.
            write(self.zones.r53.delete_vpc_association_authorization, HostedZoneId=zid, VPC=vpc)

        self.last.append(("associate %s (%s) with %s (cross-account)" % (vpc_id, region, name), cross_account))

    # ---- public zone and delegation ---------------------------------------------------
    def plan_public(self):
        name, key = self.pub_name, "zone/public"
        zone = self.zones.owned(name, False, self.owner, key, "public_zone.name")
        parent = self.read_parent() if self.parent_name else None
        if not self.present:
            if parent:
                self.plan_delegation(parent, None)
            return self.plan_removal(zone, name, "public")
        holder = dict(zone=zone)
        self.before["public_zone"] = zone and dict(name=name, name_servers=sorted(zone["NameServers"]))
        self.after["public_zone"] = dict(name=name, name_servers=sorted((zone or {}).get("NameServers", []))
                                         or "(known after creation)")
        if zone is None:
            self.step("create public zone %s" % name, lambda: holder.update(
                zone=self.zones.create(name, False, self.owner, key, self.p["public_zone"].get("comment"))))
        self.plan_tags(holder, owned_tags(self.owner, key, name.rstrip("."), self.p["tags"]), name)
        self.plan_records(holder, name, "public")
        if parent:
            self.plan_delegation(parent, holder)
        elif self.parent_name:  # check mode only: the parent zone is missing
            self.actions.append("delegate %s in %s" % (self.pub_name, self.parent_name))
        self.result["public_zone"] = dict(holder=holder, name=name, parent_zone_id=parent and parent[1])

    def read_parent(self):
        """(Zones of the parent's account, parent zone id, its delegation record sets), or None."""
        spec = self.p["public_zone"]["parent_zone"]
        role = spec.get("assume_role_arn") or None
        zones = Zones(Connection(self.module, role_arn=role).client("route53")) if role else self.zones
        if spec.get("id"):
            try:
                found = [zones.r53.get_hosted_zone(Id=spec["id"])["HostedZone"]]
            except ClientError as e:
                if error_code(e) != "NoSuchHostedZone":
                    raise
                raise Failure("no hosted zone %s in the parent account" % spec["id"], "public_zone.parent_zone.id")
        else:
            found = zones.by_name(self.parent_name, False)
        if len(found) > 1:
            raise Failure("%d public zones are named %s (%s); choose one with parent_zone.id" % (
                len(found), self.parent_name, ", ".join(zone_id(z) for z in found)), "public_zone.parent_zone.id")
        if not found:
            if self.present and not self.module.check_mode:
                raise Failure("no public zone %s in the parent account; create it first (the domain owner's "
                              "dns_zones call)" % self.parent_name, "public_zone.parent_zone.name")
            if self.present:  # check mode of a whole run: the domain owner's call has not created it
                self.warnings.append("parent zone %s does not exist yet; a real run needs it" % self.parent_name)
            return None
        pid = zone_id(found[0])
        return zones, pid, zones.rrsets(pid, self.delegation_keys())

    def delegation_keys(self):
        """The only record sets of the parent zone we read: our delegation and our registry."""
        return [("NS", self.pub_name), ("TXT", dns.registry_name(self.owner, self.parent_name))]

    def plan_delegation(self, parent, holder):
        zones, pid, existing = parent
        ttl = self.p["public_zone"]["parent_zone"]["ttl"]
        entry = dns.record_entry("NS", self.pub_name, "delegation")

        def plan(servers, existing=existing):
            desired = {("NS", self.pub_name): (ttl, dns.normalize_values("NS", servers))} if holder else {}
            try:
                return dns.plan_zone_records(self.owner, self.parent_name, desired, existing,
                                             scope=lambda e: e == entry, suffix="delegation",
                                             field="public_zone.parent_zone")[0]
            except InputError as e:
                raise Failure(e.reason, e.field)

        def submit(changes):
            servers = holder["zone"]["NameServers"] if holder else []
            zones.change(pid, changes, "refarch %s delegation" % self.owner,
                         lambda: plan(servers, zones.rrsets(pid, self.delegation_keys())))

        what = "%s in %s" % (self.pub_name, self.parent_name)
        if holder is not None and holder["zone"] is None:
            plan(["unknown."])  # the zone is new: only the conflict check can be done now
            self.after["delegation"] = {what: "(name servers known after creation)"}
            self.step("delegate %s" % what, lambda: submit(plan(holder["zone"]["NameServers"])))
            return
        servers = holder["zone"]["NameServers"] if holder else []
        changes = plan(servers)
        current = existing.get(("NS", self.pub_name))
        self.before["delegation"] = {what: current and dns.rrset_values(current)}
        self.after["delegation"] = {what: dns.normalize_values("NS", servers) if holder else None}
        if changes:
            action = ("delegate %s (%d name servers)" % (what, len(servers)) if holder
                      else "remove delegation of %s" % what)
            self.step(action, lambda: submit(changes))

    # ---- shared -----------------------------------------------------------------------
    def plan_tags(self, holder, tags, name):
        zone = holder["zone"]
        add = dict((k, v) for k, v in tags.items() if zone is None or zone["Tags"].get(k) != v)
        if add:
            # A new zone's tags are part of "create"; an untagged zone of ours was left by an
            # interrupted run and is adopted.
            action = None if zone is None else "tag zone %s: %s" % (name, ", ".join(sorted(add)))
            self.step(action, lambda: self.zones.tag(zone_id(holder["zone"]), add=add))

    def plan_records(self, holder, name, kind):
        zone = holder["zone"]
        changes, actions, before, after = self.plan_zone(zone and zone_id(zone), name, self.desired.get(kind, {}))
        self.before.setdefault("records", {}).update(before)
        self.after.setdefault("records", {}).update(after)
        self.actions.extend(actions)
        if changes:
            self.step(None, lambda: self.zones.change(
                zone_id(holder["zone"]), changes, "refarch %s records" % self.owner,
                lambda: self.plan_zone(zone_id(holder["zone"]), name, self.desired.get(kind, {}))[0]))

    def plan_zone(self, zid, name, desired, rrsets=None):
        """Plan our records in one of our zones (a new zone, ``zid`` None, is empty)."""
        if rrsets is None:
            rrsets = self.zones.records(zid) if zid else []
        try:
            return dns.plan_zone_records(self.owner, name, desired, dns.index_rrsets(rrsets), field="records")
        except InputError as e:
            raise Failure("%s (zone %s)" % (e.reason, name), e.field)

    def plan_removal(self, zone, name, kind):
        if zone is None:
            return
        zid = zone_id(zone)
        rrsets = self.zones.records(zid)
        self.before["%s_zone" % kind] = dict(name=name, id=zid)
        self.after["%s_zone" % kind] = None
        changes, actions, before, after = self.plan_zone(zid, name, {}, rrsets)
        self.before.setdefault("records", {}).update(before)
        self.actions.extend(actions)
        if changes:
            self.step(None, lambda: self.zones.change(zid, changes, "refarch %s records" % self.owner,
                                                      lambda: self.plan_zone(zid, name, {})[0]))
        foreign = dns.foreign_records(self.owner, name, rrsets)
        if foreign:
            self.warnings.append("kept %s zone %s (%s): it holds records %s does not own: %s" % (
                kind, name, zid, self.owner, ", ".join(foreign[:10])))
            return
        self.step("delete %s zone %s" % (kind, name), lambda: self.zones.delete(zid))

    def run(self):
        self.validate()
        vpc, region = self.read_vpc()
        if self.pub_name:
            self.plan_public()
        if self.priv_name:
            self.plan_private(vpc, region)
        for action, fn in self.last:
            self.step(action, fn)
        if not self.module.check_mode:
            for fn in self.steps:
                fn()
        for kind in ("private_zone", "public_zone"):
            zone = self.result[kind] and self.result[kind].pop("holder")["zone"]
            if zone is not None:
                self.result[kind]["id"] = zone_id(zone)
                if kind == "public_zone":
                    self.result[kind]["name_servers"] = sorted(zone.get("NameServers", []))
            elif self.result[kind]:
                self.result[kind].update(id=None, name_servers=[])
        priv, pub = self.result["private_zone"] or {}, self.result["public_zone"] or {}
        self.result["reference"] = dict(
            environment=self.owner,
            vpc_id=vpc and vpc["VpcId"],
            vpc_cidr=vpc and vpc["CidrBlock"],
            resolver=vpc and dns.resolver_address(vpc["CidrBlock"]),
            private_zone_id=priv.get("id"), private_zone_name=priv.get("name"),
            public_zone_id=pub.get("id"), public_zone_name=pub.get("name"),
            name_servers=pub.get("name_servers", []))
        return self.result


def main():
    record = dict(zone=dict(type="str", choices=["private", "public"], default="private"),
                  name=dict(type="str", required=True),
                  type=dict(type="str", required=True, choices=list(dns.RECORD_TYPES)),
                  ttl=dict(type="int", default=300),
                  values=dict(type="list", elements="str", required=True))
    vpc = dict(vpc_id=dict(type="str"), owner=dict(type="str"), region=dict(type="str"),
               assume_role_arn=dict(type="str"))
    parent = dict(name=dict(type="str", required=True), id=dict(type="str"),
                  assume_role_arn=dict(type="str"), ttl=dict(type="int", default=3600))
    spec = dict(
        owner=dict(type="str", required=True),
        tags=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        vpc_id=dict(type="str"),
        private_zone=dict(type="dict", default={}, apply_defaults=True, options=dict(
            enabled=dict(type="bool", default=True), name=dict(type="str"), comment=dict(type="str"),
            vpcs=dict(type="list", elements="dict", default=[], options=vpc))),
        public_zone=dict(type="dict", options=dict(
            name=dict(type="str", required=True), comment=dict(type="str"),
            parent_zone=dict(type="dict", options=parent))),
        records=dict(type="list", elements="dict", default=[], options=record),
    )
    module = new_module(spec, supports_check_mode=True)
    job = DnsZones(module)
    try:
        result = job.run()
    except InputError as e:
        module.fail_json(msg="%s: %s" % (e.field, e.reason), field=e.field, actions=job.actions)
    except Failure as e:
        module.fail_json(msg="%s: %s" % (e.field, e) if e.field else str(e), field=e.field, actions=job.actions)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="Route53/EC2 call failed", actions=job.actions)
    for warning in job.warnings:
        module.warn(warning)
    changed = bool(job.actions)
    if module._diff:
        result["diff"] = dict(before=job.before, after=job.after)
    module.exit_json(changed=changed, actions=job.actions, **result)


if __name__ == "__main__":
    main()
