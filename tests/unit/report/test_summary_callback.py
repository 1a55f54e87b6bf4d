"""The summary callback: the table of what changed, then what the run proved, the DNS reference
and where the VPN answers, all from the modules' results (no playbook task only prints)."""

from ansible_collections.refarch.network.plugins.callback.summary import CallbackModule
from fake_results import Result


class Display(object):
    def __init__(self):
        self.lines = []

    def display(self, text):
        self.lines.extend(text.split("\n"))


def summary(*results):
    cb = CallbackModule()
    cb._display = Display()
    for host, module, result in results:
        cb.v2_runner_on_ok(Result(host, "refarch.network." + module, result))
    cb.v2_playbook_on_stats(None)
    return cb._display.lines


REFERENCE = {"environment": "production", "resolver": "10.130.0.2", "private_zone_name": "production.internal.",
             "private_zone_id": "ZPRIV", "public_zone_name": "prod.example.com.", "public_zone_id": None,
             "name_servers": ["ns-1.example.net", "ns-2.example.org"]}


def test_the_proof_the_dns_reference_and_the_vpn_follow_the_table():
    lines = summary(
        ("production", "vpc_tiers", {"changed": True, "actions": ["create vpc 10.130.0.0/16"]}),
        ("production", "dns_zones", {"changed": False, "actions": [], "reference": REFERENCE}),
        # the domain zone's own call: no zone of the environment's, no row
        ("management", "dns_zones", {"changed": False, "actions": [], "reference": {"environment": "management"}}),
        ("management", "vpn_instance", {"changed": False, "actions": [], "public_ip": "198.51.100.7",
                                        "dns_name": None, "instance": {"id": "i-0abc"}}),
        ("management", "network_verify", {"actions": [], "counts": {"pass": 2, "unverifiable": 1, "violated": 0},
                                          "results": [{"status": "pass", "message": "a reaches b: allow as expected"},
                                                      {"status": "unverifiable", "message": "c: no VPN"},
                                                      {"status": "pass", "message": "d cannot reach e: deny as expected"}]}))
    text = "\n".join(lines)
    assert lines.index("refarch.network summary") < lines.index("refarch.network proof")
    assert any(line.split() == ["production", "vpc_tiers", "changed", "1", "create", "vpc", "10.130.0.0/16"]
               for line in lines), text
    proof = lines[lines.index("refarch.network proof") + 1:]
    assert proof[:3] == ["a reaches b: allow as expected", "d cannot reach e: deny as expected",
                         "2 intents hold; 1 could not be checked"]
    rows = [line for line in lines if line.startswith(("Environment", "PRODUCTION", "MANAGEMENT"))]
    assert len(rows) == 2 and rows[1].split() == ["PRODUCTION", "10.130.0.2", "production.internal.", "ZPRIV",
                                                  "prod.example.com.", "(new)", "ns-1.example.net", "ns-2.example.org"]
    assert "refarch.network VPN of management: public IP 198.51.100.7, DNS name none (no public zone), instance i-0abc" in lines


def test_a_failed_module_is_in_the_table_and_nothing_else():
    cb = CallbackModule()
    cb._display = Display()
    cb.v2_runner_on_failed(Result("production", "refarch.network.dns_zones", {"msg": "boom", "reference": REFERENCE}))
    cb.v2_playbook_on_stats(None)
    assert any("FAILED" in line for line in cb._display.lines)
    assert not any("DNS reference" in line for line in cb._display.lines)


def test_a_run_of_no_module_prints_nothing():
    assert summary() == []
