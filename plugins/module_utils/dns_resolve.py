# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a name resolves from a VPC (or from outside every VPC), given the zones as read back. Pure.

The Amazon-provided resolver of a VPC (its base + 2) answers from the private zones associated
with the VPC first: the one whose name is the longest suffix of the question answers alone
(a name it lacks is NXDOMAIN, not a fall-through to the public DNS); without such a zone the
public DNS answers (here: the public zones, again by longest suffix; delegation is assumed).
That is what makes split-horizon DNS: ``prod.example.com`` private inside the VPCs and over
the VPN, public outside.

A zone is ``{"name": "prod.example.com.", "private": bool, "vpcs": [(vpc_id, region)],
"records": [Route53 record sets]}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils.dns import fqdn


def answering_zone(zones, name, vpc=None):
    """The zone that answers ``name`` from ``vpc`` ((vpc_id, region); None: from outside)."""
    name = fqdn(name)

    def best(candidates):
        matching = [z for z in candidates if name == fqdn(z["name"]) or name.endswith("." + fqdn(z["name"]))]
        return max(matching, key=lambda z: len(fqdn(z["name"]))) if matching else None
    if vpc is not None:
        private = best([z for z in zones if z["private"] and tuple(vpc) in [tuple(v) for v in z["vpcs"]]])
        if private is not None:
            return private
    return best([z for z in zones if not z["private"]])


def resolve(zones, name, rtype="A", vpc=None):
    """(zone name, values) answering ``name`` of type ``rtype``; values None for NXDOMAIN/no data,
    zone None when no zone answers. CNAMEs are followed within the zones given."""
    seen = set()
    while True:
        zone = answering_zone(zones, name, vpc)
        if zone is None:
            return None, None
        found = dict(((r["Type"], fqdn(r["Name"])), r) for r in zone["records"])
        record = found.get((rtype, fqdn(name)))
        if record is None and rtype != "CNAME" and ("CNAME", fqdn(name)) in found and fqdn(name) not in seen:
            seen.add(fqdn(name))
            name = found[("CNAME", fqdn(name))]["ResourceRecords"][0]["Value"]
            continue
        values = sorted(r["Value"] for r in record.get("ResourceRecords", [])) if record else None
        return fqdn(zone["name"]), values
