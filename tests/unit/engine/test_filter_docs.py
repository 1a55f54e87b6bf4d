"""Each filter's and each module's documentation is its sidecar YAML (as ansible-core's own filters have
it; ansible-doc reads a module's when its Python file holds none), so the Python files hold only code."""
import ast
import glob
import os

import pytest
import yaml

PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins")


@pytest.mark.parametrize("kind, name_key", [("filter", "name"), ("modules", "module")])
def test_every_filter_and_module_is_documented_by_its_sidecar_and_its_python_file_holds_only_code(kind, name_key):
    found = []
    directory = os.path.join(PLUGINS, kind)
    for path in sorted(glob.glob(os.path.join(directory, "*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        tree = ast.parse(open(path).read())
        blocks = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                  if getattr(t, "id", None) in ("DOCUMENTATION", "EXAMPLES", "RETURN")]
        if blocks:
            found.append("%s.py carries %s" % (name, ", ".join(blocks)))
        sidecar = os.path.join(directory, name + ".yml")
        if not os.path.exists(sidecar):
            found.append("%s has no %s.yml" % (name, name))
            continue
        with open(sidecar) as f:
            doc = yaml.safe_load(f)
        if sorted(doc) != ["DOCUMENTATION", "EXAMPLES", "RETURN"] or doc["DOCUMENTATION"].get(name_key) != name:
            found.append("%s.yml: %s, %s %s" % (name, sorted(doc), name_key, doc.get("DOCUMENTATION", {}).get(name_key)))
    assert found == []
