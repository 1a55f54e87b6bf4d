"""Each environment has a whole life on its own (issue 18).

The three demo environments are built together (accounts.yml, site.yml); then, for each
environment in turn, as a platform team runs the collection day to day:

- ``destroy.yml`` with that environment's inventory alone removes everything it owns, its half
  of every link included (peering and the routes to it on both sides, its delegation in the
  parent zone held by management's account);
- a scan of every account finds no dangling reference (route to a deleted peering or NAT,
  delegation to a deleted zone, registry entry or rule naming something gone) and nothing the
  environment owned;
- the two others re-converge with changed=0 and their intents pass; those naming the destroyed
  environment are reported unverifiable, never passed;
- ``site.yml`` with that environment's inventory alone builds it again, its links included
  (from the consent the other side's VPC records); ``--check --diff`` of it alone then reports
  no change, and the full verify of the three passes.

Playbooks run by ansible-playbook against the emulator; nothing is stubbed.
"""

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "reliability"))

import dangling  # noqa: E402
import harness  # noqa: E402
import state  # noqa: E402
from emulator import Emulator  # noqa: E402

# its module-scoped build is shared by all its tests: they run on one xdist worker (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group('test_lifecycle')

ENVIRONMENTS = harness.ENVIRONMENTS


def inventories(*names):
    return [arg for name in names for arg in ("-i", os.path.join(harness.ROOT, "inventories", name))]


class Estate(object):
    """The demo estate in an emulator of this test worker's own."""

    def __init__(self):
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.emulator = Emulator().start()

    def play(self, playbook, names, step, *flags):
        log = "lifecycle-%s-%s.log" % (self.worker, step)
        rc, _seconds = harness.run_playbook(playbook, self.emulator.url, log, inventories(*names), flags=flags)
        with open(os.path.join(harness.LOGS, log)) as f:
            return rc, f.read()

    def locks(self):
        """The run locks left in any account (a finished run gives back every lock it took,
        those of the environments it links to included)."""
        return sorted("%s %s" % (name, p["Name"]) for name, (_id, session) in state.accounts(self.emulator.url).items()
                      for p in state.client(session, "ssm", self.emulator.url).get_parameters_by_path(
                          Path="/refarch/lock", Recursive=True)["Parameters"])

    def raws(self):
        return dict((name, state.read_account(session, self.emulator.url))
                    for name, (_id, session) in state.accounts(self.emulator.url).items())


@pytest.fixture(scope="module")
def estate():
    built = Estate()
    try:
        for playbook in ("accounts.yml", "site.yml"):
            rc, out = built.play(playbook, ENVIRONMENTS, "build-" + playbook)
            assert rc == 0, out[-3000:]
        yield built
    finally:
        built.emulator.stop()


def changed(out):
    return sum(int(n) for n in re.findall(r" changed=(\d+) ", out))


def owned_by(raws, owner, kept_zones=()):
    """Labels of resources still tagged refarch:owner=<owner>, in any account, but the zones
    the destroy reported kept (they hold other environments' records)."""
    found = []
    for account, raw in raws.items():
        for kind, items in raw.items():
            for item in items if isinstance(items, list) else []:
                if state.tags_of(item).get(state.OWNER_TAG) == owner and item.get("Name") not in kept_zones:
                    found.append("%s %s %s" % (account, kind, state.tags_of(item).get(state.KEY_TAG)))
    return found


def kept_zones(out):
    """Zones a destroy kept because they hold records of other owners (each with its warning)."""
    return re.findall(r"kept (?:public|private) zone (\S+) \(\S+\): it holds records", out)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_an_environment_is_destroyed_and_rebuilt_alone(estate, name):
    others = [e for e in ENVIRONMENTS if e != name]

    rc, out = estate.play("destroy.yml", [name], name + "-destroy")
    assert rc == 0, out[-3000:]
    raws = estate.raws()
    assert dangling.dangling(raws) == []
    # management's domain zone stays while it holds the other environments' delegations
    assert kept_zones(out) == (["example.com."] if name == "management" else [])
    assert owned_by(raws, name, kept_zones(out)) == []

    rc, out = estate.play("site.yml", others, name + "-others")
    assert rc == 0, out[-3000:]
    assert changed(out) == 0, out[-3000:]
    unverifiable = [line for line in out.splitlines() if "unverifiable:" in line]
    assert unverifiable and all(name in line for line in unverifiable), unverifiable

    rc, out = estate.play("site.yml", [name], name + "-rebuild")
    assert rc == 0, out[-3000:]
    # README's commands for one environment: --check --diff is exact (it used to fail or report
    # a change for the delegation in another account's zone)
    rc, out = estate.play("site.yml", [name], name + "-check", "--check", "--diff")
    assert rc == 0 and changed(out) == 0, out[-3000:]
    rc, out = estate.play("verify.yml", ENVIRONMENTS, name + "-verify")
    assert rc == 0, out[-3000:]
    assert "unverifiable:" not in out
    assert dangling.dangling(estate.raws()) == []
    assert estate.locks() == []


# --- the VPN reaches what it serves (issue 19), on the same estate ----------------------------------
# Last in the file: a worker runs them after its lifecycle tests (each leaves the estate whole again),
# so the estate is built once for both; the last one leaves development unserved.

DEV_PRIVATE = "VPN clients reach development private (tcp/%d)"
PRODUCTION_PRIVATE = "VPN clients reach production private (tcp/443)"


def route_table(ec2, key):
    return [t for t in ec2.describe_route_tables()["RouteTables"] if {"Key": "refarch:key", "Value": key} in t.get("Tags", [])][0]


def app_group(ec2):
    return [g for g in ec2.describe_security_groups()["SecurityGroups"]
            if {"Key": "refarch:key", "Value": "sg/app"} in g.get("Tags", [])][0]["GroupId"]


def vpn_rules(ec2, group):
    """(port, source) of the rules the VPN added to a group (tagged refarch:key=reach/...)."""
    return sorted((r["FromPort"], r["CidrIpv4"]) for r in ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
        if any(t["Key"] == "refarch:key" and t["Value"].startswith("reach/") for t in r.get("Tags", [])))


def ec2_of(estate, name):
    return state.client(state.accounts(estate.emulator.url)[name][1], "ec2", estate.emulator.url)


def test_vpn_intents_hold_and_a_broken_route_or_rule_is_named(estate):
    rc, out = estate.play("verify.yml", ENVIRONMENTS, "vpn-verify")
    assert rc == 0, out[-3000:]
    for name in (DEV_PRIVATE % 443, DEV_PRIVATE % 22, PRODUCTION_PRIVATE):
        assert "%s: allow as expected" % name in out, out[-3000:]
    assert "VPN clients reach production persistence (tcp/5432): deny as expected" in out
    assert "unverifiable" not in out

    # management's route to development and production's rule for the VPN, broken at once
    mgmt, prod = ec2_of(estate, "management"), ec2_of(estate, "production")
    public = route_table(mgmt, "rtb/public")
    [route] = [r for r in public["Routes"] if r.get("DestinationCidrBlock") == "10.110.0.0/16"]
    mgmt.delete_route(RouteTableId=public["RouteTableId"], DestinationCidrBlock="10.110.0.0/16")
    group = app_group(prod)
    [(_port, source)] = [r for r in vpn_rules(prod, group) if r[0] == 443]
    prod.revoke_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": source}]}])
    rc, out = estate.play("verify.yml", ENVIRONMENTS, "vpn-broken")
    assert rc != 0
    assert ("%s: expected allow, tcp/443 management/subnet/public/us-east-1a -> development/subnet/private/us-east-1a "
            "is blocked by route-table %s (management rtb/public) [forward]: no route to"
            % (DEV_PRIVATE % 443, public["RouteTableId"])) in out, out[-3000:]
    assert ("%s: expected allow, tcp/443 management/subnet/public/us-east-1a -> production/subnet/private/us-east-1a "
            "is blocked by security-group %s (production sg/app) [forward]: no ingress rule allows tcp/443 from %s"
            % (PRODUCTION_PRIVATE, group, source)) in out, out[-3000:]

    # the VPN's run puts the rule back (the route is peering's: put back by hand here)
    mgmt.create_route(RouteTableId=public["RouteTableId"], DestinationCidrBlock="10.110.0.0/16",
                      VpcPeeringConnectionId=route["VpcPeeringConnectionId"])
    rc, out = estate.play("vpn.yml", ENVIRONMENTS, "vpn-repair")
    assert rc == 0 and "allow production app tcp/443 from %s" % source in out, out[-3000:]


def test_turning_a_served_environment_off_removes_its_route_and_rules(estate):
    mgmt, dev = ec2_of(estate, "management"), ec2_of(estate, "development")
    group = app_group(dev)
    assert len(vpn_rules(dev, group)) == 2
    off = ("-e", json.dumps({"pritunl_vpn_serves": [{"environment": "production"}]}))
    more = tuple(os.path.join(harness.ROOT, "playbooks", name) for name in ("peering.yml", "vpn.yml"))
    # peering.yml, then vpn.yml (the playbook named last)
    rc, out = estate.play("vpn.yml", ENVIRONMENTS, "vpn-off-check", "--check", "--diff", *(off + more[:1]))
    assert rc == 0, out[-3000:]
    assert "delete route management rtb/public 10.110.0.0/16 -> " in out, out[-3000:]
    assert "revoke development app tcp/22 from" in out and "revoke development app tcp/443 from" in out
    assert len(vpn_rules(dev, group)) == 2   # check mode wrote nothing
    # peering.yml and vpn.yml, then verify.yml (the playbook named last)
    rc, out = estate.play("verify.yml", ENVIRONMENTS, "vpn-off", *(off + more))
    assert rc == 0, out[-3000:]
    routes = route_table(mgmt, "rtb/public")["Routes"]
    assert [r for r in routes if r.get("DestinationCidrBlock") == "10.110.0.0/16"] == []
    assert [r for r in routes if r.get("DestinationCidrBlock") == "10.130.0.0/16"]   # production is still served
    assert vpn_rules(dev, group) == []
    assert "%s: deny as expected" % (DEV_PRIVATE % 443) in out
    assert "%s: allow as expected" % PRODUCTION_PRIVATE in out
