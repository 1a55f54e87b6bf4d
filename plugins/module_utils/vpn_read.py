# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of vpn_instance: one snapshot of what a VPN server owns and routes through.

Reads only; a second look at the same resources after a run is ``read_core``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    pass

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils import vpn as plan
from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, MODULE_TAG, OWNER_TAG, owner_filter, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import (
    at_once, find_vpc, owned_route_tables, owned_subnets_by_tier, paginate, tagged,
)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.sg_read import group_ids
from ansible_collections.refarch.network.plugins.module_utils.vpn_reach import RULE_PREFIX

LIVE = [{"Name": "instance-state-name", "Values": list(plan.LIVE_STATES)}]


def _one(items, owner, key):
    if len(items) > 1:
        raise InputError(key, "%d resources carry owner %s and key %s; remove the extra ones by hand" % (
            len(items), owner, key))
    return items[0] if items else None


def owned_instances(ec2, owner, key):
    """Live instances tagged with ``owner`` and ``key``."""
    reservations = paginate(ec2, "describe_instances", "Reservations", Filters=owner_filter(owner, key) + LIVE)
    return [i for r in reservations for i in r["Instances"] if tagged(i, owner, key)]


def _iam_get(call, answer_key, **kwargs):
    try:
        return call(**kwargs)[answer_key]
    except ClientError as e:
        if error_code(e) != "NoSuchEntity":
            raise
    return None


def _interface(ec2, instance):
    """The instance's primary network interface (for its tags), None if not listed yet."""
    interfaces = (instance or {}).get("NetworkInterfaces") or []
    if not interfaces:
        return None
    # a filter, not NetworkInterfaceIds: an interface not listed yet is no error
    found = ec2.describe_network_interfaces(Filters=[
        {"Name": "network-interface-id", "Values": [interfaces[0]["NetworkInterfaceId"]]}])["NetworkInterfaces"]
    return found[0] if found else None


def read_core(ec2, iam, names, protection=True):
    """The instance (and its termination protection and interface), security group, Elastic IP
    and instance profile."""
    owner = names["owner"]

    def instance():
        found = dict(instance=_one(owned_instances(ec2, owner, names["instance"]), owner, names["instance"]),
                     protected=None)
        if found["instance"] and protection:
            found["protected"] = ec2.describe_instance_attribute(
                InstanceId=found["instance"]["InstanceId"], Attribute="disableApiTermination")["DisableApiTermination"]["Value"]
        found["eni"] = _interface(ec2, found["instance"])
        return found

    core = at_once({
        "instance": instance,
        "groups": lambda: ec2.describe_security_groups(Filters=owner_filter(owner, names["sg"]))["SecurityGroups"],
        "addresses": lambda: ec2.describe_addresses(Filters=owner_filter(owner, names["eip"]))["Addresses"],
        "profile": lambda: _iam_get(iam.get_instance_profile, "InstanceProfile", InstanceProfileName=names["iam"]),
    })
    core.update(core.pop("instance"))
    core["sg"] = _one([g for g in core.pop("groups") if tagged(g, owner, names["sg"])], owner, names["sg"])
    core["eip"] = _one([a for a in core.pop("addresses") if tagged(a, owner, names["eip"])], owner, names["eip"])
    return core


def core_ids(core):
    """The ids a core snapshot lists (``engine.read_back`` waits for the new ones)."""
    ids = set()
    instance = core.get("instance")
    if instance:
        ids.add(instance["InstanceId"])
        ids.update(n["NetworkInterfaceId"] for n in instance.get("NetworkInterfaces") or [])
    if core.get("sg"):
        ids.add(core["sg"]["GroupId"])
    if core.get("eip"):
        ids.add(core["eip"]["AllocationId"])
    if core.get("profile"):
        ids.add(core["profile"]["Arn"])
    return ids


def read_vpn(conn, params, peer_ec2, reach_ec2=None):
    """Snapshot of one VPN server: see ``read_core``, plus the VPC, the IAM role and its
    policy, the owned route tables of the VPC and of each peer (``peer_ec2(index, spec)`` is
    the peer's EC2 client), the DNS zone, and, to launch in, the subnet, the image and its
    root device. ``warnings`` collects what the user should hear about."""
    names = plan.names(params)
    owner, present = names["owner"], params["state"] == "present"
    ec2, iam = conn.client("ec2"), conn.client("iam")
    snap = dict(vpc=None, tables=[], peers=[], reach=[], zone=None, rrsets={}, warnings=[], subnet=None, image_id=None,
                root_device=None)
    if params["vpc_id"]:
        snap["vpc"] = find_vpc(ec2, owner, params["vpc_id"])
        if snap["vpc"] is None:
            raise InputError("vpc_id", "%s does not exist" % params["vpc_id"])
    else:
        snap["vpc"] = find_vpc(ec2, owner, field="owner")
    launching = present and snap["vpc"] is not None
    # each part waits for its replies: the independent ones are read together (at_once), each
    # writing its own keys of the snapshot; the first failure in this order is raised
    found = at_once({
        "core": lambda: read_core(ec2, iam, names),
        "role": lambda: _read_role(iam, names),
        "routes": lambda: _read_routes(ec2, params, snap, peer_ec2),
        "reach": lambda: [read_reach(reach_ec2(index, entry), names, entry, "reach%d" % index)
                          for index, entry in enumerate(params.get("reach") or [])],
        "dns": lambda: _read_dns(conn, params, snap),
        "image_id": lambda: _resolve_image(conn, params) if launching else None,
    })
    snap.update(found.pop("core"), **found.pop("role"))
    snap.update(reach=found["reach"], image_id=found["image_id"])
    if launching:
        snap["subnet"] = _pick_subnet(ec2, params, snap)  # where the instance is, when it is in one
    if launching and plan.launches(params, snap["instance"], snap["image_id"])[0]:
        snap["root_device"] = _root_device(ec2, snap["image_id"], params)
    return snap


def _read_role(iam, names):
    role = _iam_get(iam.get_role, "Role", RoleName=names["iam"])
    return dict(role=role, role_policy=role and _iam_get(iam.get_role_policy, "PolicyDocument", RoleName=names["iam"],
                                                         PolicyName=plan.SSM_POLICY_NAME))


def _tables(ec2, owner, vpc_id):
    return sorted(owned_route_tables(ec2, owner, vpc_id),
                  key=lambda t: tag_dict(t.get("Tags")).get("refarch:key", t["RouteTableId"]))


def _read_routes(ec2, params, snap, peer_ec2):
    """Route tables of our VPC, and each peer's VPC, tables and peering connection."""
    owner = params["owner"]
    snap["tables"] = _tables(ec2, owner, snap["vpc"]["VpcId"]) if snap["vpc"] else []
    if not params["peers"]:
        return
    if snap["vpc"] is None:
        if params["state"] == "absent":
            return
        raise InputError("owner", plan.no_vpc(owner))
    for index, spec in enumerate(params["peers"]):
        field = "peers[%d]" % index
        # no assume_role_arn: the peer lives in our own account (same credentials as ours)
        peer = peer_ec2(index, spec)
        vpc = find_vpc(peer, spec.get("owner"), spec.get("vpc_id"), field=field)
        if vpc is None:
            raise InputError(field, "the peer's VPC was not found")
        peer_owner = spec.get("owner") or tag_dict(vpc.get("Tags")).get(OWNER_TAG)
        pair = [snap["vpc"]["VpcId"], vpc["VpcId"]]
        pcxs = peer.describe_vpc_peering_connections(Filters=[
            {"Name": "status-code", "Values": ["active"]},
            {"Name": "requester-vpc-info.vpc-id", "Values": pair},
            {"Name": "accepter-vpc-info.vpc-id", "Values": pair}])["VpcPeeringConnections"]
        pcxs = [c for c in pcxs if c["RequesterVpcInfo"]["VpcId"] != c["AccepterVpcInfo"]["VpcId"]]
        if not pcxs:
            raise InputError(field, "no active peering connection between %s and %s; peer the VPCs first" % tuple(pair))
        snap["peers"].append(dict(field=field, client="peer%d" % index, vpc=vpc, owner=peer_owner,
                                  pcx=pcxs[0]["VpcPeeringConnectionId"], tables=_tables(peer, peer_owner, vpc["VpcId"])))


def _read_dns(conn, params, snap):
    if not params["dns_zone"]:
        return
    zone_name = dns.check_zone_name(params["dns_zone"], "dns_zone")
    route53 = conn.client("route53")
    zones = route53.list_hosted_zones_by_name(DNSName=zone_name)["HostedZones"]
    public = [z for z in zones if dns.fqdn(z["Name"]) == zone_name and not z.get("Config", {}).get("PrivateZone")]
    if not public:
        if params["state"] == "present":
            snap["warnings"].append("dns_zone %s: no public hosted zone of that name; no DNS record written" % zone_name)
        return
    snap["zone"] = dict(id=public[0]["Id"], name=zone_name)
    # dns_zones read the zone earlier in the run: while exact (filter known_zones), not again
    known = dns.known_records(params["known_zones"]).get(dns.short_zone_id(public[0]["Id"]))
    snap["rrsets"] = dns.index_rrsets(known if known is not None else paginate(
        route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=public[0]["Id"]))


def _pick_subnet(ec2, params, snap):
    vpc_id = snap["vpc"]["VpcId"]
    if params["subnet_id"]:
        subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [params["subnet_id"]]}])["Subnets"]
        if not subnets or subnets[0]["VpcId"] != vpc_id:
            raise InputError("subnet_id", "%s is not a subnet of %s" % (params["subnet_id"], vpc_id))
        return subnets[0]
    subnets = owned_subnets_by_tier(ec2, params["owner"], vpc_id).get(params["subnet_tier"], [])
    if params["availability_zone"]:
        subnets = [s for s in subnets if s["AvailabilityZone"] == params["availability_zone"]]
    if not subnets:
        raise InputError("subnet_tier", "no owned subnet of tier %r%s in %s" % (
            params["subnet_tier"], " in %s" % params["availability_zone"] if params["availability_zone"] else "",
            vpc_id))
    instance = snap["instance"]
    for subnet in subnets:  # keep the instance where it is
        if instance and subnet["SubnetId"] == instance.get("SubnetId"):
            return subnet
    return subnets[0]


def _resolve_image(conn, params):
    if params["image_id"]:
        return params["image_id"]
    try:
        return conn.client("ssm").get_parameter(Name=params["image_ssm_parameter"])["Parameter"]["Value"]
    except ClientError as e:
        if error_code(e) == "ParameterNotFound":
            raise InputError("image_ssm_parameter", "%s does not exist here (the local emulator serves only "
                                                    "Amazon Linux parameters); pass image_id or another "
                                                    "parameter" % params["image_ssm_parameter"])
        raise


def _root_device(ec2, image_id, params):
    """The image's root device; before a launch (and its first write), refuses a root volume
    smaller than the image's and an instance type the region does not offer."""
    images = ec2.describe_images(Filters=[{"Name": "image-id", "Values": [image_id]}])["Images"]
    if not images:
        raise InputError("image_id", "AMI %s does not exist in this region" % image_id)
    plan.check_root_volume(params["root_volume_size"], images[0])
    if not ec2.describe_instance_type_offerings(LocationType="region", Filters=[
            {"Name": "instance-type", "Values": [params["instance_type"]]}])["InstanceTypeOfferings"]:
        raise InputError("instance_type", "%s is not offered in %s" % (params["instance_type"], ec2.meta.region_name))
    return images[0].get("RootDeviceName") or "/dev/xvda"


def our_rules(ec2, groups, names):
    """{rule key: (group id, port, cidr, rule id)} of the ingress rules this VPN server added to
    ``groups`` (every group of a served VPC), tagged with its owner, module and a ``reach/`` key."""
    found = {}
    if not groups:
        return found
    for rule in paginate(ec2, "describe_security_group_rules", "SecurityGroupRules",
                         Filters=[{"Name": "group-id", "Values": groups}]):
        tags = tag_dict(rule.get("Tags"))
        if tags.get(OWNER_TAG) == names["owner"] and tags.get(MODULE_TAG) == names["module"] \
                and tags.get(KEY_TAG, "").startswith(RULE_PREFIX) and not rule.get("IsEgress"):
            found[tags[KEY_TAG]] = (rule["GroupId"], rule.get("FromPort"), rule.get("CidrIpv4"),
                                    rule["SecurityGroupRuleId"])
    return found


def read_reach(ec2, names, entry, client):
    """One served (or no longer served) environment: its VPC, groups by logical name, the
    subnet CIDRs of the served tiers (the routes Pritunl pushes) and the rules we own there."""
    owner = entry.get("owner") or entry["environment"]
    found = dict(entry=entry, owner=owner, client=client, vpc=None, groups={}, cidrs=[], rules={})
    vpc = find_vpc(ec2, owner, field="reach")
    if vpc is None:
        return found
    listed = []   # one DescribeSecurityGroups gives both the named groups and every group's id
    found.update(vpc=vpc, groups=group_ids(ec2, vpc["VpcId"], owner, listed))
    found["rules"] = our_rules(ec2, listed, names)
    by_tier = owned_subnets_by_tier(ec2, owner, vpc["VpcId"])
    found["cidrs"] = sorted(s["CidrBlock"] for tier in entry.get("tiers") or [] for s in by_tier.get(tier, []))
    return found
