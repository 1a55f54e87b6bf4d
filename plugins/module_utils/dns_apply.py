# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of dns_zones' actions, run by ``engine.execute``.

Route53 offers no client token the emulator honours and no tags on creation, so a lost reply
is handled here with what Route53 does offer: a zone is found again by its CallerReference
(a retried CreateHostedZone keeps one zone), an association by the zone's VPC list, a change
batch by planning it again from a fresh read (``done_if`` of the run's guarded client).
``run.route53`` is the zone account's client; the parent zone's account and cross-account
VPCs have their own (named by the action's ``client``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    pass

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import delegation_records, zone_changes
from ansible_collections.refarch.network.plugins.module_utils.dns_read import (
    by_name, caller_prefix, delegation_keys, detail, records, rrsets, vpcs_of, zone_id,
)
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried

UNSUPPORTED_CODES = ("404", "UnknownOperationException", "InvalidAction", "NotImplemented")


def _client(run, a):
    return getattr(run, a.get("client") or "route53")


def _create_zone(run, a):
    """Create, then tag. The reference is unique per request (AWS refuses a reused one) yet
    recognisable (``dns_read.owned_zone`` adopts an untagged zone carrying its prefix)."""
    r53, name, private = run.route53, a["name"], a["private"]
    ref = caller_prefix(run.owner, a.key) + uuid.uuid4().hex
    kwargs = dict(Name=name, CallerReference=ref, HostedZoneConfig=dict(PrivateZone=private))
    if a["comment"]:
        kwargs["HostedZoneConfig"]["Comment"] = a["comment"]
    if a["vpc"]:
        kwargs["VPC"] = a["vpc"]
    try:
        answer = r53.create_hosted_zone(**kwargs)
        zone = answer["HostedZone"]
    except ClientError as e:
        # a retried request whose first attempt succeeded: the zone carries our reference
        if error_code(e) != "HostedZoneAlreadyExists":
            raise
        answer, found = {}, [z for z in by_name(r53, name, private) if z.get("CallerReference") == ref]
        if not found:
            raise
        zone = found[0]
    run.ids[a.key] = zone_id(zone)
    if retried(answer):
        # a service that ignores CallerReference (the emulator) made a zone per attempt: keep the
        # answered one, delete the others carrying this request's reference (empty, just made)
        for other in by_name(r53, name, private):
            if other.get("CallerReference") == ref and zone_id(other) != run.ids[a.key]:
                _delete(r53, zone_id(other))
    if not private:
        servers = answer.get("DelegationSet", {}).get("NameServers") or detail(r53, zone)["NameServers"]
        run.data["name_servers"][a.key] = servers
    _tag(run, run.ids[a.key], add=a["tags"])


def _tag(run, zid, add=None, remove=None):
    kwargs = {}
    if add:
        kwargs["AddTags"] = tag_list(add)
    if remove:
        kwargs["RemoveTagKeys"] = sorted(remove)
    run.route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zid, **kwargs)


def _tag_zone(run, a):
    _tag(run, run.ids[a.key], add=a["tags"])


def _untag_zone(run, a):
    _tag(run, run.ids[a.key], remove=a["keys"])


def associate_vpc(zone_r53, zid, vpc, client):
    """Associate through ``client`` (the VPC's account), reading the zone with ``zone_r53``.

    A retry after a lost reply finds it done (AWS: ConflictingDomainExists); a service that
    appends blindly (the emulator) lists the VPC twice, set right by associating it once more
    from scratch."""
    pair = (vpc["VPCId"], vpc["VPCRegion"])
    for _attempt in range(3):
        answer = client.associate_vpc_with_hosted_zone(HostedZoneId=zid, VPC=vpc,
                                                       done_if=lambda: pair in vpcs_of(zone_r53, zid))
        if not retried(answer) or vpcs_of(zone_r53, zid).count(pair) < 2:
            return
        _disassociate_vpc(zone_r53, zid, vpc)


def _disassociate_vpc(zone_r53, zid, vpc):
    """A retry finding it gone (VPCAssociationNotFound, or the emulator's LastVPCAssociation
    once ours was removed) is done when the VPC is no longer listed."""
    pair = (vpc["VPCId"], vpc["VPCRegion"])
    zone_r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zid, VPC=vpc,
                                               done_if=lambda: pair not in vpcs_of(zone_r53, zid))


def _associate(run, a):
    associate_vpc(run.route53, run.ids[a["zone"]], a["vpc"], run.route53)


def associate_across_accounts(zone_r53, vpc_r53, zid, vpc):
    """Authorize in the zone's account, associate in the VPC's, remove the authorization
    (single-use; AWS recommends removing it once used)."""
    try:
        zone_r53.create_vpc_association_authorization(HostedZoneId=zid, VPC=vpc)
    except ClientError as e:
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if error_code(e) in UNSUPPORTED_CODES or status == 404:
            raise RuntimeError(
                "cross-account association of %s needs CreateVPCAssociationAuthorization, which this endpoint does "
                "not implement (HTTP %s %s; bare moto lacks it, the project's tools/emulator.py serves it). "
                "Associate VPCs of the zone's own account here, or run against AWS" % (vpc["VPCId"], status, error_code(e)))
        raise
    associate_vpc(zone_r53, zid, vpc, vpc_r53)
    try:
        zone_r53.delete_vpc_association_authorization(HostedZoneId=zid, VPC=vpc)
    except ClientError as e:
        if error_code(e) != "VPCAssociationAuthorizationNotFound":  # a retry whose first attempt removed it
            raise


def _associate_cross_account(run, a):
    try:
        associate_across_accounts(run.route53, _client(run, a), run.ids[a["zone"]], a["vpc"])
    except RuntimeError as e:
        raise RuntimeError("private_zone.vpcs: %s" % e)


def _disassociate(run, a):
    zid = run.ids[a["zone"]]
    _disassociate_vpc(run.route53, zid, a["vpc"])
    _tag(run, zid, remove=a["untag"])


def _upserts(changes):
    return [dict(change, Action="UPSERT") if change["Action"] == "CREATE" else change for change in changes]


def _change_records(run, a):
    """Submit a change batch. A batch rejected as stale (a retried request whose first attempt
    was applied, or a concurrent edit) is planned again from a fresh read: nothing left to do
    means it was applied; a fresh plan is submitted once.

    A CREATE refused as "already exists" whose record the fresh read does not list (the
    emulator matches a CREATE identical to one it once applied against every record sorting
    after its name, so a delegation deleted and made again is refused while a later name
    exists) is submitted again as an UPSERT: a record a read has just shown absent."""
    client, zid, zone, delegated = _client(run, a), run.ids[a["zone"]], a["name"], a["delegated"]
    desired = a["desired"]
    if a.get("servers_of"):  # the delegation of a zone made in this run
        desired = delegation_records(delegated, a["ttl"], run.data["name_servers"][a["servers_of"]])

    def replan():
        if delegated:
            existing = rrsets(client, zid, delegation_keys(run.owner, delegated, zone))
        else:
            existing = dns.index_rrsets(records(client, zid))
        return zone_changes(run.owner, zone, desired, existing, delegated)[0]

    changes = a["changes"]
    if changes is None:
        changes = zone_changes(run.owner, zone, desired, a["existing"], delegated)[0]
    for attempt in (1, 2):
        if not changes:
            return
        try:
            client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch=dict(Comment=a["comment"], Changes=changes),
                                               done_if=lambda: not replan())
            return
        except ClientError as e:
            if error_code(e) != "InvalidChangeBatch" or attempt == 2:
                raise
            exists = "already exists" in (e.response.get("Error", {}).get("Message") or "")
        changes = replan()
        if exists:
            changes = _upserts(changes)


def _in_batch(run, a):
    """Submitted with the batch's first record (a batch is atomic)."""


def _delete(r53, zid):
    try:
        r53.delete_hosted_zone(Id=zid)
    except ClientError as e:
        if error_code(e) != "NoSuchHostedZone":  # a retried request whose first attempt succeeded
            raise


def _delete_zone(run, a):
    _delete(run.route53, run.ids[a.key])


def _parent_missing(run, a):
    raise RuntimeError("no public zone %s in the parent account" % a["parent"])


HANDLERS = {
    "create_zone": _create_zone, "tag_zone": _tag_zone, "untag_zone": _untag_zone, "associate": _associate,
    "associate_cross_account": _associate_cross_account, "disassociate": _disassociate,
    "change_records": _change_records, "in_batch": _in_batch, "delete_zone": _delete_zone,
    "parent_missing": _parent_missing,
}
