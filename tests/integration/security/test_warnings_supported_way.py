"""A module that warns returns the warning once, the supported way (``module.warn``), and no
deprecation: amazon.aws's ``AnsibleAWSModule`` would also pass it to ``exit_json`` as
``warnings=``, which ansible-core 2.19+ deprecates on every run that warns."""


def test_a_warning_is_returned_once_without_a_deprecation(aws, module):
    # check mode before vpc_tiers built the VPC: security_groups warns and plans against an empty VPC
    result = module("security_groups", dict(owner="production", region="us-east-1", groups=[dict(name="app")]),
                    check_mode=True)
    assert not result.failed, result
    texts = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    assert len([t for t in texts if "no VPC is owned by production yet" in t]) == 1, texts
    assert not result.get("deprecations"), result["deprecations"]
