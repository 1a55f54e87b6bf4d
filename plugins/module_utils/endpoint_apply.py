# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Handlers of vpc_endpoints' actions, run by ``engine.execute``; ``run.data["vpc_id"]`` is the VPC.

An endpoint is ``pending`` for about a minute after its create on AWS: the creates are all
issued first, then one wait action polls them together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import uuid

try:
    from botocore.exceptions import ClientError
except ImportError:  # the module's SDK check reports it
    ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.aws import error_code
from ansible_collections.refarch.network.plugins.module_utils.tags import owner_filter, tag_spec
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import paginate, tagged
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import LIVE_STATES
from ansible_collections.refarch.network.plugins.module_utils.engine import WaitTimeout, poll
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import retried

FAILED_STATES = ("failed", "rejected")


def known_ids(owned):
    return dict(("vpce/" + name, endpoint["VpcEndpointId"]) for name, endpoint in owned.items())


def _create_endpoint(run, a):
    # botocore's and the engine's retries resend the same token: AWS makes no second endpoint
    # (the emulator ignores it: see _remove_twins)
    kwargs = dict(VpcId=run.data["vpc_id"], ServiceName=a["service"], VpcEndpointType=a["type"],
                  ClientToken=str(uuid.uuid4()), TagSpecifications=tag_spec("vpc-endpoint", a["tags"]))
    if a["type"] == "Interface":
        kwargs.update(SubnetIds=a["subnets"], SecurityGroupIds=a["groups"], PrivateDnsEnabled=a["private_dns"])
    else:
        kwargs["RouteTableIds"] = a["route_tables"]
    if a["policy"] is not None:
        kwargs["PolicyDocument"] = json.dumps(a["policy"], sort_keys=True)
    answer = run.ec2.create_vpc_endpoint(**kwargs)
    run.ids[a.key] = answer["VpcEndpoint"]["VpcEndpointId"]
    if retried(answer):
        _remove_twins(run, a)


def _remove_twins(run, a):
    """After a retried create: delete the other live endpoints carrying this key (a service that
    ignores ClientToken made one per attempt). A new endpoint may be left out of a filtered
    Describe for a moment, so look once ours is listed: any twin was made before it."""
    new_id = run.ids[a.key]
    filters = [{"Name": "vpc-id", "Values": [run.data["vpc_id"]]}] + owner_filter(run.owner, a.key)
    found = []

    def listed():
        found[:] = [e["VpcEndpointId"] for e in paginate(run.ec2, "describe_vpc_endpoints", "VpcEndpoints",
                                                         Filters=filters)
                    if tagged(e, run.owner, a.key) and e["State"].lower() in LIVE_STATES]
        return new_id in found
    try:
        poll(listed, "endpoint %s to be listed" % new_id, timeout=run.bound, clock=run.clock, sleep=run.sleep)
    except WaitTimeout:
        pass   # the twins listed so far are still twins
    twins = sorted(i for i in found if i != new_id)
    if twins:
        run.ec2.delete_vpc_endpoints(VpcEndpointIds=twins)


def _modify_endpoint(run, a):
    run.ec2.modify_vpc_endpoint(VpcEndpointId=run.ids[a.key], **a["changes"])


def _gone(code):
    return code.startswith("InvalidVpcEndpointId") or code.startswith("InvalidVpcEndpoint.")


def _delete_endpoint(run, a):
    answer = run.ec2.delete_vpc_endpoints(VpcEndpointIds=[run.ids[a.key]])
    # refusals come back in the answer, not as an error; one already gone is deleted
    refused = [u["Error"] for u in answer.get("Unsuccessful") or [] if not _gone(u.get("Error", {}).get("Code", ""))]
    if refused:
        raise RuntimeError("endpoint %s not deleted: %s (%s)"
                           % (run.ids[a.key], refused[0].get("Message"), refused[0].get("Code")))


def _states(run, ids):
    found = run.ec2.describe_vpc_endpoints(VpcEndpointIds=ids)["VpcEndpoints"]
    return dict((e["VpcEndpointId"], e["State"].lower()) for e in found)


def _wait_available(run, a):
    ids = [run.ids[key] for key in a["keys"]]

    def available():
        states = _states(run, ids)
        failed = sorted(i for i, s in states.items() if s in FAILED_STATES)
        if failed:
            raise RuntimeError("endpoints %s failed to become available" % ", ".join(failed))
        return all(states.get(i) == "available" for i in ids)
    return available


def _wait_deleted(run, a):
    ids = [run.ids[key] for key in a["keys"]]

    def deleted():
        try:
            states = _states(run, ids)
        except ClientError as e:
            if _gone(error_code(e)):
                return True   # AWS forgets deleted endpoints after a while
            raise
        return all(states.get(i) in (None, "deleted") for i in ids)
    return deleted


HANDLERS = {"create_endpoint": _create_endpoint, "modify_endpoint": _modify_endpoint,
            "delete_endpoint": _delete_endpoint, "wait_available": _wait_available, "wait_deleted": _wait_deleted}
