# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure rendering of network facts (network_facts.py) as Mermaid and Graphviz DOT.

One picture of the combined environments: each VPC with its CIDR, its tiers x AZs with
subnet CIDRs, the internet gateway, NAT gateways, endpoints and the VPN server; peering
connections and transit gateways as links between VPCs. Output is deterministic (sorted by
key) so an unchanged network gives an unchanged file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re


def node_id(*parts):
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(str(p) for p in parts if p))


def text(value):
    return str(value).replace('"', "#quot;")


def short_service(service):
    return (service or "").split(".")[-1]


def _envs(facts_by_env):
    return [(env, facts_by_env[env]) for env in sorted(facts_by_env) if facts_by_env[env].get("vpc")]


def _tiers(facts):
    """[(tier, [subnet, ...])] in the order of their first CIDR."""
    tiers = {}
    for subnet in facts["subnets"].values():
        tiers.setdefault(subnet.get("tier") or "untiered", []).append(subnet)
    ordered = sorted(tiers.items(), key=lambda kv: min(ipaddress.ip_network(s["cidr"]) for s in kv[1]))
    return [(tier, sorted(subnets, key=lambda s: (s.get("az") or "", s["cidr"]))) for tier, subnets in ordered]


def links(facts_by_env):
    """Peering connections and transit gateways between (or from) the VPCs in the facts.

    [{kind, id, ends: [env or vpc id, ...], status}] each link once.
    """
    vpc_env = dict((f["vpc"]["id"], env) for env, f in _envs(facts_by_env))
    found = {}
    for env, facts in _envs(facts_by_env):
        for pcx in facts.get("peerings", {}).values():
            ends = [vpc_env.get(side["vpc"], side["vpc"]) for side in (pcx["requester"], pcx["accepter"])]
            found[pcx["id"]] = {"kind": "peering", "id": pcx["id"], "ends": ends, "status": pcx.get("status")}
        for att in facts.get("transit_gateway_attachments", {}).values():
            link = found.setdefault(att["tgw"], {"kind": "transit-gateway", "id": att["tgw"], "ends": [],
                                                 "status": "available"})
            end = vpc_env.get(att["vpc"], att["vpc"])
            if end not in link["ends"]:
                link["ends"].append(end)
    return [found[k] for k in sorted(found)]


def mermaid(facts_by_env):
    lines = ["flowchart LR", '  internet(("Internet"))']
    for env, facts in _envs(facts_by_env):
        vpc = facts["vpc"]
        env_id = node_id("vpc", env)
        lines.append('  subgraph %s["%s · %s · %s"]' % (env_id, text(env), vpc["id"], " + ".join(vpc["cidrs"])))
        lines.append("    direction TB")
        igw = facts.get("internet_gateway")
        if igw:
            lines.append('    %s[/"internet gateway<br/>%s"/]' % (node_id(env, igw["id"]), igw["id"]))
        for tier, subnets in _tiers(facts):
            lines.append('    subgraph %s["%s tier"]' % (node_id(env, "tier", tier), text(tier)))
            for s in subnets:
                lines.append('      %s["%s<br/>%s"]' % (node_id(env, s["id"]), text(s.get("az") or s["id"]), s["cidr"]))
            lines.append("    end")
        for nat in sorted(facts.get("nat_gateways", {}).values(), key=lambda n: n["id"]):
            label = "NAT %s<br/>%s" % (text(nat.get("key") or nat["id"]), nat.get("public_ip") or "")
            lines.append('    %s{{"%s"}}' % (node_id(env, nat["id"]), label))
        for ep in sorted(facts.get("endpoints", {}).values(), key=lambda e: e["id"]):
            label = "%s endpoint<br/>%s" % (text(short_service(ep["service"])), ep["type"])
            lines.append('    %s[("%s")]' % (node_id(env, ep["id"]), label))
        vpn = facts.get("vpn")
        if vpn:
            label = "VPN server %s<br/>%s" % (vpn["id"], vpn.get("private_ip") or "")
            lines.append('    %s["%s"]' % (node_id(env, vpn["id"]), label))
        lines.append("  end")
        if igw:
            lines.append("  internet --- %s" % node_id(env, igw["id"]))
        for nat in sorted(facts.get("nat_gateways", {}).values(), key=lambda n: n["id"]):
            if nat.get("subnet") in facts["subnets"]:
                lines.append("  %s -.- %s" % (node_id(env, nat["subnet"]), node_id(env, nat["id"])))
        for ep in sorted(facts.get("endpoints", {}).values(), key=lambda e: e["id"]):
            for subnet in ep.get("subnets") or []:
                lines.append("  %s -.- %s" % (node_id(env, subnet), node_id(env, ep["id"])))
        if vpn and vpn.get("subnet") in facts["subnets"]:
            lines.append("  %s -.- %s" % (node_id(env, vpn["subnet"]), node_id(env, vpn["id"])))
    for link in links(facts_by_env):
        if link["kind"] == "peering":
            a, b = (node_id("vpc", e) if e in facts_by_env else node_id("ext", e) for e in link["ends"])
            for end, node in zip(link["ends"], (a, b)):
                if end not in facts_by_env:
                    lines.append('  %s["VPC %s"]' % (node, text(end)))
            lines.append('  %s <-->|"peering %s (%s)"| %s' % (a, link["id"], text(link["status"]), b))
        else:
            lines.append('  %s(("transit gateway<br/>%s"))' % (node_id(link["id"]), link["id"]))
            for end in link["ends"]:
                lines.append("  %s <--> %s" % (node_id(link["id"]), node_id("vpc", end)))
    return "\n".join(lines) + "\n"


def markdown(facts_by_env, title="Network topology"):
    rows = ["| environment | VPC | CIDR | subnets | NAT | endpoints | VPN |", "|---|---|---|---|---|---|---|"]
    for env, facts in _envs(facts_by_env):
        rows.append("| %s | %s | %s | %d | %d | %d | %s |" % (
            env, facts["vpc"]["id"], ", ".join(facts["vpc"]["cidrs"]), len(facts["subnets"]),
            len(facts.get("nat_gateways") or {}), len(facts.get("endpoints") or {}),
            facts["vpn"]["id"] if facts.get("vpn") else "-"))
    link_rows = ["- %s %s: %s" % (link["kind"], link["id"], " <-> ".join(link["ends"])) for link in links(facts_by_env)]
    return "# %s\n\n```mermaid\n%s```\n\n%s\n\n%s\n" % (
        title, mermaid(facts_by_env), "\n".join(rows), "\n".join(link_rows) or "No links between VPCs.")


def dot(facts_by_env):
    def q(value):
        return '"%s"' % str(value).replace('"', '\\"')

    lines = ["digraph network {", "  rankdir=LR; compound=true; node [shape=box, fontsize=10];",
             "  internet [shape=ellipse, label=\"Internet\"];"]
    for env, facts in _envs(facts_by_env):
        vpc = facts["vpc"]
        lines.append("  subgraph cluster_%s {" % node_id(env))
        lines.append("    label=%s;" % q("%s  %s  %s" % (env, vpc["id"], " + ".join(vpc["cidrs"]))))
        lines.append("    %s [shape=point, style=invis];" % node_id("vpc", env))
        igw = facts.get("internet_gateway")
        if igw:
            lines.append("    %s [shape=trapezium, label=%s];" % (node_id(env, igw["id"]), q("IGW\n" + igw["id"])))
        for tier, subnets in _tiers(facts):
            lines.append("    subgraph cluster_%s { label=%s;" % (node_id(env, "tier", tier), q(tier + " tier")))
            for s in subnets:
                lines.append("      %s [label=%s];" % (node_id(env, s["id"]), q("%s\n%s" % (s.get("az"), s["cidr"]))))
            lines.append("    }")
        for nat in sorted(facts.get("nat_gateways", {}).values(), key=lambda n: n["id"]):
            lines.append("    %s [shape=hexagon, label=%s];" % (node_id(env, nat["id"]), q("NAT " + (nat.get("key") or nat["id"]))))
        for ep in sorted(facts.get("endpoints", {}).values(), key=lambda e: e["id"]):
            label = q("%s endpoint" % short_service(ep["service"]))
            lines.append("    %s [shape=cylinder, label=%s];" % (node_id(env, ep["id"]), label))
        if facts.get("vpn"):
            lines.append("    %s [shape=box3d, label=%s];" % (node_id(env, facts["vpn"]["id"]), q("VPN " + facts["vpn"]["id"])))
        lines.append("  }")
        if igw:
            lines.append("  internet -> %s [dir=both];" % node_id(env, igw["id"]))
    for link in links(facts_by_env):
        if link["kind"] == "peering":
            a, b = (node_id("vpc", e) for e in link["ends"])
            for end in link["ends"]:
                if end not in facts_by_env:
                    lines.append("  %s [label=%s];" % (node_id("vpc", end), q("VPC " + end)))
            lines.append("  %s -> %s [dir=both, label=%s];" % (a, b, q("peering " + link["id"])))
        else:
            lines.append("  %s [shape=doublecircle, label=%s];" % (node_id(link["id"]), q("TGW\n" + link["id"])))
            for end in link["ends"]:
                lines.append("  %s -> %s [dir=both];" % (node_id(link["id"]), node_id("vpc", end)))
    lines.append("}")
    return "\n".join(lines) + "\n"
