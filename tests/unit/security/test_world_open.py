"""The world-open guard on address sets (issue 18): addresses.world_open, security_groups' rules
of one group taken together, and vpn_instance's console and SSH networks."""

import pytest

from ansible_collections.refarch.network.plugins.module_utils import vpn
from ansible_collections.refarch.network.plugins.module_utils.addresses import (
    WORLD_SHARE, public_share, public_space, world_open)
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import plan_groups

HALVES = ["0.0.0.0/1", "128.0.0.0/1"]
QUARTERS = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]
HALVES6 = ["::/1", "8000::/1"]
# sixteen public /8s are 1/16 of the public IPv4 space and a little more
PUBLIC_8S = ["%d.0.0.0/8" % n for n in range(1, 17) if n != 10] + ["17.0.0.0/8"]


def error(fn, *args):
    with pytest.raises(InputError) as err:
        fn(*args)
    return err.value


# --- addresses ------------------------------------------------------------------------------

@pytest.mark.parametrize("cidrs", [["0.0.0.0/0"], ["::/0"], HALVES, QUARTERS, HALVES6, ["2000::/3"],
                                   ["0.0.0.0/1"], ["::/1"], QUARTERS[:1], PUBLIC_8S, ["16.0.0.0/4"],
                                   ["10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32"]])
def test_world_sets(cidrs):
    assert world_open(cidrs)


@pytest.mark.parametrize("cidrs", [[], ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"],
                                   ["3.0.0.0/8", "52.0.0.0/8", "54.0.0.0/8"], PUBLIC_8S[:15], ["16.0.0.0/5"],
                                   ["203.0.113.0/24", "198.51.100.7/32"], ["fd00::/8", "fe80::/10"],
                                   ["2001:db8::/32", "2600::/12"], ["4000::/2", "c000::/2"]])
def test_sets_below_the_threshold(cidrs):
    assert world_open(cidrs) is None


def test_the_threshold_is_a_sixteenth_of_public_space_per_family():
    covered, total = public_share(PUBLIC_8S[:16], 4)
    assert covered * WORLD_SHARE >= total > (covered - 2 ** 24) * WORLD_SHARE
    assert public_share(["::/0"], 6) == public_share(["2000::/3"], 6) == (2 ** 125, 2 ** 125)
    # IPv4 and IPv6 are judged apart: half of each is not world-open
    assert world_open(["16.0.0.0/5", "2000::/8"]) is None
    assert public_space(6)[0].prefixlen == 3


def test_the_reason_says_how_much():
    assert world_open(["0.0.0.0/0"]) == "all of the public IPv4 space"
    assert world_open(["::/1"]) == "all of the public IPv6 space"
    assert world_open(["0.0.0.0/1"]).endswith("% of the public IPv4 space")


# --- security_groups ------------------------------------------------------------------------

def ingress(*rules):
    return [{"name": "web", "ingress": [{"ports": 443, "cidr": "0.0.0.0/0"}] + list(rules)}]


@pytest.mark.parametrize("rule,port", [
    ({"ports": 22, "cidr": HALVES}, "port 22/tcp (ssh)"),
    ({"ports": 3389, "cidr_ipv6": HALVES6}, "port 3389/tcp (rdp)"),
    ({"ports": "5000-6000", "cidr": QUARTERS[2:]}, "port 5432/tcp (postgresql)"),
    ({"proto": "all", "cidr": ["0.0.0.0/1"]}, "port 22/tcp (ssh)"),
    ({"proto": "udp", "ports": 2049, "cidr_ipv6": "2000::/4"}, "port 2049/udp (nfs)"),
])
def test_one_rule_with_a_world_set_is_named(rule, port):
    err = error(plan_groups, ingress(rule), "o")
    assert err.field == "groups[0](web).ingress[1]"
    assert "group web ingress rule 1 opens %s" % port in err.reason and "allow_world" in err.reason


def test_rules_of_a_group_are_judged_together():
    err = error(plan_groups, ingress({"ports": 22, "cidr": "16.0.0.0/5"}, {"ports": "20-30", "cidr": "24.0.0.0/5"}), "o")
    assert err.field == "groups[0](web).ingress"
    assert "rules 1, 2 together open port 22/tcp (ssh) to 16.0.0.0/5, 24.0.0.0/5" in err.reason
    many = [{"ports": 3389, "cidr": cidr} for cidr in PUBLIC_8S]
    assert "together open port 3389/tcp" in error(plan_groups, ingress(*many), "o").reason


def test_mixed_rules_below_the_threshold_or_allowed_pass():
    planned = plan_groups(ingress(
        {"ports": 22, "cidr": PUBLIC_8S[:8]}, {"ports": 22, "cidr": PUBLIC_8S[8:15], "cidr_ipv6": "2001:db8::/32"},
        {"ports": 22, "cidr": "16.0.0.0/4", "allow_world": True},   # allowed: not counted with the others
        {"ports": 443, "cidr": HALVES, "cidr_ipv6": HALVES6},        # not a sensitive port
        {"proto": "udp", "ports": 22, "cidr": "16.0.0.0/5"}), "o")   # udp/22 is judged apart from tcp/22
    assert len(planned[0]["ingress"]) == 1 + 8 + 7 + 1 + 1 + 4 + 1
    # the same sets are fine in other groups and in egress
    plan_groups([{"name": "a", "ingress": [{"ports": 22, "cidr": "16.0.0.0/5"}]},
                 {"name": "b", "ingress": [{"ports": 22, "cidr": "24.0.0.0/5"}],
                  "egress": [{"ports": 22, "cidr": HALVES}]}], "o")


def test_tcp_and_udp_halves_do_not_add_up_but_all_traffic_does():
    plan_groups(ingress({"ports": 22, "cidr": "16.0.0.0/5"}, {"proto": "udp", "ports": 22, "cidr": "24.0.0.0/5"}), "o")
    err = error(plan_groups, ingress({"ports": 22, "cidr": "16.0.0.0/5"}, {"proto": "all", "cidr": "24.0.0.0/5"}), "o")
    assert err.field == "groups[0](web).ingress" and "port 22/tcp" in err.reason


# --- vpn_instance ---------------------------------------------------------------------------

def vpn_params(**extra):
    """The module's defaults (whatever options validate() reads), with ``extra`` laid over."""
    base = dict((name, spec.get("default")) for name, spec in vpn.ARGUMENT_SPEC.items())
    base.update(owner="mgmt", **extra)
    return base


@pytest.mark.parametrize("field", ["admin_cidrs", "ssh_cidrs"])
@pytest.mark.parametrize("cidrs,named", [
    (HALVES, "[0]"), (["203.0.113.0/24"] + QUARTERS, "[1]"), (["16.0.0.0/5", "24.0.0.0/5"], ""), (PUBLIC_8S, "")])
def test_vpn_console_and_ssh_from_world_sets_need_the_flag(field, cidrs, named):
    err = error(vpn.validate, vpn_params(**{field: cidrs}))
    assert err.field == field + named and "whole internet" in err.reason and "allow_world_console" in err.reason
    assert vpn.validate(vpn_params(allow_world_console=True, **{field: cidrs}))[field] == cidrs


def test_vpn_networks_below_the_threshold_pass():
    desired = vpn.validate(vpn_params(admin_cidrs=PUBLIC_8S[:15], ssh_cidrs=["10.0.0.0/8", "198.51.100.0/24"]))
    assert desired["admin_cidrs"] == PUBLIC_8S[:15]
