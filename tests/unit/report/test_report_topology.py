"""The report's SVG topology, checked structurally by parsing it: every VPC, subnet CIDR and link
appears, NAT gateways and the VPN sit in their subnet, endpoints are grouped, any size stays readable."""

import xml.etree.ElementTree as ET

import report_facts as rf
from ansible_collections.refarch.network.plugins.module_utils import topology_svg

NS = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(svg)


def groups(root, cls):
    return [g for g in root.iter(NS + "g") if g.get("class") == cls]


def texts(element):
    return [t.text for t in element.iter(NS + "text")]


def with_transit_gateway(envs):
    for env in ("development", "production"):
        facts = envs[env]
        facts["transit_gateway_attachments"]["tgw-attach-" + env] = {
            "id": "tgw-attach-" + env, "key": None, "tgw": "tgw-hub", "vpc": facts["vpc"]["id"], "subnets": [],
            "state": "available", "account": "1"}
        other = "10.130.0.0/16" if env == "development" else "10.110.0.0/16"
        for table in rf.h.tables_of(facts, "private"):
            table["routes"].append(rf.h.route(other, "transit-gateway", "tgw-hub"))
    return envs


def test_every_vpc_subnet_cidr_and_peering_appears():
    envs = rf.demo()
    root = parse(topology_svg.render(envs))
    vpcs = dict((g.get("data-env"), g) for g in groups(root, "vpc"))
    assert sorted(vpcs) == sorted(envs)
    for env, facts in envs.items():
        box = vpcs[env]
        assert box.get("data-vpc") == facts["vpc"]["id"]
        shown = texts(box)
        assert any(facts["vpc"]["id"] in t and facts["vpc"]["cidr"] in t for t in shown)
        cidrs = sorted(g.get("data-cidr") for g in groups(box, "subnet"))
        assert cidrs == sorted(s["cidr"] for s in facts["subnets"].values())
        assert all(c in shown for c in cidrs)
        assert [g.get("data-id") for g in groups(box, "igw")] == [facts["internet_gateway"]["id"]]
    links = dict((g.get("data-id"), g) for g in groups(root, "link"))
    assert sorted(links) == ["pcx-management-development", "pcx-management-production"]
    pcx = links["pcx-management-production"]
    assert pcx.get("data-kind") == "peering" and sorted(pcx.get("data-ends").split()) == ["management", "production"]
    label = " ".join(texts(pcx))
    assert "peering pcx-management-production (active)" in label
    assert "carries 10.120.0.0/16, 10.130.0.0/16" in label and "management private" in label


def test_nat_gateways_and_the_vpn_are_drawn_in_their_subnet():
    envs = rf.demo()
    root = parse(topology_svg.render(envs))
    for env, facts in envs.items():
        box = [g for g in groups(root, "vpc") if g.get("data-env") == env][0]
        for nat in facts["nat_gateways"].values():
            subnet = [g for g in groups(box, "subnet") if g.get("data-id") == nat["subnet"]][0]
            badge = groups(subnet, "nat")
            assert len(badge) == 1 and "NAT %s" % nat["id"] in texts(badge[0])
            assert "EIP %s" % nat["public_ip"] in texts(badge[0])
    mgmt = [g for g in groups(root, "vpc") if g.get("data-env") == "management"][0]
    vpn_subnet = [g for g in groups(mgmt, "subnet") if g.get("data-id") == envs["management"]["vpn"]["subnet"]][0]
    assert "VPN i-management-vpn" in texts(groups(vpn_subnet, "vpn")[0])


def test_transit_gateway_is_one_link_to_every_attached_vpc_labelled_with_what_it_carries():
    root = parse(topology_svg.render(with_transit_gateway(rf.demo())))
    tgw = [g for g in groups(root, "link") if g.get("data-kind") == "transit-gateway"]
    assert len(tgw) == 1 and tgw[0].get("data-id") == "tgw-hub"
    assert sorted(tgw[0].get("data-ends").split()) == ["development", "production"]
    assert "carries 10.110.0.0/16, 10.130.0.0/16" in texts(tgw[0])


def test_single_vpc_endpoints_are_grouped_and_the_drawing_stays_small():
    facts = {"single-vpc-production": rf.single_vpc()}
    svg = topology_svg.render(facts)
    root = parse(svg)
    panel = groups(root, "endpoints")
    assert len(panel) == 1 and panel[0].get("data-count") == "13"
    chips = groups(panel[0], "endpoint")
    assert len(chips) == 13
    rows = set(int(c.find(NS + "rect").get("y")) for c in chips)
    columns = set(int(c.find(NS + "rect").get("x")) for c in chips)
    assert len(rows) <= 4 and len(columns) >= 4  # a grid, not one tall column
    assert "VPC endpoints: 13 (12 interface, in 1 subnet)" in texts(panel[0])
    assert "ecr.api" in texts(panel[0]) and "elasticloadbalancing" in texts(panel[0])
    width, height = int(root.get("width")), int(root.get("height"))
    assert width <= 1200 and height <= 900, (width, height)
    cidrs = [g.get("data-cidr") for g in groups(root, "subnet")]
    assert sorted(cidrs) == sorted(s["cidr"] for s in facts["single-vpc-production"]["subnets"].values())


def test_many_environments_stay_one_row_of_boxes_with_one_band_of_links():
    envs = dict(("env%02d" % i, rf.h.environment("env%02d" % i, 100 + i)) for i in range(10))
    for i in range(1, 10):
        rf.h.peer(envs["env00"], envs["env%02d" % i])
    root = parse(topology_svg.render(envs))
    boxes = groups(root, "vpc")
    assert len(boxes) == 10 and len(groups(root, "link")) == 9
    tops = set(int(b.find(NS + "rect").get("y")) for b in boxes)
    assert len(tops) == 1
    assert int(root.get("height")) < 1400


def test_a_peer_outside_the_run_is_a_dashed_box_and_text_is_escaped():
    envs = {"a<&>": rf.h.environment("production", 130)}
    envs["a<&>"]["environment"] = "a<&>"
    envs["a<&>"]["peerings"]["pcx-x"] = {
        "id": "pcx-x", "key": None, "status": "pending-acceptance", "tags": {},
        "requester": {"vpc": envs["a<&>"]["vpc"]["id"], "cidrs": [], "account": "1", "region": "us-east-1"},
        "accepter": {"vpc": "vpc-foreign", "cidrs": [], "account": "2", "region": "us-east-1"}}
    svg = topology_svg.render(envs)
    root = parse(svg)
    assert [g.get("data-vpc") for g in groups(root, "external-vpc")] == ["vpc-foreign"]
    assert "a&lt;&amp;&gt;" in svg and [g.get("data-env") for g in groups(root, "vpc")] == ["a<&>"]


def test_deterministic_and_empty():
    envs = rf.demo()
    assert topology_svg.render(envs) == topology_svg.render(rf.demo())
    root = parse(topology_svg.render({"x": {"environment": "x", "vpc": None}}))
    assert groups(root, "vpc") == [] and "No VPC found" in " ".join(texts(root))
