# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A directory of named files converged in one step: read, diff to actions, apply.

``diff`` is pure: from what the directory holds and what is wanted ({name: content, or None for
"must not exist"}), the actions in order, each a tuple (verb, path[, content]). Only the names
given are looked at: a file of another name in the directory is never touched, except when the
whole directory is removed (``state=absent``), as a release's directory is its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil


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
        return [("remove directory", directory)] if exists else []
    actions = [] if exists else [("create directory", directory)]
    for name in sorted(wanted):
        path = os.path.join(directory, name)
        if wanted[name] is None:
            if have.get(name) is not None:
                actions.append(("remove", path))
        elif have.get(name) != wanted[name]:
            actions.append(("write", path, wanted[name]))
    return actions


def file_diffs(directory, have, actions):
    """Ansible's list of diffs (one per file written or removed), for ``--diff``."""
    out = []
    for action in actions:
        name = os.path.relpath(action[1], directory)
        if action[0] == "write":
            out.append(dict(before_header=action[1], after_header=action[1], before=have.get(name) or "",
                            after=action[2]))
        elif action[0] == "remove":
            out.append(dict(before_header=action[1], after_header=action[1], before=have.get(name) or "", after=""))
        elif action[0] == "remove directory":
            out.append(dict(before_header=action[1], after_header=action[1], before="directory\n", after="absent\n"))
    return out


def apply(actions, dir_mode=0o755, file_mode=0o644):
    """Carry the actions out, in order."""
    for action in actions:
        verb, path = action[0], action[1]
        if verb == "create directory":
            os.makedirs(path)
            os.chmod(path, dir_mode)
        elif verb == "remove directory":
            shutil.rmtree(path)
        elif verb == "remove":
            os.remove(path)
        else:
            with open(path, "w") as f:
                f.write(action[2])
            os.chmod(path, file_mode)
