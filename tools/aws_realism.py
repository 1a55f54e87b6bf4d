"""AWS behaviour the emulator (moto) does not have, for the realistic mode of tools/aws_proxy.py.

AWS documents these and moto answers as if they never happened:

* EC2 eventual consistency: for a while after a Create call returns, a call naming the new id
  answers ``Invalid<Kind>ID.NotFound`` and a Describe that does not name it leaves it out.
* IAM propagation: RunInstances refuses an instance profile made seconds ago.
* Pending states: NAT gateways, transit gateways and their attachments, VPC endpoints and
  instances are ``pending`` for a while (a NAT gateway is ``deleting`` before ``deleted``), and a
  VPC attachment to a pending transit gateway is refused with ``IncorrectState``. A deleting NAT
  gateway or VPC endpoint, or a terminated instance (``shutting-down`` for a while), still holds
  what it used: releasing its address, deleting its security group, subnet or VPC, or detaching the
  VPC's internet gateway is refused until it is gone.
* Latency: every call takes a while.

``Realism`` says which of these to reproduce and for how long; ``Realist`` keeps the ids it has
seen created (under the proxy's lock) and decides, per request, whether to refuse it, and how to
rewrite the emulator's answer. Windows are measured with ``time.monotonic()``.
"""

import dataclasses
import re
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

# --- what AWS calls things ---------------------------------------------------------------------

# id prefix -> (EC2 error code, message), as AWS spells them
NOT_FOUND = {
    "vpc": ("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist"),
    "subnet": ("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist"),
    "igw": ("InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist"),
    "rtb": ("InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist"),
    "sg": ("InvalidGroup.NotFound", "The security group '%s' does not exist"),
    "eipalloc": ("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist"),
    "nat": ("NatGatewayNotFound", "NAT gateway %s was not found"),
    "vpce": ("InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '%s' does not exist"),
    "pcx": ("InvalidVpcPeeringConnectionID.NotFound", "The vpcPeeringConnection ID '%s' does not exist"),
    "tgw": ("InvalidTransitGatewayID.NotFound", "Transit Gateway %s was deleted or does not exist."),
    "tgw-attach": ("InvalidTransitGatewayAttachmentID.NotFound",
                   "Transit Gateway Attachment %s was deleted or does not exist."),
    "tgw-rtb": ("InvalidRouteTableID.NotFound", "Transit Gateway Route Table %s was deleted or does not exist."),
    "i": ("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist"),
    "fl": ("InvalidFlowLogId.NotFound", "These flow log ids in the input list are not found: [TotalCount: 1] %s"),
    "acl": ("InvalidNetworkAclID.NotFound", "The networkAcl ID '%s' does not exist"),
    "dopt": ("InvalidDhcpOptionID.NotFound", "The dhcpOption ID '%s' does not exist"),
}

# EC2 create action -> the response element holding the new id(s) (or a set of <item>s of ids)
CREATES = {
    "CreateVpc": "vpcId",
    "CreateSubnet": "subnetId",
    "CreateInternetGateway": "internetGatewayId",
    "CreateRouteTable": "routeTableId",
    "CreateNatGateway": "natGatewayId",
    "AllocateAddress": "allocationId",
    "CreateSecurityGroup": "groupId",
    "CreateVpcEndpoint": "vpcEndpointId",
    "CreateVpcPeeringConnection": "vpcPeeringConnectionId",
    "CreateTransitGateway": "transitGatewayId",
    "CreateTransitGatewayVpcAttachment": "transitGatewayAttachmentId",
    "CreateTransitGatewayPeeringAttachment": "transitGatewayAttachmentId",
    "CreateTransitGatewayRouteTable": "transitGatewayRouteTableId",
    "RunInstances": "instanceId",
    "CreateFlowLogs": "flowLogIdSet",
    "CreateNetworkAcl": "networkAclId",
    "CreateDhcpOptions": "dhcpOptionsId",
}

# EC2 describe action -> the element naming each listed resource (moto 5.2.5's response shapes)
DESCRIBES = {
    "DescribeVpcs": "vpcId",
    "DescribeSubnets": "subnetId",
    "DescribeInternetGateways": "internetGatewayId",
    "DescribeRouteTables": "routeTableId",
    "DescribeNatGateways": "natGatewayId",
    "DescribeAddresses": "allocationId",
    "DescribeSecurityGroups": "groupId",
    "DescribeVpcEndpoints": "vpcEndpointId",
    "DescribeVpcPeeringConnections": "vpcPeeringConnectionId",
    "DescribeTransitGateways": "transitGatewayId",
    "DescribeTransitGatewayVpcAttachments": "transitGatewayAttachmentId",
    "DescribeTransitGatewayAttachments": "transitGatewayAttachmentId",
    "DescribeTransitGatewayRouteTables": "transitGatewayRouteTableId",
    "DescribeInstances": "instanceId",
    "DescribeFlowLogs": "flowLogId",
    "DescribeNetworkAcls": "networkAclId",
    "DescribeDhcpOptions": "dhcpOptionsId",
    "DescribeTags": "resourceId",
}

# id prefix -> the kind whose pending window applies (keys of Realism.pending_window as a dict)
PENDING_KINDS = {
    "nat": "nat_gateway",
    "tgw": "transit_gateway",
    "tgw-attach": "transit_gateway_attachment",
    "vpce": "vpc_endpoint",
    "i": "instance",
}
# actions that need an available transit gateway (TransitGatewayId, PeerTransitGatewayId)
NEEDS_AVAILABLE_TGW = ("CreateTransitGatewayVpcAttachment", "CreateTransitGatewayPeeringAttachment")
PROFILE_USERS = ("RunInstances", "AssociateIamInstanceProfile", "ReplaceIamInstanceProfileAssociation")
PROFILE_MAKERS = ("CreateInstanceProfile", "AddRoleToInstanceProfile")
# what a deleting NAT gateway or endpoint, or a shutting-down instance, still holds: action -> (the
# parameter naming it, AWS's error code, message)
HELD = {
    "ReleaseAddress": ("AllocationId", "InvalidIPAddress.InUse", "Address %s is in use."),
    "DeleteSubnet": ("SubnetId", "DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted."),
    "DeleteVpc": ("VpcId", "DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted."),
    "DetachInternetGateway": ("VpcId", "DependencyViolation", "Network %s has some mapped public address(es). "
                              "Please unmap those public address(es) before detaching the gateway."),
    "DeleteSecurityGroup": ("GroupId", "DependencyViolation", "resource %s has a dependent object"),
}
# the resources that hold others while they are deleted, by the element naming them, and the answers
# that say what they hold
HOLDERS = ("natGatewayId", "instanceId", "vpcEndpointId")
HOLDINGS_FROM = ("CreateNatGateway", "DescribeNatGateways", "RunInstances", "DescribeInstances", "CreateVpcEndpoint",
                 "DescribeVpcEndpoints")
# a delete call -> (its id parameter, the kind whose pending window its deleting state lasts)
DELETES = {"DeleteNatGateway": ("NatGatewayId", "nat_gateway"), "TerminateInstances": ("InstanceId", "instance"),
           "DeleteVpcEndpoints": ("VpcEndpointId", "vpc_endpoint")}

# the account's quotas per Region (a new account's, as the emulator's Service Quotas and its vpc-max-elastic-ips
# report them, and never enforces): a create -> (the Describe that counts what is in use, the element of
# each item, the quota, AWS's error code and message)
QUOTAS = {
    "AllocateAddress": ("DescribeAddresses", "addressesSet", 5, "AddressLimitExceeded",
                        "The maximum number of addresses has been reached."),
    "CreateVpc": ("DescribeVpcs", "vpcSet", 5, "VpcLimitExceeded", "The maximum number of VPCs has been reached."),
    "CreateInternetGateway": ("DescribeInternetGateways", "internetGatewaySet", 5, "InternetGatewayLimitExceeded",
                              "The maximum number of internet gateways has been reached."),
}

HIT_KINDS = ("notfound", "hidden", "profile", "pending", "deleting", "incorrect_state", "held", "quota", "latency")

ID_RE = re.compile(r"^[a-z]+(?:-[a-z]+)?-[0-9a-f]{8,}$")
CREDENTIAL_RE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
VERSION_SERVICE = {"2016-11-15": "ec2", "2010-05-08": "iam"}
# parameters whose values are not references: tags (also inside TagSpecifications), filters
# (AWS never answers NotFound for a filter value; the Describe just leaves the id out)
NOT_REFERENCES = re.compile(r"^(?:TagSpecification|Filter)\.|(?:^|\.)Tags?\.\d+\.(?:Key|Value)$")


@dataclasses.dataclass(frozen=True)
class Realism(object):
    """Which AWS behaviours the proxy reproduces, and for how long (seconds).

    eventual_consistency / notfound_window: a new EC2 id is NotFound and left out of Describes.
    profile_propagation / profile_window: RunInstances refuses a new (or newly filled) instance profile.
    pending_states / pending_window: new NAT gateways, transit gateways, their attachments, VPC
    endpoints and instances show pending (a deleted NAT gateway or endpoint deleting, a terminated
    instance shutting-down, each holding what it used); one value or
    {kind: seconds} with kinds from PENDING_KINDS (3 s for a kind left out).
    latency: every call is delayed this long before it is answered or forwarded.
    account_quotas: AllocateAddress, CreateVpc and CreateInternetGateway are refused once the account holds
    5 of them in the Region (QUOTAS).
    """

    eventual_consistency: bool = True
    notfound_window: float = 1.5
    profile_propagation: bool = True
    profile_window: float = 3.0
    pending_states: bool = True
    pending_window: object = 3.0   # seconds, or {kind: seconds} with kinds from PENDING_KINDS
    latency: float = 0.0
    account_quotas: bool = True

    def pending_for(self, kind):
        if isinstance(self.pending_window, dict):
            return float(self.pending_window.get(kind, 3.0))
        return float(self.pending_window)


@dataclasses.dataclass
class Call(object):
    """One request as the realist sees it."""

    service: str
    action: str
    params: list   # [(name, value)] in request order

    def value(self, name):
        for key, value in self.params:
            if key == name:
                return value
        return None


@dataclasses.dataclass
class Refusal(object):
    status: int
    code: str
    message: str
    hit: str


# --- small pure helpers ------------------------------------------------------------------------

def id_prefix(resource_id):
    """'vpc-0abc' -> 'vpc', 'tgw-attach-0abc' -> 'tgw-attach'."""
    return resource_id.rsplit("-", 1)[0]


def service_of(headers, params):
    match = CREDENTIAL_RE.search(headers.get("Authorization") or "")
    if match:
        return match.group(1)
    return VERSION_SERVICE.get(dict(params).get("Version"))


def parse_call(headers, path, body, action):
    """A Call for query-protocol requests (EC2, IAM), else None."""
    content_type = headers.get("Content-Type") or ""
    if headers.get("X-Amz-Target") or "json" in content_type:
        return None
    raw = body.decode("utf-8", "replace") if body else urllib.parse.urlsplit(path).query
    params = urllib.parse.parse_qsl(raw, keep_blank_values=True)
    service = service_of(headers, params)
    if service not in ("ec2", "iam"):
        return None
    return Call(service, action, params)


def referenced_ids(call):
    """The values of the call's parameters that look like resource ids and are references."""
    return [value for key, value in call.params
            if ID_RE.match(value) and not NOT_REFERENCES.search(key)]


def ec2_error(code, message):
    """EC2's error body (botocore parses Code and Message from it)."""
    root = ET.Element("Response")
    error = ET.SubElement(ET.SubElement(root, "Errors"), "Error")
    ET.SubElement(error, "Code").text = code
    ET.SubElement(error, "Message").text = message
    ET.SubElement(root, "RequestID").text = "realism"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def not_found(resource_id):
    code, message = NOT_FOUND.get(id_prefix(resource_id), ("InvalidID.NotFound", "The ID '%s' does not exist"))
    return Refusal(400, code, message % resource_id, "notfound")


def profile_refusal(key, value):
    if key.endswith(".Arn"):
        message = "Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"
    else:
        message = "Value (%s) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"
    return Refusal(400, "InvalidParameterValue", message % value, "profile")


def profile_name(key, value):
    """The instance profile a RunInstances parameter names (by name or by ARN), else None."""
    if key.endswith("IamInstanceProfile.Name"):
        return value
    if key.endswith("IamInstanceProfile.Arn") and ":instance-profile/" in value:
        return value.rsplit("/", 1)[-1]
    return None


# --- XML -------------------------------------------------------------------------------------------

def parse_xml(data):
    """(root, q) where q('tag') is the tag in the document's namespace; (None, None) if not XML."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None, None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    return root, (lambda tag: "{%s}%s" % (namespace, tag) if namespace else tag)


def to_bytes(root):
    """Serialise keeping the document's default namespace (no ns0: prefixes)."""
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=namespace)


def created_ids(root, q, id_tag):
    """The ids a Create response names in id_tag elements (or in their <item>s)."""
    found = []
    for element in root.iter(q(id_tag)):
        items = element.findall(q("item"))
        for text in ([item.text for item in items] if items else [element.text]):
            if text and ID_RE.match(text.strip()):
                found.append(text.strip())
    return found


def resources(root, q):
    """(parent, element) for each resource a response describes: the items of its top-level sets
    (instances inside reservations), or the single resource of a Create response."""
    for child in root:
        items = child.findall(q("item"))
        if not items:
            yield root, child
            continue
        for item in items:
            instances = item.find(q("instancesSet"))
            if instances is None:
                yield child, item
            else:
                for instance in instances.findall(q("item")):
                    yield instances, instance


def holdings(root, q):
    """{NAT gateway, instance or endpoint id: the ids it holds until it is gone (its subnets, VPC,
    address allocations, security groups)} of a NAT gateway, instance or VPC endpoint response."""
    found = {}
    for _parent, element in resources(root, q):
        own_id = next(filter(None, (element.findtext(q(tag)) for tag in HOLDERS)), None)
        if own_id:
            held = [element.findtext(q("subnetId")), element.findtext(q("vpcId"))]
            held += [e.text for tag in ("allocationId", "groupId") for e in element.iter(q(tag))]
            held += [e.text for subnets in element.iter(q("subnetIdSet")) for e in subnets.findall(q("item"))]
            found[own_id] = set(filter(None, held))
    return found


def drop_empty_reservations(root, q):
    for reservations in root.findall(q("reservationSet")):
        for reservation in reservations.findall(q("item")):
            instances = reservation.find(q("instancesSet"))
            if instances is not None and instances.find(q("item")) is None:
                reservations.remove(reservation)


def show_state(element, q, state):
    """Show an available (running) resource in `state`; True if it changed."""
    instance_state = element.find(q("instanceState"))
    if instance_state is not None:
        name = instance_state.find(q("name"))
        shown = {("running", "pending"): ("pending", "0"), ("terminated", "deleting"): ("shutting-down", "32")}
        if name is None or (name.text, state) not in shown:
            return False
        name.text, code = shown[(name.text, state)]
        instance_state.find(q("code")).text = code
        return True
    current = element.find(q("state"))
    expected = "deleted" if state == "deleting" else "available"
    if current is None or current.text != expected:
        return False
    current.text = state
    return True


def rewrite(data, id_tag, hidden, pending, deleting, hide):
    """The response with resources in `hidden` removed (if hide) and those in `pending`/`deleting`
    shown so; returns (data, {hit kind: count}). Unchanged bytes when nothing applies."""
    root, q = parse_xml(data)
    if root is None:
        return data, {}
    hits = dict.fromkeys(("hidden", "pending", "deleting"), 0)
    for parent, element in list(resources(root, q)):
        own_id = (element.findtext(q(id_tag)) or "").strip()
        if hide and own_id in hidden:
            parent.remove(element)
            hits["hidden"] += 1
        elif own_id in deleting and show_state(element, q, "deleting"):
            hits["deleting"] += 1
        elif own_id in pending and show_state(element, q, "pending"):
            hits["pending"] += 1
    if not any(hits.values()):
        return data, {}
    drop_empty_reservations(root, q)
    return to_bytes(root), hits


# --- the stateful part -------------------------------------------------------------------------

class Realist(object):
    """What the proxy remembers for its realistic mode. All state is guarded by `lock`."""

    def __init__(self, realism, lock, clock=time.monotonic):
        self.realism = realism
        self.lock = lock
        self.clock = clock
        self.fresh = {}      # id -> until when it is not found (eventual consistency)
        self.pending = {}    # id -> until when it shows pending
        self.deleting = {}   # NAT gateway, endpoint or instance id -> until when it shows deleting (shutting-down)
        self.holdings = {}   # the same ids -> what each holds until it is gone
        self.profiles = {}   # instance profile name -> until when EC2 does not know it
        self.hits = dict.fromkeys(HIT_KINDS, 0)
        self.quota_lock = threading.Lock()   # one create a quota counts at a time: counted, then made

    def _live(self, table, now):
        """Drop expired entries; the caller holds the lock."""
        for key in [k for k, until in table.items() if until <= now]:
            del table[key]
        return table

    def _count(self, hits):
        with self.lock:
            for kind, count in hits.items():
                self.hits[kind] += count

    def delay(self):
        if self.realism.latency > 0:
            time.sleep(self.realism.latency)
            self._count({"latency": 1})

    def forget(self):
        with self.lock:
            for table in (self.fresh, self.pending, self.deleting, self.profiles, self.holdings):
                table.clear()

    def refuse(self, call):
        """A Refusal if AWS would refuse this call now (it is then not forwarded), else None."""
        if call is None or call.service != "ec2":
            return None
        refusal = None
        with self.lock:
            now = self.clock()
            fresh = self._live(self.fresh, now)
            pending = self._live(self.pending, now)
            profiles = self._live(self.profiles, now)
            if self.realism.eventual_consistency:
                refusal = next((not_found(v) for v in referenced_ids(call) if v in fresh), None)
            if refusal is None and self.realism.profile_propagation and call.action in PROFILE_USERS:
                refusal = next((profile_refusal(k, v) for k, v in call.params
                                if profile_name(k, v) in profiles), None)
            if refusal is None and self.realism.pending_states and call.action in HELD:
                name, code, message = HELD[call.action]
                held = set().union(*[self.holdings.get(gone, set()) for gone in self._live(self.deleting, now)])
                refusal = next((Refusal(400, code, message % v, "held") for k, v in call.params
                                if k == name and v in held), None)
            if refusal is None and self.realism.pending_states and call.action in NEEDS_AVAILABLE_TGW:
                refusal = next((Refusal(400, "IncorrectState", "%s is in invalid state" % v, "incorrect_state")
                                for k, v in call.params
                                if k in ("TransitGatewayId", "PeerTransitGatewayId") and v in pending), None)
            if refusal is not None:
                self.hits[refusal.hit] += 1
        return refusal

    def counts_quota(self, call):
        return call is not None and call.service == "ec2" and self.realism.account_quotas and call.action in QUOTAS

    def over_quota(self, call, count):
        """A Refusal if ``call`` creates one more of what the account already holds its quota of; ``count(describe,
        element)`` asks the emulator how many there are (the caller serialises these calls: quota_lock)."""
        describe, element, quota, code, message = QUOTAS[call.action]
        if count(describe, element) < quota:
            return None
        self._count({"quota": 1})
        return Refusal(400, code, message, "quota")

    def observe(self, call, status, data):
        """Learn from the emulator's answer to `call` and return the answer AWS would give."""
        if call is None or status != 200:
            return data
        if call.service == "iam":
            self._observe_iam(call)
            return data
        if call.service != "ec2":
            return data
        if call.action in CREATES or call.action in DELETES:
            self._observe_ec2_write(call, data)
        if call.action in HOLDINGS_FROM:
            root, q = parse_xml(data)
            if root is not None:
                with self.lock:
                    self.holdings.update(holdings(root, q))
        id_tag = DESCRIBES.get(call.action) or CREATES.get(call.action)
        if id_tag is None:
            return data
        with self.lock:
            now = self.clock()
            hidden = set(self._live(self.fresh, now)) if self.realism.eventual_consistency else set()
            pending = set(self._live(self.pending, now))
            deleting = set(self._live(self.deleting, now))
        if not (hidden or pending or deleting):
            return data
        data, hits = rewrite(data, id_tag, hidden, pending, deleting, hide=call.action in DESCRIBES)
        self._count(hits)
        return data

    def _observe_iam(self, call):
        name = call.value("InstanceProfileName")
        if self.realism.profile_propagation and call.action in PROFILE_MAKERS and name:
            with self.lock:
                self.profiles[name] = self.clock() + self.realism.profile_window

    def _observe_ec2_write(self, call, data):
        realism = self.realism
        if call.action in DELETES:
            name, kind = DELETES[call.action]
            gone = [v for k, v in call.params if k == name or k.startswith(name + ".")]
            if realism.pending_states:
                with self.lock:
                    for own_id in gone:
                        self.pending.pop(own_id, None)
                        self.deleting[own_id] = self.clock() + realism.pending_for(kind)
            return
        root, q = parse_xml(data)
        if root is None:
            return
        new_ids = created_ids(root, q, CREATES[call.action])
        with self.lock:
            now = self.clock()
            for new_id in new_ids:
                if realism.eventual_consistency:
                    self.fresh[new_id] = now + realism.notfound_window
                kind = PENDING_KINDS.get(id_prefix(new_id))
                if realism.pending_states and kind:
                    self.pending[new_id] = now + realism.pending_for(kind)
