# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure monthly cost estimate of what the network facts (network_facts.py) show is built.

List prices come from a price table kept as data (data/prices.yml, loaded by the caller):
NAT gateway hours, public IPv4 addresses, interface endpoint AZ-hours, transit gateway
attachments, hosted zones, the VPN instance and its volume, flow logs. Data transfer and data
processing are not counted: it is a list-price estimate of the fixed monthly part.

``planned`` prices a check run's action texts (the modules' ``actions``) as signed lines, so
a report can show the cost before and after a planned change (single -> per-AZ NAT).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.topology_svg import service_name

LABEL = "list-price estimate, without data transfer or data processing"
REQUIRED = ("nat_gateway_hour", "public_ipv4_hour", "interface_endpoint_az_hour", "transit_gateway_attachment_hour",
            "hosted_zone_month", "gp3_gib_month", "flow_log_gb", "instance_hour")


def check_prices(prices):
    """The price table, validated: every region has every price the estimate uses."""
    if not isinstance(prices, dict) or not isinstance(prices.get("regions"), dict):
        raise InputError("prices.regions", "a mapping of region -> prices is required")
    for field in ("hours_per_month", "taken", "flow_log_gb_assumed", "vpn_volume_gib_default"):
        if prices.get(field) in (None, ""):
            raise InputError("prices." + field, "is required")
    for region, table in prices["regions"].items():
        missing = [k for k in REQUIRED if k not in (table or {})]
        if missing:
            raise InputError("prices.regions.%s" % region, "misses %s" % ", ".join(missing))
    return prices


class Pricer(object):
    """Monthly prices of one kind of thing in one region; None when the table lacks it."""

    def __init__(self, prices):
        self.prices = check_prices(prices)
        self.hours = float(prices["hours_per_month"])

    def table(self, region):
        return self.prices["regions"].get(region)

    def line(self, env, region, item, resource, quantity, unit, price_key, note=None):
        table = self.table(region)
        unit_price = None
        if table is not None:
            unit_price = table["instance_hour"].get(note) if price_key == "instance_hour" else table.get(price_key)
        monthly = None if unit_price is None else round(quantity * float(unit_price), 2)
        return {"env": env, "item": item, "resource": resource, "quantity": quantity, "unit": unit,
                "unit_price": unit_price, "monthly": monthly,
                "note": note if price_key != "instance_hour" else "instance type %s" % note}

    def nat(self, env, region, resource):
        return self.line(env, region, "NAT gateway", resource, self.hours, "hours", "nat_gateway_hour")

    def ipv4(self, env, region, resource):
        return self.line(env, region, "public IPv4 address", resource, self.hours, "hours", "public_ipv4_hour")

    def endpoint(self, env, region, resource, kind, zones):
        if kind == "interface":
            return self.line(env, region, "interface endpoint", resource, self.hours * zones, "AZ-hours",
                             "interface_endpoint_az_hour", note="%d AZ%s" % (zones, "" if zones == 1 else "s"))
        return self.line(env, region, "gateway endpoint", resource, 0, "no charge", "gateway_endpoint_hour")

    def attachment(self, env, region, resource):
        return self.line(env, region, "transit gateway attachment", resource, self.hours, "hours",
                         "transit_gateway_attachment_hour")

    def zone(self, env, region, resource):
        return self.line(env, region, "hosted zone", resource, 1, "zone-months", "hosted_zone_month")

    def vpn(self, env, region, resource, instance_type):
        return [self.line(env, region, "VPN instance", resource, self.hours, "hours", "instance_hour", note=instance_type),
                self.line(env, region, "VPN volume (gp3)", resource, self.prices["vpn_volume_gib_default"], "GiB-months",
                          "gp3_gib_month")]

    def flow_log(self, env, region, resource):
        return self.line(env, region, "flow log", resource, self.prices["flow_log_gb_assumed"], "GB ingested (assumed)",
                         "flow_log_gb")


def estimate(facts_by_env, prices, public_zones=None):
    """{"lines", "by_env", "total", "unpriced", ...} of what the facts show is built.

    ``public_zones`` is {env: [{"id", "name"}]} of the public zones the run saw (network facts
    list only the private zones associated with a VPC). A zone is counted once, for the first
    environment (in name order) that shows it.
    """
    pricer = Pricer(prices)
    lines, seen_zones = [], set()
    for env in sorted(facts_by_env):
        facts = facts_by_env[env]
        if not facts.get("vpc"):
            continue
        region = facts.get("region")
        for nat in sorted(facts.get("nat_gateways", {}).values(), key=lambda n: n["id"]):
            lines.append(pricer.nat(env, region, "%s (%s)" % (nat["id"], nat.get("key") or nat.get("az") or "-")))
            if nat.get("public_ip"):
                lines.append(pricer.ipv4(env, region, "%s of %s" % (nat["public_ip"], nat["id"])))
        vpn = facts.get("vpn")
        if vpn:
            lines.extend(pricer.vpn(env, region, vpn["id"], vpn.get("instance_type") or "t3.medium"))
            if vpn.get("public_ip"):
                lines.append(pricer.ipv4(env, region, "%s of %s" % (vpn["public_ip"], vpn["id"])))
        for ep in sorted(facts.get("endpoints", {}).values(), key=lambda e: e["id"]):
            name = "%s %s" % (ep["id"], service_name(ep.get("service")))
            lines.append(pricer.endpoint(env, region, name, ep.get("type"), len(ep.get("subnets") or []) or 1))
        for att in sorted(facts.get("transit_gateway_attachments", {}).values(), key=lambda a: a["id"]):
            lines.append(pricer.attachment(env, region, "%s to %s" % (att["id"], att.get("tgw"))))
        zones = list(facts.get("zones", {}).values()) + list((public_zones or {}).get(env) or [])
        for zone in sorted(zones, key=lambda z: (z.get("name") or "", z["id"] or "")):
            if zone["id"] in seen_zones:
                continue
            seen_zones.add(zone["id"])
            lines.append(pricer.zone(env, region, "%s %s" % (zone.get("name"), zone["id"])))
        for flow in sorted(facts.get("flow_logs", {}).values(), key=lambda f: f["id"]):
            lines.append(pricer.flow_log(env, region, "%s to %s" % (flow["id"], flow.get("destination_type"))))
    return summarise(lines, prices)


def summarise(lines, prices):
    by_env = {}
    for line in lines:
        by_env[line["env"]] = round(by_env.get(line["env"], 0.0) + (line["monthly"] or 0.0), 2)
    return {"lines": lines, "by_env": by_env, "total": round(sum(by_env.values()), 2),
            "unpriced": [line for line in lines if line["monthly"] is None],
            "currency": prices.get("currency", "USD"), "taken": prices["taken"], "label": LABEL,
            "regions": sorted(prices["regions"]),
            "assumptions": ["%s GB ingested per flow log and month" % prices["flow_log_gb_assumed"],
                            "VPN volume of %s GiB gp3" % prices["vpn_volume_gib_default"],
                            "%s hours a month" % prices["hours_per_month"]]}


# Action texts of the modules' diffs (vpc_diff, endpoint_diff, tgw_diff, dns_diff, vpn_diff)
# that change what is billed: the verb says whether it adds or removes one, ``name`` names it and
# ``type`` is a launched instance's type. A planned interface endpoint is priced in as many AZs as
# the environment's existing interface endpoints use (else its zones, else one).
BILLED = tuple((re.compile(pattern, re.I), kind) for pattern, kind in (
    (r"^(?P<verb>create|delete) nat gateway (?P<name>\S+)", "nat"),
    (r"^(?P<verb>allocate|release) elastic ip (?P<name>\S+)", "ipv4"),
    (r"^(?P<verb>create) interface endpoint (?P<name>\S+)", "interface"),
    (r"^(?P<verb>delete) endpoint \S+ (?P<name>vpce-\S+)", "endpoint"),
    (r"^(?P<verb>create|delete) tgw attachment (?P<name>\S+)", "attachment"),
    (r"^(?P<verb>create|delete) (?:public|private) zone (?P<name>\S+)", "zone"),
    (r"^(?P<verb>create) vpc flow log", "flow_log"),
    (r"^(?P<verb>delete) flow log (?P<name>\S+)", "flow_log"),
    (r"^(?P<verb>launch) instance (?P<name>\S+) (?P<type>\S+)", "vpn"),
    (r"^(?P<verb>launch) VPN instance (?P<name>\S+)", "vpn"),
    (r"^(?P<verb>replace|terminate) instance (?P<name>\S+)", "vpn"),
))
ADDING_VERBS = ("create", "allocate", "launch")


def _interface_zones(facts):
    counts = sorted(len(e.get("subnets") or []) for e in (facts.get("endpoints") or {}).values()
                    if e.get("type") == "interface" and e.get("subnets"))
    if counts:
        return counts[len(counts) // 2]
    return len(set(s.get("az") for s in (facts.get("subnets") or {}).values())) or 1


def _signed(lines, sign, text):
    for line in lines:
        line["resource"] = text
        line["quantity"] = sign * line["quantity"]
        line["monthly"] = None if line["monthly"] is None else sign * line["monthly"]
    return lines


def planned(actions_by_env, facts_by_env, prices):
    """Signed cost lines of the billed changes in the actions ({env: [text]}) of a check run."""
    pricer = Pricer(prices)
    lines = []
    for env in sorted(actions_by_env):
        facts = facts_by_env.get(env) or {}
        region = facts.get("region") or next(iter(sorted(prices["regions"])), None)
        for text in actions_by_env[env]:
            for pattern, kind in BILLED:
                match = pattern.match(text)
                if match:
                    sign = 1 if match.group("verb").lower() in ADDING_VERBS else -1
                    lines.extend(_signed(_priced(pricer, env, region, kind, match.groupdict(), facts), sign, text))
                    break
    return lines


def _priced(pricer, env, region, kind, groups, facts):
    name = groups.get("name") or kind
    if kind == "vpn":
        instance_type = groups.get("type") or (facts.get("vpn") or {}).get("instance_type") or "t3.medium"
        return pricer.vpn(env, region, name, instance_type)
    if kind == "endpoint":
        ep = (facts.get("endpoints") or {}).get(name) or {}
        return [pricer.endpoint(env, region, name, ep.get("type") or "interface", len(ep.get("subnets") or []) or 1)]
    if kind == "interface":
        return [pricer.endpoint(env, region, name, "interface", _interface_zones(facts))]
    make = {"nat": pricer.nat, "ipv4": pricer.ipv4, "attachment": pricer.attachment, "zone": pricer.zone,
            "flow_log": pricer.flow_log}[kind]
    return [make(env, region, name)]


def after(before, delta_lines, prices):
    """The estimate after the planned lines: before's lines plus the signed ones."""
    return summarise(list(before["lines"]) + list(delta_lines), prices)
