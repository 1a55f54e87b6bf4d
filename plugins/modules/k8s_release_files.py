#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_release_files
short_description: Write the rendered files of one Kubernetes release into its directory, in one step
version_added: 0.1.0
description:
  - The render mode of the role C(refarch.network.k8s_release) - the pinned chart reference, the Helm
    values, the plain manifests and the examples of one release - converged in one task instead of
    one task per file.
  - A file is written only when its content differs; a file named with an empty content is removed; a file
    of another name in the directory is never touched. With O(state=absent) the directory is removed
    with everything in it (it is the release's own).
  - Makes no API call.
attributes:
  diff_mode:
    details: Each file written or removed.
options:
  path:
    description: The release's directory; created (mode C(0755)) when missing.
    type: path
    required: true
  files:
    description:
      - The files of the release, by name inside O(path). A name whose content is empty (or null) must
        not exist - the release no longer has such a file.
    type: dict
    default: {}
  state:
    description: V(present) writes the files; V(absent) removes the directory.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - refarch.network.common.converge
"""

EXAMPLES = r"""
- name: Render the Helm values and chart reference of traefik
  refarch.network.k8s_release_files:
    path: build/production/k8s/traefik
    files:
      release.yaml: "{{ {'name': 'traefik', 'chart': 'traefik', 'version': '37.1.1'} | to_nice_yaml }}"
      values.yaml: "{{ traefik_values | to_nice_yaml(indent=2) }}"
      manifests.yaml: ""
"""

RETURN = r"""
actions:
  description: What was (or in check mode would be) done, in order.
  returned: always
  type: list
  elements: str
  sample: ["create directory build/production/k8s/traefik", "write build/production/k8s/traefik/values.yaml"]
"""

from ansible_collections.refarch.network.plugins.module_utils import file_set
from ansible_collections.refarch.network.plugins.module_utils.engine import Run, converged, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    files=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def render(module):
    path = module.params["path"]
    wanted = dict((name, content or None) for name, content in module.params["files"].items())
    bad = sorted(name for name in wanted if not name or "/" in name or name in (".", ".."))
    if bad:
        raise InputError("files", "%s is not a file name inside path" % ", ".join(repr(n) for n in bad))
    exists, have = file_set.read(path, wanted)
    actions = file_set.diff(path, exists, have, wanted, present=module.params["state"] == "present")
    execute(module, actions, file_set.HANDLERS, Run())
    return converged(module, actions, diff=lambda: file_set.file_diffs(actions))


def main():
    module, ok, result = run_module("k8s_release_files", render, ARGUMENT_SPEC, aws=False)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
