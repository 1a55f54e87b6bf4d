# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""References left pointing at something that no longer exists, across every account.

After an environment is destroyed alone, nothing anywhere may still point into it: a route
to a deleted peering or NAT gateway, an NS delegation to a deleted zone (on AWS a subdomain
takeover risk), an ownership registry entry for a record that is gone, a security group rule
naming a deleted group. ``dangling(raws)`` reads the raw describes of ``state.read_account``
({account: raw}) and returns one readable line per dangling reference.
"""

REGISTRY_PREFIX = "_refarch-owner-"
LIVE_PEERING = ("initiating-request", "pending-acceptance", "provisioning", "active")


def _routes(raws, live):
    found = []
    for account, raw in sorted(raws.items()):
        nats = set(n["NatGatewayId"] for n in raw["nat_gateways"])
        for table in raw["route_tables"]:
            for route in table.get("Routes", []):
                dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
                pcx, nat = route.get("VpcPeeringConnectionId"), route.get("NatGatewayId")
                if pcx and pcx not in live:
                    found.append("%s: route %s %s -> deleted peering %s" % (account, table["RouteTableId"], dest, pcx))
                if nat and nat not in nats:
                    found.append("%s: route %s %s -> deleted NAT gateway %s" % (account, table["RouteTableId"], dest, nat))
    return found


def _zones(raws):
    """{zone name: [name server sets]} of every public zone of every account."""
    servers = {}
    for raw in raws.values():
        for zone in raw["zones"]:
            apex = [r for r in zone["Records"] if r["Type"] == "NS" and r["Name"] == zone["Name"]]
            for record in apex:
                servers.setdefault(zone["Name"], []).append(
                    sorted(v["Value"].rstrip(".").lower() for v in record.get("ResourceRecords", [])))
    return servers


def _registry_entries(record):
    """(type, name) of the entries an ownership registry TXT record lists."""
    entries = []
    for value in record.get("ResourceRecords", []):
        for part in value["Value"].split('" "'):
            words = part.strip('"').split()
            if len(words) >= 2 and not words[0].startswith("refarch:"):
                entries.append((words[0], words[1]))
    return entries


def _dns(raws):
    found, servers = [], _zones(raws)
    for account, raw in sorted(raws.items()):
        for zone in raw["zones"]:
            have = set((r["Type"], r["Name"]) for r in zone["Records"])
            for record in zone["Records"]:
                if record["Type"] == "NS" and record["Name"] != zone["Name"]:
                    values = sorted(v["Value"].rstrip(".").lower() for v in record.get("ResourceRecords", []))
                    if values not in servers.get(record["Name"], []):
                        found.append("%s: zone %s delegates %s to name servers of no existing zone" % (
                            account, zone["Name"], record["Name"]))
                if record["Type"] == "TXT" and record["Name"].startswith(REGISTRY_PREFIX):
                    for entry in _registry_entries(record):
                        if entry not in have:
                            found.append("%s: zone %s registry %s lists %s %s, which does not exist" % (
                                account, zone["Name"], record["Name"], entry[0], entry[1]))
    return found


def _rules(raws):
    found = []
    groups = set(g["GroupId"] for raw in raws.values() for g in raw["security_groups"])
    for account, raw in sorted(raws.items()):
        for group in raw["security_groups"]:
            for perm in group.get("IpPermissions", []) + group.get("IpPermissionsEgress", []):
                for pair in perm.get("UserIdGroupPairs", []):
                    if pair.get("GroupId") and pair["GroupId"] not in groups:
                        found.append("%s: group %s has a rule naming deleted group %s" % (
                            account, group["GroupId"], pair["GroupId"]))
    return found


def dangling(raws):
    """Every dangling reference in ``raws`` ({account: state.read_account(...)}), as text."""
    live = set(p["VpcPeeringConnectionId"] for raw in raws.values() for p in raw["peerings"]
               if p["Status"]["Code"] in LIVE_PEERING)
    return _routes(raws, live) + _dns(raws) + _rules(raws)
