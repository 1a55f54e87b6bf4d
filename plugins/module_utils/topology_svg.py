# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure layout of network facts (network_facts.py) as one inline SVG, for the run report.

No Graphviz, no browser: boxes are placed on a grid computed here. Each environment is a VPC
box holding a table of tiers (rows) x zones (columns) with the subnet CIDRs; a NAT gateway or
the VPN server is drawn inside the cell of its subnet (so it is never left floating), the
internet gateway sits on the box's top edge, and the endpoints are one grouped panel of chips
under the table (wrapped in rows, never one tall column). VPC boxes stand in one row; peering
connections and transit gateways are arcs in a band above them, labelled with the CIDRs and
tiers they carry. Every group carries data-* attributes so tests can check the drawing
structurally. Deterministic: the same facts give the same bytes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.refarch.network.plugins.module_utils.diagram import links

FONT = 12
LINE = 15
PAD = 14
CELL_W = 190
LABEL_W = 120
CELL_BASE_H = 40
BADGE_H = 34
CHIP_W = 160
CHIP_H = 34
CHIPS_PER_ROW_MIN = 2
GAP = 60
BAND_STEP = 62
LINK_SPACING = 16
COLORS = {"vpc": "#f4f8fc", "vpc_line": "#2f6690", "cell": "#ffffff", "cell_line": "#9db4c0",
          "nat": "#ffe8cc", "vpn": "#e4d8f5", "igw": "#d8f0d8", "endpoint": "#fff7d6",
          "peering": "#2f6690", "transit-gateway": "#8a4f7d", "text": "#1b1b1b", "muted": "#5c6770"}


def service_name(service):
    """``ecr.api`` of ``com.amazonaws.us-east-1.ecr.api``; a name of another form as it is."""
    parts = (service or "").split(".")
    return ".".join(parts[3:]) if len(parts) > 3 and parts[0] == "com" else (service or "")


def text_width(value, size=FONT):
    return int(len(str(value)) * size * 0.6) + 16


def esc(value):
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _text(x, y, value, size=FONT, weight="normal", anchor="start", color=None, cls=None):
    return '<text x="%d" y="%d" font-size="%d" font-weight="%s" text-anchor="%s" fill="%s"%s>%s</text>' % (
        x, y, size, weight, anchor, color or COLORS["text"], ' class="%s"' % cls if cls else "", esc(value))


def _rect(x, y, w, h, fill, stroke, radius=4, dash=False):
    return '<rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" stroke="%s"%s/>' % (
        x, y, w, h, radius, fill, stroke, ' stroke-dasharray="5 3"' if dash else "")


def _envs(facts_by_env):
    return [(env, facts_by_env[env]) for env in sorted(facts_by_env) if facts_by_env[env].get("vpc")]


def tiers_and_zones(facts):
    """([tier, ...] ordered by first CIDR, [az, ...] sorted, {(tier, az): [subnet, ...]})."""
    cells, first = {}, {}
    for subnet in facts.get("subnets", {}).values():
        tier = subnet.get("tier") or "untiered"
        az = subnet.get("az") or "?"
        cells.setdefault((tier, az), []).append(subnet)
        net = ipaddress.ip_network(subnet["cidr"])
        first[tier] = min(first.get(tier, net), net)
    tiers = sorted(first, key=lambda t: first[t])
    zones = sorted(set(key[1] for key in cells))
    for subnets in cells.values():
        subnets.sort(key=lambda s: ipaddress.ip_network(s["cidr"]))
    return tiers, zones, cells


def badges_by_subnet(facts):
    """{subnet id: [(kind, lines)]} for the NAT gateways and the VPN server."""
    badges = {}
    for nat in sorted(facts.get("nat_gateways", {}).values(), key=lambda n: n["id"]):
        badges.setdefault(nat.get("subnet"), []).append(
            ("nat", ["NAT %s" % nat["id"], "EIP %s" % (nat.get("public_ip") or "-")]))
    vpn = facts.get("vpn")
    if vpn:
        badges.setdefault(vpn.get("subnet"), []).append(
            ("vpn", ["VPN %s" % vpn["id"], "%s / %s" % (vpn.get("private_ip") or "-", vpn.get("public_ip") or "-")]))
    return badges


def carried(facts_by_env, link):
    """What a link carries: (destination CIDRs routed over it, tiers whose tables route over it)."""
    cidrs, tiers = set(), set()
    for env, facts in _envs(facts_by_env):
        tier_of_table = {}
        for subnet in facts.get("subnets", {}).values():
            if subnet.get("route_table"):
                tier_of_table.setdefault(subnet["route_table"], set()).add(subnet.get("tier") or "untiered")
        for table in facts.get("route_tables", {}).values():
            for route in table.get("routes") or []:
                if route.get("target") == link["id"] and route.get("destination"):
                    cidrs.add(route["destination"])
                    tiers.update("%s %s" % (env, t) for t in tier_of_table.get(table["id"], ()))
    return sorted(cidrs, key=_cidr_key), sorted(tiers)


def _cidr_key(cidr):
    try:
        return (0, ipaddress.ip_network(cidr))
    except ValueError:
        return (1, cidr)


class Box(object):
    """One VPC box: its size, and the SVG of its content drawn at (x, y)."""

    def __init__(self, env, facts):
        self.env, self.facts = env, facts
        self.tiers, self.zones, self.cells = tiers_and_zones(facts)
        self.badges = badges_by_subnet(facts)
        self.endpoints = sorted(facts.get("endpoints", {}).values(),
                                key=lambda e: (e.get("type") != "gateway", service_name(e.get("service"))))
        self.width = max(LABEL_W + CELL_W * max(len(self.zones), 1) + 2 * PAD, 3 * CHIP_W + 2 * PAD)
        self.row_heights = [self._row_height(t) for t in self.tiers]
        per_row = max(CHIPS_PER_ROW_MIN, (self.width - 2 * PAD) // (CHIP_W + 8))
        self.chips_per_row = per_row
        chip_rows = (len(self.endpoints) + per_row - 1) // per_row
        self.endpoints_h = (LINE * 2 + chip_rows * (CHIP_H + 6) + PAD) if self.endpoints else 0
        self.header_h = 3 * LINE + PAD + (22 if facts.get("internet_gateway") else 0)
        self.height = self.header_h + LINE + sum(self.row_heights) + PAD + self.endpoints_h + PAD

    def _row_height(self, tier):
        tallest = 0
        for az in self.zones:
            subnets = self.cells.get((tier, az), [])
            n_badges = sum(len(self.badges.get(s["id"], [])) for s in subnets)
            tallest = max(tallest, len(subnets) * 2 * LINE + n_badges * (BADGE_H + 4))
        return max(CELL_BASE_H, tallest + 10)

    def svg(self, x, y):
        facts, vpc = self.facts, self.facts["vpc"]
        out = ['<g class="vpc" data-env="%s" data-vpc="%s" data-cidrs="%s">' % (
            esc(self.env), esc(vpc["id"]), esc(" ".join(vpc["cidrs"])))]
        out.append(_rect(x, y, self.width, self.height, COLORS["vpc"], COLORS["vpc_line"], radius=8))
        out.append(_text(x + PAD, y + PAD + LINE, self.env, size=16, weight="bold"))
        out.append(_text(x + PAD, y + PAD + 2 * LINE + 2, "%s  %s" % (vpc["id"], " + ".join(vpc["cidrs"])),
                         color=COLORS["muted"]))
        igw = facts.get("internet_gateway")
        if igw:
            label = "internet gateway %s" % igw["id"]
            iw = text_width(label)
            ix = x + PAD  # left on the top edge: links land in the middle
            out.append('<g class="igw" data-id="%s">' % esc(igw["id"]))
            out.append(_rect(ix, y - 12, iw, 26, COLORS["igw"], COLORS["vpc_line"]))
            out.append(_text(ix + iw // 2, y + 5, label, anchor="middle"))
            out.append("</g>")
        top = y + self.header_h
        for i, az in enumerate(self.zones):
            out.append(_text(x + PAD + LABEL_W + i * CELL_W + CELL_W // 2, top + LINE - 3, az, weight="bold",
                             anchor="middle", color=COLORS["muted"]))
        row_y = top + LINE
        for tier, height in zip(self.tiers, self.row_heights):
            out.append(_text(x + PAD, row_y + 20, "%s" % tier, weight="bold"))
            for i, az in enumerate(self.zones):
                out.extend(self._cell(x + PAD + LABEL_W + i * CELL_W, row_y, height, self.cells.get((tier, az), [])))
            row_y += height
        if self.endpoints:
            out.extend(self._endpoints(x + PAD, row_y + PAD))
        out.append("</g>")
        return out

    def _cell(self, cx, cy, height, subnets):
        out = [_rect(cx + 2, cy + 2, CELL_W - 4, height - 4, COLORS["cell"], COLORS["cell_line"],
                     dash=not subnets)]
        line_y = cy + 4
        for subnet in subnets:
            out.append('<g class="subnet" data-id="%s" data-cidr="%s" data-tier="%s" data-az="%s">' % (
                esc(subnet["id"]), esc(subnet["cidr"]), esc(subnet.get("tier") or ""), esc(subnet.get("az") or "")))
            out.append(_text(cx + 10, line_y + LINE, subnet["cidr"], weight="bold"))
            out.append(_text(cx + 10, line_y + 2 * LINE - 1, subnet["id"], size=10, color=COLORS["muted"]))
            line_y += 2 * LINE
            for kind, lines in self.badges.get(subnet["id"], []):
                out.append('<g class="%s" data-subnet="%s">' % (kind, esc(subnet["id"])))
                out.append(_rect(cx + 8, line_y + 2, CELL_W - 16, BADGE_H, COLORS[kind], COLORS["vpc_line"]))
                out.append(_text(cx + 14, line_y + 16, lines[0], size=11))
                out.append(_text(cx + 14, line_y + 30, lines[1], size=10, color=COLORS["muted"]))
                out.append("</g>")
                line_y += BADGE_H + 4
            out.append("</g>")
        return out

    def _endpoints(self, ex, ey):
        interface = [e for e in self.endpoints if e.get("type") == "interface"]
        zones = sorted(set(len(e.get("subnets") or []) for e in interface))
        title = "VPC endpoints: %d" % len(self.endpoints)
        if interface:
            title += " (%d interface, in %s subnet%s)" % (
                len(interface), "/".join(str(z) for z in zones), "" if zones == [1] else "s")
        out = ['<g class="endpoints" data-count="%d">' % len(self.endpoints),
               _text(ex, ey + LINE, title, weight="bold")]
        for i, ep in enumerate(self.endpoints):
            col, row = i % self.chips_per_row, i // self.chips_per_row
            chip_x, chip_y = ex + col * (CHIP_W + 8), ey + LINE + 8 + row * (CHIP_H + 6)
            out.append('<g class="endpoint" data-id="%s" data-service="%s" data-type="%s">' % (
                esc(ep["id"]), esc(ep.get("service") or ""), esc(ep.get("type") or "")))
            out.append(_rect(chip_x, chip_y, CHIP_W, CHIP_H, COLORS["endpoint"], COLORS["cell_line"]))
            out.append(_text(chip_x + 8, chip_y + 15, service_name(ep.get("service")), size=11, weight="bold"))
            out.append(_text(chip_x + 8, chip_y + 28, "%s  %s" % (ep.get("type"), ep["id"]), size=9,
                             color=COLORS["muted"]))
            out.append("</g>")
        out.append("</g>")
        return out


def _link_label(facts_by_env, link):
    cidrs, tiers = carried(facts_by_env, link)
    head = "%s %s" % (link["kind"], link["id"]) + (" (%s)" % link["status"] if link["kind"] == "peering" else "")
    lines = [head]
    if cidrs:
        lines.append("carries " + ", ".join(cidrs))
    if tiers:
        lines.append("for " + ", ".join(tiers))
    return lines


def render(facts_by_env, title="Network topology"):
    """The SVG document (a string) of the combined environments."""
    boxes = [Box(env, facts) for env, facts in _envs(facts_by_env)]
    found = links(facts_by_env)
    band = (len(found) * BAND_STEP + 3 * LINE) if found else 2 * LINE
    x, anchors = PAD, {}
    for box in boxes:
        box.x = x
        anchors[box.env] = x + box.width // 2
        x += box.width + GAP
    outside = sorted(set(end for link in found for end in link["ends"] if end not in anchors))
    for end in outside:  # a peer VPC outside the run: a small box at the end of the row
        anchors[end] = x + 110
        x += 220 + GAP
    width = max(x - GAP + PAD, 480)
    top = PAD + band
    height = top + max([b.height for b in boxes] + [60]) + PAD + 12
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif" role="img" aria-label="%s">' % (
               width, height, width, height, esc(title)),
           "<title>%s</title>" % esc(title),
           _text(PAD, PAD + LINE, title, size=15, weight="bold")]
    if not boxes:
        out.append(_text(PAD, PAD + 3 * LINE, "No VPC found in the environments of this run.", color=COLORS["muted"]))
    for end in outside:
        out.append('<g class="external-vpc" data-vpc="%s">' % esc(end))
        out.append(_rect(anchors[end] - 110, top, 220, 50, COLORS["cell"], COLORS["vpc_line"], radius=8, dash=True))
        out.append(_text(anchors[end], top + 30, "VPC %s (not in this run)" % end, anchor="middle", size=11))
        out.append("</g>")
    for i, link in enumerate(found):
        ends = dict((end, anchors[end] + _offset(found, link, end)) for end in link["ends"] if end in anchors)
        out.extend(_link_svg(facts_by_env, link, ends, top, top - (i + 1) * BAND_STEP + 10))
    for box in boxes:
        out.extend(box.svg(box.x, top + 12))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _offset(found, link, end):
    """Links meeting one VPC box land side by side on its top edge, not on one point."""
    here = [other["id"] for other in found if end in other["ends"]]
    return int((here.index(link["id"]) - (len(here) - 1) / 2.0) * LINK_SPACING)


def _link_svg(facts_by_env, link, ends, top, level):
    color = COLORS[link["kind"]] if link["kind"] in COLORS else COLORS["peering"]
    xs = sorted(ends.values())
    out = ['<g class="link" data-kind="%s" data-id="%s" data-ends="%s">' % (
        esc(link["kind"]), esc(link["id"]), esc(" ".join(link["ends"])))]
    if not xs:
        out.append("</g>")
        return out
    # every end drops from the link's own level of the band to the top of its VPC box
    out.append('<path d="M %d %d H %d" stroke="%s" stroke-width="2" fill="none"/>' % (xs[0], level, xs[-1], color))
    for end_x in xs:
        out.append('<path d="M %d %d V %d" stroke="%s" stroke-width="2" fill="none"/>' % (end_x, level, top, color))
        out.append('<circle cx="%d" cy="%d" r="4" fill="%s"/>' % (end_x, top, color))
    label_x = (xs[0] + xs[-1]) // 2
    lines = _link_label(facts_by_env, link)
    for j, line in enumerate(lines):
        out.append(_text(label_x, level - 6 - (len(lines) - 1 - j) * 13, line, size=11, anchor="middle",
                         weight="bold" if j == 0 else "normal", color=color))
    out.append("</g>")
    return out
