# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_due
short_description: Whether a play has environments that this run has not validated yet
version_added: 0.1.0
description:
  - Used by the first task of the role C(refarch.network.preflight), a C(meta) task whose condition the
    controller evaluates - the role ends there when every environment of the play was validated earlier
    in the same C(ansible-playbook) run.
  - The controller calls it before it starts the validation's worker process, and loads there, once, what
    every worker of the run would otherwise load for itself (this collection's compiled files and filters),
    as P(refarch.network.run_context_due#filter) does for the playbooks that write.
options:
  _input:
    description: The environments of the play.
    type: list
    elements: str
    required: true
  validated:
    description: The environments already validated in this run (the role's fact C(preflight_validated)).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - refarch.network.common
"""

EXAMPLES = r"""
- name: End here when every environment of the play was validated earlier in this run
  ansible.builtin.meta: end_role
  when: not (preflight_environments | refarch.network.preflight_due(preflight_validated | default([])))
"""

RETURN = r"""
_value:
  description: True when an environment of O(_input) is not in O(validated).
  type: bool
"""


def preflight_due(environments, validated):
    # imported here: in_worker loads the filters itself (load_filters)
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    in_worker.warm()
    return bool(set(environments or []) - set(validated or []))


class FilterModule(object):
    def filters(self):
        return {"preflight_due": preflight_due}
