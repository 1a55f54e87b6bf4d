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
  - Only resources tagged with O(owner) are modified or deleted. All it makes carries the tag
    C(refarch:module=vpn_instance) (added to what an earlier version made), so that no other
    module's purge takes it. Routes are ours when their destination is O(client_cidr) and their
    target our instance's network interface (or, in a peered VPC, the peering connection).
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
  wait_timeout:
    description: Seconds to wait for the instance to run or terminate.
    type: int
    default: 600
extends_documentation_fragment:
  - refarch.network.aws.modules
  - refarch.network.aws.ownership
  - refarch.network.aws.known_zones
  - refarch.network.vpn_links
  - refarch.network.common.converge
notes:
  - AWS is eventually consistent - RunInstances refuses an instance profile made seconds ago and
    new ids are unknown for a moment; both are retried for up to two minutes. Every create is
    issued before the module waits for the instance to run (or terminate).
  - The emulator ignores C(DisableApiTermination) at launch (the module sets it when missing) and
    C(ClientToken) (after a retried launch, other instances with our owner and key are terminated).
  - Writes retried after a lost reply count as done when what they create already exists as ours,
    or what they delete is already gone.
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

- name: NAT mode, serving the private tier of development on 443 and 22
  refarch.network.vpn_instance:
    owner: management
    image_id: ami-0123456789abcdef0
    reach:
      - environment: development
        assume_role_arn: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole
        tiers: [private]
        ports: [443, 22]
        groups: [app]

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
reach:
  description: The served environments found built, with their served tiers' subnet CIDRs.
  returned: always
  type: list
  elements: dict
  sample: [{"environment": "development", "tiers": ["private"], "ports": [22, 443], "groups": ["app"],
            "route_cidrs": ["10.110.32.0/19", "10.110.64.0/19", "10.110.96.0/19"]}]
route_cidrs:
  description: The networks Pritunl should push - the VPC's own CIDR and the served tiers' subnets.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.refarch.network.plugins.module_utils import vpn as plan
from ansible_collections.refarch.network.plugins.module_utils.aws import Connection
from ansible_collections.refarch.network.plugins.module_utils.engine import Ids, Run, converged, execute_and_read, prerequisite_missing, read_back, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.vpn import ARGUMENT_SPEC
from ansible_collections.refarch.network.plugins.module_utils.vpn_apply import HANDLERS, known_ids
from ansible_collections.refarch.network.plugins.module_utils.vpn_diff import diff_absent, diff_present, planned_snapshot, result_of
from ansible_collections.refarch.network.plugins.module_utils.vpn_read import core_ids, read_core, read_vpn


def converge(module):
    params = module.params
    desired = plan.validate(params) if params["state"] == "present" else None
    names = plan.names(params)
    conn, peers = Connection(module), {}

    def peer_ec2(index, spec):  # the peer's account and region; no assume_role_arn: our own account
        peers["peer%d" % index] = Connection(module, spec.get("assume_role_arn"), spec.get("region")).client("ec2")
        return peers["peer%d" % index]

    def reach_ec2(index, spec):  # a served environment's account and region
        peers["reach%d" % index] = Connection(module, spec.get("assume_role_arn"), spec.get("region")).client("ec2")
        return peers["reach%d" % index]
    snap = read_vpn(conn, params, peer_ec2, reach_ec2)
    if desired is None:
        out = diff_absent(params, snap)
    else:
        if snap["vpc"] is None:
            prerequisite_missing(module, InputError("owner", plan.no_vpc(names["owner"])))
        out = diff_present(params, desired, snap)
    clients = dict(peers, ec2=conn.client("ec2"), iam=conn.client("iam"))
    if snap["zone"]:
        clients["route53"] = conn.client("route53")
    run = Run(clients, ids=Ids(known_ids(snap, names)), owner=names["owner"])

    def written():
        return dict(snap, **read_back(lambda: read_core(run.ec2, run.iam, names, protection=False), core_ids, run)) \
            if desired is not None else snap
    snap = execute_and_read(module, out["actions"], HANDLERS, run, written, lambda: planned_snapshot(snap, out),
                            wait_timeout=params["wait_timeout"])
    return converged(module, out["actions"], out["before"], out["after"], warnings=snap["warnings"] + out["warnings"],
                     **result_of(params, snap, out))


def main():
    module, ok, result = run_module("vpn_instance", converge, ARGUMENT_SPEC)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
