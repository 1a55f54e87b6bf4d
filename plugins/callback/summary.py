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
requirements:
  - enable in ansible.cfg with C(callbacks_enabled = refarch.network.summary)
author:
  - refarch.network developers (@refarch)
"""

from ansible_collections.refarch.network.plugins.plugin_utils.module_results import ModuleResults

SHOWN = 3


class CallbackModule(ModuleResults):
    CALLBACK_NAME = "refarch.network.summary"

    def __init__(self):
        super(CallbackModule, self).__init__(self.record)
        self.rows = []

    def record(self, result, module, actions, failed):
        status = "FAILED" if failed else ("changed" if result._result.get("changed") else "ok")
        self.rows.append((result._host.get_name(), module, status, len(actions),
                          "; ".join(actions[:SHOWN]) + (" ..." if len(actions) > SHOWN else "")))

    def v2_playbook_on_stats(self, stats):
        if not self.rows:
            return
        header = ("environment", "module", "status", "actions", "first actions")
        widths = [max(len(str(r[i])) for r in self.rows + [header]) for i in range(4)]
        line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, header[:4])) + "  " + header[4]
        self._display.display("\nrefarch.network summary")
        self._display.display(line)
        self._display.display("-" * len(line))
        for row in sorted(self.rows, key=lambda r: (r[0], )):
            self._display.display("  ".join("%-*s" % (w, str(v)) for w, v in zip(widths, row[:4])) + "  " + row[4])
