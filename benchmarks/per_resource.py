#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate the network the inventories describe as one amazon.aws task per resource.

This is the way users would otherwise write it, and what ``bench.py`` compares us with.
The topology comes from the same inventory data and the same pure planners as our modules
(``plan_network``, ``plan_pairs``), so both sides build the same subnets, NATs, route
tables and peerings. One play for all environments, so Ansible's forks run them in
parallel exactly as ours do; each resource is one module invocation (a loop item).

Usage: python benchmarks/per_resource.py -i inventories/management -i ... -o out.yml
"""

from __future__ import absolute_import, division, print_function

import argparse
import glob
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.refarch.network.plugins.module_utils.peering_plan import plan_pairs  # noqa: E402
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network, shift_second_octet  # noqa: E402


def load_inventory(path):
    """{host: merged host_vars} of one inventory directory (hosts.yml + host_vars/<host>/*.yml)."""
    with open(os.path.join(path, "hosts.yml")) as f:
        hosts = yaml.safe_load(f)["all"]["children"]["environments"]["hosts"]
    envs = {}
    for host in hosts:
        data = {}
        for name in sorted(glob.glob(os.path.join(path, "host_vars", host, "*.yml"))):
            with open(name) as f:
                data.update(yaml.safe_load(f) or {})
        envs[host] = _resolved(data)
    return envs


def _resolved(data):
    """The one templated value the inventories hold that the planners need: the single-VPC
    layout's vpc_cidr (vpc_base_cidr shifted by vpc_cidr_offset, as its inventory says)."""
    if "{{" in str(data.get("vpc_cidr", "")) and "vpc_base_cidr" in data:
        data = dict(data, vpc_cidr=shift_second_octet(data["vpc_base_cidr"], int(data.get("vpc_cidr_offset", 0))))
    return data


def _tags(owner, key, name):
    return {"Name": name, "refarch:owner": owner, "refarch:key": key}


def topology(envs):
    """Per environment: the resources to create, in the order a per-resource playbook needs."""
    pairs = plan_pairs(envs)["pairs"]
    result = {}
    for name, data in sorted(envs.items()):
        owner = data.get("owner", name)
        plan = plan_network(dict(cidr=data["vpc_cidr"], azs=data["azs"], tiers=data["tiers"],
                                 nat_mode=data.get("nat_mode", "single"), az_slots=data.get("az_slots", 4)))
        subnet_cidr = dict((k, s["cidr"]) for k, s in plan["subnets"].items())
        links = [p for p in pairs if name in (p["requester"], p["accepter"])]
        tables = []
        for key, table in sorted(plan["route_tables"].items()):
            routes = []
            for dest, target in sorted(table["routes"].items()):
                if target == "igw":
                    routes.append({"dest": dest, "gateway_id": "igw"})
                else:
                    routes.append({"dest": dest, "nat_gateway_id": "{{ pr_nat_ids['%s'] }}" % target})
            tiers = set(plan["subnets"][s]["tier"] for s in table["subnets"])
            for link in links:
                mine, peer = ("requester", "accepter") if link["requester"] == name else ("accepter", "requester")
                if tiers & set(link[mine + "_tiers"]):
                    routes.append({"dest": envs[link[peer]]["vpc_cidr"],
                                   "vpc_peering_connection_id": "{{ pr_pcx_ids['%s'] }}" % link["key"]})
            tables.append({"key": key, "subnets": [subnet_cidr[s] for s in table["subnets"]],
                           "routes": routes, "tags": _tags(owner, key, "%s-%s" % (owner, key))})
        result[name] = {
            "vpc": {"cidr": plan["cidr"], "tags": _tags(owner, "vpc", owner)},
            "subnets": [{"key": k, "cidr": s["cidr"], "az": s["az"], "public": s["public"],
                         "tags": _tags(owner, k, "%s-%s" % (owner, k))} for k, s in sorted(plan["subnets"].items())],
            "igw": plan["internet_gateway"],
            "nat_gateways": [{"key": k, "subnet": n["subnet"], "tags": _tags(owner, k, "%s-%s" % (owner, k))} for k, n in sorted(plan["nat_gateways"].items())],
            "peerings": [{"key": p["key"], "accepter": p["accepter"], "tags": _tags(owner, p["key"], p["key"])}
                         for p in links if p["requester"] == name],
            "route_tables": tables,
        }
    return result


def _loop(name):
    return "{{ pr_topology[inventory_hostname].%s }}" % name


def playbook(envs):
    """The per-resource playbook (a list of one play) for ``envs`` ({host: host_vars})."""
    registered_ids = "{{ dict(%s.results | map(attribute='item.key') | zip(%s.results | map(attribute='%s'))) }}"
    tasks = [
        {"name": "VPC", "amazon.aws.ec2_vpc_net": {
            "name": "{{ pr_topology[inventory_hostname].vpc.tags.Name }}",
            "cidr_block": "{{ pr_topology[inventory_hostname].vpc.cidr }}",
            "dns_support": True, "dns_hostnames": True,
            "tags": "{{ pr_topology[inventory_hostname].vpc.tags }}"},
         "register": "pr_vpc"},
        # ours empties the default security group (lockdown_default_sg, on by default)
        {"name": "Default security group without rules", "amazon.aws.ec2_security_group": {
            "name": "default", "description": "default VPC security group", "vpc_id": "{{ pr_vpc.vpc.id }}",
            "rules": [], "rules_egress": [], "purge_rules": True, "purge_rules_egress": True}},
        {"name": "One subnet per tier and zone", "amazon.aws.ec2_vpc_subnet": {
            "vpc_id": "{{ pr_vpc.vpc.id }}", "cidr": "{{ item.cidr }}", "az": "{{ item.az }}",
            "map_public": "{{ item.public }}", "tags": "{{ item.tags }}"},
         "loop": _loop("subnets"), "loop_control": {"label": "{{ item.key }}"}, "register": "pr_subnets"},
        {"name": "Internet gateway", "amazon.aws.ec2_vpc_igw": {
            "vpc_id": "{{ pr_vpc.vpc.id }}", "tags": "{{ pr_topology[inventory_hostname].vpc.tags }}"},
         "when": "pr_topology[inventory_hostname].igw"},
        # ec2_vpc_nat_gateway allocates the EIP itself, on creation only. The other idiom,
        # ec2_eip + allocation_id, is not idempotent: ec2_eip reuses only unassociated EIPs, so
        # every re-run allocates a new EIP and then a new NAT gateway for it.
        {"name": "NAT gateways", "amazon.aws.ec2_vpc_nat_gateway": {
            "subnet_id": "{{ pr_subnet_ids[item.subnet] }}", "if_exist_do_not_create": True, "wait": True,
            "tags": "{{ item.tags }}"},
         "loop": _loop("nat_gateways"), "loop_control": {"label": "{{ item.key }}"}, "register": "pr_nats"},
        {"name": "Request the peerings", "amazon.aws.ec2_vpc_peering": {
            "vpc_id": "{{ pr_vpc.vpc.id }}", "peer_vpc_id": "{{ hostvars[item.accepter].pr_vpc.vpc.id }}",
            "tags": "{{ item.tags }}", "wait": True},
         "loop": _loop("peerings"), "loop_control": {"label": "{{ item.key }}"}, "register": "pr_peering"},
        # without wait, an accept can find the request not yet pending-acceptance
        {"name": "Accept the peerings", "amazon.aws.ec2_vpc_peering": {
            "peering_id": "{{ pr_pcx_ids[item.key] }}", "state": "accept", "wait": True},
         "loop": _loop("peerings"), "loop_control": {"label": "{{ item.key }}"}},
        {"name": "Route tables with their subnets and routes", "amazon.aws.ec2_vpc_route_table": {
            "vpc_id": "{{ pr_vpc.vpc.id }}", "subnets": "{{ item.subnets }}", "routes": "{{ item.routes }}",
            "tags": "{{ item.tags }}"},
         "loop": _loop("route_tables"), "loop_control": {"label": "{{ item.key }}"}},
    ]
    return [{
        "name": "The network, one amazon.aws task per resource",
        "hosts": "environments",
        "gather_facts": False,
        "module_defaults": {"group/amazon.aws.aws": {"region": "{{ aws_region }}"}},
        "vars": {
            "pr_topology": topology(envs),
            "pr_subnet_ids": registered_ids % ("pr_subnets", "pr_subnets", "subnet.id"),
            "pr_nat_ids": registered_ids % ("pr_nats", "pr_nats", "nat_gateway_id"),
            # peerings are requested by one side and routed by both: ids from every host
            "pr_pcx_ids": "{{ dict(pr_all | map(attribute='item.key') | zip(pr_all | map(attribute='peering_id'))) }}",
            "pr_all": "{{ ansible_play_hosts_all | map('extract', hostvars, ['pr_peering', 'results'])"
                      " | select('defined') | flatten(levels=1) }}",
        },
        "tasks": tasks,
    }]


# --- the whole site (site.yml's concerns) -------------------------------------------------------

def _aws_group_name(owner, name):
    return name if name == "default" else "%s-%s" % (owner, name)


def _sg_rules(owner, group, rules, describe=True):
    """Our rule format (security.yml) as ec2_security_group rules: one rule per kind of source.

    ``describe=False`` leaves the descriptions out: against the emulator, ec2_security_group fails
    (KeyError 'Return') when it sets a description on the default egress rule a new group has.
    """
    out = []
    for rule in rules or []:
        proto = str(rule.get("proto") or "tcp").lower()
        base = {"proto": "all" if proto in ("all", "-1") else proto}
        ports = rule.get("ports")
        if ports is not None and base["proto"] != "all":
            base["ports"] = ports if isinstance(ports, list) else [ports]
        if rule.get("description") and describe:
            base["rule_desc"] = rule["description"]
        if rule.get("cidr"):
            out.append(dict(base, cidr_ip=rule["cidr"]))
        if rule.get("cidr_ipv6"):
            out.append(dict(base, cidr_ipv6=rule["cidr_ipv6"]))
        if rule.get("group"):
            target = group if rule["group"] == "self" else rule["group"]
            out.append(dict(base, group_name=_aws_group_name(owner, target)))
    return out


def site_topology(envs):
    """topology() plus what site.yml's other concerns build: security groups and their rules,
    VPC endpoints, DNS zones, delegation and the VPN server (group, instance, address, record)."""
    result = topology(envs)
    for name, data in sorted(envs.items()):
        owner = data.get("owner", name)
        env = result[name]
        env["lockdown_default_sg"] = bool(data.get("lockdown_default_sg", True))
        plan = plan_network(dict(cidr=data["vpc_cidr"], azs=data["azs"], tiers=data["tiers"],
                                 nat_mode=data.get("nat_mode", "single"), az_slots=data.get("az_slots", 4)))
        by_tier = {}
        for key, subnet in sorted(plan["subnets"].items()):
            by_tier.setdefault(subnet["tier"], []).append(key)
        env["security_groups"] = [
            {"key": g["name"], "name": _aws_group_name(owner, g["name"]),
             "description": g.get("description") or "default VPC security group",
             "rules": _sg_rules(owner, g["name"], g.get("ingress")),
             "rules_egress": _sg_rules(owner, g["name"], g["egress"], describe=False) if "egress" in g else None,
             "tags": _tags(owner, "sg/%s" % g["name"], _aws_group_name(owner, g["name"]))}
            for g in data.get("security_groups") or []]
        endpoints = data.get("vpc_endpoints") or {}
        env["endpoints"] = [
            {"key": "endpoint/%s" % e["service"], "service": e["service"],
             "type": str(e.get("type") or "interface").capitalize(),
             "subnets": by_tier.get(e.get("subnet_tier") or endpoints.get("subnet_tier"), []),
             "security_groups": e.get("security_groups") or endpoints.get("security_groups") or [],
             "tags": _tags(owner, "endpoint/%s" % e["service"], "%s-%s" % (owner, e["service"]))}
            for e in endpoints.get("endpoints") or []]
        zones = []
        if data.get("dns_domain_zone"):
            zones.append({"key": "domain", "zone": data["dns_domain_zone"], "private": False})
        if "dns_private_zone" in data or "dns_public_zone" in data:
            zones.append({"key": "private", "zone": data.get("dns_private_zone") or "%s.internal" % owner, "private": True})
        if data.get("dns_public_zone"):
            zones.append({"key": "public", "zone": data["dns_public_zone"], "private": False})
        env["zones"] = zones
        parent = data.get("dns_parent_zone") or {}
        env["delegation"] = ({"zone": parent["name"], "record": data["dns_public_zone"], "ttl": parent.get("ttl", 3600)}
                             if parent.get("name") and data.get("dns_public_zone") else None)
        env["vpn"] = None
        if data.get("vpn_enabled"):
            rules = [{"proto": data.get("pritunl_vpn_protocol", "udp"), "ports": [data.get("pritunl_vpn_port", 1194)],
                      "cidr_ip": "0.0.0.0/0", "rule_desc": "VPN clients"}]
            rules += [{"proto": "tcp", "ports": [443], "cidr_ip": c, "rule_desc": "Pritunl web console (admins)"}
                      for c in data.get("pritunl_vpn_admin_cidrs") or []]
            rules += [{"proto": "tcp", "ports": [22], "cidr_ip": c, "rule_desc": "SSH (admins)"}
                      for c in data.get("pritunl_vpn_ssh_cidrs") or []]
            distribution = data.get("pritunl_vpn_distribution", "ubuntu-24.04")
            env["vpn"] = {
                "name": "%s-vpn" % owner, "rules": rules, "subnet": by_tier[data.get("pritunl_vpn_subnet_tier", "public")][0],
                "instance_type": data.get("pritunl_vpn_instance_type", "t3.medium"),
                "image_parameter": VPN_IMAGES[distribution],
                "record": "vpn.%s" % data["dns_public_zone"] if data.get("dns_public_zone") else None,
                "tags": _tags(owner, "vpn", "%s-vpn" % owner)}
    return result


# the role pritunl_vpn's defaults: where each distribution's current image id is published
VPN_IMAGES = {
    "ubuntu-24.04": "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
    "amazon-linux-2023": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
}


def site_playbook(envs):
    """playbook() extended to site.yml's concerns, one amazon.aws task per resource.

    Security groups take two tasks each (rules name other groups, so every group exists first);
    a delegation takes two (read the subdomain zone's name servers, write them into the parent);
    amazon.aws.route53 reads ``region`` as its latency-routing field, so it is given none.
    """
    play = playbook(envs)[0]
    play["vars"]["pr_topology"] = site_topology(envs)
    play["vars"]["pr_sg_ids"] = "{{ dict(pr_sgs.results | map(attribute='item.key') | zip(pr_sgs.results | map(attribute='group_id'))) }}"
    env = "pr_topology[inventory_hostname]"
    vpc = "{{ pr_vpc.vpc.id }}"
    no_region = "{{ omit }}"
    tasks = play["tasks"]
    tasks[1]["when"] = env + ".lockdown_default_sg"
    tasks.extend([
        {"name": "Security groups, each before the rules that name it", "amazon.aws.ec2_security_group": {
            "name": "{{ item.name }}", "description": "{{ item.description }}", "vpc_id": vpc,
            "purge_rules": False, "purge_rules_egress": False, "tags": "{{ item.tags }}"},
         "loop": _loop("security_groups"), "loop_control": {"label": "{{ item.key }}"}, "register": "pr_sgs"},
        {"name": "Security group rules", "amazon.aws.ec2_security_group": {
            "name": "{{ item.name }}", "description": "{{ item.description }}", "vpc_id": vpc,
            "rules": "{{ item.rules }}",
            "rules_egress": "{{ item.rules_egress if item.rules_egress is not none else omit }}",
            "purge_rules_egress": "{{ item.rules_egress is not none }}", "tags": "{{ item.tags }}"},
         "loop": _loop("security_groups"), "loop_control": {"label": "{{ item.key }}"}},
        {"name": "VPC endpoints", "amazon.aws.ec2_vpc_endpoint": {
            "vpc_id": vpc, "service": "com.amazonaws.{{ aws_region }}.{{ item.service }}",
            "vpc_endpoint_type": "{{ item.type }}",
            "vpc_endpoint_subnets": "{{ item.subnets | map('extract', pr_subnet_ids) | list }}",
            "vpc_endpoint_security_groups": "{{ item.security_groups | map('extract', pr_sg_ids) | list }}",
            "tags": "{{ item.tags }}"},
         "loop": _loop("endpoints"), "loop_control": {"label": "{{ item.key }}"}},
        {"name": "DNS zones (the domain zone first: the linear strategy runs it before any delegation)",
         "amazon.aws.route53_zone": {
             "zone": "{{ item.zone }}", "vpc_id": "{{ pr_vpc.vpc.id if item.private else omit }}",
             "vpc_region": "{{ aws_region if item.private else omit }}", "region": no_region},
         "loop": _loop("zones"), "loop_control": {"label": "{{ item.key }}"}},
        {"name": "Name servers of the subdomain zone", "amazon.aws.route53": {
            "state": "get", "zone": "{{ %s.delegation.record }}" % env, "record": "{{ %s.delegation.record }}" % env,
            "type": "SOA", "region": no_region},  # with type NS this module returns no name servers
         "when": env + ".delegation is not none", "register": "pr_ns"},
        {"name": "Delegation in the parent zone", "amazon.aws.route53": {
            "state": "present", "zone": "{{ %s.delegation.zone }}" % env, "record": "{{ %s.delegation.record }}" % env,
            "type": "NS", "ttl": "{{ %s.delegation.ttl }}" % env, "value": "{{ pr_ns.nameservers }}", "overwrite": True,
            "region": no_region},
         "when": env + ".delegation is not none"},
        {"name": "VPN security group", "amazon.aws.ec2_security_group": {
            "name": "{{ %s.vpn.name }}" % env, "description": "Pritunl VPN server", "vpc_id": vpc,
            "rules": "{{ %s.vpn.rules }}" % env, "tags": "{{ %s.vpn.tags }}" % env},
         "when": env + ".vpn is not none", "register": "pr_vpn_sg"},
        {"name": "VPN instance", "amazon.aws.ec2_instance": {
            "name": "{{ %s.vpn.name }}" % env, "instance_type": "{{ %s.vpn.instance_type }}" % env,
            "image_id": "{{ lookup('amazon.aws.ssm_parameter', %s.vpn.image_parameter) }}" % env,
            "vpc_subnet_id": "{{ pr_subnet_ids[%s.vpn.subnet] }}" % env, "security_group": "{{ pr_vpn_sg.group_id }}",
            "tags": "{{ %s.vpn.tags }}" % env, "wait": True},
         "when": env + ".vpn is not none", "register": "pr_vpn_instance"},
        {"name": "VPN Elastic IP", "amazon.aws.ec2_eip": {
            "device_id": "{{ pr_vpn_instance.instance_ids[0] }}", "in_vpc": True, "tags": "{{ %s.vpn.tags }}" % env},
         "when": env + ".vpn is not none", "register": "pr_vpn_eip"},
        {"name": "VPN DNS record", "amazon.aws.route53": {
            "state": "present", "zone": "{{ %s.delegation.record }}" % env, "record": "{{ %s.vpn.record }}" % env,
            "type": "A", "ttl": 300, "value": "{{ pr_vpn_eip.public_ip }}", "overwrite": True, "region": no_region},
         "when": "%s.vpn is not none and %s.vpn.record is not none" % (env, env)},
    ])
    play["name"] = "The whole site, one amazon.aws task per resource"
    return [play]


def count_site_resources(envs):
    """Module invocations one run of the generated site playbook makes."""
    total = count_resources(envs)
    for env in site_topology(envs).values():
        total -= 0 if env["lockdown_default_sg"] else 1
        total += 2 * len(env["security_groups"]) + len(env["endpoints"]) + len(env["zones"])
        total += 2 if env["delegation"] else 0
        total += (3 + bool(env["vpn"]["record"])) if env["vpn"] else 0
    return total


def count_resources(envs):
    """Module invocations one run of the generated playbook makes (one per resource)."""
    total = 0
    for env in topology(envs).values():
        total += 2 + len(env["subnets"]) + int(env["igw"]) + len(env["nat_gateways"])
        total += 2 * len(env["peerings"]) + len(env["route_tables"])
    return total


def write_playbook(envs, path, site=False):
    with open(path, "w") as f:
        f.write("---\n# Generated by benchmarks/per_resource.py: do not edit.\n")
        yaml.safe_dump(site_playbook(envs) if site else playbook(envs), f, sort_keys=False, width=120)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("-i", "--inventory", action="append", required=True, help="an environment inventory directory")
    parser.add_argument("-o", "--output", required=True, help="where to write the playbook")
    parser.add_argument("--site", action="store_true", help="all of site.yml's concerns, not only VPCs and peerings")
    args = parser.parse_args(argv)
    envs = {}
    for path in args.inventory:
        envs.update(load_inventory(path))
    write_playbook(envs, args.output, site=args.site)
    count = count_site_resources(envs) if args.site else count_resources(envs)
    print("%s: %d environments, %d module invocations" % (args.output, len(envs), count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
