"""Each filter plugin's documentation is its sidecar YAML, as ansible-core's own filters have it."""
import ast
import glob
import os

import yaml

FILTERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins", "filter")


def test_every_filter_is_documented_by_its_sidecar_and_its_python_file_holds_only_code():
    found = []
    for path in sorted(glob.glob(os.path.join(FILTERS, "*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        tree = ast.parse(open(path).read())
        blocks = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                  if getattr(t, "id", None) in ("DOCUMENTATION", "EXAMPLES", "RETURN")]
        if blocks:
            found.append("%s.py carries %s" % (name, ", ".join(blocks)))
        sidecar = os.path.join(FILTERS, name + ".yml")
        if not os.path.exists(sidecar):
            found.append("%s has no %s.yml" % (name, name))
            continue
        with open(sidecar) as f:
            doc = yaml.safe_load(f)
        if sorted(doc) != ["DOCUMENTATION", "EXAMPLES", "RETURN"] or doc["DOCUMENTATION"].get("name") != name:
            found.append("%s.yml: %s, name %s" % (name, sorted(doc), doc.get("DOCUMENTATION", {}).get("name")))
    assert found == []
