# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure assembly of the run report (build/report.html) from what a run saw.

One self-contained HTML file (inline CSS and SVG, no script, nothing fetched): the topology
(topology_svg.py), the verification table, the DNS reference, what the run changed per
environment and module, and the monthly cost estimate (cost.py), before and after the
planned changes of a check run. The callback refarch.network.report collects the data.

Report data::

    run:          {playbooks, started, finished, check, failed_hosts}
    facts:        {env: network facts}
    verification: {results: [network_verify result], counts, from} or null
    dns:          {references: [{label, ...dns_zones reference}], delegations: [...], from} or null
    changes:      [{env, module, status, actions: [text]}]
    public_zones: {env: [{id, name}]}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.refarch.network.plugins.module_utils import cost as costs
from ansible_collections.refarch.network.plugins.module_utils import topology_svg
from ansible_collections.refarch.network.plugins.module_utils.network_facts import summary

STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccd}
p.meta,.muted{color:#5c6770;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #ccd5dd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef3f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#f6f8fa}
.pass{color:#1a7f37;font-weight:bold}.violated{color:#b42318;font-weight:bold}
.unverifiable{color:#9a6700;font-weight:bold}.changed{color:#9a6700}.FAILED{color:#b42318;font-weight:bold}
.figure{overflow:auto;border:1px solid #ccd5dd;padding:8px;max-height:90vh}
ul.overview{font-size:14px}
"""


def esc(value):
    return topology_svg.esc("" if value is None else value)


def money(value, currency="USD"):
    if value is None:
        return "not priced"
    return ("-" if value < 0 else "") + ("$%s" % format(abs(value), ",.2f") if currency == "USD"
                                         else "%s %s" % (format(abs(value), ",.2f"), currency))


def table(header, rows, classes=None):
    out = ["<table><thead><tr>%s</tr></thead><tbody>" % "".join("<th>%s</th>" % esc(h) for h in header)]
    for i, row in enumerate(rows):
        cls = (classes or {}).get(i)
        out.append("<tr%s>%s</tr>" % (' class="%s"' % cls if cls else "", "".join(
            cell if isinstance(cell, Raw) else "<td>%s</td>" % esc(cell) for cell in row)))
    out.append("</tbody></table>")
    return "\n".join(out)


class Raw(str):
    """A table cell given as ready HTML."""


def num(value):
    return Raw('<td class="num">%s</td>' % esc(value))


def status_cell(status):
    return Raw('<td class="%s">%s</td>' % (esc(status), esc(status)))


def resources(facts_by_env):
    return sum(sum(summary(f).values()) for f in facts_by_env.values() if f.get("vpc"))


def overview(data, estimate):
    """The few lines a run ends with: environments, resources, intents, cost."""
    envs = sorted(e for e, f in data["facts"].items() if f.get("vpc"))
    lines = ["environments: %s" % (", ".join(envs) or "none built"),
             "resources: %d (subnets, route tables, gateways, endpoints, groups, links, zones...)" % resources(data["facts"])]
    verification = data.get("verification")
    if verification:
        counts = verification["counts"]
        line = "intents: %d of %d passed" % (counts.get("pass", 0), sum(counts.values()))
        if counts.get("violated"):
            line += ", %d violated" % counts["violated"]
        if counts.get("unverifiable"):  # named only when there are some: they prove nothing
            line += ", %d unverifiable" % counts["unverifiable"]
        lines.append(line)
    else:
        lines.append("intents: not verified in this run")
    lines.append("estimated monthly cost: %s (%s, prices of %s)" % (
        money(estimate["total"], estimate["currency"]), estimate["label"], estimate["taken"]))
    return lines


def _verification(verification):
    if not verification:
        return "<p class=\"muted\">No verification in this run (verify.yml or site.yml proves the intents).</p>"
    counts = verification["counts"]
    rows = []
    for r in verification["results"]:
        blocked = r.get("blocked_by") or {}
        component = ""
        if blocked:
            component = "%s %s (%s %s) [%s]: %s" % (blocked.get("kind"), blocked.get("id"), blocked.get("env") or "",
                                                    blocked.get("key") or "", blocked.get("direction") or "",
                                                    blocked.get("reason") or "")
        if r["status"] == "unverifiable":
            component = r.get("message", "").split(": unverifiable: ", 1)[-1]
        flow = "%s/%s" % (r.get("protocol") or "tcp", r.get("port") if r.get("port") is not None else "any")
        rows.append([r["name"], "%s %s" % (r.get("expect") or "", flow), status_cell(r["status"]),
                     r.get("outcome") or "-", component])
    head = "<p>%d intents: %d passed, %d violated, %d unverifiable (an unverifiable intent proves nothing).%s</p>" % (
        sum(counts.values()), counts.get("pass", 0), counts.get("violated", 0), counts.get("unverifiable", 0),
        _carried(verification))
    return head + table(["intent", "expected", "result", "outcome", "blocking component / reason"], rows)


def _carried(section):
    return " <span class=\"muted\">(from %s)</span>" % esc(section["from"]) if section.get("from") else ""


def _dns(dns):
    if not dns or not dns.get("references"):
        return "<p class=\"muted\">No DNS in this run (dns.yml or site.yml converges it).</p>"
    refs = sorted(dns["references"], key=lambda r: r.get("label") or r.get("environment") or "")
    out = ["<p>DNS reference by environment (the VPC resolver is the VPC base + 2).%s</p>" % _carried(dns),
           table(["Environment", "VPC DNS"], [[r.get("label") or r.get("environment"), r.get("resolver") or "-"]
                                              for r in refs])]
    rows = [[r.get("environment"), r.get("vpc_id") or "-", r.get("vpc_cidr") or "-", r.get("private_zone_name") or "-",
             r.get("private_zone_id") or "(new)", r.get("public_zone_name") or "-", r.get("public_zone_id") or "(new)",
             " ".join(r.get("name_servers") or [])] for r in refs]
    out.append(table(["environment", "VPC", "CIDR", "private zone", "id", "public zone", "id", "name servers"], rows))
    if dns.get("delegations"):
        out.append(table(["delegated zone", "in parent zone", "environment"],
                         [[d["zone"], d["parent"], d["env"]] for d in dns["delegations"]]))
    return "\n".join(out)


def _changes(changes, check):
    if not changes:
        return "<p class=\"muted\">No refarch.network module ran in this run.</p>"
    verb = "would change (check mode)" if check else "changed"
    acted = [c for c in changes if c["actions"] or c["status"] != "ok"]
    idle = {}
    for c in changes:
        if c not in acted:
            idle[c["module"]] = idle.get(c["module"], 0) + 1
    rows = []
    for c in sorted(acted, key=lambda c: (c["env"], c["module"])):
        shown = c["actions"][:12]
        more = " ... and %d more" % (len(c["actions"]) - len(shown)) if len(c["actions"]) > len(shown) else ""
        rows.append([c["env"], c["module"], status_cell(c["status"]), num(len(c["actions"])),
                     Raw("<td>%s%s</td>" % ("<br>".join(esc(a) for a in shown), esc(more)))])
    changed = sum(1 for c in changes if c["status"] == "changed")
    out = "<p>%d of %d module runs %s something.</p>" % (changed, len(changes), verb)
    if rows:
        out += table(["environment", "module", "status", "actions", "actions (first 12)"], rows)
    if idle:
        out += "<p class=\"muted\">Nothing to do: %s.</p>" % esc(", ".join(
            "%s (%d)" % (m, n) for m, n in sorted(idle.items())))
    return out


def _cost(estimate, after=None, delta=None):
    cur = estimate["currency"]
    rows, classes = [], {}
    for line in sorted(estimate["lines"], key=lambda x: (x["env"], x["item"], x["resource"])):
        rows.append([line["env"], line["item"], line["resource"], num("%g %s" % (line["quantity"], line["unit"])),
                     num("-" if line["unit_price"] is None else line["unit_price"]), num(money(line["monthly"], cur)),
                     line.get("note") or ""])
    for env in sorted(estimate["by_env"]):
        classes[len(rows)] = "total"
        rows.append([env, "total", "", num(""), num(""), num(money(estimate["by_env"][env], cur)), ""])
    classes[len(rows)] = "total"
    rows.append(["all environments", "total", "", num(""), num(""), num(money(estimate["total"], cur)), ""])
    out = ["<p><strong>%s per month</strong>: %s. Prices of %s (regions priced: %s; sources in docs/report.md). "
           "Assumed: %s.</p>" % (money(estimate["total"], cur), esc(estimate["label"]), esc(estimate["taken"]),
                                 esc(", ".join(estimate["regions"])), esc("; ".join(estimate["assumptions"])))]
    if estimate["unpriced"]:
        out.append("<p class=\"violated\">Not priced (missing from the price table): %s</p>" % esc(
            ", ".join("%s %s" % (u["item"], u["resource"]) for u in estimate["unpriced"])))
    if after is not None:
        out.append("<p>This was a check run: the planned changes move the estimate from <strong>%s</strong> to "
                   "<strong>%s</strong> per month (%s).</p>" % (
                       money(estimate["total"], cur), money(after["total"], cur),
                       ("+" if after["total"] >= estimate["total"] else "") + money(round(after["total"] - estimate["total"], 2), cur)))
        envs = sorted(set(estimate["by_env"]) | set(after["by_env"]))
        out.append(table(["environment", "before", "after"], [
            [e, num(money(estimate["by_env"].get(e, 0.0), cur)), num(money(after["by_env"].get(e, 0.0), cur))]
            for e in envs] + [["all environments", num(money(estimate["total"], cur)), num(money(after["total"], cur))]],
            classes={len(envs): "total"}))
        if delta:
            out.append(table(["environment", "planned change", "item", "monthly"], [
                [d["env"], d["resource"], d["item"], num(money(d["monthly"], cur))] for d in delta]))
    out.append(table(["environment", "item", "resource", "quantity", "unit price", "monthly", "note"], rows, classes))
    return "\n".join(out)


def render(data, prices, path=None):
    """(html, estimate, overview lines) of the report data."""
    facts = data["facts"]
    estimate = costs.estimate(facts, prices, data.get("public_zones"))
    after = delta = None
    if data["run"].get("check"):
        actions = {}
        for change in data.get("changes") or []:
            actions.setdefault(change["env"], []).extend(change["actions"])
        delta = costs.planned(actions, facts, prices)
        after = costs.after(estimate, delta, prices)
    run = data["run"]
    lines = overview(data, estimate)
    if after is not None:
        lines.append("after the planned changes: %s per month" % money(after["total"], estimate["currency"]))
    svg = topology_svg.render(facts)
    html = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>refarch.network run report</title>", "<style>%s</style></head><body>" % STYLE,
        "<h1>refarch.network run report</h1>",
        '<p class="meta">%s%s, started %s, finished %s%s</p>' % (
            esc(", ".join(run.get("playbooks") or [])), " (check mode: nothing was changed)" if run.get("check") else "",
            esc(run.get("started")), esc(run.get("finished")),
            "; failed hosts: %s" % esc(", ".join(run["failed_hosts"])) if run.get("failed_hosts") else ""),
        '<ul class="overview">%s</ul>' % "".join("<li>%s</li>" % esc(line) for line in lines),
        "<h2>Topology</h2>", '<div class="figure">%s</div>' % svg,
        "<h2>Verification</h2>", _verification(data.get("verification")),
        "<h2>DNS</h2>", _dns(data.get("dns")),
        "<h2>What the run changed</h2>", _changes(data.get("changes"), run.get("check")),
        "<h2>Monthly cost estimate</h2>", _cost(estimate, after, delta),
        "</body></html>",
    ]
    return "\n".join(html) + "\n", estimate, lines + (["report: %s" % path] if path else [])
