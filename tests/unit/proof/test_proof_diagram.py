"""The diagram names every VPC, subnet CIDR and link of the facts, and is written idempotently."""

import os

import proof_handmade as h
from ansible_collections.refarch.network.plugins.module_utils import diagram


def demo_with_everything():
    envs = h.demo()
    envs["production"]["endpoints"]["vpce-s3"] = {
        "id": "vpce-s3", "key": "vpce/s3", "service": "com.amazonaws.us-east-1.s3", "type": "gateway",
        "state": "available", "subnets": [], "route_tables": [], "security_groups": [], "prefix_list": "pl-1",
        "private_dns": False, "tags": {}}
    for env in ("development", "production"):
        envs[env]["transit_gateway_attachments"]["tgw-attach-" + env] = {
            "id": "tgw-attach-" + env, "key": None, "tgw": "tgw-hub", "vpc": envs[env]["vpc"]["id"],
            "subnets": [], "state": "available", "account": "1"}
    return envs


def test_mermaid_names_every_vpc_subnet_and_link():
    envs = demo_with_everything()
    text = diagram.mermaid(envs)
    assert text.startswith("flowchart LR\n")
    for env, facts in envs.items():
        assert facts["vpc"]["id"] in text and facts["vpc"]["cidr"] in text and env in text
        for subnet in facts["subnets"].values():
            assert subnet["cidr"] in text
        assert facts["internet_gateway"]["id"] in text
        for nat in facts["nat_gateways"].values():
            assert "NAT %s" % nat["key"] in text
    assert 'vpc_management <-->|"peering pcx-management-production (active)"| vpc_production' in text
    assert 'vpc_management <-->|"peering pcx-management-development (active)"| vpc_development' in text
    assert "tgw_hub <--> vpc_development" in text and "tgw_hub <--> vpc_production" in text
    assert "s3 endpoint" in text and "VPN server i-management-vpn" in text
    # each peering drawn once although both sides report it
    assert text.count("pcx-management-production") == 1


def test_markdown_and_dot():
    envs = demo_with_everything()
    md = diagram.markdown(envs, "Demo")
    assert md.startswith("# Demo\n\n```mermaid\nflowchart LR\n")
    assert "| production | vpc-production | 10.130.0.0/16 | 6 | 2 | 1 | - |" in md
    assert "- peering pcx-management-production: management <-> production" in md
    assert "- transit-gateway tgw-hub: development <-> production" in md
    dot = diagram.dot(envs)
    assert dot.startswith("digraph network {") and dot.rstrip().endswith("}")
    for facts in envs.values():
        for subnet in facts["subnets"].values():
            assert subnet["cidr"] in dot
    assert dot.count("{") == dot.count("}")


def test_peer_outside_the_run_is_drawn_by_vpc_id():
    envs = {"production": h.environment("production", 130)}
    other = h.environment("shared", 140)
    h.peer(other, envs["production"])
    text = diagram.mermaid(envs)
    assert 'ext_vpc_shared["VPC vpc-shared"]' in text
    assert "ext_vpc_shared <-->" in text


def test_module_writes_once(module, tmp_path):
    dest = str(tmp_path / "diagram")
    args = {"facts": list(h.demo().values()), "dest": dest, "svg": "never"}
    first = module("network_diagram", args)
    assert not first.failed, first
    assert first["changed"] and sorted(os.listdir(dest)) == ["network.md", "network.mmd"]
    with open(os.path.join(dest, "network.mmd")) as f:
        assert f.read() == diagram.mermaid(h.demo())
    again = module("network_diagram", args)
    assert again["changed"] is False and again["actions"] == []
    check = module("network_diagram", dict(args, dest=str(tmp_path / "other")), check_mode=True)
    assert check["changed"] and not os.path.exists(str(tmp_path / "other"))


def test_svg_is_rendered_after_its_dot_file_and_only_when_that_changed(module, tmp_path, monkeypatch):
    """A stand-in for Graphviz on PATH (none is installed here) that records its calls; one that fails is named."""
    tools, calls = tmp_path / "bin", tmp_path / "calls"
    tools.mkdir()
    (tools / "dot").write_text('#!/bin/sh\necho "$@" >> %s\n[ -n "$DOT_FAILS" ] && { echo broken >&2; exit 3; }\n'
                               'echo "<svg/>" > "$3"\n' % calls)
    (tools / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (tools, os.environ["PATH"]))
    dest = str(tmp_path / "diagram")
    args = {"facts": list(h.demo().values()), "dest": dest, "svg": "always"}
    first = module("network_diagram", args)
    assert first["actions"][-2:] == ["write %s/network.mmd" % dest, "render %s/network.svg" % dest], first["actions"]
    assert first["svg"] == dest + "/network.svg" and os.path.exists(first["svg"])
    assert first["files"] == [dest + "/network.mmd", dest + "/network.md", dest + "/network.dot", dest + "/network.svg"]
    assert module("network_diagram", args)["actions"] == [] and calls.read_text().count("-Tsvg") == 1
    os.remove(first["svg"])
    monkeypatch.setenv("DOT_FAILS", "1")
    failed = module("network_diagram", args)
    assert failed.failed and failed["failed_action"] == "render %s/network.svg" % dest
    assert "dot could not render" in failed["msg"] and "broken" in failed["msg"]
