#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpn_instance
short_description: Converge the hardened EC2 instance of the Pritunl VPN server
version_added: 0.1.0
description:
  - Converges, in one call, the VPN server of an environment - one EC2 instance in a public
    subnet of the environment's VPC, its security group, an IAM role and instance profile for
    SSM Session Manager, an Elastic IP, optionally the routes of the routed mode and a DNS
    record C(vpn.<zone>) in the environment's public zone.
  - The instance is identified by O(owner) and O(key) tags (any live state, stopped included)
    and launched with an idempotency token derived from them, so re-runs never launch a second
    instance.
  - Hardening - IMDSv2 required with hop limit 1, encrypted gp3 root volume, no key pair and no
    port 22 unless asked, termination protection on, the web console (443) only from
    O(admin_cidrs).
  - Changing the AMI, the instance type or the user data never replaces the instance unless
    O(replace=true); the drift is reported as a warning.
  - Only resources tagged with O(owner) are modified or deleted. Routes are ours when their
    destination is O(client_cidr) and their target our instance's network interface (or, in a
    peered VPC, the peering connection to our VPC).
  - Check mode is exact - it reports the actions a real run would take and writes nothing.
author:
  - refarch.network developers (@refarch)
options:
  key:
    description:
      - Logical key of the instance (tag C(refarch:key)). Its last segment names the other
        resources (C(sg/vpn), C(eip/vpn), IAM C(refarch-<owner>-vpn)).
    type: str
    default: instance/vpn
  name:
    description: C(Name) tag of the resources. Defaults to C(<owner>-vpn).
    type: str
  vpc_id:
    description: The VPC. Defaults to the VPC tagged with O(owner) (built by M(refarch.network.vpc_tiers)).
    type: str
  subnet_id:
    description: The subnet. Defaults to the first (by zone) owned subnet of O(subnet_tier).
    type: str
  subnet_tier:
    description: Tier whose subnets are public (routed to the internet gateway).
    type: str
    default: public
  availability_zone:
    description: Pick the subnet of O(subnet_tier) in this zone.
    type: str
  image_id:
    description:
      - AMI to launch. When given, O(image_ssm_parameter) is not read.
      - The local emulator does not serve Canonical's public SSM parameters (it serves Amazon
        Linux's); pass O(image_id) or an Amazon Linux parameter there.
    type: str
  image_ssm_parameter:
    description: Public SSM parameter holding the current AMI of a supported distribution.
    type: str
    default: /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id
  instance_type:
    description: Instance type.
    type: str
    default: t3.medium
  root_volume_size:
    description: Size of the encrypted gp3 root volume in GiB.
    type: int
    default: 20
  kms_key_id:
    description: KMS key for the root volume. Defaults to the account's default EBS key.
    type: str
  user_data:
    description:
      - cloud-init user data (the role renders it). Only read at the first boot, so a change
        is reported as drift, like the AMI.
    type: str
  key_name:
    description: EC2 key pair. None by default - use SSM Session Manager.
    type: str
  replace:
    description:
      - Terminate and relaunch the instance when its AMI, type or user data differ from the
        request. The Elastic IP, routes and DNS record follow the new instance.
    type: bool
    default: false
  vpn_port:
    description: Port the VPN listens on, open to the world.
    type: int
    default: 1194
  vpn_protocol:
    description: Protocol of O(vpn_port).
    type: str
    default: udp
    choices: [udp, tcp]
  admin_cidrs:
    description: Networks allowed to reach the Pritunl web console on tcp/443. None by default.
    type: list
    elements: str
    default: []
  ssh_cidrs:
    description: Networks allowed to reach tcp/22. None by default.
    type: list
    elements: str
    default: []
  allow_world_console:
    description:
      - Allow C(0.0.0.0/0) in O(admin_cidrs) or O(ssh_cidrs). Refused otherwise.
    type: bool
    default: false
  mode:
    description:
      - V(nat) (default) - Pritunl NATs client traffic to the instance's address; no routes.
      - V(routed) - source/destination check off and a route for O(client_cidr) to the
        instance in every owned route table of the VPC, and to the peering connection in the
        owned route tables of each of O(peers).
    type: str
    default: nat
    choices: [nat, routed]
  client_cidr:
    description: The VPN client network (the Pritunl server network). Required in routed mode.
    type: str
  peers:
    description: Peered environments whose route tables get the client route (routed mode).
    type: list
    elements: dict
    default: []
    suboptions:
      owner:
        description: Owner tag of the peer's VPC and route tables.
        type: str
      vpc_id:
        description: The peer's VPC, instead of looking it up by O(peers[].owner).
        type: str
      assume_role_arn:
        description: Role in the peer's account.
        type: str
      region:
        description: Region of the peer's VPC. Defaults to O(region).
        type: str
  dns_zone:
    description:
      - Public hosted zone of the environment (for example C(management.example.com)). When it
        exists, an A record O(dns_record) points at the Elastic IP; when it does not, nothing
        is written and a warning says so.
      - The record is registered in the zone's ownership registry under owner C(<owner>-vpn),
        the convention of M(refarch.network.dns_zones), which therefore leaves it alone.
    type: str
  dns_record:
    description: Name of the record, relative to O(dns_zone).
    type: str
    default: vpn
  dns_ttl:
    description: TTL of the record.
    type: int
    default: 300
  wait_timeout:
    description: Seconds to wait for the instance to run or terminate.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
notes:
  - The local emulator ignores C(DisableApiTermination) at launch; the module checks the
    attribute after every launch and sets it when missing (one extra call on AWS).
  - The emulator does not honour C(ClientToken); the tag lookup is what prevents a second
    instance there, and after a retried launch (a lost reply) the other instances carrying
    our owner and key tags are terminated.
  - Writes retried after a lost reply (the request done, the answer lost) count as done when
    what they create already exists as ours, or what they delete is already gone.
"""

EXAMPLES = r"""
- name: The management VPN server, NAT mode, console reachable from the office only
  refarch.network.vpn_instance:
    owner: management
    image_ssm_parameter: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
    admin_cidrs: [203.0.113.0/24]
    user_data: "{{ lookup('ansible.builtin.template', 'cloud-init.yml.j2') }}"
    dns_zone: management.example.com

- name: Routed mode, the client network reachable from development as well
  refarch.network.vpn_instance:
    owner: management
    image_id: ami-0123456789abcdef0
    mode: routed
    client_cidr: 172.27.224.0/20
    peers:
      - owner: development
        assume_role_arn: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole

- name: Tear it down
  refarch.network.vpn_instance:
    owner: management
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), one short line each.
  returned: always
  type: list
  elements: str
  sample: ["create security group sg/vpn", "launch instance instance/vpn t3.medium ami-0abc in subnet-0abc"]
instance:
  description: The VPN instance (empty after O(state=absent); ids unknown in check mode show as C(None)).
  returned: always
  type: dict
  sample: {"id": "i-0abc", "type": "t3.medium", "image_id": "ami-0abc", "subnet_id": "subnet-0abc",
           "private_ip": "10.120.0.10", "network_interface_id": "eni-0abc", "state": "running"}
security_group:
  description: Id and ingress rules of the VPN security group.
  returned: always
  type: dict
  sample: {"id": "sg-0abc", "ingress": ["udp/1194 from 0.0.0.0/0", "tcp/443 from 203.0.113.0/24"]}
elastic_ip:
  description: The Elastic IP.
  returned: always
  type: dict
  sample: {"allocation_id": "eipalloc-0abc", "public_ip": "198.51.100.7"}
public_ip:
  description: The public address of the server (the Elastic IP).
  returned: always
  type: str
dns_name:
  description: The DNS record written, or null when no zone was given or found.
  returned: always
  type: str
  sample: vpn.management.example.com
iam_instance_profile:
  description: ARN of the instance profile.
  returned: always
  type: str
routes:
  description: Routes for the client network, as C(<route table> <cidr> -> <target>).
  returned: always
  type: list
  elements: str
"""

import json

try:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    Connection, error_code, find_owned_vpc, new_module, owned_subnets_by_tier, owned_tags,
    owner_filter, tag_dict, tag_list, tag_spec, is_owned)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils import vpn as plan
from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import create_once, write
from ansible_collections.refarch.network.plugins.module_utils.waiters import poll

NEW = "(new)"  # stands in for ids that only exist after a real run (check mode)


class Failure(Exception):
    def __init__(self, field, reason):
        self.field, self.reason = field, reason
        super(Failure, self).__init__("%s: %s" % (field, reason))


class VpnInstance(object):
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.check = module.check_mode
        self.owner = self.p["owner"]
        self.base = self.p["key"].split("/")[-1]
        self.name = self.p["name"] or "%s-%s" % (self.owner, self.base)
        self.conn = Connection(module)
        self.ec2 = self.conn.client("ec2")
        self.actions, self.warnings = [], []
        self.before, self.after = {}, {}
        self.result = dict(instance={}, security_group={}, elastic_ip={}, public_ip=None, dns_name=None,
                           iam_instance_profile=None, routes=[])

    # -- helpers -------------------------------------------------------------------------

    def key(self, kind):
        return "%s/%s" % (kind, self.base)

    def tags(self, kind, key=None, extra=None):
        tags = owned_tags(self.owner, key or self.key(kind), self.name, self.p["tags"])
        tags.update(extra or {})
        return tags

    def do(self, text, fn=None, verify=None, **kwargs):
        """Record an action; run it unless in check mode. A retry after a lost reply that
        finds the work done counts as done (``lost_reply.write``; ``verify`` confirms it)."""
        self.actions.append(text)
        if self.check or fn is None:
            return None
        return write(fn, verify=verify, **kwargs)

    def owned_ids(self, key, describe, field, id_field, filters=None, **kwargs):
        """Ids of the resources tagged with our owner and ``key`` (``describe`` an EC2 call)."""
        found = getattr(self.ec2, describe)(Filters=owner_filter(self.owner, key) + (filters or []), **kwargs)
        if field == "Reservations":
            return [i[id_field] for r in found[field] for i in r["Instances"]]
        return [item[id_field] for item in found[field]]

    def one(self, items, what):
        if len(items) > 1:
            raise Failure(what, "%d resources carry owner %s and key %s; remove the extra ones by hand" % (
                len(items), self.owner, what))
        return items[0] if items else None

    # -- read ----------------------------------------------------------------------------

    def read(self):
        p = self.p
        self.vpc = None
        if p["vpc_id"]:
            vpcs = self.ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [p["vpc_id"]]}])["Vpcs"]
            if not vpcs:
                raise Failure("vpc_id", "%s does not exist" % p["vpc_id"])
            self.vpc = vpcs[0]
        else:
            try:
                self.vpc = find_owned_vpc(self.ec2, self.owner)
            except ValueError as e:
                raise Failure("owner", str(e))
        filters = owner_filter(self.owner, self.p["key"]) + [
            {"Name": "instance-state-name", "Values": list(plan.LIVE_STATES)}]
        found = [i for r in self.ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]]
        self.instance = self.one(found, self.p["key"])
        self.protected = None
        if self.instance:
            attr = self.ec2.describe_instance_attribute(InstanceId=self.instance["InstanceId"],
                                                        Attribute="disableApiTermination")
            self.protected = attr["DisableApiTermination"]["Value"]
        sg_filters = owner_filter(self.owner, self.key("sg"))
        self.sg = self.one(self.ec2.describe_security_groups(Filters=sg_filters)["SecurityGroups"], self.key("sg"))
        self.eip = self.one(self.ec2.describe_addresses(Filters=owner_filter(self.owner, self.key("eip")))["Addresses"],
                            self.key("eip"))
        self.read_iam()
        self.read_routes()
        self.read_dns()

    def read_iam(self):
        iam = self.conn.client("iam")
        self.iam_name = plan.iam_name(self.owner, self.base)
        self.role = self.profile = self.role_policy = None
        try:
            self.role = iam.get_role(RoleName=self.iam_name)["Role"]
            self.role_policy = iam.get_role_policy(RoleName=self.iam_name,
                                                   PolicyName=plan.SSM_POLICY_NAME)["PolicyDocument"]
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise
        try:
            self.profile = iam.get_instance_profile(InstanceProfileName=self.iam_name)["InstanceProfile"]
        except ClientError as e:
            if error_code(e) != "NoSuchEntity":
                raise
        for what, item in (("IAM role", self.role), ("instance profile", self.profile)):
            if item is not None and not is_owned(item.get("Tags"), self.owner):
                raise Failure("owner", "%s %s exists and is not tagged refarch:owner=%s; it is never "
                                       "taken over" % (what, self.iam_name, self.owner))

    def owned_tables(self, ec2, owner, vpc_id):
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}] + owner_filter(owner)
        tables = ec2.describe_route_tables(Filters=filters)["RouteTables"]
        return sorted(tables, key=lambda t: tag_dict(t.get("Tags")).get("refarch:key", t["RouteTableId"]))

    def read_routes(self):
        """Route tables of our VPC, and each peer's VPC, tables and peering connection."""
        self.tables = self.owned_tables(self.ec2, self.owner, self.vpc["VpcId"]) if self.vpc else []
        self.peers = []
        if not self.p["peers"]:
            return
        if self.vpc is None:
            if self.p["state"] == "absent":
                return
            raise Failure("owner", "no VPC tagged refarch:owner=%s; run vpc_tiers first or pass vpc_id" % self.owner)
        for index, spec in enumerate(self.p["peers"]):
            field = "peers[%d]" % index
            # no assume_role_arn: the peer lives in our own account (same credentials as ours)
            conn = Connection(self.module, role_arn=spec.get("assume_role_arn"), region=spec.get("region"))
            ec2 = conn.client("ec2")
            if spec.get("vpc_id"):
                vpcs = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [spec["vpc_id"]]}])["Vpcs"]
                vpc = vpcs[0] if vpcs else None
            else:
                try:
                    vpc = find_owned_vpc(ec2, spec["owner"])
                except ValueError as e:
                    raise Failure(field, str(e))
            if vpc is None:
                raise Failure(field, "the peer's VPC was not found")
            peer_owner = spec.get("owner") or tag_dict(vpc.get("Tags")).get("refarch:owner")
            pair = [self.vpc["VpcId"], vpc["VpcId"]]
            pcxs = ec2.describe_vpc_peering_connections(Filters=[
                {"Name": "status-code", "Values": ["active"]},
                {"Name": "requester-vpc-info.vpc-id", "Values": pair},
                {"Name": "accepter-vpc-info.vpc-id", "Values": pair}])["VpcPeeringConnections"]
            pcxs = [c for c in pcxs if c["RequesterVpcInfo"]["VpcId"] != c["AccepterVpcInfo"]["VpcId"]]
            if not pcxs:
                raise Failure(field, "no active peering connection between %s and %s; peer the VPCs first" % tuple(pair))
            self.peers.append(dict(field=field, ec2=ec2, vpc=vpc, owner=peer_owner,
                                   pcx=pcxs[0]["VpcPeeringConnectionId"],
                                   tables=self.owned_tables(ec2, peer_owner, vpc["VpcId"])))

    def read_dns(self):
        self.zone = None
        self.rrsets = {}
        if not self.p["dns_zone"]:
            return
        try:
            zone_name = dns.check_zone_name(self.p["dns_zone"], "dns_zone")
        except InputError as e:
            raise Failure(e.field, e.reason)
        route53 = self.conn.client("route53")
        zones = route53.list_hosted_zones_by_name(DNSName=zone_name)["HostedZones"]
        public = [z for z in zones if dns.fqdn(z["Name"]) == zone_name and not z.get("Config", {}).get("PrivateZone")]
        if not public:
            if self.p["state"] == "present":
                self.warnings.append("dns_zone %s: no public hosted zone of that name; no DNS record written" % zone_name)
            return
        self.zone = dict(id=public[0]["Id"], name=zone_name)
        rrsets = []
        for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=self.zone["id"]):
            rrsets.extend(page["ResourceRecordSets"])
        self.rrsets = dns.index_rrsets(rrsets)

    # -- present -------------------------------------------------------------------------

    def present(self, desired):
        p = self.p
        if self.vpc is None and self.module.check_mode:
            # --check on a new environment: the VPC is only planned, so is everything in it
            self.actions.append("launch VPN instance %s, its security group, Elastic IP and profile "
                                "(VPC of %s not built yet)" % (p["key"], self.owner))
            return
        if self.vpc is None:
            raise Failure("owner", "no VPC tagged refarch:owner=%s; run vpc_tiers first or pass vpc_id" % self.owner)
        self.subnet = self.pick_subnet()
        cidrs = [self.vpc["CidrBlock"]] + [peer["vpc"]["CidrBlock"] for peer in self.peers]
        try:
            plan.check_client_cidr(desired["client_cidr"], cidrs)
        except InputError as e:
            raise Failure(e.field, e.reason)
        image_id = self.resolve_image()
        user_data_digest = plan.digest(p["user_data"]) if p["user_data"] is not None else None
        drift = plan.instance_drift(self.instance, image_id, p["instance_type"], user_data_digest) \
            if self.instance else []
        relaunch = self.instance is None or (drift and p["replace"])
        root_device = self.root_device(image_id) if relaunch else None
        self.check_route_conflicts(desired)
        if drift and not p["replace"]:
            self.warnings.append(plan.drift_warning(drift))

        profile_arn = self.ensure_iam()
        sg_id = self.ensure_sg(desired)
        if relaunch:
            if self.instance is not None:
                self.terminate(self.instance, "replace instance %s (%s)" % (
                    self.instance["InstanceId"], ", ".join(d[0] for d in drift)))
            self.launch(image_id, root_device, sg_id, profile_arn, user_data_digest)
        else:
            self.fix_instance(sg_id, profile_arn)
        self.ensure_eip()
        self.ensure_routes(desired)
        self.ensure_dns(present=True)
        self.describe_result(sg_id, profile_arn)

    def pick_subnet(self):
        p = self.p
        if p["subnet_id"]:
            subnets = self.ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [p["subnet_id"]]}])["Subnets"]
            if not subnets or subnets[0]["VpcId"] != self.vpc["VpcId"]:
                raise Failure("subnet_id", "%s is not a subnet of %s" % (p["subnet_id"], self.vpc["VpcId"]))
            return subnets[0]
        subnets = owned_subnets_by_tier(self.ec2, self.owner, self.vpc["VpcId"]).get(p["subnet_tier"], [])
        if p["availability_zone"]:
            subnets = [s for s in subnets if s["AvailabilityZone"] == p["availability_zone"]]
        if not subnets:
            raise Failure("subnet_tier", "no owned subnet of tier %r%s in %s" % (
                p["subnet_tier"], " in %s" % p["availability_zone"] if p["availability_zone"] else "",
                self.vpc["VpcId"]))
        if self.instance:  # keep the instance where it is
            for subnet in subnets:
                if subnet["SubnetId"] == self.instance.get("SubnetId"):
                    return subnet
        return subnets[0]

    def resolve_image(self):
        p = self.p
        if p["image_id"]:
            return p["image_id"]
        try:
            return self.conn.client("ssm").get_parameter(Name=p["image_ssm_parameter"])["Parameter"]["Value"]
        except ClientError as e:
            if error_code(e) == "ParameterNotFound":
                raise Failure("image_ssm_parameter", "%s does not exist here (the local emulator serves only "
                                                     "Amazon Linux parameters); pass image_id or another "
                                                     "parameter" % p["image_ssm_parameter"])
            raise

    def root_device(self, image_id):
        images = self.ec2.describe_images(Filters=[{"Name": "image-id", "Values": [image_id]}])["Images"]
        if not images:
            raise Failure("image_id", "AMI %s does not exist in this region" % image_id)
        return images[0].get("RootDeviceName") or "/dev/xvda"

    def ensure_iam(self):
        iam = self.conn.client("iam")
        name = self.iam_name
        tags = tag_list(self.tags("iam"))
        self.before["iam"] = dict(role=bool(self.role), policy=bool(self.role_policy), profile=bool(self.profile))
        self.after["iam"] = dict(role=True, policy=True, profile=True)
        if self.role is None:
            self.do("create IAM role %s" % name, iam.create_role, RoleName=name, Path="/refarch/",
                    verify=lambda: is_owned(iam.get_role(RoleName=name)["Role"].get("Tags"), self.owner),
                    AssumeRolePolicyDocument=plan.trust_policy(), Tags=tags,
                    Description="SSM Session Manager for the %s VPN server" % self.owner)
        if self.role_policy is None or not plan.same_policy(self.role_policy, plan.ssm_policy()):
            self.do("put IAM role policy %s/%s" % (name, plan.SSM_POLICY_NAME), iam.put_role_policy,
                    RoleName=name, PolicyName=plan.SSM_POLICY_NAME, PolicyDocument=plan.ssm_policy())
        profile = self.profile
        if profile is None:
            def get_profile():
                return iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
            created = self.do("create instance profile %s" % name, iam.create_instance_profile,
                              verify=lambda: is_owned(get_profile().get("Tags"), self.owner),
                              InstanceProfileName=name, Path="/refarch/", Tags=tags)
            if created == {}:  # a lost reply: the earlier attempt created it
                created = dict(InstanceProfile=get_profile())
            profile = created["InstanceProfile"] if created else dict(Arn=None, Roles=[])
        if name not in [r["RoleName"] for r in profile.get("Roles", [])]:
            self.do("add IAM role %s to instance profile %s" % (name, name), iam.add_role_to_instance_profile,
                    verify=lambda: [r["RoleName"] for r in iam.get_instance_profile(
                        InstanceProfileName=name)["InstanceProfile"]["Roles"]] == [name],
                    InstanceProfileName=name, RoleName=name)
        return profile["Arn"]

    def ensure_sg(self, desired):
        want = plan.desired_ingress(self.p, desired)
        have = plan.ingress_of(self.sg["IpPermissions"]) if self.sg else set()
        self.before["security_group"] = sorted(plan.rule_text(r) for r in have) if self.sg else None
        self.after["security_group"] = sorted(plan.rule_text(r) for r in want)
        sg_id = self.sg["GroupId"] if self.sg else None
        if self.sg is None:
            def ours():  # the group a lost attempt created: same name and VPC, our tags
                return self.owned_ids(self.key("sg"), "describe_security_groups", "SecurityGroups", "GroupId",
                                      [{"Name": "vpc-id", "Values": [self.vpc["VpcId"]]},
                                       {"Name": "group-name", "Values": [self.name]}])
            created = self.do("create security group %s in %s" % (self.key("sg"), self.vpc["VpcId"]),
                              self.ec2.create_security_group, verify=lambda: len(ours()) == 1,
                              GroupName=self.name, VpcId=self.vpc["VpcId"],
                              Description="Pritunl VPN server of %s" % self.owner,
                              TagSpecifications=tag_spec("security-group", self.tags("sg")))
            if created == {}:
                created = dict(GroupId=ours()[0])
            sg_id = created["GroupId"] if created else NEW
        stale = sorted(have - set(want))
        if stale:
            perms = [json.loads(r[3]) if r[0] == "other" else plan.permission(r) for r in stale]
            self.do("revoke %s from %s" % (", ".join(plan.rule_text(r) for r in stale), self.key("sg")),
                    self.ec2.revoke_security_group_ingress, GroupId=sg_id, IpPermissions=perms)
        missing = sorted(set(want) - have)
        if missing:
            self.do("allow %s in %s" % (", ".join(plan.rule_text(r) for r in missing), self.key("sg")),
                    self.ec2.authorize_security_group_ingress, GroupId=sg_id,
                    IpPermissions=[plan.permission(r, want[r]) for r in missing])
        return sg_id

    def check_route_conflicts(self, desired):
        """A client route that points somewhere we do not own is refused before any write."""
        if self.p["mode"] != "routed":
            return
        cidr = desired["client_cidr"]
        eni = self.eni()
        for table in self.tables:
            for route in table.get("Routes", []):
                if route.get("DestinationCidrBlock") == cidr and route.get("State") != "blackhole" and \
                        (eni is None or route.get("NetworkInterfaceId") != eni):
                    raise Failure("client_cidr", "route table %s already routes %s to a target that is not "
                                                 "the VPN instance" % (table["RouteTableId"], cidr))
        for peer in self.peers:
            for table in peer["tables"]:
                for route in table.get("Routes", []):
                    if route.get("DestinationCidrBlock") == cidr and \
                            route.get("VpcPeeringConnectionId") != peer["pcx"] and route.get("State") != "blackhole":
                        raise Failure(peer["field"], "route table %s already routes %s elsewhere" % (
                            table["RouteTableId"], cidr))

    def launch(self, image_id, root_device, sg_id, profile_arn, user_data_digest):
        p = self.p
        extra = {plan.USER_DATA_TAG: user_data_digest} if user_data_digest else {}
        ebs = dict(VolumeSize=p["root_volume_size"], VolumeType="gp3", Encrypted=True, DeleteOnTermination=True)
        if p["kms_key_id"]:
            ebs["KmsKeyId"] = p["kms_key_id"]
        params = dict(
            ImageId=image_id, InstanceType=p["instance_type"], MinCount=1, MaxCount=1,
            SubnetId=self.subnet["SubnetId"], SecurityGroupIds=[sg_id],
            IamInstanceProfile={"Arn": profile_arn},
            MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
            BlockDeviceMappings=[{"DeviceName": root_device, "Ebs": ebs}],
            DisableApiTermination=True,
            TagSpecifications=tag_spec("instance", self.tags("instance", self.p["key"], extra))
            + tag_spec("volume", self.tags("volume", self.p["key"] + "/root")),
        )
        if p["user_data"] is not None:
            params["UserData"] = p["user_data"]
        if p["key_name"]:
            params["KeyName"] = p["key_name"]
        launch_id = "|".join([image_id, p["instance_type"], self.subnet["SubnetId"], user_data_digest or ""])
        self.after["instance"] = dict(type=p["instance_type"], image_id=image_id, subnet_id=self.subnet["SubnetId"],
                                      imdsv2=True, termination_protection=True,
                                      source_dest_check=p["mode"] != "routed")
        self.do("launch instance %s %s %s in %s" % (self.p["key"], p["instance_type"], image_id,
                                                    self.subnet["SubnetId"]))
        if self.check:
            self.instance = dict(InstanceId=None, NetworkInterfaces=[{"NetworkInterfaceId": NEW}])
            if p["mode"] == "routed":
                self.actions.append("disable source/dest check of %s" % self.p["key"])
            return
        instance = self.run_instances(params, launch_id)
        iid = instance["InstanceId"]
        poll(lambda: self.describe(iid)["State"]["Name"] == "running", "instance %s to run" % iid,
             timeout=p["wait_timeout"])
        # the emulator ignores DisableApiTermination at launch: check it, as AWS may lag too
        attr = self.ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")
        if not attr["DisableApiTermination"]["Value"]:
            self.ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
        if p["mode"] == "routed":
            self.do("disable source/dest check of %s" % iid, self.ec2.modify_instance_attribute,
                    InstanceId=iid, SourceDestCheck={"Value": False})
        self.instance = self.describe(iid)

    def run_instances(self, params, launch_id):
        """RunInstances with a deterministic token; retries while a new instance profile
        propagates (IAM is eventually consistent)."""
        salt = ""
        for _attempt in range(4):
            params["ClientToken"] = plan.client_token(self.owner, self.p["key"], launch_id, salt)
            box = {}

            def attempt():
                try:
                    box["response"] = self.ec2.run_instances(**params)
                    return True
                except ClientError as e:
                    if error_code(e) == "InvalidParameterValue" and "iamInstanceProfile" in str(e):
                        return False
                    raise
            poll(attempt, "instance profile %s to be usable" % self.iam_name, timeout=120, first_delay=1.0)
            instance = box["response"]["Instances"][0]
            # the emulator ignores ClientToken: a retry after a lost reply launched a second one
            create_once(box["response"], instance["InstanceId"], lambda: self.owned_ids(
                self.p["key"], "describe_instances", "Reservations", "InstanceId",
                [{"Name": "instance-state-name", "Values": list(plan.LIVE_STATES)}]), self.discard)
            if instance["State"]["Name"] not in ("shutting-down", "terminated"):
                return instance
            # AWS replayed an earlier launch with this token whose instance is gone
            salt = instance["InstanceId"]
        raise Failure("key", "RunInstances keeps returning terminated instances for this token")

    def discard(self, iid):
        """Terminate a duplicate launch (protection off first, as set at launch on AWS)."""
        self.ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": False})
        self.ec2.terminate_instances(InstanceIds=[iid])

    def describe(self, instance_id):
        return self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]

    def fix_instance(self, sg_id, profile_arn):
        """In-place settings of an existing instance: hardening, groups, profile, routing."""
        inst, iid, p = self.instance, self.instance["InstanceId"], self.p
        routed = p["mode"] == "routed"
        self.before["instance"] = dict(
            type=inst["InstanceType"], image_id=inst["ImageId"], subnet_id=inst.get("SubnetId"),
            imdsv2=plan.metadata_ok(inst), termination_protection=self.protected,
            source_dest_check=inst.get("SourceDestCheck", True))
        self.after["instance"] = dict(self.before["instance"], imdsv2=True, termination_protection=True,
                                      source_dest_check=not routed)
        if inst["State"]["Name"] in ("stopped", "stopping"):
            self.warnings.append("the VPN instance %s is %s" % (iid, inst["State"]["Name"]))
        if not plan.metadata_ok(inst):
            self.do("require IMDSv2 (hop limit 1) on %s" % iid, self.ec2.modify_instance_metadata_options,
                    InstanceId=iid, HttpTokens="required", HttpPutResponseHopLimit=1, HttpEndpoint="enabled")
        if not self.protected:
            self.do("enable termination protection of %s" % iid, self.ec2.modify_instance_attribute,
                    InstanceId=iid, DisableApiTermination={"Value": True})
        groups = [g["GroupId"] for g in inst.get("SecurityGroups", [])]
        if groups != [sg_id]:
            self.do("set security groups of %s to %s" % (iid, sg_id), self.ec2.modify_instance_attribute,
                    InstanceId=iid, Groups=[sg_id])
        if inst.get("SourceDestCheck", True) == routed:
            self.do("%s source/dest check of %s" % ("disable" if routed else "enable", iid),
                    self.ec2.modify_instance_attribute, InstanceId=iid, SourceDestCheck={"Value": not routed})
        current = (inst.get("IamInstanceProfile") or {}).get("Arn")
        if current is None:
            self.do("associate instance profile %s with %s" % (self.iam_name, iid),
                    self.ec2.associate_iam_instance_profile, verify=lambda: self.profile_of(iid) == profile_arn,
                    InstanceId=iid,
                    IamInstanceProfile={"Arn": profile_arn})
        elif current != profile_arn:
            self.warnings.append("instance %s uses instance profile %s, not %s" % (iid, current, profile_arn))

    def profile_of(self, iid):
        found = self.ec2.describe_iam_instance_profile_associations(Filters=[
            {"Name": "instance-id", "Values": [iid]}, {"Name": "state", "Values": ["associating", "associated"]}])
        arns = [a["IamInstanceProfile"]["Arn"] for a in found["IamInstanceProfileAssociations"]]
        return arns[0] if arns else None

    def ensure_eip(self):
        eip = self.eip
        iid = self.instance["InstanceId"]
        self.before["elastic_ip"] = dict(public_ip=eip["PublicIp"], instance=eip.get("InstanceId") or None) \
            if eip else None
        if eip is None:
            eip = self.do("allocate elastic IP %s" % self.key("eip"), self.ec2.allocate_address, Domain="vpc",
                          TagSpecifications=tag_spec("elastic-ip", self.tags("eip"))) or \
                dict(AllocationId=NEW, PublicIp=None)
            # a retried allocate may have left the lost attempt's address: release it
            create_once(eip, eip["AllocationId"],
                        lambda: self.owned_ids(self.key("eip"), "describe_addresses", "Addresses", "AllocationId"),
                        lambda i: write(self.ec2.release_address, AllocationId=i))
        self.after["elastic_ip"] = dict(public_ip=eip.get("PublicIp"), instance=iid)
        if iid is None or eip.get("InstanceId") != iid:
            self.do("associate elastic IP %s with %s" % (eip.get("PublicIp") or self.key("eip"), iid or NEW),
                    self.ec2.associate_address, AllocationId=eip["AllocationId"], InstanceId=iid,
                    AllowReassociation=True)
        self.eip = eip
        self.result["elastic_ip"] = dict(allocation_id=eip["AllocationId"], public_ip=eip.get("PublicIp"))
        self.result["public_ip"] = eip.get("PublicIp")

    def eni(self):
        if not self.instance:
            return None
        interfaces = self.instance.get("NetworkInterfaces") or []
        return interfaces[0]["NetworkInterfaceId"] if interfaces else None

    def ensure_routes(self, desired):
        """Routed mode: client route to our ENI in our tables, to the peering in peers' tables.
        Otherwise (and on absent): remove the routes that point at our ENI / for our client net."""
        eni = self.eni()
        cidr = desired["client_cidr"] if desired else self.p["client_cidr"]
        routed = desired is not None and self.p["mode"] == "routed"
        before, after = [], []
        for table in self.tables:
            rtb = table["RouteTableId"]
            current = [r for r in table.get("Routes", []) if r.get("NetworkInterfaceId") and
                       (r.get("NetworkInterfaceId") == eni or r.get("DestinationCidrBlock") == cidr)]
            for route in current:
                before.append("%s %s -> %s" % (rtb, route.get("DestinationCidrBlock"), route["NetworkInterfaceId"]))
            if routed:
                after.append("%s %s -> %s" % (rtb, cidr, eni))
                match = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == cidr]
                if not match:
                    self.do("create route %s %s -> %s" % (rtb, cidr, eni), self.ec2.create_route,
                            verify=lambda rtb=rtb: self.route_target(self.ec2, rtb, cidr) == eni,
                            RouteTableId=rtb, DestinationCidrBlock=cidr, NetworkInterfaceId=eni)
                elif match[0].get("NetworkInterfaceId") != eni:
                    self.do("replace route %s %s -> %s" % (rtb, cidr, eni), self.ec2.replace_route,
                            RouteTableId=rtb, DestinationCidrBlock=cidr, NetworkInterfaceId=eni)
            for route in current:
                if route.get("NetworkInterfaceId") == eni and not (routed and route["DestinationCidrBlock"] == cidr):
                    self.do("delete route %s %s" % (rtb, route["DestinationCidrBlock"]), self.ec2.delete_route,
                            RouteTableId=rtb, DestinationCidrBlock=route["DestinationCidrBlock"])
        for peer in self.peers:
            for table in peer["tables"]:
                rtb = table["RouteTableId"]
                match = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == cidr]
                ours = match and match[0].get("VpcPeeringConnectionId") == peer["pcx"]
                if ours:
                    before.append("%s %s -> %s" % (rtb, cidr, peer["pcx"]))
                if routed:
                    after.append("%s %s -> %s" % (rtb, cidr, peer["pcx"]))
                    if not match:
                        self.do("create route %s %s -> %s" % (rtb, cidr, peer["pcx"]), peer["ec2"].create_route,
                                verify=lambda rtb=rtb, peer=peer: self.route_target(
                                    peer["ec2"], rtb, cidr) == peer["pcx"],
                                RouteTableId=rtb, DestinationCidrBlock=cidr, VpcPeeringConnectionId=peer["pcx"])
                    elif not ours:  # a blackhole left behind (check_route_conflicts refused the rest)
                        self.do("replace route %s %s -> %s" % (rtb, cidr, peer["pcx"]), peer["ec2"].replace_route,
                                RouteTableId=rtb, DestinationCidrBlock=cidr, VpcPeeringConnectionId=peer["pcx"])
                elif ours:
                    self.do("delete route %s %s" % (rtb, cidr), peer["ec2"].delete_route,
                            RouteTableId=rtb, DestinationCidrBlock=cidr)
        self.before["routes"], self.after["routes"] = sorted(before), sorted(after)
        self.result["routes"] = sorted(after)

    @staticmethod
    def route_target(ec2, rtb, cidr):
        """The ENI or peering connection ``cidr`` routes to in table ``rtb`` (None: no route)."""
        table = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
        for route in table.get("Routes", []):
            if route.get("DestinationCidrBlock") == cidr:
                return route.get("NetworkInterfaceId") or route.get("VpcPeeringConnectionId")
        return None

    def ensure_dns(self, present):
        if self.zone is None:
            return
        name = dns.record_name(self.p["dns_record"], self.zone["name"])
        ip = self.eip.get("PublicIp") if (present and self.eip) else None
        if present and ip is None:  # check mode, no address yet
            self.do("create record A %s (new elastic IP)" % name)
            self.result["dns_name"] = name.rstrip(".")
            return
        desired = {("A", name): (self.p["dns_ttl"], [ip])} if present else {}
        try:
            changes, actions, before, after = dns.plan_zone_records(
                self.owner + "-" + self.base, self.zone["name"], desired, self.rrsets, field="dns_record")
        except InputError as e:
            raise Failure(e.field, e.reason)
        self.before["dns"], self.after["dns"] = before, after
        if changes:
            route53 = self.conn.client("route53")
            self.actions.extend(actions or ["update the ownership registry of %s" % self.zone["name"]])
            if not self.check:
                # CREATE and DELETE are not idempotent: a retry after a lost reply is refused, and
                # is done when the zone now needs no change
                write(route53.change_resource_record_sets, verify=lambda: self.dns_converged(desired),
                      HostedZoneId=self.zone["id"], ChangeBatch={"Changes": changes})
        if present:
            self.result["dns_name"] = name.rstrip(".")

    def dns_converged(self, desired):
        self.read_dns()
        return not dns.plan_zone_records(self.owner + "-" + self.base, self.zone["name"], desired, self.rrsets,
                                         field="dns_record")[0]

    def describe_result(self, sg_id, profile_arn):
        inst = self.instance
        self.result["instance"] = dict(
            id=inst.get("InstanceId"), type=inst.get("InstanceType", self.p["instance_type"]),
            image_id=inst.get("ImageId"), subnet_id=inst.get("SubnetId", self.subnet["SubnetId"]),
            availability_zone=self.subnet["AvailabilityZone"], private_ip=inst.get("PrivateIpAddress"),
            network_interface_id=self.eni(), state=(inst.get("State") or {}).get("Name"))
        self.result["security_group"] = dict(id=sg_id, ingress=self.after["security_group"])
        self.result["iam_instance_profile"] = profile_arn

    # -- absent --------------------------------------------------------------------------

    def terminate(self, instance, text):
        iid = instance["InstanceId"]
        self.do(text)
        if self.check:
            return
        self.ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": False})
        self.ec2.terminate_instances(InstanceIds=[iid])
        poll(lambda: self.describe(iid)["State"]["Name"] == "terminated", "instance %s to terminate" % iid,
             timeout=self.p["wait_timeout"])

    def remove_role(self, iam, role):
        """RemoveRoleFromInstanceProfile; the emulator answers a retry after a lost reply with an
        HTML 500 (AWS: NoSuchEntity, which ``write`` takes), so the end state decides."""
        def gone():
            profile = iam.get_instance_profile(InstanceProfileName=self.iam_name)["InstanceProfile"]
            return role not in [r["RoleName"] for r in profile["Roles"]]
        try:
            write(iam.remove_role_from_instance_profile, InstanceProfileName=self.iam_name, RoleName=role)
        except (BotoCoreError, ClientError, ResponseParserError):
            if not gone():
                raise

    def absent(self):
        iam = self.conn.client("iam")
        self.ensure_dns(present=False)
        self.ensure_routes(None)
        self.before["instance"] = self.instance and self.instance["InstanceId"]
        self.before["security_group"] = self.sg and self.sg["GroupId"]
        self.before["elastic_ip"] = self.eip and self.eip["PublicIp"]
        self.before["iam"] = self.iam_name if (self.role or self.profile) else None
        if self.eip:
            if self.eip.get("AssociationId"):
                self.do("disassociate elastic IP %s" % self.eip["PublicIp"], self.ec2.disassociate_address,
                        AssociationId=self.eip["AssociationId"])
            self.do("release elastic IP %s" % self.eip["PublicIp"], self.ec2.release_address,
                    AllocationId=self.eip["AllocationId"])
        if self.instance:
            self.terminate(self.instance, "terminate instance %s (termination protection off first)" %
                           self.instance["InstanceId"])
        if self.sg:
            self.do("delete security group %s" % self.sg["GroupId"], self.ec2.delete_security_group,
                    GroupId=self.sg["GroupId"])
        if self.profile:
            for role in self.profile.get("Roles", []):
                self.do("remove IAM role %s from instance profile" % role["RoleName"])
                if not self.check:
                    self.remove_role(iam, role["RoleName"])
            self.do("delete instance profile %s" % self.iam_name, iam.delete_instance_profile,
                    InstanceProfileName=self.iam_name)
        if self.role:
            if self.role_policy is not None:
                self.do("delete IAM role policy %s" % plan.SSM_POLICY_NAME, iam.delete_role_policy,
                        RoleName=self.iam_name, PolicyName=plan.SSM_POLICY_NAME)
            self.do("delete IAM role %s" % self.iam_name, iam.delete_role, RoleName=self.iam_name)
        self.after = dict((k, None) for k in self.before)
        self.after["routes"] = []


def main():
    peer_spec = dict(owner=dict(type="str"), vpc_id=dict(type="str"), assume_role_arn=dict(type="str"),
                     region=dict(type="str"))
    module = new_module(
        argument_spec=dict(
            owner=dict(type="str", required=True),
            key=dict(type="str", default="instance/vpn", no_log=False),
            name=dict(type="str"),
            tags=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            vpc_id=dict(type="str"),
            subnet_id=dict(type="str"),
            subnet_tier=dict(type="str", default="public"),
            availability_zone=dict(type="str"),
            image_id=dict(type="str"),
            image_ssm_parameter=dict(
                type="str",
                default="/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"),
            instance_type=dict(type="str", default="t3.medium"),
            root_volume_size=dict(type="int", default=20),
            kms_key_id=dict(type="str", no_log=False),
            user_data=dict(type="str"),
            key_name=dict(type="str", no_log=False),
            replace=dict(type="bool", default=False),
            vpn_port=dict(type="int", default=1194),
            vpn_protocol=dict(type="str", default="udp", choices=["udp", "tcp"]),
            admin_cidrs=dict(type="list", elements="str", default=[]),
            ssh_cidrs=dict(type="list", elements="str", default=[]),
            allow_world_console=dict(type="bool", default=False),
            mode=dict(type="str", default="nat", choices=["nat", "routed"]),
            client_cidr=dict(type="str"),
            peers=dict(type="list", elements="dict", default=[], options=peer_spec),
            dns_zone=dict(type="str"),
            dns_record=dict(type="str", default="vpn"),
            dns_ttl=dict(type="int", default=300),
            wait_timeout=dict(type="int", default=600),
        ),
        supports_check_mode=True,
    )
    desired = None
    try:
        if module.params["state"] == "present":
            desired = plan.validate(module.params)
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)
    vpn = VpnInstance(module)
    try:
        vpn.read()
        if desired is not None:
            vpn.present(desired)
        else:
            vpn.absent()
    except Failure as e:
        module.fail_json(msg="%s: %s" % (e.field, e.reason), field=e.field, reason=e.reason,
                         actions=vpn.actions)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="vpn_instance failed after: %s" % ("; ".join(vpn.actions) or "no change"))
    except Exception as e:  # WaitTimeout and the like
        module.fail_json(msg=str(e), actions=vpn.actions)
    for warning in vpn.warnings:
        module.warn(warning)
    result = dict(vpn.result, changed=bool(vpn.actions), actions=vpn.actions)
    if module._diff:
        result["diff"] = dict(before=vpn.before, after=vpn.after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
