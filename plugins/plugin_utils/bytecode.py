# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cached bytecode for this collection's Python files, as Python keeps for any installed package.

ansible-core's collection loader compiles a collection's file from its source at every import
and keeps no ``__pycache__``, and each worker process Ansible forks imports what its task needs
again (our modules run in the worker: ``in_worker``). Measured on the demo's no-op ``site.yml``:
192 compiles of our files, 0.53 s of CPU a run. ``install``, called by the controller before it
forks, makes that loader read and write a pyc for each file under this collection.

The pyc is Python's own format (PEP 552, checked against the source's mtime and size as Python
does by default), under a name of its own (``.opt-refarch``) so that it is never confused with
the pyc of a plain import of the same file. Anything that cannot be read or written is compiled
as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import importlib.util
import marshal
import os
import sys

COLLECTION = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TAG = "refarch"


def cache_path(source):
    return importlib.util.cache_from_source(source, optimization=TAG)


def _header(stat):
    fields = (0, int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)  # flags 0: checked by timestamp
    return importlib.util.MAGIC_NUMBER + b"".join(f.to_bytes(4, "little") for f in fields)


def load(source):
    """The cached code of ``source`` when its pyc matches the file as it is now, else None."""
    try:
        header = _header(os.stat(source))
        with open(cache_path(source), "rb") as f:
            data = f.read()
        if data[:len(header)] != header:
            return None
        code = marshal.loads(data[len(header):])
    except (OSError, EOFError, ValueError, TypeError):
        return None
    # the file may be reached by another path (a symlinked collection): tracebacks name the one imported
    return code if getattr(code, "co_filename", None) == source else None


def store(source, code):
    """Write the pyc of ``source`` (atomically: workers import at the same time); never fails."""
    if sys.dont_write_bytecode:
        return
    target = cache_path(source)
    temp = "%s.%d.tmp" % (target, os.getpid())
    try:
        header = _header(os.stat(source))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(temp, "wb") as f:
            f.write(header + marshal.dumps(code))
        os.replace(temp, target)
    except (OSError, ValueError):
        try:
            os.unlink(temp)
        except OSError:
            pass


def ours(source):
    return os.path.realpath(source).startswith(COLLECTION + os.sep)


def install():
    """Make ansible-core's collection loader use the cache for this collection's files. True when
    it does; False when that loader is not the one known (another ansible-core): nothing changes."""
    try:
        from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionPkgLoaderBase as loader
        original = loader.get_code
    except (ImportError, AttributeError):
        return False
    if getattr(original, "refarch_bytecode", False):
        return True

    @functools.wraps(original)
    def get_code(self, fullname):
        source = getattr(self, "_source_code_path", None)
        if getattr(self, "_compiled_code", None) is not None or not source or not ours(source):
            return original(self, fullname)
        code = load(source)
        if code is None:
            code = original(self, fullname)
            if code is not None:
                store(source, code)
        self._compiled_code = code
        return code

    get_code.refarch_bytecode = True
    loader.get_code = get_code
    return True
