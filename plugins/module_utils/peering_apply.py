# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of vpc_peering's actions, run by ``engine.execute``.

The run has two guarded clients: ``run.ec2`` (the requester side) and ``run.peer_ec2`` (the
accepter side, maybe another account or region); an action's ``client`` names the side. The
connection's id is ``run.ids[key]``, known from the snapshot or set by the create. A lost
create reply is the engine's work (the connection is tagged at create, so a twin is found
by owner and key and removed); a retried accept or delete that finds the work done is
confirmed by the connection's status.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import tag_list, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.connectivity import ROUTE_HANDLERS
from ansible_collections.refarch.network.plugins.module_utils.peering_diff import DNS_OPTION, FAILED, LIVE


def _connection(client, pcx_id):
    """The connection as ``client``'s side sees it, or None once that side does not know it."""
    try:
        found = client.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
    except ClientError as e:
        if "NotFound" not in error_code(e):
            raise
        return None
    return found[0] if found else None


def status_of(client, pcx_id):
    conn = _connection(client, pcx_id)
    return conn["Status"]["Code"] if conn else "deleted"


def _create(run, a):
    answer = run.ec2.create_vpc_peering_connection(
        VpcId=a["vpc"], PeerVpcId=a["peer_vpc"], PeerOwnerId=a["peer_owner"], PeerRegion=a["peer_region"],
        TagSpecifications=tag_spec("vpc-peering-connection", a["tags"]))
    run.ids[a.key] = answer["VpcPeeringConnection"]["VpcPeeringConnectionId"]


def _wait(run, a):
    client = getattr(run, a["client"])
    pcx_id = run.ids[a.key]

    def ready():
        conn = _connection(client, pcx_id)  # None: not yet visible across accounts/regions
        code = conn["Status"]["Code"] if conn else None
        if code in FAILED:
            raise RuntimeError("peering %s is %s: %s" % (pcx_id, code, conn["Status"].get("Message", "")))
        return code in a["statuses"]
    return ready


def _accept(run, a):
    pcx_id = run.ids[a.key]
    # a retry whose first attempt was accepted finds the connection past pending-acceptance
    run.peer_ec2.accept_vpc_peering_connection(
        done_if=lambda: status_of(run.peer_ec2, pcx_id) in ("provisioning", "active"), VpcPeeringConnectionId=pcx_id)


def _tag(run, a):
    getattr(run, a["client"]).create_tags(Resources=[run.ids[a.key]], Tags=tag_list(a["tags"]))


def _tag_vpc(run, a):
    getattr(run, a["client"]).create_tags(Resources=[a["vpc"]], Tags=tag_list(a["tags"]))


def _untag_vpc(run, a):
    getattr(run, a["client"]).delete_tags(Resources=[a["vpc"]], Tags=[{"Key": a["tag"]}])


def _set_dns(run, a):
    getattr(run, a["client"]).modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=run.ids[a.key], **{a["option"]: {DNS_OPTION: a["value"]}})


def _delete(run, a):
    run.ec2.delete_vpc_peering_connection(done_if=lambda: status_of(run.ec2, a["pcx"]) not in LIVE,
                                          VpcPeeringConnectionId=a["pcx"])


HANDLERS = dict(ROUTE_HANDLERS, create_peering=_create, wait_peering=_wait, accept_peering=_accept,
                tag_peering=_tag, tag_vpc=_tag_vpc, untag_vpc=_untag_vpc, set_dns=_set_dns, delete_peering=_delete)
