"""vpc_endpoints against the emulator: the seed's twelve, drift correction, unknown services."""

import boto3
from aws_proxy import AwsProxy

from security_seed_vpc import OWNER

SEED_SERVICES = ["ec2", "ecr.api", "ecr.dkr", "logs", "sts", "elasticloadbalancing", "autoscaling",
                 "secretsmanager", "rds", "s3", "elasticache", "email-smtp"]
GROUPS = [{"name": "eks_cluster", "ingress": [{"proto": "all", "group": "default"}]}]


def seed_endpoints():
    return [{"service": s, "private_dns": s != "s3"} for s in SEED_SERVICES]


def args(**extra):
    base = dict(owner=OWNER, subnet_tier="endpoints", security_groups=["default", "eks_cluster"],
                endpoints=seed_endpoints())
    base.update(extra)
    return base


def owned_endpoints(vpc_id):
    ec2 = boto3.client("ec2")
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    keys = {e["VpcEndpointId"]: {t["Key"]: t["Value"] for t in e.get("Tags", [])}.get("refarch:key", "?")
            for e in found}
    return {keys[e["VpcEndpointId"]][5:]: e for e in found if e["State"] == "available"}


def test_seed_twelve_endpoints_with_gateway_then_idempotent(seed_vpc, module, aws):
    assert module("security_groups", dict(owner=OWNER, groups=GROUPS))["changed"]
    gateway = {"service": "s3", "type": "Gateway", "route_table_tiers": ["eks_private"]}
    wanted = args(endpoints=seed_endpoints() + [gateway])
    check = module("vpc_endpoints", wanted, check_mode=True)
    assert check["changed"] and len(check["actions"]) == 13, check
    assert owned_endpoints(seed_vpc["vpc_id"]) == {}

    first = module("vpc_endpoints", wanted)
    assert first["actions"] == check["actions"], first
    found = owned_endpoints(seed_vpc["vpc_id"])
    interface = {k: e for k, e in found.items() if e["VpcEndpointType"] == "Interface"}
    assert sorted(interface) == sorted(SEED_SERVICES)
    eks_sg = first["endpoints"]["ec2"]["security_groups"]
    assert seed_vpc["default_sg"] in eks_sg and len(eks_sg) == 2
    for service, endpoint in interface.items():
        assert endpoint["SubnetIds"] == seed_vpc["subnets"]["endpoints"]
        assert sorted(g["GroupId"] for g in endpoint["Groups"]) == sorted(eks_sg)
        assert endpoint["PrivateDnsEnabled"] is (service != "s3"), service
        tags = {t["Key"]: t["Value"] for t in endpoint["Tags"]}
        assert tags["refarch:owner"] == OWNER and tags["refarch:key"] == "vpce/" + service
    gw = [e for e in boto3.client("ec2").describe_vpc_endpoints()["VpcEndpoints"] if e["VpcEndpointType"] == "Gateway"]
    assert [e["RouteTableIds"] for e in gw] == [[seed_vpc["route_tables"]["private"]]]

    proxy = AwsProxy(aws.port).start()
    try:
        again = module("vpc_endpoints", dict(wanted, endpoint_url=proxy.url))
    finally:
        proxy.stop()
    assert not again["changed"] and again["actions"] == [], again
    assert proxy.writes() == []
    assert "DescribeVpcEndpointServices" not in proxy.reads()  # only checked before creating


def test_drift_in_groups_and_subnets_is_corrected(seed_vpc, module):
    assert module("security_groups", dict(owner=OWNER, groups=GROUPS))["changed"]
    first = module("vpc_endpoints", args(endpoints=[{"service": "sts"}, {"service": "logs"}]))
    sts_id = first["endpoints"]["sts"]["id"]
    ec2 = boto3.client("ec2")
    # behind the module's back: drop the EKS group, move the endpoint to another subnet
    eks = [g for g in first["endpoints"]["sts"]["security_groups"] if g != seed_vpc["default_sg"]][0]
    ec2.modify_vpc_endpoint(VpcEndpointId=sts_id, RemoveSecurityGroupIds=[eks],
                            AddSubnetIds=[seed_vpc["subnets"]["eks_private"][1]])
    check = module("vpc_endpoints", args(endpoints=[{"service": "sts"}, {"service": "logs"}]), check_mode=True,
                   diff=True)
    assert [a.split(" ", 3)[:3] for a in check["actions"]] == [["modify", "vpce/sts", "SubnetIds"],
                                                               ["modify", "vpce/sts", "SecurityGroupIds"]], check
    assert check["diff"]["before"]["sts"]["security_groups"] == [seed_vpc["default_sg"]]
    fixed = module("vpc_endpoints", args(endpoints=[{"service": "sts"}, {"service": "logs"}]))
    assert fixed["actions"] == check["actions"]
    sts = ec2.describe_vpc_endpoints(VpcEndpointIds=[sts_id])["VpcEndpoints"][0]
    assert sorted(g["GroupId"] for g in sts["Groups"]) == sorted([seed_vpc["default_sg"], eks])
    assert sts["SubnetIds"] == seed_vpc["subnets"]["endpoints"]
    assert not module("vpc_endpoints", args(endpoints=[{"service": "sts"}, {"service": "logs"}]))["changed"]


def test_private_dns_and_policy_drift_is_detected_and_modified(seed_vpc, module, aws):
    # The emulator ignores PrivateDnsEnabled in ModifyVpcEndpoint, so make the drift at creation:
    # an owned endpoint whose private DNS is off while the data wants it on.
    ec2 = boto3.client("ec2")
    ec2.create_vpc_endpoint(
        VpcId=seed_vpc["vpc_id"], ServiceName="com.amazonaws.us-east-1.sts", VpcEndpointType="Interface",
        SubnetIds=seed_vpc["subnets"]["endpoints"], SecurityGroupIds=[seed_vpc["default_sg"]],
        PrivateDnsEnabled=False, TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [
            {"Key": "refarch:owner", "Value": OWNER}, {"Key": "refarch:key", "Value": "vpce/sts"}]}])
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*",
                                                      "Resource": "*"}]}
    wanted = args(security_groups=["default"], endpoints=[{"service": "sts", "policy": policy}])
    proxy = AwsProxy(aws.port).start()
    try:
        result = module("vpc_endpoints", dict(wanted, endpoint_url=proxy.url))
    finally:
        proxy.stop()
    assert result["actions"] == ["modify vpce/sts private_dns False -> True", "modify vpce/sts policy changed"]
    assert proxy.writes() == ["ModifyVpcEndpoint"]   # one call fixes both, no re-creation
    assert not module("vpc_endpoints", dict(wanted, endpoints=[{"service": "sts", "private_dns": False,
                                                                "policy": policy}]))["changed"]


def test_unknown_services_refused_before_any_write(seed_vpc, module, aws):
    proxy = AwsProxy(aws.port).start()
    try:
        result = module("vpc_endpoints", args(security_groups=["default"], endpoint_url=proxy.url, endpoints=[
            {"service": "ec2"}, {"service": "no-such-thing"},
            {"service": "ec2", "type": "Gateway", "route_table_tiers": ["eks_private"]},
            {"service": "com.amazonaws.us-east-1.nope"}]))
    finally:
        proxy.stop()
    assert result.failed
    assert result["field"] == "endpoints[1](no-such-thing)"
    assert "com.amazonaws.us-east-1.no-such-thing does not exist" in result["msg"]
    assert "com.amazonaws.us-east-1.nope does not exist" in result["msg"]
    assert "offers Interface endpoints, not Gateway" in result["msg"]
    assert proxy.writes() == []
    assert owned_endpoints(seed_vpc["vpc_id"]) == {}


def test_unplanned_kept_then_purged_and_absent(seed_vpc, module):
    two = args(security_groups=["default"], endpoints=[{"service": "sts"}, {"service": "logs"}])
    assert module("vpc_endpoints", two)["changed"]
    one = dict(two, endpoints=[{"service": "sts"}])
    kept = module("vpc_endpoints", one)
    assert not kept["changed"] and kept["unplanned"] == ["logs"]
    assert "endpoint vpce/logs is owned by %s but not in endpoints; purge_endpoints: true deletes it" % OWNER in kept.warning_texts
    purged = module("vpc_endpoints", dict(one, purge_endpoints=True))
    assert purged["actions"][0].startswith("delete endpoint vpce/logs vpce-")
    assert sorted(owned_endpoints(seed_vpc["vpc_id"])) == ["sts"]
    assert module("vpc_endpoints", dict(owner=OWNER, state="absent"))["changed"]
    assert owned_endpoints(seed_vpc["vpc_id"]) == {}
    assert not module("vpc_endpoints", dict(owner=OWNER, state="absent"))["changed"]
