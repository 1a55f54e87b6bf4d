# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: k8s_removal
short_description: The Kubernetes objects a removal may delete
version_added: 0.1.0
description:
  - Returns the objects of O(_input) that the C(refarch.network.k8s_release) role deletes on removal
    (C(state=absent) in apply mode), given what the cluster holds (O(live)).
  - Only objects that exist and carry the collection's mark (the label
    C(app.kubernetes.io/managed-by=refarch.network) that
    P(refarch.network.k8s_owned#filter) adds) are
    deleted; an object of the same name that someone else made is left alone.
  - A C(Namespace) is never deleted, not even one the collection created, since others may have put
    workloads in it; the mark lets an operator find the ones it created.
options:
  _input:
    description: The release's manifests (C(apiVersion), C(kind), C(metadata.name), C(metadata.namespace)).
    type: list
    elements: dict
    required: true
  live:
    description: The same objects as read from the cluster (objects that do not exist left out).
    type: list
    elements: dict
    required: true
  foreign:
    description:
      - Return instead the objects of O(_input) that exist without the mark (someone else's, C(Namespace)s
        aside), which an apply must not take over.
    type: bool
    default: false
extends_documentation_fragment:
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Delete only what the collection made
  kubernetes.core.k8s:
    definition: "{{ manifests | refarch.network.k8s_removal(live_objects) }}"
    state: absent
"""

RETURN = r"""
_value:
  description: The objects to delete (or with O(foreign), the objects someone else made), in input order.
  type: list
  elements: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.k8s_objects import foreign as foreign_objects, removal


def k8s_removal(objects, live, foreign=False):
    return foreign_objects(objects, live) if foreign else removal(objects, live)


class FilterModule(object):
    def filters(self):
        return {"k8s_removal": k8s_removal}
