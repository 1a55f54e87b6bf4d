"""A hosted zone the run already read is not read again, while that is exact (issue 22)."""

import json
import re

import pytest

from ansible_collections.refarch.network.plugins.filter import known_zones as known_zones_filter
from ansible_collections.refarch.network.plugins.filter.known_zones import known_zones
from ansible_collections.refarch.network.plugins.module_utils import dns, dns_read

from test_known_vpcs import tasks_calling, writing_modules

ZONE = {"id": "Z0DOMAIN", "name": "example.com.", "private": False, "records": [
    {"Name": "example.com.", "Type": "NS", "TTL": 172800, "ResourceRecords": [{"Value": "ns-1.awsdns-01.org."}]},
    {"Name": "prod.example.com.", "Type": "NS", "TTL": 3600, "ResourceRecords": [{"Value": "ns-2.awsdns-02.org."}]},
    {"Name": "prod.example.com.", "Type": "NS", "TTL": 60, "SetIdentifier": "weighted", "Weight": 1,
     "ResourceRecords": [{"Value": "ns-9.awsdns-09.org."}]},
    {"Name": "_refarch-owner-production.example.com.", "Type": "TXT", "TTL": 300,
     "ResourceRecords": [{"Value": '"refarch:owner=production"'}]}]}


def test_the_delegation_keys_are_picked_from_a_whole_read_as_a_targeted_read_gives_them():
    keys = dns_read.delegation_keys("production", "prod.example.com.", "example.com.")
    picked = dns.select_rrsets(ZONE["records"], keys)
    assert sorted(picked) == [("NS", "prod.example.com."), ("TXT", "_refarch-owner-production.example.com.")]
    assert picked[("NS", "prod.example.com.")]["TTL"] == 3600      # the routing-policy set is not ours
    assert dns.select_rrsets(ZONE["records"], dns_read.delegation_keys("development", "dev.example.com.", "example.com.")) == {}


def test_known_records_are_keyed_by_the_short_zone_id_and_read_from_json_text():
    assert dns.known_records([dict(ZONE, id="/hostedzone/Z0DOMAIN")]) == {"Z0DOMAIN": ZONE["records"]}
    assert dns.known_records([dict(ZONE, records=json.dumps(ZONE["records"]))]) == {"Z0DOMAIN": ZONE["records"]}
    assert dns.known_records([]) == {}


def test_a_call_returns_the_zones_it_read_whole():
    snap = {"zones": {"public": {"Id": "/hostedzone/Z0PUB", "Name": "Prod.Example.com"}, "private": None},
            "records": {"public": ZONE["records"], "private": []}}
    [zone] = dns_read.known_zones(snap)
    assert dict(zone, records=json.loads(zone["records"])) == dict(
        id="Z0PUB", name="prod.example.com.", private=False, records=ZONE["records"])


def test_a_zone_whose_records_were_not_read_is_not_handed_on():
    snap = {"zones": {"public": {"Id": "/hostedzone/Z0PUB", "Name": "prod.example.com."},
                      "private": {"Id": "/hostedzone/Z0PRIV", "Name": "production.internal."}},
            "records": {"public": ZONE["records"], "private": None}}
    assert [zone["id"] for zone in dns_read.known_zones(snap)] == ["Z0PUB"]


@pytest.mark.parametrize("count, only_apex", [(2, True), (3, False), (None, False)])
def test_only_a_count_of_two_record_sets_is_a_zone_of_its_soa_and_ns_alone(count, only_apex):
    zone = {"Id": "/hostedzone/Z0PRIV", "Name": "production.internal."}
    if count is not None:
        zone["ResourceRecordSetCount"] = count
    assert dns_read.holds_only_its_apex(zone) is only_apex


def test_the_filter_gives_the_zones_each_environment_read():
    hostvars = {"management": {"refarch_dns_domain": {"changed": False, "known_zones": [ZONE]},
                               "refarch_dns": {"changed": False, "known_zones": [dict(ZONE, id="Z0MGT")]}},
                "production": {"refarch_dns_domain": {"changed": False, "skipped": True}},
                "development": {}}
    assert [z["id"] for z in known_zones(hostvars, ["management", "production", "development", "absent"])] == [
        "Z0DOMAIN", "Z0MGT"]


@pytest.mark.parametrize("writer", known_zones_filter.RECORD_WRITERS)
@pytest.mark.parametrize("outcome", [{"changed": True}, {"changed": False, "failed": True}])
def test_nothing_is_reused_once_records_were_written_in_the_run(writer, outcome):
    hostvars = {"management": {"refarch_dns_domain": {"changed": False, "known_zones": [ZONE]}}, "production": {}}
    hostvars["production"][writer] = outcome   # a failed task may have written before it stopped
    assert known_zones(hostvars, ["management", "production"]) == []


def test_every_task_that_writes_records_registers_a_record_writer():
    modules = writing_modules(re.compile(r"\.change_resource_record_sets\("))
    assert {"dns_zones", "vpn_instance"} <= modules
    checked = 0
    for path, task, called in tasks_calling(modules):
        checked += 1
        assert task.get("register") in known_zones_filter.RECORD_WRITERS, (
            "%s: task %r calls %s, which writes records: register it as one of RECORD_WRITERS (filter known_zones)"
            % (path, task.get("name"), called[0]))
    assert checked >= 4
