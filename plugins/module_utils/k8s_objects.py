# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Kubernetes objects are the collection's: the mark it puts on its plain manifests, and the
objects a removal may delete (the filters k8s_owned and k8s_removal; pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

MANAGED_BY = "app.kubernetes.io/managed-by"
OWNER = "refarch.network"


def identity(obj):
    """(API group, kind, namespace, name): what names one object in a cluster."""
    meta = obj.get("metadata") or {}
    api = obj.get("apiVersion") or ""
    return (api.split("/")[0] if "/" in api else "", obj.get("kind"), meta.get("namespace") or "", meta.get("name"))


def is_owned(obj):
    return ((obj.get("metadata") or {}).get("labels") or {}).get(MANAGED_BY) == OWNER


def mark(objects):
    """Copies of ``objects`` carrying the collection's label."""
    marked = []
    for obj in objects:
        obj = copy.deepcopy(obj)
        obj.setdefault("metadata", {})
        obj["metadata"]["labels"] = dict(obj["metadata"].get("labels") or {}, **{MANAGED_BY: OWNER})
        marked.append(obj)
    return marked


def removal(objects, live):
    """The objects of ``objects`` a removal deletes: those the cluster holds (``live``) with our
    mark, never a Namespace (kept even when we created it: others may have put workloads in it)."""
    owned = set(identity(obj) for obj in live or [] if is_owned(obj))
    return [obj for obj in objects if obj.get("kind") != "Namespace" and identity(obj) in owned]


def foreign(objects, live):
    """The objects of ``objects`` the cluster holds without our mark (someone else's), Namespaces aside."""
    theirs = set(identity(obj) for obj in live or [] if not is_owned(obj))
    return [obj for obj in objects if obj.get("kind") != "Namespace" and identity(obj) in theirs]
