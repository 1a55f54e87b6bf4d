"""Facts for the run report's tests: the demo estate of proof_handmade, and the single-VPC layout
(three zones, six tiers, one NAT, twelve interface endpoints in the one-zone endpoints tier)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "proof"))

import proof_handmade as h  # noqa: E402

demo = h.demo
SERVICES = ("ec2", "ec2messages", "ssm", "ssmmessages", "ecr.api", "ecr.dkr", "sts", "logs", "elasticloadbalancing",
            "autoscaling", "kms", "secretsmanager")


def endpoint(vpce, service, kind, subnets=()):
    return {"id": vpce, "key": "vpce/" + service, "service": "com.amazonaws.us-east-1." + service, "type": kind,
            "state": "available", "subnets": list(subnets), "route_tables": [], "security_groups": [],
            "prefix_list": None, "private_dns": kind == "interface", "tags": {}}


def single_vpc(name="single-vpc-production", octet=231):
    facts = {"schema": 1, "environment": name, "region": "us-east-1", "account_id": "1",
             "vpc": {"id": "vpc-" + name, "cidr": "10.%d.0.0/16" % octet, "cidrs": ["10.%d.0.0/16" % octet], "key": "vpc",
                     "tags": {}},
             "subnets": {}, "route_tables": {}, "nat_gateways": {}, "network_acls": {}, "security_groups": {},
             "endpoints": {}, "peerings": {}, "transit_gateway_attachments": {}, "transit_gateway_route_tables": {},
             "zones": {"Z-int": {"id": "Z-int", "name": name + ".internal.", "private": True}}, "vpn": None,
             "internet_gateway": {"id": "igw-" + name, "key": "igw"},
             "flow_logs": {"fl-1": {"id": "fl-1", "destination_type": "cloud-watch-logs", "traffic_type": "ALL",
                                    "status": "ACTIVE"}}}
    tiers = (("eks_private", 0, 20, 16, 3), ("eks_public", 48, 22, 4, 3), ("endpoints", 100, 24, 1, 1),
             ("aurora", 253, 28, 0, 3), ("documentdb", 255, 28, 0, 3), ("elasticache", 254, 28, 0, 3))
    for tier, third, prefix, step, count in tiers:
        for i, az in enumerate("abc"[:count]):
            sid = "subnet-%s-%s" % (tier, az)
            cidr = "10.%d.%d.%d/%d" % (octet, third + i * step, (i * 16) if prefix == 28 else 0, prefix)
            facts["subnets"][sid] = {"id": sid, "key": "subnet/%s/us-east-1%s" % (tier, az), "tier": tier,
                                     "az": "us-east-1" + az, "cidr": cidr, "route_table": None, "network_acl": None,
                                     "owned": True, "tags": {}}
    facts["nat_gateways"]["nat-single"] = {"id": "nat-single", "key": "nat/us-east-1a", "subnet": "subnet-eks_public-a",
                                           "az": "us-east-1a", "state": "available", "public_ip": "198.51.100.7",
                                           "private_ip": "10.%d.48.5" % octet}
    for i, service in enumerate(SERVICES):
        vpce = "vpce-%02d" % i
        facts["endpoints"][vpce] = endpoint(vpce, service, "interface", ["subnet-endpoints-a"])
    facts["endpoints"]["vpce-s3"] = endpoint("vpce-s3", "s3", "gateway")
    return facts
