#!/usr/bin/env python
"""moto server plus the Route53 calls of cross-account private zone association moto 5.2.5 lacks.

AWS associates a VPC of account B with a private zone of account A in two steps: A calls
CreateVPCAssociationAuthorization(zone, vpc), then B calls AssociateVPCWithHostedZone(zone, vpc).
Either account may later call DisassociateVPCFromHostedZone. moto keeps zones per account, has
no authorization calls (404), and looks the zone up in the caller's account only. This module
adds, inside the moto process (tools/emulator_server.py installs it):

- CreateVPCAssociationAuthorization, DeleteVPCAssociationAuthorization and
  ListVPCAssociationAuthorizations, kept per zone in the zone's account;
- AssociateVPCWithHostedZone / DisassociateVPCFromHostedZone for a zone of another account:
  associating needs a live authorization for exactly that VPC and region (else
  NotAuthorizedException, as AWS); disassociating needs the VPC to be associated.

Nothing else changes: calls on a zone of the caller's own account run moto's code untouched.
Like moto, it does not check that the VPC exists or belongs to the caller.
"""

from moto.core.responses import ActionResult, EmptyResult
from moto.route53 import urls
from moto.route53.exceptions import NoSuchHostedZone, Route53ClientError
from moto.route53.models import Route53Backend, route53_backends
from moto.route53.responses import Route53

BASE = r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/"


class NotAuthorized(Route53ClientError):
    def __init__(self, message):
        super().__init__("NotAuthorizedException", message)


class AuthorizationNotFound(Route53ClientError):
    def __init__(self, message):
        super().__init__("VPCAssociationAuthorizationNotFound", message)


def _authorizations(backend, zone_id):
    """The zone's authorizations {(vpc_id, region)}, kept on its account's backend."""
    backend.get_hosted_zone(zone_id)  # NoSuchHostedZone when it is not this account's
    store = backend.__dict__.setdefault("refarch_vpc_authorizations", {})
    return store.setdefault(zone_id.replace("/hostedzone/", ""), set())


def _zone_elsewhere(backend, zone_id):
    """(backend of the account holding ``zone_id``, zone) for a zone of another account."""
    for account in list(route53_backends.keys()):
        other = route53_backends[account][backend.region_name]
        if other is not backend and zone_id.replace("/hostedzone/", "") in other.zones:
            return other, other.get_hosted_zone(zone_id)
    raise NoSuchHostedZone(zone_id)


ORIGINAL_ASSOCIATE = Route53Backend.associate_vpc_with_hosted_zone
ORIGINAL_DISASSOCIATE = Route53Backend.disassociate_vpc_from_hosted_zone


def associate_vpc_with_hosted_zone(self, zone_id, vpcid, vpcregion):
    if zone_id.replace("/hostedzone/", "") in self.zones:
        return ORIGINAL_ASSOCIATE(self, zone_id, vpcid, vpcregion)
    owner, zone = _zone_elsewhere(self, zone_id)
    if (vpcid, vpcregion) not in _authorizations(owner, zone_id):
        raise NotAuthorized("The VPC %s (%s) is not authorized to be associated with hosted zone %s; "
                            "its account must call CreateVPCAssociationAuthorization first"
                            % (vpcid, vpcregion, zone.id))
    return ORIGINAL_ASSOCIATE(owner, zone_id, vpcid, vpcregion)


def disassociate_vpc_from_hosted_zone(self, zone_id, vpcid):
    if zone_id.replace("/hostedzone/", "") in self.zones:
        return ORIGINAL_DISASSOCIATE(self, zone_id, vpcid)
    owner, zone = _zone_elsewhere(self, zone_id)
    if not any(v.get("vpc_id") == vpcid for v in zone.vpcs):
        raise Route53ClientError("VPCAssociationNotFound", "The VPC %s is not associated with %s" % (vpcid, zone.id))
    return ORIGINAL_DISASSOCIATE(owner, zone_id, vpcid)


def _vpc_params(response):
    return response._get_param("HostedZoneId"), response._get_param("VPC.VPCId"), response._get_param("VPC.VPCRegion")


def create_vpc_association_authorization(self):
    zone_id, vpcid, region = _vpc_params(self)
    _authorizations(self.backend, zone_id).add((vpcid, region))
    return ActionResult({"HostedZoneId": zone_id, "VPC": {"VPCId": vpcid, "VPCRegion": region}})


def delete_vpc_association_authorization(self):
    zone_id, vpcid, region = _vpc_params(self)
    found = _authorizations(self.backend, zone_id)
    if (vpcid, region) not in found:
        raise AuthorizationNotFound("No authorization for VPC %s (%s) on hosted zone %s" % (vpcid, region, zone_id))
    found.discard((vpcid, region))
    return EmptyResult()


def list_vpc_association_authorizations(self):
    zone_id = self._get_param("HostedZoneId")
    vpcs = [{"VPCId": v, "VPCRegion": r} for v, r in sorted(_authorizations(self.backend, zone_id))]
    return ActionResult({"HostedZoneId": zone_id, "VPCs": vpcs})


def install():
    """Patch moto in this process (before the server builds its URL map)."""
    urls.url_paths[BASE + "authorizevpcassociation/?$"] = Route53.dispatch
    urls.url_paths[BASE + "deauthorizevpcassociation/?$"] = Route53.dispatch
    Route53Backend.associate_vpc_with_hosted_zone = associate_vpc_with_hosted_zone
    Route53Backend.disassociate_vpc_from_hosted_zone = disassociate_vpc_from_hosted_zone
    Route53.create_vpc_association_authorization = create_vpc_association_authorization
    Route53.delete_vpc_association_authorization = delete_vpc_association_authorization
    Route53.list_vpc_association_authorizations = list_vpc_association_authorizations
