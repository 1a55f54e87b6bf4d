"""Pure DNS planning: resolver addresses, names, record validation and the ownership registry."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.refarch.network.plugins.module_utils import dns
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError


@pytest.mark.parametrize("cidr, resolver", [
    ("10.110.0.0/16", "10.110.0.2"),   # DEV, the seed's table
    ("10.120.0.0/16", "10.120.0.2"),   # MGT
    ("10.130.0.0/16", "10.130.0.2"),   # PRD
    ("172.31.0.0/16", "172.31.0.2"),
    ("10.0.8.0/21", "10.0.8.2"),
    ("192.168.1.16/28", "192.168.1.18"),
])
def test_resolver_is_vpc_base_plus_two(cidr, resolver):
    assert dns.resolver_address(cidr) == resolver


@given(st.integers(0, 2 ** 32 - 1), st.integers(16, 28))
def test_resolver_is_inside_the_vpc_and_two_above_its_base(address, prefix):
    import ipaddress
    net = ipaddress.IPv4Network((address, prefix), strict=False)
    resolver = ipaddress.IPv4Address(dns.resolver_address(str(net)))
    assert resolver in net and int(resolver) - int(net.network_address) == 2


@pytest.mark.parametrize("bad", ["10.130.0.1/16", "10.130.0.0", "nonsense"])
def test_resolver_rejects_bad_cidrs_naming_the_field(bad):
    with pytest.raises(InputError) as err:
        dns.resolver_address(bad)
    assert err.value.field == "vpc_cidr"


def test_names_are_canonical():
    assert dns.fqdn("Prod.Example.COM") == "prod.example.com."
    assert dns.fqdn("\\052.prod.example.com.") == "*.prod.example.com."
    zone = "prod.example.com."
    assert dns.record_name("vpn", zone) == "vpn.prod.example.com."
    assert dns.record_name("vpn.prod.example.com", zone) == "vpn.prod.example.com."
    assert dns.record_name("@", zone) == zone
    assert dns.record_name("a.b", zone) == "a.b.prod.example.com."


@pytest.mark.parametrize("name", ["", "bad_name..com", "-x.com", "*.example.com", "a b.com"])
def test_bad_zone_names_fail(name):
    with pytest.raises(InputError) as err:
        dns.check_zone_name(name, "public_zone.name")
    assert err.value.field == "public_zone.name"


@pytest.mark.parametrize("owner", ["", "Production", "prod_1", "-x"])
def test_owner_must_be_a_dns_label(owner):
    with pytest.raises(InputError):
        dns.check_owner(owner)


def test_values_normalize_for_exact_comparison():
    assert dns.normalize_values("TXT", ["hello", '"quoted"']) == ['"hello"', '"quoted"']
    assert dns.normalize_values("CNAME", ["DB.Example.com"]) == ["db.example.com."]
    assert dns.normalize_values("NS", ["ns-2.awsdns.net", "ns-1.awsdns.org."]) == ["ns-1.awsdns.org.", "ns-2.awsdns.net."]
    assert dns.normalize_values("A", ["10.0.0.2", "10.0.0.1", "10.0.0.1"]) == ["10.0.0.1", "10.0.0.2"]


ZONES = dict(private="production.internal.", public="prod.example.com.")


def test_records_are_validated_with_field_names():
    desired = dns.check_records([dict(zone="public", name="vpn", type="a", ttl=60, values=["203.0.113.1"]),
                                 dict(name="db", type="CNAME", values=["x.rds.amazonaws.com"])], ZONES)
    assert desired == {"public": {("A", "vpn.prod.example.com."): (60, ["203.0.113.1"])},
                       "private": {("CNAME", "db.production.internal."): (300, ["x.rds.amazonaws.com."])}}
    cases = [
        ([dict(name="x", type="A", values=["300.1.1.1"])], "records[0].values"),
        ([dict(name="x", type="BOGUS", values=["1"])], "records[0].type"),
        ([dict(name="x", type="A", values=[])], "records[0].values"),
        ([dict(name="x", type="CNAME", values=["a.", "b."])], "records[0].values"),
        ([dict(name="@", type="NS", values=["a."])], "records[0].name"),
        ([dict(name="_refarch-owner-x", type="TXT", values=["a"])], "records[0].name"),
        ([dict(name="x", type="A", ttl=-1, values=["10.0.0.1"])], "records[0].ttl"),
        ([dict(name="x", type="A", values=["10.0.0.1"])] * 2, "records[1]"),
    ]
    for records, field in cases:
        with pytest.raises(InputError) as err:
            dns.check_records(records, ZONES)
        assert err.value.field == field, records
    with pytest.raises(InputError) as err:
        dns.check_records([dict(zone="public", name="x", type="A", values=["10.0.0.1"])], dict(private="p.", public=None))
    assert err.value.field == "records[0].zone"


def test_registry_round_trip_is_per_owner():
    values = dns.encode_registry("production", {"A vpn.prod.example.com.", "NS prod.example.com. delegation"})
    assert values[0] == '"refarch:owner=production"'
    assert dns.decode_registry(values, "production") == {"A vpn.prod.example.com.", "NS prod.example.com. delegation"}
    assert dns.decode_registry(values, "development") == set()
    assert dns.registry_name("production", "example.com.") == "_refarch-owner-production.example.com."


def existing_zone(owner, zone, records, registered):
    rrsets = [dns.rrset(t, n, 300, v) for (t, n), v in records.items()]
    if registered:
        rrsets.append(dns.rrset("TXT", dns.registry_name(owner, zone), 300, dns.encode_registry(owner, registered)))
    return dns.index_rrsets(rrsets)


def test_plan_creates_updates_and_deletes_only_registered_records():
    zone = "prod.example.com."
    existing = existing_zone("production", zone, {
        ("A", "old.prod.example.com."): ["10.0.0.9"],        # ours, no longer wanted
        ("A", "vpn.prod.example.com."): ["10.0.0.1"],        # ours, value changes
        ("A", "app.prod.example.com."): ["10.0.0.5"],        # External-DNS's
    }, {"A old.prod.example.com.", "A vpn.prod.example.com."})
    desired = {("A", "vpn.prod.example.com."): (300, ["10.0.0.2"]), ("TXT", "new.prod.example.com."): (60, ['"x"'])}
    changes, actions, before, after = dns.plan_zone_records("production", zone, desired, existing)
    assert actions == ["update record A vpn.prod.example.com. 10.0.0.2", 'create record TXT new.prod.example.com. "x"',
                       "delete record A old.prod.example.com."]
    touched = [(c["Action"], c["ResourceRecordSet"]["Name"]) for c in changes]
    assert ("DELETE", "app.prod.example.com.") not in touched and ("UPSERT", "app.prod.example.com.") not in touched
    registry = changes[-1]["ResourceRecordSet"]
    assert changes[-1]["Action"] == "UPSERT" and registry["Name"] == "_refarch-owner-production.prod.example.com."
    assert dns.decode_registry([r["Value"] for r in registry["ResourceRecords"]], "production") == {
        "A vpn.prod.example.com.", "TXT new.prod.example.com."}
    assert before["A vpn.prod.example.com."]["values"] == ["10.0.0.1"]
    assert after["A vpn.prod.example.com."]["values"] == ["10.0.0.2"]


def test_plan_is_empty_when_converged():
    zone = "prod.example.com."
    existing = existing_zone("production", zone, {("A", "vpn.prod.example.com."): ["10.0.0.1"]},
                             {"A vpn.prod.example.com."})
    assert dns.plan_zone_records("production", zone, {("A", "vpn.prod.example.com."): (300, ["10.0.0.1"])},
                                 existing)[:2] == ([], [])


def test_plan_refuses_to_take_over_a_foreign_record():
    zone = "prod.example.com."
    existing = existing_zone("production", zone, {("A", "vpn.prod.example.com."): ["10.0.0.1"]}, set())
    with pytest.raises(InputError) as err:
        dns.plan_zone_records("production", zone, {("A", "vpn.prod.example.com."): (300, ["10.0.0.2"])}, existing)
    assert "not owned by production" in err.value.reason


def test_delegation_scope_leaves_the_same_owners_other_entries_alone():
    zone = "example.com."
    records = {("A", "www.example.com."): ["10.0.0.1"], ("NS", "mgt.example.com."): ["ns-1.aws."]}
    existing = existing_zone("management", zone, records, {"A www.example.com.", "NS mgt.example.com. delegation"})
    # the domain owner's record plan does not see the delegation as its own
    changes, actions = dns.plan_zone_records("management", zone, {}, existing)[:2]
    assert actions == ["delete record A www.example.com."]
    registry = changes[-1]["ResourceRecordSet"]
    assert dns.decode_registry([r["Value"] for r in registry["ResourceRecords"]], "management") == {
        "NS mgt.example.com. delegation"}
    # and the delegation plan removes only its own entry
    entry = "NS mgt.example.com. delegation"
    changes, actions = dns.plan_zone_records("management", zone, {}, existing, scope=lambda e: e == entry,
                                             suffix="delegation")[:2]
    assert actions == ["delete record NS mgt.example.com."]
    assert dns.decode_registry([r["Value"] for r in changes[-1]["ResourceRecordSet"]["ResourceRecords"]],
                               "management") == {"A www.example.com."}


def test_last_entry_deletes_the_registry_record():
    zone = "prod.example.com."
    existing = existing_zone("production", zone, {("A", "vpn.prod.example.com."): ["10.0.0.1"]},
                             {"A vpn.prod.example.com."})
    changes = dns.plan_zone_records("production", zone, {}, existing)[0]
    assert [(c["Action"], c["ResourceRecordSet"]["Type"]) for c in changes] == [("DELETE", "A"), ("DELETE", "TXT")]


def test_foreign_records_ignore_apex_and_ours():
    zone = "prod.example.com."
    rrsets = [dns.rrset("NS", zone, 172800, ["ns-1."]), dns.rrset("SOA", zone, 900, ["x"]),
              dns.rrset("A", "vpn.prod.example.com.", 300, ["10.0.0.1"]),
              dns.rrset("A", "app.prod.example.com.", 300, ["10.0.0.2"]),
              dns.rrset("TXT", dns.registry_name("production", zone), 300,
                        dns.encode_registry("production", {"A vpn.prod.example.com."})),
              dict(Name="w.prod.example.com.", Type="A", SetIdentifier="eu", Weight=1, TTL=60,
                   ResourceRecords=[{"Value": "10.0.0.3"}])]
    assert dns.foreign_records("production", zone, rrsets) == ["A app.prod.example.com.", "A w.prod.example.com."]
    assert dns.foreign_records("production", zone, rrsets[:3] + rrsets[4:5]) == []
