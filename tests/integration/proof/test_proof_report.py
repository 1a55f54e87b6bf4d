"""The run report (build/report.html) of a real verify.yml run over the demo estate, opened in
headless Chromium; and the cost of a planned single -> per-AZ NAT change, from vpc_tiers' own
check-mode actions.

Cost: one verify.yml run (~15 s), one Chromium screenshot (~3 s), two vpc_tiers calls (~3 s).
"""

import os
import re
import subprocess
import xml.etree.ElementTree as ET

import boto3
import browser
import proof_topology as topo
import yaml

from ansible_collections.refarch.network.plugins.module_utils import cost
from ansible_collections.refarch.network.plugins.module_utils.network_facts import build_facts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
INVENTORIES = ["-i", "inventories/management", "-i", "inventories/development", "-i", "inventories/production"]
NS = "{http://www.w3.org/2000/svg}"
VPC_FILL = bytes.fromhex("f4f8fc")  # topology_svg's VPC box colour: present only when the SVG was drawn


def verify_with_report(report):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               REFARCH_REPORT=report)
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook")] + INVENTORIES + [
        "playbooks/verify.yml", "-e", "refarch_role_arn="]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def svg_of(html):
    match = re.search(r"<svg .*?</svg>", html, re.S)
    assert match, "no inline SVG in the report"
    return ET.fromstring(match.group(0))


def classed(root, cls):
    return [g for g in root.iter(NS + "g") if g.get("class") == cls]


def test_report_of_a_verify_run_draws_everything_and_opens_cleanly_in_chromium(aws, tmp_path):
    envs = {"management": topo.build_env("management", "10.120.0.0/16", vpn=True),
            "development": topo.build_env("development", "10.110.0.0/16"),
            "production": topo.build_env("production", "10.130.0.0/16")}
    for name in ("production", "development"):
        topo.serve_vpn(envs["management"], envs[name], topo.peer(envs["management"], envs[name]))
    ec2 = topo.client()
    flow = ec2.create_flow_logs(ResourceIds=[envs["production"]["vpc"]], ResourceType="VPC", TrafficType="ALL",
                                LogGroupName="/refarch/production", DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/fl")
    report = str(tmp_path / "report.html")

    rc, out = verify_with_report(report)
    assert rc == 0, out
    assert "refarch.network run report" in out and "report: %s" % report in out
    with open(report) as f:
        html = f.read()

    # the SVG, structurally: every VPC, subnet CIDR and peering of the estate
    root = svg_of(html)
    boxes = dict((g.get("data-vpc"), g) for g in classed(root, "vpc"))
    assert sorted(boxes) == sorted(e["vpc"] for e in envs.values())
    for env in envs.values():
        drawn = sorted(g.get("data-cidr") for g in classed(boxes[env["vpc"]], "subnet"))
        real = sorted(s["CidrBlock"] for s in ec2.describe_subnets(SubnetIds=list(env["subnets"].values()))["Subnets"])
        assert drawn == real
    peerings = sorted(p["VpcPeeringConnectionId"] for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"])
    assert sorted(g.get("data-id") for g in classed(root, "link") if g.get("data-kind") == "peering") == peerings

    # the cost table lists every NAT gateway, endpoint and the VPN instance, with a total
    table = html[html.index("Monthly cost estimate"):]
    nats = [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]]
    endpoints = [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]]
    assert nats and endpoints
    for resource in nats + endpoints + [envs["management"]["vpn"], flow["FlowLogIds"][0]]:
        assert "<td>%s" % resource in table, resource
    assert table.count("<td>flow log</td>") == 1
    assert re.search(r'<tr class="total"><td>all environments</td><td>total</td>.*?\$[0-9,]+\.[0-9]{2}</td>', table)
    assert 'class="pass"' in html and "No DNS in this run" in html

    # a real browser: renders the page without a console error, and the drawing is not blank
    png = str(tmp_path / "report.png")
    log = browser.screenshot(report, png, width=1280, height=1000)
    assert browser.page_errors(log) == [], log
    width, height, rows = browser.png_pixels(png)
    pixels = [row[i:i + 3] for row in rows for i in range(0, len(row), 3)]
    assert len(set(pixels)) > 50
    assert sum(1 for p in pixels if p != b"\xff\xff\xff") > 0.1 * len(pixels)
    assert sum(1 for p in pixels if p == VPC_FILL) > 0.05 * len(pixels)


def test_check_run_prices_single_to_per_az_nat(module, aws):
    with open(os.path.join(ROOT, "data", "prices.yml")) as f:
        prices = yaml.safe_load(f)
    args = dict(owner="production", cidr="10.130.0.0/16", azs=["us-east-1a", "us-east-1b", "us-east-1c"],
                tiers=[{"name": "public", "route": "internet", "prefix": 20},
                       {"name": "private", "route": "nat", "prefix": 19}], nat_mode="single", purge=True,
                region="us-east-1")
    assert not module("vpc_tiers", args).failed
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": ["production"]}])["Vpcs"][0]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    facts = {"production": build_facts("production", "us-east-1", vpc,
                                       subnets=ec2.describe_subnets(Filters=in_vpc)["Subnets"],
                                       nat_gateways=ec2.describe_nat_gateways(Filter=in_vpc)["NatGateways"])}
    before = cost.estimate(facts, prices)
    assert len([line for line in before["lines"] if line["item"] == "NAT gateway"]) == 1

    planned = module("vpc_tiers", dict(args, nat_mode="per_az"), check_mode=True)
    delta = cost.planned({"production": planned["actions"]}, facts, prices)
    # three NAT gateways (one per zone) with their addresses come, the single one and its address go
    nat_lines = sorted(d["monthly"] for d in delta if d["item"] == "NAT gateway")
    assert nat_lines == [-32.85, 32.85, 32.85, 32.85], planned["actions"]
    assert sorted(d["monthly"] for d in delta if d["item"] == "public IPv4 address") == [-3.65, 3.65, 3.65, 3.65]
    assert cost.after(before, delta, prices)["total"] == round(before["total"] + 2 * (32.85 + 3.65), 2)
