# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: k8s_owned
short_description: Mark Kubernetes objects as the collection's
version_added: 0.1.0
description:
  - Returns the objects with the label C(app.kubernetes.io/managed-by=refarch.network) added, the
    mark the C(refarch.network.k8s_release) role puts on every plain manifest it renders or applies;
    P(refarch.network.k8s_removal#filter) reads it.
options:
  _input:
    description: Kubernetes objects (C(apiVersion), C(kind), C(metadata.name), C(metadata.namespace)).
    type: list
    elements: dict
    required: true
extends_documentation_fragment:
  - refarch.network.common
"""

EXAMPLES = r"""
- name: Mark the manifests
  ansible.builtin.set_fact:
    manifests: "{{ manifests | refarch.network.k8s_owned }}"
"""

RETURN = r"""
_value:
  description: Copies of the objects, in input order, carrying the label.
  type: list
  elements: dict
"""

from ansible_collections.refarch.network.plugins.module_utils.k8s_objects import mark


def k8s_owned(objects):
    return mark(objects)


class FilterModule(object):
    def filters(self):
        return {"k8s_owned": k8s_owned}
