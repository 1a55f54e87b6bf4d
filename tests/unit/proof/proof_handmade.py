"""Hand-built network facts (schema of network_facts.py) for engine, verify and diagram tests.

``environment(name, second_octet)`` gives a demo-shaped VPC: tiers public/private/persistence in
two AZs, an IGW, a NAT per AZ, an allow-all default NACL and groups public_lb, app, persistence.
Ids are readable (``subnet-production-private-a``) so failures are easy to read.
"""

import copy

AZS = ("a", "b")
ALL = {"protocol": "all", "from_port": None, "to_port": None}


def sg_rule(protocol="tcp", port=None, cidrs=(), groups=(), prefix_lists=(), to_port=None):
    rule = {"protocol": protocol, "from_port": port, "to_port": to_port or port, "cidrs": list(cidrs),
            "groups": list(groups), "prefix_lists": list(prefix_lists)}
    if protocol == "all":
        rule.update(from_port=None, to_port=None)
    return rule


def acl_entry(rule, action="allow", cidr="0.0.0.0/0", protocol="all", ports=None):
    from_port, to_port = ports if ports else (None, None)
    return {"rule": rule, "action": action, "protocol": protocol, "cidr": cidr,
            "from_port": from_port, "to_port": to_port}


def route(destination, target_type, target, state="active"):
    return {"destination": destination, "target_type": target_type, "target": target, "state": state}


def environment(name, octet, vpn=False, db_port=5432):
    cidr = "10.%d.0.0/16" % octet
    vpc = "vpc-%s" % name
    igw = "igw-%s" % name
    facts = {"schema": 1, "environment": name, "region": "us-east-1", "account_id": "123456789012",
             "vpc": {"id": vpc, "cidr": cidr, "cidrs": [cidr], "key": "vpc", "tags": {}},
             "subnets": {}, "route_tables": {}, "nat_gateways": {}, "network_acls": {},
             "security_groups": {}, "endpoints": {}, "peerings": {}, "transit_gateway_attachments": {},
             "transit_gateway_route_tables": {}, "zones": {}, "vpn": None,
             "internet_gateway": {"id": igw, "key": "igw"}}
    acl = "acl-%s" % name
    third = {"public": 0, "private": 64, "persistence": 160}
    size = {"public": 20, "private": 19, "persistence": 21}
    step = {"public": 16, "private": 32, "persistence": 8}
    local = route(cidr, "local", "local")
    facts["route_tables"]["rtb-%s-main" % name] = {"id": "rtb-%s-main" % name, "key": None, "main": True,
                                                   "subnets": [], "routes": [local], "tags": {}}
    tables = {"public": "rtb-%s-public" % name, "persistence": "rtb-%s-persistence" % name}
    for tier in ("public", "persistence"):
        facts["route_tables"][tables[tier]] = {"id": tables[tier], "key": "rtb/%s" % tier, "main": False,
                                               "subnets": [], "routes": [dict(local)], "tags": {}}
    facts["route_tables"][tables["public"]]["routes"].append(route("0.0.0.0/0", "internet-gateway", igw))
    for tier in ("public", "private", "persistence"):
        for i, az in enumerate(AZS):
            sid = "subnet-%s-%s-%s" % (name, tier, az)
            table = tables.get(tier) or "rtb-%s-private-%s" % (name, az)
            facts["subnets"][sid] = {
                "id": sid, "key": "subnet/%s/us-east-1%s" % (tier, az), "tier": tier, "az": "us-east-1" + az,
                "cidr": "10.%d.%d.0/%d" % (octet, third[tier] + i * step[tier], size[tier]),
                "route_table": table, "network_acl": acl, "owned": True, "tags": {}}
            if tier == "private":
                nat = "nat-%s-%s" % (name, az)
                facts["nat_gateways"][nat] = {"id": nat, "key": "nat/us-east-1" + az,
                                              "subnet": "subnet-%s-public-%s" % (name, az), "az": "us-east-1" + az,
                                              "state": "available", "public_ip": "198.51.100.%d" % (i + 1),
                                              "private_ip": "10.%d.%d.5" % (octet, i * 16)}
                facts["route_tables"][table] = {"id": table, "key": "rtb/private/us-east-1" + az, "main": False,
                                                "subnets": [], "tags": {},
                                                "routes": [dict(local), route("0.0.0.0/0", "nat-gateway", nat)]}
            facts["route_tables"][table]["subnets"].append(sid)
    facts["network_acls"][acl] = {"id": acl, "key": None, "default": True, "subnets": sorted(facts["subnets"]),
                                  "ingress": [acl_entry(100), acl_entry(32767, "deny")],
                                  "egress": [acl_entry(100), acl_entry(32767, "deny")], "tags": {}}

    def group(logical, ingress, egress):
        gid = "sg-%s-%s" % (name, logical)
        facts["security_groups"][gid] = {"id": gid, "name": "%s-%s" % (name, logical), "logical_name": logical,
                                         "key": "sg/" + logical, "ingress": ingress, "egress": egress,
                                         "used_by": [], "tags": {}}
        return gid

    everywhere = [sg_rule("all", cidrs=["0.0.0.0/0"])]
    lb = group("public_lb", [sg_rule("tcp", 443, cidrs=["0.0.0.0/0"])], list(everywhere))
    app = group("app", [sg_rule("tcp", 8080, groups=[lb]), sg_rule("tcp", 443, cidrs=["10.0.0.0/8"])],
                list(everywhere))
    group("persistence", [sg_rule("tcp", db_port, groups=[app])], [])
    if vpn:
        vpn_sg = group("vpn", [sg_rule("udp", 1194, cidrs=["0.0.0.0/0"])], list(everywhere))
        facts["vpn"] = {"id": "i-%s-vpn" % name, "key": "instance/vpn", "subnet": "subnet-%s-public-a" % name,
                        "private_ip": "10.%d.0.10" % octet, "public_ip": "198.51.100.10",
                        "security_groups": [vpn_sg], "state": "running", "source_dest_check": False}
        facts["security_groups"][vpn_sg]["used_by"].append(
            {"eni": "eni-vpn", "subnet": "subnet-%s-public-a" % name, "attached_to": "i-%s-vpn" % name})
    return facts


def tables_of(facts, tier):
    ids = sorted(set(s["route_table"] for s in facts["subnets"].values() if s["tier"] == tier))
    return [facts["route_tables"][i] for i in ids]


def peer(a, b, tiers=("private",), status="active", routes_a=True, routes_b=True):
    """A peering a<->b recorded in both facts; routes on ``tiers`` tables of each side."""
    pcx = "pcx-%s-%s" % (a["environment"], b["environment"])
    item = {"id": pcx, "key": "pcx/%s" % b["environment"], "status": status, "tags": {},
            "requester": {"vpc": a["vpc"]["id"], "cidrs": [a["vpc"]["cidr"]], "account": "1", "region": "us-east-1"},
            "accepter": {"vpc": b["vpc"]["id"], "cidrs": [b["vpc"]["cidr"]], "account": "1", "region": "us-east-1"}}
    a["peerings"][pcx] = copy.deepcopy(item)
    b["peerings"][pcx] = copy.deepcopy(item)
    for here, there, on in ((a, b, routes_a), (b, a, routes_b)):
        if on:
            for tier in tiers:
                for table in tables_of(here, tier):
                    table["routes"].append(route(there["vpc"]["cidr"], "peering-connection", pcx))
    return pcx


def demo():
    """management (with VPN), development, production; management peered with both."""
    envs = {"management": environment("management", 120, vpn=True),
            "development": environment("development", 110),
            "production": environment("production", 130)}
    peer(envs["management"], envs["production"])
    peer(envs["management"], envs["development"])
    return envs
