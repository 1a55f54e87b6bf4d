# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: report
type: aggregate
short_description: Write the run report (build/report.html) of a run that read the network
version_added: 0.1.0
description:
  - At the end of a run in which M(refarch.network.network_info) read the environments (site.yml,
    verify.yml, diagram.yml), writes one self-contained HTML file - the topology as inline SVG, the
    verification table, the DNS reference, what the run changed per environment and module, and a
    monthly list-price cost estimate (before and after the planned changes in check mode) - and
    prints a short overview with its path.
  - A run that did not verify or converge DNS keeps those sections from the previous report of the
    same environments and VPCs (kept beside it as JSON), marked with the run they come from.
  - Makes no AWS call; the prices come from the collection's C(data/prices.yml) (docs/report.md).
requirements:
  - enable in ansible.cfg with C(callbacks_enabled = refarch.network.report)
options:
  path:
    description: Where to write the report; a relative path is from the current directory.
    default: build/report.html
    type: path
    env:
      - name: REFARCH_REPORT
    ini:
      - section: refarch_report
        key: path
  prices:
    description: The price table (YAML); the collection's C(data/prices.yml) when not set.
    type: path
    env:
      - name: REFARCH_PRICES
    ini:
      - section: refarch_report
        key: prices
extends_documentation_fragment:
  - refarch.network.common
"""

import datetime
import json
import os
import tempfile

import yaml

from ansible import context
from ansible_collections.refarch.network.plugins.module_utils import report
from ansible_collections.refarch.network.plugins.plugin_utils.module_results import ModuleResults

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CARRIED = ("verification", "dns")  # sections a run without them keeps from the previous report


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def vpcs(facts_by_env):
    """{environment: VPC id}: the same environments and the same VPCs are the same estate."""
    return dict((env, (facts.get("vpc") or {}).get("id")) for env, facts in facts_by_env.items())


def write_atomic(path, content):
    """Parallel runs (tests) may write the same path: a reader never sees half a file."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".report-")
    with os.fdopen(fd, "w") as f:
        f.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


class CallbackModule(ModuleResults):
    CALLBACK_NAME = "refarch.network.report"

    def __init__(self):
        super(CallbackModule, self).__init__(self.record)
        self.playbooks, self.facts, self.changes = [], {}, {}
        self.verification, self.references, self.delegations, self.public_zones = None, {}, [], {}
        self.started = now()

    def v2_playbook_on_start(self, playbook):
        self.playbooks.append(os.path.basename(playbook._file_name))

    def record(self, result, module, actions, failed):
        res, env = result._result, result._host.get_name()
        entry = self.changes.setdefault((env, module), {"env": env, "module": module, "status": "ok", "actions": []})
        entry["actions"].extend(a for a in actions if a not in entry["actions"])
        if failed:
            entry["status"] = "FAILED"
        elif res.get("changed") and entry["status"] == "ok":
            entry["status"] = "changed"
        if failed:
            return
        if module == "network_info" and isinstance(res.get("network_facts"), dict):
            facts = res["network_facts"]
            self.facts[facts.get("environment") or env] = facts
        elif module == "network_verify" and isinstance(res.get("results"), list):
            self.verification = {"results": res["results"], "counts": res.get("counts") or {}}
        elif module == "dns_zones":
            self._dns(env, result._host, res)

    def _dns(self, env, host, res):
        public = res.get("public_zone") or {}
        if public.get("id"):
            zones = self.public_zones.setdefault(env, [])
            if public["id"] not in [z["id"] for z in zones]:
                zones.append({"id": public["id"], "name": public.get("name"), "private": False})
            if public.get("parent_zone_id"):
                delegation = {"zone": public.get("name"), "parent": public["parent_zone_id"], "env": env}
                if delegation not in self.delegations:
                    self.delegations.append(delegation)
        reference = res.get("reference")
        if isinstance(reference, dict) and (reference.get("vpc_id") or reference.get("private_zone_name")):
            self.references[env] = dict(reference, label=self.label(host) or env)

    def v2_playbook_on_stats(self, stats):
        if not self.facts:
            return  # the run read no network: nothing to report (vpc.yml alone, a failed preflight)
        path = self.get_option("path")
        data = {
            "run": {"playbooks": self.playbooks, "started": self.started, "finished": now(),
                    "check": bool(context.CLIARGS.get("check")),
                    "failed_hosts": sorted(h for h in stats.processed if stats.failures.get(h) or stats.dark.get(h))},
            "facts": self.facts,
            "verification": self.verification,
            "dns": {"references": [self.references[e] for e in sorted(self.references)],
                    "delegations": self.delegations} if self.references else None,
            "changes": [self.changes[k] for k in sorted(self.changes)],
            "public_zones": self.public_zones,
        }
        try:
            self._carry(data, path)
            with open(self.get_option("prices") or os.path.join(COLLECTION_ROOT, "data", "prices.yml")) as f:
                prices = yaml.safe_load(f)
            html, estimate, lines = report.render(data, prices, path)
            write_atomic(path, html)
            write_atomic(path + ".json", json.dumps(data, sort_keys=True, indent=1))
        except Exception as e:  # a report must never fail the run it reports on
            self._display.warning("refarch.network.report: no report written (%s: %s)" % (type(e).__name__, e))
            return
        self._display.display("\nrefarch.network run report")
        for line in lines:
            self._display.display("  " + line)

    def _carry(self, data, path):
        """Sections this run lacks, from the previous report of the same environments and VPCs."""
        try:
            with open(path + ".json") as f:
                previous = json.load(f)
        except (IOError, OSError, ValueError):
            return
        if vpcs(previous.get("facts") or {}) != vpcs(data["facts"]):
            return  # another estate (or another set of environments): nothing of it applies
        run = previous.get("run") or {}
        for section in CARRIED:
            if data.get(section) is None and previous.get(section):
                data[section] = dict(previous[section], **{"from": previous[section].get("from") or "%s, %s" % (
                    ", ".join(run.get("playbooks") or []), run.get("finished"))})
        if not data["public_zones"] and previous.get("public_zones"):
            data["public_zones"] = previous["public_zones"]
