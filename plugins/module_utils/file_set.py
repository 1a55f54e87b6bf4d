# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A directory of named files converged in one step: read, diff to actions, apply (engine.execute).

``diff`` is pure: from what the directory holds and what is wanted ({name: content, or None for
"must not exist"}), the engine actions in order, keyed by path. Only the names given are looked
at: a file of another name in the directory is never touched, except when the whole directory is
removed (``state=absent``), as a release's directory is its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import os
import shutil

from ansible_collections.refarch.network.plugins.module_utils.actions import Action

DIR_MODE, FILE_MODE = 0o755, 0o644


def read(directory, names):
    """(whether the directory exists, {name: its content or None})."""
    have = {}
    for name in names:
        try:
            with open(os.path.join(directory, name)) as f:
                have[name] = f.read()
        except (IOError, OSError):
            have[name] = None
    return os.path.isdir(directory), have


def diff(directory, exists, have, wanted, present=True):
    """The actions that make the directory hold ``wanted`` (or be gone when not ``present``)."""
    if not present:
        return [Action("remove_dir", directory, "remove directory " + directory)] if exists else []
    actions = [] if exists else [Action("create_dir", directory, "create directory " + directory)]
    for name in sorted(wanted):
        path = os.path.join(directory, name)
        if wanted[name] is None:
            if have.get(name) is not None:
                actions.append(Action("remove", path, "remove " + path, before=have[name], after=""))
        elif have.get(name) != wanted[name]:
            actions.append(Action("write", path, "write " + path, before=have.get(name) or "", after=wanted[name]))
    return actions


def file_diffs(actions):
    """Ansible's list of diffs, one per file written or removed, for ``--diff``."""
    return [dict(before_header=a.key, after_header=a.key, before=a.before, after=a.after)
            for a in actions if a.op in ("write", "remove")]


def _file_error(handler):
    """An OSError as the engine reports a failed action (ExecutionFailed names the action)."""
    @functools.wraps(handler)
    def run(run_, action):
        try:
            return handler(run_, action)
        except (IOError, OSError) as e:
            raise RuntimeError("%s: %s" % (e.strerror or e, action.key))
    return run


@_file_error
def _create_dir(_run, action):
    os.makedirs(action.key)
    os.chmod(action.key, DIR_MODE)


@_file_error
def _remove_dir(_run, action):
    shutil.rmtree(action.key)


@_file_error
def _remove(_run, action):
    os.remove(action.key)


@_file_error
def _write(_run, action):
    with open(action.key, "w") as f:
        f.write(action.after)
    os.chmod(action.key, FILE_MODE)


HANDLERS = {"create_dir": _create_dir, "remove_dir": _remove_dir, "remove": _remove, "write": _write}
