"""The two filters that resolve an environment the VPN serves - vpn_served (its security groups,
through vpn_instance ``reach``) and vpn_served_zones (its private zone, through
vpc_zone_associations) - give it the same owner and the same account, whether its inventory is in
the run or not. Pure, plain dicts as hostvars."""

import pytest

from ansible_collections.refarch.network.plugins.filter.vpn_served import vpn_served
from ansible_collections.refarch.network.plugins.filter.vpn_served_zones import vpn_served_zones

PRD_ROLE = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
DEV_ROLE = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"


def vpn_host(**extra):
    return dict(dict(owner="management", vpn_enabled=True, peers=["development", "production"], aws_region="us-east-1",
                     aws_account_name="management", refarch_role_arn="arn:aws:iam::111111111111:role/r"), **extra)


def both(hostvars):
    """{environment: (owner, role)} as each filter gives it, for every served environment."""
    served = [s for s in vpn_served(hostvars, "management") if s["served"]]
    names = ["management"] + [s["environment"] for s in served]
    zones = vpn_served_zones(names, hostvars, "management")[1:]
    return (dict((s["environment"], (s["owner"], s["assume_role_arn"])) for s in served),
            dict((name, (z["owner"], z["assume_role_arn"])) for name, z in zip(names[1:], zones)))


def agree(hostvars):
    """The filters' answers, checked equal: a zone's empty role is vpn_served's null or empty
    (vpc_zone_associations takes both as the VPC's own account)."""
    served, zones = both(hostvars)
    assert dict((env, (owner, role or "")) for env, (owner, role) in served.items()) == zones
    return served


def test_a_served_environment_outside_the_run_named_otherwise_has_one_owner():
    # management run alone; production's owner is not its name (environment_accounts says so, as it
    # does for lock_targets and the peering of a run alone): its groups and its zone are both found
    # under that owner, so the zone recorded on the VPN's VPC is not disassociated by this run
    hostvars = {"management": vpn_host(
        environment_accounts={"production": {"aws_account_name": "prod-account", "owner": "prod"}},
        refarch_environment_roles={"development": DEV_ROLE, "production": PRD_ROLE})}
    assert agree(hostvars) == {"development": ("development", DEV_ROLE), "production": ("prod", PRD_ROLE)}
    zones = vpn_served_zones(["management", "production"], hostvars, "management")
    assert zones[1] == dict(owner="prod", assume_role_arn=PRD_ROLE)   # not in the run: found by its tags


@pytest.mark.parametrize("production, accounts, roles, expected", [
    # in the run: its own refarch_role_arn, even empty (the caller's own account)
    (dict(owner="prd", refarch_role_arn=PRD_ROLE), {}, {}, ("prd", PRD_ROLE)),
    (dict(owner="prd", refarch_role_arn=""), {}, {"production": PRD_ROLE}, ("prd", "")),
    # in the run without a role of its own: the one resolved by name, else none
    (dict(owner="prd"), {}, {"production": PRD_ROLE}, ("prd", PRD_ROLE)),
    (dict(), {}, {}, ("production", None)),
    # not in the run: the owner environment_accounts gives, the role account_context resolved by name
    (None, {"production": {"owner": "prd"}}, {"production": PRD_ROLE}, ("prd", PRD_ROLE)),
    (None, {"production": {"owner": "prd", "refarch_role_arn": "arn:other"}}, {"production": PRD_ROLE},
     ("prd", PRD_ROLE)),
    (None, {}, {}, ("production", None)),
])
def test_both_filters_resolve_owner_and_role_alike(production, accounts, roles, expected):
    hostvars = {"management": vpn_host(pritunl_vpn_serves=[{"environment": "production"}],
                                       environment_accounts=accounts, refarch_environment_roles=roles)}
    if production is not None:
        hostvars["production"] = production
    assert agree(hostvars) == {"production": expected}


def test_the_vpn_s_own_environment_gets_no_role_and_its_own_zone():
    hostvars = {"management": vpn_host(dns_private_zone="mgmt.internal")}
    assert vpn_served_zones(["management"], hostvars, "management") == [
        dict(owner="management", assume_role_arn="", name="mgmt.internal")]
