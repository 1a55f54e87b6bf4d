# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of eks_irsa's actions, run by ``engine.execute`` with ``run.iam`` (guarded).

A created role name or provider ARN is recorded in ``run.ids``, so a NoSuchEntity naming
it (IAM is eventually consistent) is retried by the engine. A create refused with
EntityAlreadyExists is accepted only when the entity is ours (owner and key tags): that is
a lost reply of our own create, or another run of ours. A delete or detach answered
NoSuchEntity is done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_dict, tag_list
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.irsa import STS_AUDIENCE


def _ours(run, tags, key):
    tags = tag_dict(tags)
    return tags.get(OWNER_TAG) == run.owner and tags.get(KEY_TAG) == key


def _gone_is_done(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        if error_code(e) != "NoSuchEntity":
            raise


def _create_provider(run, a):
    try:
        arn = run.iam.create_open_id_connect_provider(
            Url=a["url"], ClientIDList=[STS_AUDIENCE], ThumbprintList=a["thumbprints"],
            Tags=tag_list(a["tags"]))["OpenIDConnectProviderArn"]
    except ClientError as e:
        if error_code(e) != "EntityAlreadyExists":
            raise
        found = run.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=a["arn"])
        if STS_AUDIENCE not in found.get("ClientIDList", []):
            raise InputError("cluster_name", "the OIDC provider %s was created meanwhile without client id %s"
                             % (a["arn"], STS_AUDIENCE))
        owned = _ours(run, found.get("Tags"), a["tags"][KEY_TAG])
        run.data["provider"]["owned"] = owned
        if not owned:  # someone else's, made since the read: used as it is
            return
        arn = a["arn"]
    run.ids[a.key] = arn


def _add_client_id(run, a):
    run.iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=a["arn"], ClientID=STS_AUDIENCE)


def _update_thumbprints(run, a):
    run.iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=a["arn"],
                                                       ThumbprintList=a["thumbprints"])


def _delete_provider(run, a):
    _gone_is_done(run.iam.delete_open_id_connect_provider, OpenIDConnectProviderArn=a["arn"])


def _create_role(run, a):
    def ours():
        return _ours(run, run.iam.get_role(RoleName=a["role"])["Role"].get("Tags"), a["tags"][KEY_TAG])
    try:
        run.iam.create_role(RoleName=a["role"], Path=a["path"], AssumeRolePolicyDocument=json.dumps(a["trust"]),
                            Description=a["description"], Tags=tag_list(a["tags"]), done_if=ours)
    except ClientError as e:
        # not retried by botocore, but made by another run of ours since the read
        if error_code(e) != "EntityAlreadyExists" or not ours():
            raise
    run.ids[a.key] = a["role"]


def _update_trust(run, a):
    run.iam.update_assume_role_policy(RoleName=a["role"], PolicyDocument=json.dumps(a["trust"]))


def _put_policy(run, a):
    run.iam.put_role_policy(RoleName=a["role"], PolicyName=a["policy"], PolicyDocument=json.dumps(a["document"]))


def _delete_policy(run, a):
    _gone_is_done(run.iam.delete_role_policy, RoleName=a["role"], PolicyName=a["policy"])


def _detach_policy(run, a):
    _gone_is_done(run.iam.detach_role_policy, RoleName=a["role"], PolicyArn=a["arn"])


def _tag_role(run, a):
    run.iam.tag_role(RoleName=a["role"], Tags=tag_list(a["tags"]))


def _delete_role(run, a):
    _gone_is_done(run.iam.delete_role, RoleName=a["role"])


HANDLERS = {
    "create_provider": _create_provider,
    "add_client_id": _add_client_id,
    "update_thumbprints": _update_thumbprints,
    "delete_provider": _delete_provider,
    "create_role": _create_role,
    "update_trust": _update_trust,
    "put_policy": _put_policy,
    "delete_policy": _delete_policy,
    "detach_policy": _detach_policy,
    "tag_role": _tag_role,
    "delete_role": _delete_role,
}
