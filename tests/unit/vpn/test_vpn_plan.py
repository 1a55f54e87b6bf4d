"""Pure planning of vpn_instance: validation, security group rules, tokens, drift."""

import json

import pytest

from ansible_collections.refarch.network.plugins.module_utils import vpn
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError


def params(**extra):
    base = dict(vpn_port=1194, vpn_protocol="udp", admin_cidrs=[], ssh_cidrs=[], allow_world_console=False,
                mode="nat", client_cidr=None, peers=[], user_data=None)
    base.update(extra)
    return base


def test_defaults_open_only_the_vpn_port():
    desired = vpn.validate(params())
    assert vpn.desired_ingress(params(), desired) == {("udp", 1194, 1194, "0.0.0.0/0"): "VPN clients"}


def test_console_and_ssh_only_from_the_given_networks():
    p = params(admin_cidrs=["203.0.113.0/24"], ssh_cidrs=["198.51.100.7/32"], vpn_port=443, vpn_protocol="udp")
    rules = vpn.desired_ingress(p, vpn.validate(p))
    assert set(rules) == {("udp", 443, 443, "0.0.0.0/0"), ("tcp", 443, 443, "203.0.113.0/24"),
                          ("tcp", 22, 22, "198.51.100.7/32")}


@pytest.mark.parametrize("field", ["admin_cidrs", "ssh_cidrs"])
def test_world_access_to_console_or_ssh_needs_the_explicit_flag(field):
    with pytest.raises(InputError) as err:
        vpn.validate(params(**{field: ["10.0.0.0/8", "0.0.0.0/0"]}))
    assert err.value.field == "%s[1]" % field
    assert vpn.validate(params(allow_world_console=True, **{field: ["0.0.0.0/0"]}))[field] == ["0.0.0.0/0"]


@pytest.mark.parametrize("extra,field", [
    (dict(vpn_port=0), "vpn_port"),
    (dict(vpn_port=443, vpn_protocol="tcp"), "vpn_port"),
    (dict(mode="routed"), "client_cidr"),
    (dict(mode="routed", client_cidr="8.8.8.0/24"), "client_cidr"),
    (dict(peers=[{"owner": "development"}]), "peers"),
    (dict(mode="routed", client_cidr="172.27.224.0/20", peers=[{}]), "peers[0]"),
    (dict(admin_cidrs=["10.0.0.1/8"]), "admin_cidrs[0]"),
    (dict(user_data="x" * 20000), "user_data"),
])
def test_invalid_input_names_the_field(extra, field):
    with pytest.raises(InputError) as err:
        vpn.validate(params(**extra))
    assert err.value.field == field


def test_client_network_may_not_overlap_a_vpc():
    vpn.check_client_cidr("172.27.224.0/20", ["10.120.0.0/16"])
    with pytest.raises(InputError) as err:
        vpn.check_client_cidr("10.120.16.0/20", ["10.110.0.0/16", "10.120.0.0/16"])
    assert "10.120.0.0/16" in err.value.reason


def test_ingress_of_reads_every_kind_of_rule():
    perms = [{"IpProtocol": "udp", "FromPort": 1194, "ToPort": 1194, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
              "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    rules = vpn.ingress_of(perms)
    assert ("udp", 1194, 1194, "0.0.0.0/0") in rules
    other = [r for r in rules if r[0] == "other"]
    assert len(other) == 1 and json.loads(other[0][3])["Ipv6Ranges"]  # revocable as it was read


def test_client_token_is_stable_and_changes_with_what_is_launched():
    token = vpn.client_token("management", "instance/vpn", "ami-1|t3.medium")
    assert token == vpn.client_token("management", "instance/vpn", "ami-1|t3.medium")
    assert len(token) <= 64
    assert token != vpn.client_token("development", "instance/vpn", "ami-1|t3.medium")
    assert token != vpn.client_token("management", "instance/vpn", "ami-2|t3.medium")
    assert token != vpn.client_token("management", "instance/vpn", "ami-1|t3.medium", salt="i-old")


def test_drift_lists_what_needs_a_new_instance():
    instance = {"ImageId": "ami-1", "InstanceType": "t3.medium",
                "Tags": [{"Key": vpn.USER_DATA_TAG, "Value": vpn.digest("a")}]}
    assert vpn.instance_drift(instance, "ami-1", "t3.medium", vpn.digest("a")) == []
    drift = vpn.instance_drift(instance, "ami-2", "t3.large", vpn.digest("b"))
    assert [d[0] for d in drift] == ["image_id", "instance_type", "user_data"]
    assert "replace=true" in vpn.drift_warning(drift)


def test_metadata_must_require_tokens_with_hop_limit_one():
    assert vpn.metadata_ok({"MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}})
    assert not vpn.metadata_ok({"MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 1}})
    assert not vpn.metadata_ok({"MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2}})


def test_ssm_policy_covers_session_manager():
    doc = json.loads(vpn.ssm_policy())
    actions = doc["Statement"][0]["Action"]
    for needed in ("ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel", "ssm:UpdateInstanceInformation",
                   "ec2messages:GetMessages"):
        assert needed in actions
    assert vpn.same_policy(vpn.ssm_policy(), doc)
    assert json.loads(vpn.trust_policy())["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert vpn.iam_name("management") == "refarch-management-vpn"
