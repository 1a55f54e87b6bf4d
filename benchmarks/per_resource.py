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
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network  # noqa: E402


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
        envs[host] = data
    return envs


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


def count_resources(envs):
    """Module invocations one run of the generated playbook makes (one per resource)."""
    total = 0
    for env in topology(envs).values():
        total += 2 + len(env["subnets"]) + int(env["igw"]) + len(env["nat_gateways"])
        total += 2 * len(env["peerings"]) + len(env["route_tables"])
    return total


def write_playbook(envs, path):
    with open(path, "w") as f:
        f.write("---\n# Generated by benchmarks/per_resource.py: do not edit.\n")
        yaml.safe_dump(playbook(envs), f, sort_keys=False, width=120)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("-i", "--inventory", action="append", required=True, help="an environment inventory directory")
    parser.add_argument("-o", "--output", required=True, help="where to write the playbook")
    args = parser.parse_args(argv)
    envs = {}
    for path in args.inventory:
        envs.update(load_inventory(path))
    write_playbook(envs, args.output)
    print("%s: %d environments, %d module invocations" % (args.output, len(envs), count_resources(envs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
