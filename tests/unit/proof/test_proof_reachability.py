"""The reachability engine on hand-built topologies: every component kind, both outcomes."""

import ipaddress

import pytest
from hypothesis import given, strategies as st

import proof_handmade as h
from ansible_collections.refarch.network.plugins.module_utils import reachability as r


@pytest.fixture
def envs():
    return h.demo()


def outcome(envs, src, dst, protocol="tcp", port=443):
    results = r.analyze(envs, src, dst, protocol, port)
    outcomes = set(x["outcome"] for x in results)
    assert len(outcomes) == 1, results
    return outcomes.pop(), results[0]


def blocked(envs, src, dst, protocol="tcp", port=443):
    result, pair = outcome(envs, src, dst, protocol, port)
    assert result == "deny", r.describe_path(pair["path"])
    return pair["blocked_by"]


def path_kinds(pair):
    return [hop["kind"] for hop in pair["path"]]


def test_internet_to_public_load_balancer(envs):
    result, pair = outcome(envs, "internet", "production/public/public_lb")
    assert result == "allow"
    assert path_kinds(pair) == ["internet", "internet-gateway", "route-table", "network-acl", "subnet",
                                "security-group"]
    assert pair["path"][-1]["id"] == "sg-production-public_lb"


def test_security_group_blocks_other_ports_from_internet(envs):
    b = blocked(envs, "internet", "production/public/public_lb", port=22)
    assert (b["kind"], b["id"]) == ("security-group", "sg-production-public_lb")
    assert "no ingress rule allows tcp/22 from the internet" == b["reason"]


def test_internet_to_private_and_persistence_blocked_by_route(envs):
    for tier in ("private", "persistence"):
        b = blocked(envs, "internet", "production/%s" % tier)
        assert b["kind"] == "route-table" and "not a public subnet" in b["reason"]


def test_no_internet_gateway(envs):
    envs["production"]["internet_gateway"] = None
    b = blocked(envs, "internet", "production/public/public_lb")
    assert (b["kind"], b["id"]) == ("vpc", "vpc-production")


def test_private_to_internet_via_nat(envs):
    result, pair = outcome(envs, "production/private/app", "internet")
    assert result == "allow"
    kinds = path_kinds(pair)
    assert kinds.index("nat-gateway") < kinds.index("internet-gateway") < kinds.index("internet")
    assert pair["path"][kinds.index("nat-gateway")]["id"] == "nat-production-a"


def test_persistence_to_internet_blocked(envs):
    b = blocked(envs, "production/persistence", "internet")
    assert (b["kind"], b["key"], b["reason"]) == ("route-table", "rtb/persistence", "no route to the internet")
    b = blocked(envs, "production/persistence/persistence", "internet")
    assert b["kind"] == "security-group" and "egress" in b["reason"]


def test_nat_not_available_and_nat_subnet_without_internet_route(envs):
    envs["production"]["nat_gateways"]["nat-production-b"]["state"] = "pending"
    results = r.analyze(envs, "production/private/app", "internet", "tcp", 443)
    assert [x["outcome"] for x in results] == ["allow", "deny"]
    assert results[1]["blocked_by"]["kind"] == "nat-gateway"
    assert results[1]["blocked_by"]["reason"] == "NAT gateway is pending"
    envs["production"]["route_tables"]["rtb-production-public"]["routes"].pop()
    b = blocked(envs, "production/private/app", "internet")
    assert (b["kind"], b["key"]) == ("route-table", "rtb/public")


def test_deleted_route_in_one_az_names_that_table(envs):
    table = envs["production"]["route_tables"]["rtb-production-private-b"]
    table["routes"] = [x for x in table["routes"] if x["destination"] != "0.0.0.0/0"]
    results = r.analyze(envs, "production/private/app", "internet", "tcp", 443)
    assert [x["outcome"] for x in results] == ["allow", "deny"]
    assert results[1]["blocked_by"]["key"] == "rtb/private/us-east-1b"


def test_blackhole_route(envs):
    envs["production"]["route_tables"]["rtb-production-private-a"]["routes"][1]["state"] = "blackhole"
    results = r.analyze(envs, "production/private/app", "internet", "tcp", 443)
    assert "blackhole" in results[0]["blocked_by"]["reason"]


def test_application_to_database_only(envs):
    result, pair = outcome(envs, "production/private/app", "production/persistence/persistence", port=5432)
    assert result == "allow"
    assert pair["path"][-1] == {"kind": "security-group", "id": "sg-production-persistence",
                                "key": "sg/persistence", "env": "production", "note": "ingress"}
    b = blocked(envs, "production/public/public_lb", "production/persistence/persistence", port=5432)
    assert (b["kind"], b["id"]) == ("security-group", "sg-production-persistence")
    b = blocked(envs, "production/private/app", "production/persistence/persistence", port=22)
    assert b["kind"] == "security-group" and "tcp/22" in b["reason"]


def test_security_group_self_reference(envs):
    app = envs["production"]["security_groups"]["sg-production-app"]
    assert blocked(envs, "production/private/app", "production/private/app", port=9000)["kind"] == "security-group"
    app["ingress"].append(h.sg_rule("tcp", 9000, groups=[app["id"]]))
    assert outcome(envs, "production/private/app", "production/private/app", port=9000)[0] == "allow"


def test_same_subnet_skips_network_acl(envs):
    acl = envs["production"]["network_acls"]["acl-production"]
    acl["ingress"].insert(0, h.acl_entry(1, "deny"))
    app = envs["production"]["security_groups"]["sg-production-app"]
    app["ingress"].append(h.sg_rule("tcp", 9000, groups=[app["id"]]))
    results = r.analyze(envs, {"env": "production", "subnet": "subnet/private/us-east-1a", "group": "app"},
                        {"env": "production", "subnet": "subnet-production-private-a", "group": "app"}, "tcp", 9000)
    assert results[0]["outcome"] == "allow"


def test_nacl_deny_that_a_security_group_would_allow(envs):
    facts = envs["production"]
    facts["network_acls"]["acl-persistence"] = {
        "id": "acl-persistence", "key": "acl/persistence", "default": False, "subnets": [], "tags": {},
        "ingress": [h.acl_entry(90, "deny", "10.130.64.0/19", "tcp", (5432, 5432)), h.acl_entry(100)],
        "egress": [h.acl_entry(100)]}
    for s in facts["subnets"].values():
        if s["tier"] == "persistence":
            s["network_acl"] = "acl-persistence"
    results = r.analyze(envs, "production/private/app", "production/persistence/persistence", "tcp", 5432)
    # the private subnet in us-east-1a (10.130.64.0/19) is denied, the one in us-east-1b is not
    by_pair = dict(((x["from"], x["to"]), x) for x in results)
    denied = by_pair[("production/subnet/private/us-east-1a", "production/subnet/persistence/us-east-1a")]
    assert denied["outcome"] == "deny"
    assert denied["blocked_by"] == {"kind": "network-acl", "id": "acl-persistence", "key": "acl/persistence",
                                    "env": "production", "direction": "forward",
                                    "reason": "ingress rule 90 denies tcp/5432 from 10.130.64.0/19"}
    assert by_pair[("production/subnet/private/us-east-1b", "production/subnet/persistence/us-east-1a")][
        "outcome"] == "allow"


def test_nacl_rule_order(envs):
    acl = envs["production"]["network_acls"]["acl-production"]
    acl["ingress"][:1] = [h.acl_entry(90, "allow", "0.0.0.0/0", "tcp", (443, 443)), h.acl_entry(100, "deny")]
    assert outcome(envs, "internet", "production/public/public_lb")[0] == "allow"
    acl["ingress"][0]["rule"] = 110
    acl["ingress"].sort(key=lambda e: e["rule"])
    b = blocked(envs, "internet", "production/public/public_lb")
    assert b["reason"] == "ingress rule 100 denies tcp/443 from the internet"


def test_nacl_return_traffic_on_ephemeral_ports(envs):
    acl = envs["production"]["network_acls"]["acl-production"]
    acl["egress"][:1] = [h.acl_entry(100, "allow", "0.0.0.0/0", "tcp", (443, 443))]
    b = blocked(envs, "internet", "production/public/public_lb")
    assert (b["kind"], b["direction"]) == ("network-acl", "return")
    assert "egress" in b["reason"] and "tcp/%d" % r.EPHEMERAL_PORT in b["reason"]
    acl["egress"].append(h.acl_entry(110, "allow", "0.0.0.0/0", "tcp", (1024, 65535)))
    assert outcome(envs, "internet", "production/public/public_lb")[0] == "allow"


def test_addresses_narrow_along_the_path(envs):
    # the NACL lets only 203.0.113.0/24 in, the group only 198.51.100.0/24: no address gets through
    acl = envs["production"]["network_acls"]["acl-production"]
    acl["ingress"][:1] = [h.acl_entry(100, "allow", "203.0.113.0/24")]
    lb = envs["production"]["security_groups"]["sg-production-public_lb"]
    lb["ingress"] = [h.sg_rule("tcp", 443, cidrs=["198.51.100.0/24"])]
    b = blocked(envs, "internet", "production/public/public_lb")
    assert b["kind"] == "security-group" and "203.0.113.0/24" in b["reason"]
    lb["ingress"] = [h.sg_rule("tcp", 443, cidrs=["203.0.113.128/25"])]
    assert outcome(envs, "internet", "production/public/public_lb")[0] == "allow"


def test_peering_between_management_and_production(envs):
    for a, b in (("management", "production"), ("production", "management")):
        result, pair = outcome(envs, "%s/private" % a, "%s/private" % b)
        assert result == "allow"
        assert "peering-connection" in path_kinds(pair)
    b = blocked(envs, "management/persistence", "production/private")
    assert b["kind"] == "route-table" and b["env"] == "management"


def test_development_to_production_denied_until_peered(envs):
    b = blocked(envs, "development/private", "production/private")
    assert (b["kind"], b["env"]) == ("route-table", "development")
    h.peer(envs["development"], envs["production"])
    result, pair = outcome(envs, "development/private", "production/private")
    assert result == "allow"
    assert any(hop["id"] == "pcx-development-production" for hop in pair["path"])


def test_peering_without_a_return_route(envs):
    h.peer(envs["development"], envs["production"], routes_b=False)
    b = blocked(envs, "development/private", "production/private")
    assert (b["kind"], b["env"], b["direction"]) == ("route-table", "production", "return")
    assert "no return route" in b["reason"] and "pcx-development-production" in b["reason"]


def test_asymmetric_route(envs):
    # production sends management's traffic back through a different peering
    other = h.environment("shared", 140)
    envs["shared"] = other
    h.peer(other, envs["production"], routes_a=False, routes_b=False)
    for table in h.tables_of(envs["production"], "private"):
        for route in table["routes"]:
            if route["destination"] == "10.120.0.0/16":
                route["target"] = "pcx-shared-production"
    b = blocked(envs, "management/private", "production/private")
    assert (b["kind"], b["env"], b["direction"]) == ("route-table", "production", "return")


def test_peering_not_active_and_wrong_destination(envs):
    for facts in (envs["management"], envs["production"]):
        facts["peerings"]["pcx-management-production"]["status"] = "pending-acceptance"
    b = blocked(envs, "management/private", "production/private")
    assert (b["kind"], b["reason"]) == ("peering-connection", "peering connection is pending-acceptance")
    for facts in (envs["management"], envs["production"]):
        facts["peerings"]["pcx-management-production"]["status"] = "active"
    for table in h.tables_of(envs["management"], "private"):
        for route in table["routes"]:
            if route["destination"] == "10.110.0.0/16":
                route["target"] = "pcx-management-production"
    b = blocked(envs, "management/private", "development/private")
    assert b["kind"] == "peering-connection" and b["reason"].startswith("leads to production (vpc-production)")


def tgw_setup(envs, return_route=True):
    """management and production joined by a transit gateway (TGW tables known to management)."""
    for env in ("management", "production"):
        facts = envs[env]
        facts["peerings"].clear()
        facts["transit_gateway_attachments"]["tgw-attach-%s" % env] = {
            "id": "tgw-attach-%s" % env, "key": None, "tgw": "tgw-hub", "vpc": facts["vpc"]["id"],
            "subnets": [], "state": "available", "account": "1"}
        for table in h.tables_of(facts, "private"):
            table["routes"] = [x for x in table["routes"] if x["target_type"] != "peering-connection"]
            table["routes"].append(h.route("10.0.0.0/8", "transit-gateway", "tgw-hub"))
    routes = [{"destination": "10.130.0.0/16", "attachments": ["tgw-attach-production"], "state": "active",
               "type": "propagated"}]
    if return_route:
        routes.append({"destination": "10.120.0.0/16", "attachments": ["tgw-attach-management"], "state": "active",
                       "type": "propagated"})
    envs["management"]["transit_gateway_route_tables"]["tgw-rtb-hub"] = {
        "id": "tgw-rtb-hub", "tgw": "tgw-hub", "associations": ["tgw-attach-management", "tgw-attach-production"],
        "propagations": [], "routes": routes}


def test_transit_gateway(envs):
    tgw_setup(envs)
    result, pair = outcome(envs, "management/private", "production/private")
    assert result == "allow"
    kinds = path_kinds(pair)
    assert kinds.count("transit-gateway-attachment") == 2 and "transit-gateway-route-table" in kinds
    # development is not attached: its traffic goes nowhere
    assert blocked(envs, "development/private", "production/private")["kind"] == "route-table"


def test_transit_gateway_missing_routes(envs):
    tgw_setup(envs, return_route=False)
    b = blocked(envs, "management/private", "production/private")
    assert (b["kind"], b["direction"]) == ("transit-gateway-route-table", "return")
    envs["management"]["transit_gateway_route_tables"]["tgw-rtb-hub"]["routes"] = []
    b = blocked(envs, "management/private", "production/private")
    assert (b["kind"], b["direction"]) == ("transit-gateway-route-table", "forward")
    envs["management"]["transit_gateway_route_tables"]["tgw-rtb-hub"]["associations"] = []
    assert blocked(envs, "management/private", "production/private")["kind"] == "transit-gateway-attachment"


def test_gateway_endpoint(envs):
    facts = envs["production"]
    facts["endpoints"]["vpce-s3"] = {"id": "vpce-s3", "key": "vpce/s3", "service": "com.amazonaws.us-east-1.s3",
                                     "type": "gateway", "state": "available", "subnets": [], "security_groups": [],
                                     "route_tables": ["rtb-production-private-a"], "prefix_list": "pl-s3",
                                     "private_dns": False, "tags": {}}
    facts["route_tables"]["rtb-production-private-a"]["routes"].append(h.route("pl-s3", "vpc-endpoint", "vpce-s3"))
    results = r.analyze(envs, "production/private/app", "production/endpoint:s3", "tcp", 443)
    assert [x["outcome"] for x in results] == ["allow", "deny"]
    assert results[0]["path"][-1]["kind"] == "vpc-endpoint"
    assert results[1]["blocked_by"]["reason"] == "no route to gateway endpoint vpce-s3"
    assert blocked(envs, "management/private", "production/endpoint:s3")["kind"] == "vpc-endpoint"


def test_interface_endpoint(envs):
    facts = envs["production"]
    facts["security_groups"]["sg-production-endpoints"] = {
        "id": "sg-production-endpoints", "name": "endpoints", "logical_name": "endpoints", "key": "sg/endpoints",
        "ingress": [h.sg_rule("tcp", 443, cidrs=["10.130.0.0/16"])], "egress": [], "used_by": [], "tags": {}}
    facts["endpoints"]["vpce-ssm"] = {"id": "vpce-ssm", "key": "vpce/ssm", "service": "com.amazonaws.us-east-1.ssm",
                                      "type": "interface", "state": "available", "route_tables": [],
                                      "subnets": ["subnet-production-private-a"], "prefix_list": None,
                                      "security_groups": ["sg-production-endpoints"], "private_dns": True, "tags": {}}
    result, pair = outcome(envs, "production/private/app", "production/endpoint:ssm")
    assert result == "allow" and pair["path"][-1]["id"] == "vpce-ssm"
    b = blocked(envs, "production/private/app", "production/endpoint:vpce/ssm", port=80)
    assert (b["kind"], b["id"]) == ("security-group", "sg-production-endpoints")


def test_vpn_clients(envs):
    result, pair = outcome(envs, "management/vpn", "management/private", port=22)
    assert result == "allow" and pair["path"][0]["kind"] == "instance"
    assert outcome(envs, "internet", "management/vpn", "udp", 1194)[0] == "allow"
    assert outcome(envs, "internet", "management/vpn", "tcp", 22)[0] == "deny"
    envs["management"]["vpn"]["state"] = "stopped"
    assert blocked(envs, "management/vpn", "management/private", port=22)["reason"] == "instance is stopped"


def test_group_placed_by_its_interfaces(envs):
    assert outcome(envs, "management/sg:vpn", "management/private", port=22)[0] == "allow"
    with pytest.raises(r.Unresolvable, match="used by no network interface"):
        r.analyze(envs, "production/sg:app", "internet", "tcp", 443)


@pytest.mark.parametrize("src,dst,message", [
    ("staging/private", "internet", "environment 'staging' has no network facts"),
    ("production/private/nosuch", "internet", "no security group 'nosuch'"),
    ("production/edge", "internet", "no subnets of tier 'edge'"),
    ("production/vpn", "production/private", "no VPN instance"),
    ("production/endpoint:dynamodb", "internet", "no VPC endpoint"),
    ("production", "internet", "cannot parse endpoint"),
    ("internet", "internet", "not a network question"),
])
def test_unresolvable(envs, src, dst, message):
    with pytest.raises(r.Unresolvable, match=message):
        r.analyze(envs, src, dst, "tcp", 443)


def test_protocol_and_port_validation(envs):
    with pytest.raises(r.Unresolvable, match="needs an integer port"):
        r.analyze(envs, "internet", "production/public", "tcp", None)
    with pytest.raises(r.Unresolvable, match="not one of"):
        r.analyze(envs, "internet", "production/public", "gre", 1)
    assert outcome(envs, "production/private/app", "internet", "icmp", None)[0] == "allow"


networks = st.builds(lambda a, p: ipaddress.IPv4Network((a, p), strict=False),
                     st.integers(0, 2 ** 32 - 1), st.integers(0, 32))


def count(addrs):
    return sum(n.num_addresses for n in addrs)


@given(st.lists(networks, min_size=1, max_size=4), st.lists(networks, min_size=1, max_size=4))
def test_address_sets_partition(a, b):
    inside, outside = r.intersect(r.collapse(a), b), r.subtract(r.collapse(a), b)
    assert count(inside) + count(outside) == count(r.collapse(a))
    assert not r.intersect(outside, b)
    assert all(any(x.subnet_of(y) for y in r.collapse(a)) for x in inside)
