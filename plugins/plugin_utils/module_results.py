# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the callbacks (summary, report) share: reading the results of the collection's modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.callback import CallbackBase

PREFIX = "refarch.network."


class ModuleResults(CallbackBase):
    """An aggregate callback that hears each result of a refarch.network module through the
    ``record(result, module, actions, failed)`` its subclass gives: ``module`` is the short name, ``actions`` the
    ``actions`` it returned (of every item of a loop); other modules' results are ignored."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, record):
        super(ModuleResults, self).__init__()
        self._record = record
        self.variables = None

    def v2_playbook_on_play_start(self, play):
        self.variables = play.get_variable_manager()

    def label(self, host):
        """The environment's ``dns_reference_label`` (its row in the DNS reference), or None."""
        try:
            return self.variables.get_vars(host=host).get("dns_reference_label")
        except Exception:  # the label is a nicety: the environment's name stands in
            return None

    def _heard(self, result, failed=False):
        action = result._task.action or ""
        if not action.startswith(PREFIX):
            return
        actions = list(result._result.get("actions") or [])
        for item in result._result.get("results") or []:  # a loop: one result per item
            if isinstance(item, dict):
                actions.extend(item.get("actions") or [])
        self._record(result, action[len(PREFIX):], actions, failed)

    def v2_runner_on_ok(self, result):
        self._heard(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._heard(result, failed=True)
