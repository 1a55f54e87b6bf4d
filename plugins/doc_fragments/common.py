# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import yaml


def bundle(*blocks):
    """One fragment from several YAML blocks: mappings merged key by key at every depth (options,
    attributes and their entries), lists (notes, requirements, author) joined in order."""
    def merge(into, value):
        for key, item in value.items():
            if isinstance(item, dict) and isinstance(into.get(key), dict):
                merge(into[key], item)
            elif isinstance(item, list) and isinstance(into.get(key), list):
                into[key] = into[key] + item
            else:
                into[key] = item
        return into

    merged = {}
    for block in blocks:
        merge(merged, yaml.safe_load(block))
    return yaml.safe_dump(merged, sort_keys=False, width=1000)


class ModuleDocFragment(object):
    # What every plugin of the collection (module, filter, callback) says the same way: its authors.
    DOCUMENTATION = r"""
options: {}
author:
  - refarch.network developers (@refarch)
"""

    # What the check_mode and diff_mode attributes mean (the wording of ansible.builtin.action_common_attributes).
    ATTRIBUTES = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
"""

    # A module that converges on the engine (module_utils/engine.py): engine.execute carries out
    # nothing in check mode and the result lists the actions a real run performs (what the run would
    # create named by its logical key); engine.converged adds the before/after diff.
    CONVERGE_SUPPORT = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: Exact - it reports the same actions a real run would take and writes nothing; what the run
      would create is named by its logical key (such as C(instance/vpn)) or its name.
  diff_mode:
    support: full
"""

    # A module that writes nothing: check mode runs it as a real run does, but for what an earlier
    # task only planned (engine.prerequisite_missing, the same for every module); nothing to diff.
    READ_ONLY_SUPPORT = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: It writes nothing, so check mode runs it as a real run does - except that what an earlier
      task of the same run only planned in check mode (a VPC, facts to prove) is reported with a warning
      instead of failing the task.
  diff_mode:
    support: N/A
    details: It writes nothing.
"""

    def __init__(self):
        # What a module extends, in one name: the authors with its check and diff support
        # (refarch.network.common.converge or refarch.network.common.read_only). A module whose
        # diff says more gives its own attributes.<name>.details (a module's own
        # keys win over a fragment's). Built here, as refarch.network.aws.modules is: a doc
        # fragment's class attributes are YAML literals.
        self.CONVERGE = bundle(self.DOCUMENTATION, self.ATTRIBUTES, self.CONVERGE_SUPPORT)
        self.READ_ONLY = bundle(self.DOCUMENTATION, self.ATTRIBUTES, self.READ_ONLY_SUPPORT)
