"""A filter refuses bad inventory data with an AnsibleFilterError that names the field, as a module
does with its InputError (plugin_utils/filter_input)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.network.plugins.filter.network_plan import network_plan
from ansible_collections.refarch.network.plugins.filter.peering_pairs import peering_pairs
from ansible_collections.refarch.network.plugins.filter.shift_second_octet import shift_octet
from ansible_collections.refarch.network.plugins.filter.transit_plan import transit_plan
from ansible_collections.refarch.network.plugins.filter.vpn_served import vpn_served

SELF_PEERING = {"production": dict(peers=["production"], vpc_cidr="10.130.0.0/16", aws_region="us-east-1")}


@pytest.mark.parametrize("call, message", [
    (lambda: network_plan({"cidr": "10.0.0.0/16", "azs": ["us-east-1a"], "tiers": "private"}), "Invalid input: tiers: "),
    (lambda: shift_octet("not-a-cidr", 1), "Invalid input: "),
    (lambda: peering_pairs(SELF_PEERING, "production", ["production"]), "Invalid peering data: production.peers: "),
    (lambda: peering_pairs(SELF_PEERING, ["production"], ["production"]), "Invalid peering data: production.peers: "),
    (lambda: transit_plan(SELF_PEERING, ["production"]), "Invalid peering data: production.peers: "),
    (lambda: vpn_served({"management": dict(vpn_enabled=True, peers=["production"], pritunl_vpn_serves="production")},
                        "management"), "Invalid VPN data of management: pritunl_vpn_serves: expected a list"),
])
def test_bad_input_is_refused_naming_the_field(call, message):
    with pytest.raises(AnsibleFilterError) as err:
        call()
    assert str(err.value.message).startswith(message), err.value.message


def test_good_input_passes_through():
    from ansible_collections.refarch.network.plugins.module_utils.peering_plan import inventory_environments, plan_transit
    linked = {"management": dict(peers=["production"], vpc_cidr="10.120.0.0/16", aws_region="us-east-1"),
              "production": dict(peers=["management"], vpc_cidr="10.130.0.0/16", aws_region="us-east-1")}
    both = list(linked)
    assert [p["key"] for p in peering_pairs(linked, "management", both)["pairs"]] == ["pcx/management--production"]
    assert peering_pairs(linked, both, both)["pairs"] == peering_pairs(linked, "management", both)["pairs"]
    assert transit_plan(linked, both) == plan_transit(inventory_environments(linked, both))
    assert shift_octet("10.1.0.0/16", "2") == "10.3.0.0/16"
    assert network_plan({"cidr": "10.0.0.0/16", "azs": ["us-east-1a"], "tiers": [
        {"name": "private", "route": "none", "prefix": 20}]})["subnets"]


def test_a_link_that_cannot_be_made_is_a_warning(monkeypatch):
    from ansible_collections.refarch.network.plugins.filter import peering_pairs as plugin
    warned = []
    monkeypatch.setattr(plugin.display, "warning", warned.append)
    one_sided = {"management": dict(peers=[], vpc_cidr="10.120.0.0/16", aws_region="us-east-1"),
                 "production": dict(peers=["management"], vpc_cidr="10.130.0.0/16", aws_region="us-east-1")}
    both = list(one_sided)
    assert peering_pairs(one_sided, "production", both) == dict(pairs=[], skipped=[
        "management <-> production: production lists management but management does not list production in peers"])
    assert warned == ["Link not converged in this run: management <-> production: production lists management "
                      "but management does not list production in peers"]
    one_sided["management"]["peers"] = ["production"]
    assert peering_pairs(one_sided, both, both)["skipped"] == [] and len(warned) == 1
