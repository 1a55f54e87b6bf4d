"""bytecode.install: ansible-core's collection loader reads and writes a pyc for our files only."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# One import as a worker makes it: ansible's collection finder, then bytecode.install() (the
# controller's warm-up), then the import. Prints how many of the imported files were compiled.
IMPORT = r"""
import builtins, sys
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
from ansible_collections.refarch.network.plugins.plugin_utils import bytecode
assert bytecode.install()
compiled, original = [], builtins.compile
builtins.compile = lambda source, filename, *a, **k: compiled.append(filename) or original(source, filename, *a, **k)
module = __import__(sys.argv[2], fromlist=["_"])
print(len([f for f in compiled if f.endswith(".py")]), getattr(module, "VALUE", None))
"""


@pytest.fixture
def collections(tmp_path):
    """A copy of the collection's plugins and a foreign collection, as a collections path."""
    ours = tmp_path / "ansible_collections" / "refarch" / "network"
    shutil.copytree(os.path.join(ROOT, "plugins", "plugin_utils"), str(ours / "plugins" / "plugin_utils"))
    (ours / "plugins" / "module_utils").mkdir(parents=True)
    (ours / "plugins" / "module_utils" / "sample.py").write_text("VALUE = 'first'\n")
    foreign = tmp_path / "ansible_collections" / "other" / "coll" / "plugins" / "module_utils"
    foreign.mkdir(parents=True)
    (foreign / "sample.py").write_text("VALUE = 'foreign'\n")
    return tmp_path


def run(path, module, write=True):
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run([sys.executable, "-c", IMPORT, str(path), module], env=env, check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout.split()
    return int(out[0]), out[1]


SAMPLE = "ansible_collections.refarch.network.plugins.module_utils.sample"


def pycs(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*.opt-refarch.pyc"))


def test_a_later_worker_imports_our_files_without_compiling_them(collections):
    assert run(collections, SAMPLE) == (1, "first")
    assert "ansible_collections/refarch/network/plugins/module_utils/__pycache__/sample.cpython-%d%d.opt-refarch.pyc" % (
        sys.version_info[:2]) in pycs(collections)
    assert run(collections, SAMPLE) == (0, "first")


def test_a_changed_file_is_compiled_again(collections):
    run(collections, SAMPLE)
    source = collections / "ansible_collections" / "refarch" / "network" / "plugins" / "module_utils" / "sample.py"
    source.write_text("VALUE = 'second'\n")  # within the same second, but of another size
    assert run(collections, SAMPLE) == (1, "second")
    assert run(collections, SAMPLE) == (0, "second")


def test_no_pyc_is_written_when_python_is_told_not_to(collections):
    assert run(collections, SAMPLE, write=False) == (1, "first")
    assert not [p for p in pycs(collections) if "module_utils" in p]
    assert run(collections, SAMPLE, write=False) == (1, "first")


def test_another_collection_is_left_as_ansible_loads_it(collections):
    assert run(collections, "ansible_collections.other.coll.plugins.module_utils.sample") == (1, "foreign")
    assert run(collections, "ansible_collections.other.coll.plugins.module_utils.sample") == (1, "foreign")
    assert not list((collections / "ansible_collections" / "other").rglob("*.pyc"))
