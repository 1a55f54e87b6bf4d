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

- ``write`` turns an "already done" error of a retried call into success;
- ``create_once`` removes, after a retried create, the other resources carrying the same
  owner and key tags (created atomically by TagSpecifications, so the lost attempt's
  resource is always findable).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    pass

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


def retried(response):
    """True when botocore sent the call more than once (an earlier attempt may have landed)."""
    return (response or {}).get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0


def write(call, verify=None, **kwargs):
    """``call(**kwargs)`` (a boto3 client method), where an "already done" error after a retry
    is success.

    ``verify`` (optional) confirms such an error really means our earlier attempt did the work
    (e.g. the route exists *with our target*); when it returns False the error stands.
    """
    operation = call.__self__.meta.method_to_api_mapping[call.__name__]
    try:
        return call(**kwargs)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if retried(e.response) and code in ALREADY_DONE.get(operation, ()) and (verify is None or verify()):
            return {}
        raise


def create_once(response, new_id, find_ids, delete):
    """After a create: when it was retried, delete the other resources that carry its key.

    ``find_ids()`` lists the ids of live resources with the same owner and key tags;
    ``delete(id)`` removes one. Returns the ids removed.
    """
    if not retried(response):
        return []
    extra = [i for i in find_ids() if i != new_id]
    for other in extra:
        delete(other)
    return extra
