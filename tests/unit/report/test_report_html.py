"""The run report as one self-contained HTML file: topology, verification (unverifiable shown as
such), the DNS reference of seed 000, what changed, the cost before and after a check run."""

import os
import re
from html.parser import HTMLParser

import pytest
import yaml

import report_facts as rf
from ansible_collections.refarch.network.plugins.module_utils import report

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


@pytest.fixture(scope="module")
def prices():
    with open(os.path.join(ROOT, "data", "prices.yml")) as f:
        return yaml.safe_load(f)


def data(check=False):
    envs = rf.demo()
    return {
        "run": {"playbooks": ["site.yml"], "started": "t0", "finished": "t1", "check": check, "failed_hosts": []},
        "facts": envs,
        "verification": {"counts": {"pass": 1, "violated": 1, "unverifiable": 1}, "results": [
            {"name": "dev cannot reach prod", "expect": "deny", "protocol": "all", "port": None, "status": "pass",
             "outcome": "deny", "blocked_by": {"kind": "route-table", "id": "rtb-1", "env": "development",
                                               "key": "rtb/private", "direction": "forward", "reason": "no route"}},
            {"name": "lb reaches app", "expect": "allow", "protocol": "tcp", "port": 8080, "status": "violated",
             "outcome": "deny", "blocked_by": {"kind": "security-group", "id": "sg-9", "env": "production",
                                               "key": "sg/app", "direction": "ingress", "reason": "no rule"}},
            {"name": "eks reaches aurora", "expect": "allow", "protocol": "tcp", "port": 5432, "status": "unverifiable",
             "outcome": None, "blocked_by": None, "message": "eks reaches aurora: unverifiable: no group named eks"}]},
        "dns": {"references": [
            {"environment": e, "label": label, "resolver": "10.%d.0.2" % o, "vpc_id": "vpc-" + e, "vpc_cidr": "10.%d.0.0/16" % o,
             "private_zone_name": e + ".internal.", "private_zone_id": "ZP" + label, "public_zone_name": None,
             "public_zone_id": None, "name_servers": []}
            for e, label, o in (("development", "DEV", 110), ("management", "MGT", 120), ("production", "PRD", 130))],
            "delegations": [{"zone": "prd.example.com.", "parent": "ZROOT", "env": "production"}]},
        "changes": [{"env": "production", "module": "vpc_tiers", "status": "changed",
                     "actions": ["allocate elastic ip eip/us-east-1c", "create nat gateway nat/us-east-1c in subnet/public/us-east-1c"]},
                    {"env": "production", "module": "network_info", "status": "ok", "actions": []}],
        "public_zones": {},
    }


class Collect(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def parsed(html):
    page = Collect()
    page.feed(html)
    return page


def rows(html, first_cell):
    return [r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S) if re.match(r"<td[^>]*>%s</td>" % re.escape(first_cell), r)]


def test_self_contained_with_an_inline_svg(prices):
    html = report.render(data(), prices)[0]
    page = parsed(html)
    assert html.startswith("<!DOCTYPE html>") and "svg" in page.tags
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not [a for a in page.attrs if a[0] in ("src", "href")]
    assert not re.search(r"url\(|@import", html)


def test_verification_table_shows_blocking_component_and_unverifiable(prices):
    html, lines = report.render(data(), prices)[::2]
    [violated] = rows(html, "lb reaches app")
    assert '<td class="violated">violated</td>' in violated and "allow tcp/8080" in violated
    assert "security-group sg-9 (production sg/app) [ingress]: no rule" in violated
    [unverifiable] = rows(html, "eks reaches aurora")
    assert '<td class="unverifiable">unverifiable</td>' in unverifiable and "no group named eks" in unverifiable
    assert "intents: 1 of 3 passed, 1 violated, 1 unverifiable" in lines


def test_dns_reference_of_seed_000(prices):
    html = report.render(data(), prices)[0]
    assert re.findall(r"<tr><td>(DEV|MGT|PRD)</td><td>([0-9.]+)</td></tr>", html) == [
        ("DEV", "10.110.0.2"), ("MGT", "10.120.0.2"), ("PRD", "10.130.0.2")]
    assert rows(html, "prd.example.com.") and "ZPMGT" in html


def test_changes_per_environment_and_module(prices):
    html = report.render(data(), prices)[0]
    [row] = [r for r in rows(html, "production") if "vpc_tiers" in r]
    assert "<td>changed</td>" not in row and '<td class="changed">changed</td>' in row and "create nat gateway nat/us-east-1c" in row
    assert "Nothing to do: network_info (1)" in html


def test_cost_table_totals_and_check_run_before_after(prices):
    html, estimate, lines = report.render(data(), prices, path="build/report.html")
    assert "Monthly cost estimate" in html and "without data transfer" in html
    for env, total in estimate["by_env"].items():
        assert "$%s" % format(total, ",.2f") in " ".join(rows(html, env)[-1:])
    assert lines[-1] == "report: build/report.html"
    assert any(line.startswith("estimated monthly cost: $%s" % format(estimate["total"], ",.2f")) for line in lines)
    checked, before, lines = report.render(data(check=True), prices)
    assert "check mode" in checked
    after = round(before["total"] + 36.5, 2)
    assert "from <strong>$%s</strong> to <strong>$%s</strong>" % (format(before["total"], ",.2f"), format(after, ",.2f")) in checked
    assert "after the planned changes: $%s per month" % format(after, ",.2f") in lines


def test_sections_the_run_lacks_say_so(prices):
    bare = dict(data(), verification=None, dns=None, changes=[])
    html, lines = report.render(bare, prices)[::2]
    assert "No verification in this run" in html and "No DNS in this run" in html
    assert "intents: not verified in this run" in lines
    clean = dict(data(), verification={"results": [], "counts": {"pass": 2, "violated": 0, "unverifiable": 0}})
    assert "intents: 2 of 2 passed" in report.render(clean, prices)[2]
    carried = dict(data(), verification=dict(data()["verification"], **{"from": "site.yml, t1"}))
    assert "(from site.yml, t1)" in report.render(carried, prices)[0]
