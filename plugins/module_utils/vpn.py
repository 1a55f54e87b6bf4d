# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for vpn_instance: validation, security group rules, names, tokens, drift.

No boto3 here. Every error names the option it is about, so the module fails before any
AWS write.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import json
import re

from ansible_collections.refarch.network.plugins.module_utils.addresses import world_open
from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC, parse_cidr

WORLD = "0.0.0.0/0"
CONSOLE_PORT = 443
SSH_PORT = 22
USER_DATA_TAG = "refarch:user-data"
LIVE_STATES = ("pending", "running", "stopping", "stopped")
# EC2 instance types are <family>.<size>: t3.medium, m7i-flex.2xlarge, c6gn.16xlarge, u-6tb1.metal.
INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)$")
# gp3 root volumes: 1 GiB to 16 TiB
MAX_VOLUME_GIB = 16384

# The actions of the AWS managed policy AmazonSSMManagedInstanceCore, inline: the emulator
# only knows managed policies when started with a special flag, and an inline copy keeps
# the role self-contained.
SSM_CORE_ACTIONS = [
    "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
    "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
    "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory",
    "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
]
SSM_POLICY_NAME = "ssm-session-manager"


def trust_policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        sort_keys=True)


def ssm_policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": SSM_CORE_ACTIONS, "Resource": "*"}]}, sort_keys=True)


def same_policy(a, b):
    """Policies compare as JSON (IAM returns them URL-decoded and reformatted)."""
    if isinstance(a, str):
        a = json.loads(a)
    if isinstance(b, str):
        b = json.loads(b)
    return a == b


def iam_name(owner, suffix="vpn"):
    """Role and instance profile name: IAM names are per account, so the owner is part of it."""
    return ("refarch-%s-%s" % (owner, suffix))[:64]


MODULE = "vpn_instance"  # its refarch:module tag: other modules' purges never see what it made


def names(params):
    """Logical keys and names of everything one VPN server owns: the last segment of ``key``
    names the others (``sg/vpn``, ``eip/vpn``, IAM ``refarch-<owner>-vpn``); ``module`` is the
    value of the ``refarch:module`` tag on all of it."""
    owner, key = params["owner"], params["key"]
    base = key.split("/")[-1]
    return dict(owner=owner, base=base, instance=key, sg="sg/" + base, eip="eip/" + base, eni="eni/" + base,
                profile="profile/" + base, iam=iam_name(owner, base), name=params.get("name") or "%s-%s" % (owner, base),
                dns_owner="%s-%s" % (owner, base), module=MODULE)


def no_vpc(owner):
    return "no VPC tagged refarch:owner=%s; run vpc_tiers first or pass vpc_id" % owner


def _cidrs(values, field, allow_world):
    """The CIDRs of one port, refused when they face the world: each entry alone (named by its
    index), then the whole list (0.0.0.0/0 cut into pieces, see addresses.WORLD_SHARE)."""
    result = [str(parse_cidr(value, "%s[%d]" % (field, index))) for index, value in enumerate(values or [])]
    judged = [] if allow_world else [("%s[%d]" % (field, i), [cidr]) for i, cidr in enumerate(result)]
    for where, cidrs in judged + ([(field, result)] if judged else []):
        share = world_open(cidrs)
        if share:
            raise InputError(where, "%s would open the port to the whole internet (%s); set allow_world_console: true "
                                    "if that is really wanted" % (", ".join(cidrs), share))
    return result


def check_launch(params):
    """The launch options that need no AWS call: the instance type's shape, the root volume's
    size, and the DNS record's name within the zone (an absolute name outside it is refused)."""
    if "instance_type" in params and not INSTANCE_TYPE_RE.match(params["instance_type"] or ""):
        raise InputError("instance_type", "%r is not an EC2 instance type (family.size, such as t3.medium)"
                         % (params["instance_type"],))
    if "root_volume_size" in params and not 1 <= params["root_volume_size"] <= MAX_VOLUME_GIB:
        raise InputError("root_volume_size", "%s GiB is out of range 1..%d" % (params["root_volume_size"], MAX_VOLUME_GIB))
    if params.get("dns_zone"):
        dns.record_name(params["dns_record"], dns.check_zone_name(params["dns_zone"], "dns_zone"), "dns_record")


def check_root_volume(size, image):
    """RunInstances refuses a root volume smaller than the image's snapshot: say so before any
    write. ``image`` is the DescribeImages entry."""
    device = image.get("RootDeviceName")
    for mapping in image.get("BlockDeviceMappings") or []:
        needed = (mapping.get("Ebs") or {}).get("VolumeSize")
        if mapping.get("DeviceName") == device and needed and size < needed:
            raise InputError("root_volume_size", "%s GiB is smaller than the root volume of image %s (%s GiB)"
                             % (size, image.get("ImageId"), needed))


def validate(params):
    """Check the options that need no AWS call; return the normalized desired settings."""
    check_launch(params)
    port = params["vpn_port"]
    if not 1 <= port <= 65535:
        raise InputError("vpn_port", "%s is not a port number (1-65535)" % port)
    if params["vpn_protocol"] == "tcp" and port in (CONSOLE_PORT, SSH_PORT):
        raise InputError("vpn_port", "tcp/%s would be open to the world; choose another port" % port)
    allow_world = params["allow_world_console"]
    desired = dict(
        admin_cidrs=_cidrs(params["admin_cidrs"], "admin_cidrs", allow_world),
        ssh_cidrs=_cidrs(params["ssh_cidrs"], "ssh_cidrs", allow_world),
        client_cidr=None,
    )
    if params["mode"] == "routed" and not params.get("client_cidr"):
        raise InputError("client_cidr", "routed mode needs the VPN client network (the Pritunl server network)")
    if params.get("client_cidr"):
        net = parse_cidr(params["client_cidr"], "client_cidr")
        if not net.is_private:
            raise InputError("client_cidr", "%s is not a private network" % net)
        desired["client_cidr"] = str(net)
    if params["mode"] == "nat" and params.get("peers"):
        raise InputError("peers", "peers are only used in routed mode (NAT mode needs no routes)")
    for index, peer in enumerate(params.get("peers") or []):
        if not peer.get("owner") and not peer.get("vpc_id"):
            raise InputError("peers[%d]" % index, "give owner or vpc_id of the peered environment's VPC")
    if params.get("user_data") is not None and len(params["user_data"].encode("utf-8")) > 16384:
        raise InputError("user_data", "is larger than the 16 KiB EC2 allows")
    return desired


def check_client_cidr(client_cidr, vpc_cidrs):
    """The client network must not overlap a VPC it is routed into."""
    if not client_cidr:
        return
    net = ipaddress.IPv4Network(client_cidr)
    for cidr in vpc_cidrs:
        if net.overlaps(ipaddress.IPv4Network(cidr)):
            raise InputError("client_cidr", "%s overlaps the VPC network %s" % (client_cidr, cidr))


def desired_ingress(params, desired):
    """{(protocol, from, to, cidr): description} for the VPN security group, exactly."""
    rules = {(params["vpn_protocol"], params["vpn_port"], params["vpn_port"], WORLD): "VPN clients"}
    for cidr in desired["admin_cidrs"]:
        rules[("tcp", CONSOLE_PORT, CONSOLE_PORT, cidr)] = "Pritunl web console (admins)"
    for cidr in desired["ssh_cidrs"]:
        rules[("tcp", SSH_PORT, SSH_PORT, cidr)] = "SSH (admins)"
    return rules


def ingress_of(permissions):
    """The (protocol, from, to, cidr) IPv4 rules of an IpPermissions list; other kinds are
    returned as ('other', ...) tuples so they are revoked (the group is ours alone)."""
    rules = set()
    for perm in permissions or []:
        proto = perm.get("IpProtocol")
        for rng in perm.get("IpRanges", []):
            rules.add((proto, perm.get("FromPort"), perm.get("ToPort"), rng["CidrIp"]))
        for key in ("Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds"):
            for item in perm.get(key, []):
                whole = json.dumps(perm, sort_keys=True, default=str)
                rules.add(("other", key, json.dumps(item, sort_keys=True), whole))
    return rules


def permission(rule, description=None):
    """An IpPermissions item for one (protocol, from, to, cidr) rule."""
    proto, from_port, to_port, cidr = rule
    rng = {"CidrIp": cidr}
    if description:
        rng["Description"] = description
    return {"IpProtocol": proto, "FromPort": from_port, "ToPort": to_port, "IpRanges": [rng]}


def rule_text(rule):
    proto, from_port, to_port, cidr = rule
    if proto == "other":
        return "%s %s" % (from_port, to_port)
    return "%s/%s from %s" % (proto, from_port, cidr)


def digest(text, length=16):
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:length]


def client_token(owner, key, launch, salt=""):
    """RunInstances idempotency token from owner + key + launch settings (+ a salt when AWS
    answers with an instance of an earlier generation): a retried or replayed launch never
    starts a second instance."""
    return hashlib.sha256("|".join([owner, key, launch, salt]).encode("utf-8")).hexdigest()[:64]


def instance_drift(instance, image_id, instance_type, user_data_digest):
    """[(field, have, want)] for settings AWS cannot change in place (they need a new instance)."""
    drift = []
    if image_id and instance.get("ImageId") != image_id:
        drift.append(("image_id", instance.get("ImageId"), image_id))
    if instance.get("InstanceType") != instance_type:
        drift.append(("instance_type", instance.get("InstanceType"), instance_type))
    tags = dict((t["Key"], t["Value"]) for t in instance.get("Tags", []))
    if user_data_digest and tags.get(USER_DATA_TAG) != user_data_digest:
        drift.append(("user_data", tags.get(USER_DATA_TAG), user_data_digest))
    return drift


def launches(params, instance, image_id):
    """(launch, drift): whether the run launches an instance (none yet, or drift and
    ``replace``), and the drift of the existing one."""
    user_data = digest(params["user_data"]) if params.get("user_data") is not None else None
    drift = instance_drift(instance, image_id, params["instance_type"], user_data) if instance else []
    return instance is None or bool(drift and params["replace"]), drift


def drift_warning(drift):
    parts = ["%s %s -> %s" % (field, have, want) for field, have, want in drift]
    return ("the VPN instance differs from the request (%s); it is kept as it is: pass replace=true "
            "to launch a new instance with the new settings" % "; ".join(parts))


def metadata_ok(instance):
    opts = instance.get("MetadataOptions") or {}
    return opts.get("HttpTokens") == "required" and opts.get("HttpPutResponseHopLimit") == 1 \
        and opts.get("HttpEndpoint", "enabled") == "enabled"


# the module's options (plugins/modules/vpn_instance.py documents them)
UBUNTU = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
PEER_SPEC = dict(owner=dict(type="str"), vpc_id=dict(type="str"), assume_role_arn=dict(type="str"), region=dict(type="str"))
REACH_SPEC = dict(environment=dict(type="str", required=True), served=dict(type="bool", default=True), owner=dict(type="str"),
                  assume_role_arn=dict(type="str"), region=dict(type="str"),
                  tiers=dict(type="list", elements="str", default=[]), ports=dict(type="list", elements="int", default=[]),
                  groups=dict(type="list", elements="str", default=[]))
ARGUMENT_SPEC = dict(
    OWNERSHIP_SPEC, key=dict(type="str", default="instance/vpn", no_log=False), name=dict(type="str"),
    vpc_id=dict(type="str"), subnet_id=dict(type="str"), subnet_tier=dict(type="str", default="public"),
    availability_zone=dict(type="str"), image_id=dict(type="str"), image_ssm_parameter=dict(type="str", default=UBUNTU),
    instance_type=dict(type="str", default="t3.medium"), root_volume_size=dict(type="int", default=20),
    kms_key_id=dict(type="str", no_log=False), user_data=dict(type="str"), key_name=dict(type="str", no_log=False),
    replace=dict(type="bool", default=False), vpn_port=dict(type="int", default=1194),
    vpn_protocol=dict(type="str", default="udp", choices=["udp", "tcp"]),
    admin_cidrs=dict(type="list", elements="str", default=[]), ssh_cidrs=dict(type="list", elements="str", default=[]),
    allow_world_console=dict(type="bool", default=False),
    mode=dict(type="str", default="nat", choices=["nat", "routed"]), client_cidr=dict(type="str"),
    peers=dict(type="list", elements="dict", default=[], options=PEER_SPEC),
    reach=dict(type="list", elements="dict", default=[], options=REACH_SPEC),
    dns_zone=dict(type="str"), dns_record=dict(type="str", default="vpn"), dns_ttl=dict(type="int", default=300),
    wait_timeout=dict(type="int", default=600),
    **dns.KNOWN_ZONES_SPEC
)
