# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes that survive a lost reply.

botocore retries a write whose answer never arrived (dropped connection, 5xx). The first
attempt may have been carried out all the same, and then the retry either fails with an
"already done" error (``RouteAlreadyExists``, ``InvalidPermission.NotFound``...) or, for a
create AWS does not deduplicate (no ``ClientToken``, or a service that ignores it), makes a
second resource. Both happen only when botocore retried the call, which it reports in
``ResponseMetadata.RetryAttempts`` on answers and on errors alike, so:

``engine.Run.call`` (every call of a module's run) turns an "already done" error of a
retried call (``ALREADY_DONE``) into success, and after a retried create removes the twin
carrying the same owner and key tags (created atomically by TagSpecifications, so the lost
attempt's resource is always findable).

A delete answered "not found" (``GONE``) is done whether or not botocore retried it: what it
removes is gone, which is what the delete is for, whoever got there first. Hosts of one play
clean shared route tables at once (the hub's side of peerings), and an operator may have deleted it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Error codes meaning "an earlier attempt of this very call already did it".
ALREADY_DONE = {
    # EC2
    "AcceptVpcPeeringConnection": ("InvalidStateTransition",),
    "AssociateIamInstanceProfile": ("IncorrectState",),
    "AssociateRouteTable": ("Resource.AlreadyAssociated",),
    "AttachInternetGateway": ("Resource.AlreadyAssociated",),
    "AuthorizeSecurityGroupEgress": ("InvalidPermission.Duplicate",),
    "AuthorizeSecurityGroupIngress": ("InvalidPermission.Duplicate",),
    "CreateFlowLogs": ("FlowLogAlreadyExists",),
    "CreateNatGateway": ("Resource.AlreadyAssociated",),
    "CreateRoute": ("RouteAlreadyExists",),
    "CreateSecurityGroup": ("InvalidGroup.Duplicate",),
    "CreateSubnet": ("InvalidSubnet.Conflict",),
    "DeleteFlowLogs": ("InvalidFlowLogId.NotFound",),
    "DeleteInternetGateway": ("InvalidInternetGatewayID.NotFound",),
    "DeleteNatGateway": ("NatGatewayNotFound", "InvalidNatGatewayID.NotFound"),
    "DeleteRoute": ("InvalidRoute.NotFound",),
    "DeleteRouteTable": ("InvalidRouteTableID.NotFound",),
    "DeleteSecurityGroup": ("InvalidGroup.NotFound",),
    "DeleteSubnet": ("InvalidSubnetID.NotFound",),
    "DeleteVpc": ("InvalidVpcID.NotFound",),
    "DeleteVpcPeeringConnection": ("InvalidVpcPeeringConnectionID.NotFound", "InvalidStateTransition"),
    "DetachInternetGateway": ("Gateway.NotAttached",),
    "DisassociateAddress": ("InvalidAssociationID.NotFound",),
    "DisassociateRouteTable": ("InvalidAssociationID.NotFound",),
    "ReleaseAddress": ("InvalidAllocationID.NotFound",),
    "RevokeSecurityGroupEgress": ("InvalidPermission.NotFound",),
    "RevokeSecurityGroupIngress": ("InvalidPermission.NotFound",),
    # IAM (pass verify= to check the existing entity is ours)
    "AddRoleToInstanceProfile": ("LimitExceeded",),
    "CreateInstanceProfile": ("EntityAlreadyExists",),
    "CreateRole": ("EntityAlreadyExists",),
    "DeleteInstanceProfile": ("NoSuchEntity",),
    "DeleteRole": ("NoSuchEntity",),
    "DeleteRolePolicy": ("NoSuchEntity",),
    "RemoveRoleFromInstanceProfile": ("NoSuchEntity",),
    # Route53 associations (pass verify= to check the zone's VPC list)
    "AssociateVPCWithHostedZone": ("ConflictingDomainExists",),
    "DeleteVPCAssociationAuthorization": ("VPCAssociationAuthorizationNotFound",),
    "DisassociateVPCFromHostedZone": ("VPCAssociationNotFound", "LastVPCAssociation"),
    # Route53 (CREATE of a record that exists, DELETE of one that is gone; pass verify=)
    "ChangeResourceRecordSets": ("InvalidChangeBatch",),
}

# The "already done" errors of removals that say the thing is gone (not a refusal such as
# LastVPCAssociation or InvalidStateTransition).
GONE = dict((operation, tuple(c for c in codes if c.endswith("NotFound") or c == "NoSuchEntity"))
            for operation, codes in ALREADY_DONE.items()
            if operation.startswith(("Delete", "Disassociate", "Release", "Remove", "Revoke")))


def retried(response):
    """True when botocore sent the call more than once (an earlier attempt may have landed)."""
    return (response or {}).get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
