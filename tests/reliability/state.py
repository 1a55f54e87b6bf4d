# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A snapshot of every account's network state, without ids, for comparing runs.

Each environment lives in its own account: the accounts come from Organizations (root
credentials) and each is entered through ``OrganizationAccountAccessRole``. Every resource is
named by a stable label instead of its id: ``<account>:<owner>/<refarch:key>`` for owned
resources, its Name tag or its place (``default-sg@<vpc>``) otherwise. References between
resources (route targets, peering sides, SG rules) are rewritten to labels across accounts, so
two runs that built the same thing give equal snapshots and a duplicate shows as two records
with one label.
"""

import hashlib
import json
import re

import boto3
import botocore.config

OWNER_TAG = "refarch:owner"
KEY_TAG = "refarch:key"
ROLE = "OrganizationAccountAccessRole"
# the suite talks to the emulator directly: retries only cover a loaded machine
CONFIG = botocore.config.Config(retries={"mode": "standard", "max_attempts": 10})
ID_PATTERN = re.compile(r"\b(?:(?:vpc|subnet|rtb|igw|nat|eipalloc|sg|pcx|vpce|i|eni|fl)-[0-9a-f]{8,17}|Z[0-9A-Z]{10,32})\b")  # Z...: hosted zones
ALL_SERVICES = ("ec2", "route53", "iam")
GONE = ("deleted", "deleting", "terminated", "shutting-down", "rejected", "failed", "expired")


def tags_of(item):
    return dict((t["Key"], t["Value"]) for t in item.get("Tags") or item.get("TagSet") or [])


def accounts(endpoint, region="us-east-1"):
    """{account name: boto3 session acting in it}; the organization's own account is ``root``."""
    base = boto3.session.Session(region_name=region)
    org = base.client("organizations", endpoint_url=endpoint, config=CONFIG)
    sts = base.client("sts", endpoint_url=endpoint, config=CONFIG)
    me = sts.get_caller_identity()["Account"]
    found = {"root": (me, base)}
    try:
        listed = [a for page in org.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
    except org.exceptions.AWSOrganizationsNotInUseException:
        listed = []
    for account in listed:
        if account["Id"] == me or account["Status"] != "ACTIVE":
            continue
        creds = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (account["Id"], ROLE),
                                RoleSessionName="refarch-reliability")["Credentials"]
        session = boto3.session.Session(region_name=region, aws_access_key_id=creds["AccessKeyId"],
                                        aws_secret_access_key=creds["SecretAccessKey"],
                                        aws_session_token=creds["SessionToken"])
        found[account["Name"]] = (account["Id"], session)
    return found


def _pages(client, op, key, **kwargs):
    return [item for page in client.get_paginator(op).paginate(**kwargs) for item in page[key]]


def client(session, service, endpoint):
    """One client per session, service and endpoint: making a client parses the service's
    model, which costs more than the describes of a whole snapshot."""
    made = session.__dict__.setdefault("_refarch_clients", {})
    if (service, endpoint) not in made:
        made[(service, endpoint)] = session.client(service, endpoint_url=endpoint, config=CONFIG)
    return made[(service, endpoint)]


def read_account(session, endpoint, services=ALL_SERVICES):
    """Raw describes of one account (one call per resource type, plus DNS per VPC/zone);
    ``services`` narrows it (interruption trials of vpc.yml only need EC2)."""
    ec2 = client(session, "ec2", endpoint)
    raw = dict(
        vpcs=_pages(ec2, "describe_vpcs", "Vpcs"),
        subnets=_pages(ec2, "describe_subnets", "Subnets"),
        route_tables=_pages(ec2, "describe_route_tables", "RouteTables"),
        nat_gateways=[n for n in _pages(ec2, "describe_nat_gateways", "NatGateways") if n["State"] not in GONE],
        eips=ec2.describe_addresses()["Addresses"],
        igws=_pages(ec2, "describe_internet_gateways", "InternetGateways"),
        security_groups=_pages(ec2, "describe_security_groups", "SecurityGroups"),
        endpoints=[e for e in _pages(ec2, "describe_vpc_endpoints", "VpcEndpoints")
                   if e["State"].lower() not in GONE],
        peerings=[p for p in _pages(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections")
                  if p["Status"]["Code"] not in GONE],
        instances=[i for r in _pages(ec2, "describe_instances", "Reservations") for i in r["Instances"]
                   if i["State"]["Name"] not in GONE],
        volumes=_pages(ec2, "describe_volumes", "Volumes"),
        flow_logs=_pages(ec2, "describe_flow_logs", "FlowLogs"),
        zones=[], roles=[],
    )
    for vpc in raw["vpcs"]:
        vpc["_dns"] = [ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=a)[a[0].upper() + a[1:]]["Value"]
                       for a in ("enableDnsSupport", "enableDnsHostnames")]
    r53 = client(session, "route53", endpoint) if "route53" in services else None
    for zone in _pages(r53, "list_hosted_zones", "HostedZones") if r53 else []:
        zid = zone["Id"].split("/")[-1]
        got = r53.get_hosted_zone(Id=zid)
        tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zid)["ResourceTagSet"].get("Tags", [])
        records = _pages(r53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zid)
        raw["zones"].append(dict(zone, Id=zid, Tags=tags, VPCs=got.get("VPCs", []), Records=records))
    iam = client(session, "iam", endpoint) if "iam" in services else None
    for role in _pages(iam, "list_roles", "Roles") if iam else []:
        tags = iam.list_role_tags(RoleName=role["RoleName"]).get("Tags", [])
        raw["roles"].append(dict(role, Tags=tags))
    return raw


class Labels(object):
    """id -> stable label, across accounts."""

    def __init__(self):
        self.names = {}

    def add(self, rid, label):
        self.names[rid] = label

    def __call__(self, rid):
        if rid is None:
            return None
        return self.names.get(rid, "?unknown")

    def scrub(self, text):
        """Ids (and EIP addresses) inside free text, such as tag keys, replaced by labels."""
        text = ID_PATTERN.sub(lambda m: self.names.get(m.group(0), "?id"), text)
        head, slash, last = text.rpartition("/")
        if slash and last in self.names:  # a key ending in an id of no AWS shape (moto's zone ids)
            return head + slash + self.names[last]
        return self.names.get(text, text)


def _own_label(account, item, fallback):
    tags = tags_of(item)
    if KEY_TAG in tags:
        return "%s:%s/%s" % (account, tags.get(OWNER_TAG, "?"), tags[KEY_TAG])
    if tags.get("Name"):
        return "%s:name/%s" % (account, tags["Name"])
    return "%s:%s" % (account, fallback)


def _label_all(raws):
    names = Labels()
    for account, raw in raws.items():
        for vpc in raw["vpcs"]:
            fallback = "default-vpc" if vpc.get("IsDefault") else "vpc/" + vpc["CidrBlock"]
            names.add(vpc["VpcId"], _own_label(account, vpc, fallback))
        for subnet in raw["subnets"]:
            names.add(subnet["SubnetId"], _own_label(account, subnet, "subnet/%s@%s" % (
                subnet["CidrBlock"], names(subnet["VpcId"]))))
        for igw in raw["igws"]:
            at = ",".join(names(a["VpcId"]) for a in igw.get("Attachments", []))
            names.add(igw["InternetGatewayId"], _own_label(account, igw, "igw@" + at))
        for table in raw["route_tables"]:
            main = any(a.get("Main") for a in table.get("Associations", []))
            names.add(table["RouteTableId"], _own_label(account, table, "%s@%s" % (
                "main-rtb" if main else "rtb", names(table["VpcId"]))))
        for nat in raw["nat_gateways"]:
            names.add(nat["NatGatewayId"], _own_label(account, nat, "nat@" + names(nat["SubnetId"])))
        for eip in raw["eips"]:
            names.add(eip["AllocationId"], _own_label(account, eip, "eip"))
            names.add(eip.get("PublicIp"), names(eip["AllocationId"]) + "/ip")
        for group in raw["security_groups"]:
            names.add(group["GroupId"], _own_label(account, group, "sg/%s@%s" % (
                group["GroupName"], names(group.get("VpcId")))))
        for endpoint in raw["endpoints"]:
            names.add(endpoint["VpcEndpointId"], _own_label(account, endpoint, "vpce/" + endpoint["ServiceName"]))
        for instance in raw["instances"]:
            names.add(instance["InstanceId"], _own_label(account, instance, "instance"))
            for eni in instance.get("NetworkInterfaces", []):
                names.add(eni["NetworkInterfaceId"], names(instance["InstanceId"]) + "/eni")
        for zone in raw["zones"]:
            label = "%s:zone/%s%s" % (account, zone["Name"], "(private)" if zone["Config"].get("PrivateZone") else "")
            names.add(zone["Id"], label)
            # bare, as in the VPN VPC's association tags (refarch:zone/<id>)
            names.add(zone["Id"].split("/")[-1], label)
    # peerings appear in both accounts: the requester side names them
    for account, raw in raws.items():
        for pcx in raw["peerings"]:
            if pcx["VpcPeeringConnectionId"] not in names.names or KEY_TAG in tags_of(pcx):
                names.add(pcx["VpcPeeringConnectionId"], _own_label(account, pcx, "pcx/%s--%s" % (
                    names(pcx["RequesterVpcInfo"]["VpcId"]), names(pcx["AccepterVpcInfo"]["VpcId"]))))
    return names


def _perm(rule, names):
    out = []
    base = (rule.get("IpProtocol"), rule.get("FromPort"), rule.get("ToPort"))
    for r in rule.get("IpRanges", []):
        out.append(base + ("cidr", r["CidrIp"], r.get("Description")))
    for r in rule.get("Ipv6Ranges", []):
        out.append(base + ("cidr6", r["CidrIpv6"], r.get("Description")))
    for r in rule.get("PrefixListIds", []):
        out.append(base + ("pl", r["PrefixListId"], r.get("Description")))
    for r in rule.get("UserIdGroupPairs", []):
        out.append(base + ("sg", names(r["GroupId"]), r.get("Description")))
    return out


def _route(route, names):
    target = None
    for field in ("GatewayId", "NatGatewayId", "VpcPeeringConnectionId", "InstanceId", "NetworkInterfaceId",
                  "TransitGatewayId"):
        if route.get(field):
            target = "local" if route[field] == "local" else names(route[field])
            break
    dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or route.get(
        "DestinationPrefixListId")
    return (dest, target, route.get("State"))


def _tags(item, names):
    return sorted((names.scrub(k), names.scrub(v)) for k, v in tags_of(item).items())


def _record_values(record, names):
    if record.get("AliasTarget"):
        return ["alias:" + record["AliasTarget"]["DNSName"]]
    return sorted(names.scrub(v["Value"]) for v in record.get("ResourceRecords", []))


def normalise(raws):
    """{kind: sorted list of (label, attributes)} over every account, ids replaced by labels."""
    names = _label_all(raws)
    kinds = ("vpcs", "subnets", "route_tables", "nat_gateways", "eips", "igws", "security_groups", "endpoints",
             "peerings", "zones", "records", "instances", "flow_logs", "roles")
    snap = dict((kind, []) for kind in kinds)
    seen_pcx = set()
    for account, raw in sorted(raws.items()):
        for vpc in raw["vpcs"]:
            snap["vpcs"].append((names(vpc["VpcId"]), dict(
                cidrs=sorted(c["CidrBlock"] for c in vpc.get("CidrBlockAssociationSet", [])
                             if c["CidrBlockState"]["State"] == "associated"),
                dns=vpc["_dns"], tags=_tags(vpc, names))))
        for subnet in raw["subnets"]:
            snap["subnets"].append((names(subnet["SubnetId"]), dict(
                vpc=names(subnet["VpcId"]), cidr=subnet["CidrBlock"], az=subnet["AvailabilityZone"],
                map_public_ip=subnet.get("MapPublicIpOnLaunch"), tags=_tags(subnet, names))))
        for table in raw["route_tables"]:
            snap["route_tables"].append((names(table["RouteTableId"]), dict(
                vpc=names(table["VpcId"]), main=any(a.get("Main") for a in table.get("Associations", [])),
                subnets=sorted(names(a["SubnetId"]) for a in table.get("Associations", []) if a.get("SubnetId")),
                routes=sorted((_route(r, names) for r in table.get("Routes", [])), key=str),
                tags=_tags(table, names))))
        for nat in raw["nat_gateways"]:
            snap["nat_gateways"].append((names(nat["NatGatewayId"]), dict(
                subnet=names(nat["SubnetId"]), state=nat["State"],
                connectivity=nat.get("ConnectivityType", "public"),
                eips=sorted(names(a.get("AllocationId")) for a in nat.get("NatGatewayAddresses", [])),
                tags=_tags(nat, names))))
        for eip in raw["eips"]:
            snap["eips"].append((names(eip["AllocationId"]), dict(
                instance=names(eip.get("InstanceId")), eni=names(eip.get("NetworkInterfaceId")),
                tags=_tags(eip, names))))
        for igw in raw["igws"]:
            snap["igws"].append((names(igw["InternetGatewayId"]), dict(
                vpcs=sorted(names(a["VpcId"]) for a in igw.get("Attachments", [])), tags=_tags(igw, names))))
        for group in raw["security_groups"]:
            snap["security_groups"].append((names(group["GroupId"]), dict(
                name=group["GroupName"], vpc=names(group.get("VpcId")), description=group.get("Description"),
                ingress=sorted((p for r in group.get("IpPermissions", []) for p in _perm(r, names)), key=str),
                egress=sorted((p for r in group.get("IpPermissionsEgress", []) for p in _perm(r, names)), key=str),
                tags=_tags(group, names))))
        for ep in raw["endpoints"]:
            policy = ep.get("PolicyDocument")
            snap["endpoints"].append((names(ep["VpcEndpointId"]), dict(
                vpc=names(ep["VpcId"]), service=ep["ServiceName"], type=ep["VpcEndpointType"],
                subnets=sorted(names(s) for s in ep.get("SubnetIds", [])),
                groups=sorted(names(g["GroupId"]) for g in ep.get("Groups", [])),
                route_tables=sorted(names(t) for t in ep.get("RouteTableIds", [])),
                private_dns=ep.get("PrivateDnsEnabled"),
                policy=json.loads(policy) if policy else None, tags=_tags(ep, names))))
        for pcx in raw["peerings"]:
            pid = pcx["VpcPeeringConnectionId"]
            if pid in seen_pcx:
                continue
            seen_pcx.add(pid)
            snap["peerings"].append((names(pid), dict(
                requester=names(pcx["RequesterVpcInfo"]["VpcId"]), accepter=names(pcx["AccepterVpcInfo"]["VpcId"]),
                status=pcx["Status"]["Code"],
                options=[(side, sorted((pcx.get(side + "VpcInfo", {}).get("PeeringOptions") or {}).items()))
                         for side in ("Requester", "Accepter")],
                tags=_tags(pcx, names))))
        for zone in raw["zones"]:
            label = names(zone["Id"])
            snap["zones"].append((label, dict(
                private=zone["Config"].get("PrivateZone"), comment=zone["Config"].get("Comment"),
                vpcs=sorted(names(v["VPCId"]) for v in zone["VPCs"]), tags=_tags(zone, names))))
            for record in zone["Records"]:
                snap["records"].append(("%s %s %s" % (label, record["Name"], record["Type"]), dict(
                    ttl=record.get("TTL"), set_id=record.get("SetIdentifier"),
                    values=_record_values(record, names))))
        volumes = dict((v["VolumeId"], v) for v in raw["volumes"])
        for inst in raw["instances"]:
            snap["instances"].append((names(inst["InstanceId"]), dict(
                type=inst["InstanceType"], subnet=names(inst.get("SubnetId")), state=inst["State"]["Name"],
                groups=sorted(names(g["GroupId"]) for g in inst.get("SecurityGroups", [])),
                metadata=[(k, inst.get("MetadataOptions", {}).get(k)) for k in ("HttpTokens", "HttpEndpoint",
                                                                                "HttpPutResponseHopLimit")],
                volumes=sorted((b["DeviceName"], volumes.get(b["Ebs"]["VolumeId"], {}).get("Encrypted"))
                               for b in inst.get("BlockDeviceMappings", []) if b.get("Ebs")),
                profile=(inst.get("IamInstanceProfile") or {}).get("Arn", "").split("/")[-1] or None,
                source_dest_check=inst.get("SourceDestCheck"), tags=_tags(inst, names))))
        for flow in raw["flow_logs"]:
            snap["flow_logs"].append((names(flow["ResourceId"]) + " flow-log", dict(
                traffic=flow.get("TrafficType"), destination=flow.get("LogDestinationType"),
                group=flow.get("LogGroupName"), tags=_tags(flow, names))))
        for role in raw["roles"]:
            snap["roles"].append(("%s:role/%s" % (account, role["RoleName"]), dict(
                path=role.get("Path"), trust=_digest(role.get("AssumeRolePolicyDocument")), tags=_tags(role, names))))
    for kind in snap:
        snap[kind].sort(key=lambda item: (item[0], json.dumps(item[1], sort_keys=True, default=str)))
    return snap


def _digest(doc):
    if isinstance(doc, str):
        doc = json.loads(doc)
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:12]


def snapshot(endpoint, services=ALL_SERVICES, found=None):
    """The whole emulator's state (every account of the organization), normalised.

    ``found`` (from ``accounts``) saves finding and entering the accounts again when a caller
    takes many snapshots of one organization (its sessions keep their clients)."""
    raws = dict((name, read_account(session, endpoint, services))
                for name, (_id, session) in (found or accounts(endpoint)).items())
    return normalise(raws)


def compare(clean, other):
    """Human-readable differences between two normalised snapshots ([] when equal)."""
    out = []
    for kind in sorted(set(clean) | set(other)):
        a, b = clean.get(kind, []), other.get(kind, [])
        a_json = [json.dumps(i, sort_keys=True, default=str) for i in a]
        b_json = [json.dumps(i, sort_keys=True, default=str) for i in b]
        for item in sorted(set(a_json) | set(b_json)):
            na, nb = a_json.count(item), b_json.count(item)
            if na != nb:
                out.append("%s: %s x%d in the clean run, x%d here%s"
                           % (kind, item[:300], na, nb, _what_differs(item, a if nb > na else b)))
    return out


def _what_differs(item, others):
    """The attributes in which a labelled item differs from the item of that label on the other side."""
    label, attrs = json.loads(item)
    for other_label, other_attrs in others:
        if other_label == label and isinstance(attrs, dict):
            changed = sorted(k for k in set(attrs) | set(other_attrs) if attrs.get(k) != other_attrs.get(k))
            other_attrs = json.loads(json.dumps(other_attrs, default=str))  # tuples as lists, like attrs
            shown = dict((k, [v for v in attrs.get(k) or [] if v not in (other_attrs.get(k) or [])])
                         if isinstance(attrs.get(k), list) else attrs.get(k) for k in changed)
            return "; differs in %s: %s" % (", ".join(changed), json.dumps(shown, sort_keys=True, default=str)[:600])
    return ""


# kinds whose owned resources must be unique per refarch:key (issue 10: duplicates)
DUPLICATE_KINDS = ("nat_gateways", "eips", "peerings", "instances", "subnets", "route_tables", "vpcs", "igws",
                   "security_groups", "endpoints")


def duplicates(snap):
    """Owned labels held by more than one resource: {label: count}."""
    found = {}
    for kind in DUPLICATE_KINDS:
        labels = [label for label, attrs in snap[kind] if _is_owned(attrs)]
        for label in set(labels):
            if labels.count(label) > 1:
                found["%s %s" % (kind, label)] = labels.count(label)
    zones = [label for label, attrs in snap["zones"] if any(k == OWNER_TAG for k, _v in attrs["tags"])]
    for label in set(zones):
        if zones.count(label) > 1:
            found["zones " + label] = zones.count(label)
    return found


def _is_owned(attrs):
    return any(k == OWNER_TAG for k, _v in attrs.get("tags", []))


def orphans(snap):
    """Everything still tagged refarch:owner (after a destroy there must be nothing)."""
    return ["%s %s" % (kind, label) for kind in sorted(snap) for label, attrs in snap[kind]
            if _is_owned(attrs)]
