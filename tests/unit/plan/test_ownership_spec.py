"""The ownership options are declared once (plan.OWNERSHIP_SPEC) and documented once (the doc
fragment refarch.network.aws.ownership): the two say the same."""

import yaml

from ansible_collections.refarch.network.plugins.doc_fragments.aws import ModuleDocFragment
from ansible_collections.refarch.network.plugins.module_utils.plan import OWNERSHIP_SPEC


def test_the_ownership_spec_is_what_its_fragment_documents():
    documented = yaml.safe_load(ModuleDocFragment.OWNERSHIP)["options"]
    assert sorted(documented) == sorted(OWNERSHIP_SPEC)
    for name, spec in OWNERSHIP_SPEC.items():
        doc = documented[name]
        assert (doc["type"], doc.get("default"), doc.get("choices"), doc.get("required", False)) == (
            spec["type"], spec.get("default"), spec.get("choices"), spec.get("required", False)), name
