"""vpc_endpoints' diff on its own: planned endpoints + what was read (plain dicts) -> actions."""

import json

import pytest

from ansible_collections.refarch.network.plugins.module_utils.endpoint_diff import (
    diff_endpoints, resolve, resolve_planned, summary, texts, unknown_services)
from ansible_collections.refarch.network.plugins.module_utils.endpoint_plan import plan_endpoints
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

OWNER = "prod"
OPTIONS = dict(owner=OWNER, tags={}, purge=False, wait=True)
DEFAULTS = dict(subnet_tier="endpoints", security_groups=["default", "eks_cluster"])
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*",
                                                  "Resource": "*"}]}
ENDPOINTS = [{"service": "sts", "policy": POLICY}, {"service": "s3", "private_dns": False},
             {"service": "s3", "type": "Gateway", "route_table_tiers": ["private"]}]
REFS = {
    "subnets": {"endpoints": [{"SubnetId": "subnet-e1"}, {"SubnetId": "subnet-e2"}],
                "private": [{"SubnetId": "subnet-p1"}], "public": [{"SubnetId": "subnet-u1"}]},
    "groups": {"default": "sg-0d", "eks_cluster": "sg-0e"},
    "route_tables": [{"RouteTableId": "rtb-p", "Associations": [{"SubnetId": "subnet-p1"}]},
                     {"RouteTableId": "rtb-u", "Associations": [{"SubnetId": "subnet-u1"}]}],
}


def plan(endpoints=None, defaults=None):
    defaults = DEFAULTS if defaults is None else defaults
    endpoints = ENDPOINTS if endpoints is None else endpoints
    return plan_endpoints([dict(e) for e in endpoints], defaults, "us-east-1")


def resolved(endpoints=None):
    endpoints = ENDPOINTS if endpoints is None else endpoints
    return resolve(plan(endpoints), REFS, OWNER)


def built(endpoints):
    """What read_endpoints returns once the resolved endpoints exist as planned."""
    owned = {}
    for e in endpoints:
        interface = e["type"] == "Interface"
        owned[e["name"]] = {
            "VpcEndpointId": "vpce-" + e["name"], "ServiceName": e["service"], "VpcEndpointType": e["type"],
            "State": "available", "SubnetIds": sorted(e["subnets"]) if interface else [],
            "Groups": [{"GroupId": g} for g in sorted(e["groups"])] if interface else [],
            "RouteTableIds": [] if interface else sorted(e["route_tables"]),
            "PrivateDnsEnabled": e.get("private_dns", False),
            "PolicyDocument": json.dumps(e["policy"]) if e["policy"] else None}
    return owned


def test_new_endpoints_are_created_then_waited_for_together():
    actions, leftover = diff_endpoints(resolved(), {}, OPTIONS)
    assert leftover == []
    assert [(a.op, a.key) for a in actions] == [("create_endpoint", "vpce/sts"), ("create_endpoint", "vpce/s3"),
                                                ("create_endpoint", "vpce/s3-gateway"), ("wait_available", "vpce")]
    assert actions[-1]["keys"] == ["vpce/sts", "vpce/s3", "vpce/s3-gateway"]
    assert texts(actions) == ["create Interface endpoint vpce/sts com.amazonaws.us-east-1.sts",
                              "create Interface endpoint vpce/s3 com.amazonaws.us-east-1.s3",
                              "create Gateway endpoint vpce/s3-gateway com.amazonaws.us-east-1.s3"]
    sts, s3, gateway = actions[:3]
    assert sts["subnets"] == ["subnet-e1", "subnet-e2"] and sts["groups"] == ["sg-0d", "sg-0e"]
    assert sts["private_dns"] is True and s3["private_dns"] is False and sts["policy"] == POLICY
    assert gateway["route_tables"] == ["rtb-p"] and gateway["subnets"] is None
    assert sts["tags"] == {"Name": "prod-sts", "refarch:owner": OWNER, "refarch:key": "vpce/sts"}
    no_wait, _unused = diff_endpoints(resolved(), {}, dict(OPTIONS, wait=False))
    assert not any(a.is_wait for a in no_wait)


def test_converged_snapshot_gives_no_actions():
    endpoints = resolved()
    assert diff_endpoints(endpoints, built(endpoints), OPTIONS) == ([], [])


def test_drift_is_one_modify_per_endpoint_with_a_line_per_property():
    endpoints = resolved()
    owned = built(endpoints)
    owned["sts"].update(PrivateDnsEnabled=False, PolicyDocument=None, Groups=[{"GroupId": "sg-0d"}],
                        SubnetIds=["subnet-e1", "subnet-x"])
    actions, _unused = diff_endpoints(endpoints, owned, OPTIONS)
    assert [(a.op, a.key) for a in actions] == [("modify_endpoint", "vpce/sts")]
    assert texts(actions) == ["modify vpce/sts SubnetIds subnet-e1,subnet-x -> subnet-e1,subnet-e2",
                              "modify vpce/sts SecurityGroupIds sg-0d -> sg-0d,sg-0e",
                              "modify vpce/sts private_dns False -> True", "modify vpce/sts policy changed"]
    assert actions[0]["changes"] == {"AddSubnetIds": ["subnet-e2"], "RemoveSubnetIds": ["subnet-x"],
                                     "AddSecurityGroupIds": ["sg-0e"], "PrivateDnsEnabled": True,
                                     "PolicyDocument": json.dumps(POLICY, sort_keys=True)}


def test_an_owned_endpoint_of_another_type_is_refused():
    endpoints = resolved()
    owned = built(endpoints)
    owned["sts"]["VpcEndpointType"] = "Gateway"
    with pytest.raises(InputError) as err:
        diff_endpoints(endpoints, owned, OPTIONS)
    assert err.value.field == "endpoints[0](sts)" and "cannot change that in place" in err.value.reason


def test_unplanned_endpoints_are_deleted_only_with_purge_then_waited_for():
    endpoints = resolved()
    owned = built(endpoints)
    fewer = endpoints[:1]
    assert diff_endpoints(fewer, owned, OPTIONS) == ([], ["s3", "s3-gateway"])
    actions, _unused = diff_endpoints(fewer, owned, dict(OPTIONS, purge=True))
    assert [(a.op, a.key) for a in actions] == [("delete_endpoint", "vpce/s3"), ("delete_endpoint", "vpce/s3-gateway"),
                                                ("wait_deleted", "vpce")]
    assert texts(actions) == ["delete endpoint vpce/s3 vpce-s3", "delete endpoint vpce/s3-gateway vpce-s3-gateway"]
    absent, leftover = diff_endpoints([], owned, dict(OPTIONS, purge=True, wait=False))
    assert [a.op for a in absent] == ["delete_endpoint"] * 3 and leftover == ["s3", "s3-gateway", "sts"]


def test_references_that_do_not_resolve_are_refused():
    with pytest.raises(InputError) as err:
        resolve(plan([{"service": "sts", "subnet_tier": "nope"}]), REFS, OWNER)
    assert err.value.field == "endpoints[0](sts).subnet_tier" and "endpoints, private, public" in err.value.reason
    with pytest.raises(InputError) as err:
        resolve(plan([{"service": "sts", "security_groups": ["app"]}]), REFS, OWNER)
    assert err.value.field == "endpoints[0](sts).security_groups"
    with pytest.raises(InputError) as err:
        resolve(plan([{"service": "s3", "type": "Gateway", "route_table_tiers": ["endpoints"]}]), REFS, OWNER)
    assert err.value.field == "endpoints[0](s3-gateway).route_table_tiers"
    # check mode: the group is made by the security_groups task of the same (check) run
    noted = []  # (engine.on_missing): the missing group is told, and stands as planned
    planned = resolve(plan([{"service": "sts", "security_groups": ["app", "sg-0123"]}]), REFS, OWNER, noted.append)
    assert [e.field for e in noted] == ["endpoints[0](sts).security_groups"]
    assert planned[0]["groups"] == {"sg/app (planned)", "sg-0123"}


def test_before_the_vpc_exists_everything_is_named_by_plan():
    planned = resolve_planned(plan())
    assert planned[0]["subnets"] == {"subnet/endpoints/* (planned)"}
    assert planned[0]["groups"] == {"sg/default (planned)", "sg/eks_cluster (planned)"}
    assert planned[2]["route_tables"] == {"rtb of tier private (planned)"}
    actions, _unused = diff_endpoints(planned, {}, OPTIONS)
    assert [a.op for a in actions] == ["create_endpoint"] * 3 + ["wait_available"]
    assert summary(planned[0], None)["security_groups"] == ["sg/default (planned)", "sg/eks_cluster (planned)"]


def test_unknown_services_are_all_listed_before_anything_is_created():
    planned = resolved([{"service": "sts"}, {"service": "nope"}, {"service": "sts", "type": "Gateway",
                                                                  "route_table_tiers": ["private"]}])
    actions, _unused = diff_endpoints(planned, {}, OPTIONS)
    offered = {"com.amazonaws.us-east-1.sts": {"Interface"}}
    with pytest.raises(InputError) as err:
        unknown_services(planned, actions, offered)
    assert err.value.field == "endpoints[1](nope)"
    assert "com.amazonaws.us-east-1.nope does not exist" in err.value.reason
    assert "endpoints[2](sts-gateway): service com.amazonaws.us-east-1.sts offers Interface endpoints, not Gateway" \
        in err.value.reason
    unknown_services(planned, [], offered)   # nothing to create: nothing to check
