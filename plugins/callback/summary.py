# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: summary
type: aggregate
short_description: A table of what each environment's refarch.network modules changed
version_added: 0.1.0
description:
  - At the end of a play run, prints one row per environment and module - whether it changed,
    how many actions it took (or would take in check mode), and the first actions.
  - Reads the C(actions) every refarch.network module returns; other modules are ignored.
  - Then what the run proved and where to reach what it built, from the modules' results (instead
    of tasks of the playbooks that only print) - the intents M(refarch.network.network_verify) proved, the DNS reference of
    each environment (M(refarch.network.dns_zones), labelled by the environment's C(dns_reference_label))
    and where each VPN answers (M(refarch.network.vpn_instance)).
requirements:
  - enable in ansible.cfg with C(callbacks_enabled = refarch.network.summary)
extends_documentation_fragment:
  - refarch.network.common
"""

from ansible_collections.refarch.network.plugins.plugin_utils.module_results import ModuleResults

SHOWN = 3


class CallbackModule(ModuleResults):
    CALLBACK_NAME = "refarch.network.summary"

    def __init__(self):
        super(CallbackModule, self).__init__(self.record)
        self.rows = []
        self.proofs, self.references, self.vpns = [], {}, {}

    def record(self, result, module, actions, failed):
        status = "FAILED" if failed else ("changed" if result._result.get("changed") else "ok")
        host, res = result._host.get_name(), result._result
        self.rows.append((host, module, status, len(actions),
                          "; ".join(actions[:SHOWN]) + (" ..." if len(actions) > SHOWN else "")))
        if failed:
            return
        if module == "network_verify" and res.get("counts"):
            self.proofs.append(res)
        reference = res.get("reference") or {}
        if module == "dns_zones" and (reference.get("private_zone_name") or reference.get("public_zone_name")):
            self.references[host] = (self.label(result._host) or host.upper(), reference)
        if module == "vpn_instance" and res.get("public_ip"):
            self.vpns[host] = res

    def v2_playbook_on_stats(self, stats):
        if not self.rows:
            return
        self._table()
        for proof in self.proofs:
            self._display.display("\nrefarch.network proof")
            for entry in proof.get("results") or []:
                if entry.get("status") == "pass":
                    self._display.display(entry["message"])
            self._display.display("%d intents hold; %d could not be checked" % (
                proof["counts"].get("pass", 0), proof["counts"].get("unverifiable", 0)))
        if self.references:
            self._display.display("\nrefarch.network DNS reference (the VPC resolver is the VPC base + 2)")
            rows = [("Environment", "VPC DNS", "Private zone", "Private zone id", "Public zone", "Public zone id",
                     "Name servers")]
            for _host, (label, ref) in sorted(self.references.items()):
                rows.append((label, ref.get("resolver") or "-", ref.get("private_zone_name") or "-",
                             ref.get("private_zone_id") or "(new)", ref.get("public_zone_name") or "-",
                             ref.get("public_zone_id") or "(new)", " ".join(ref.get("name_servers") or [])))
            self._columns(rows)
        for host, vpn in sorted(self.vpns.items()):
            self._display.display("\nrefarch.network VPN of %s: public IP %s, DNS name %s, instance %s" % (
                host, vpn["public_ip"], vpn.get("dns_name") or "none (no public zone)",
                (vpn.get("instance") or {}).get("id") or "none"))

    def _columns(self, rows, ruled=False):
        """Rows in aligned columns (the last one as it is), a rule under the first when ``ruled``."""
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
        for index, row in enumerate(rows):
            line = "  ".join("%-*s" % (w, v) for w, v in zip(widths, row[:-1])) + "  " + str(row[-1])
            self._display.display(line)
            if ruled and index == 0:
                self._display.display("-" * len(line))

    def _table(self):
        self._display.display("\nrefarch.network summary")
        self._columns([("environment", "module", "status", "actions", "first actions")]
                      + sorted(self.rows, key=lambda r: r[0]), ruled=True)
