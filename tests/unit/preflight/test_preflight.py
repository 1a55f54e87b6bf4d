"""The preflight (issue 18): every environment of a run validated offline, every error at once.

The base data is the real inventories (their two templated variables evaluated as Ansible
would); each test lays one bad input over it and reads the lines the preflight reports.
"""

import copy
import glob
import os
import re

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.refarch.network.plugins.filter.preflight import module_specs, preflight, role_options
from ansible_collections.refarch.network.plugins.module_utils import dns, vpn
from ansible_collections.refarch.network.plugins.module_utils.irsa import region_partition
from ansible_collections.refarch.network.plugins.module_utils.tags import owned_tags
from ansible_collections.refarch.network.plugins.module_utils.dns_diff import plan_dns
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.plan import USER_TAG_LIMIT, check_user_tags, plan_network
from ansible_collections.refarch.network.plugins.module_utils.preflight import INVENTORY_VARIABLES, validate_run
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import plan_groups
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_plan import plan_subnet_groups

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load(inventory):
    """{host: its variables} of one inventory directory, templates evaluated as the play would."""
    hosts = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "inventories", inventory, "host_vars", "*", "*.yml"))):
        data = hosts.setdefault(os.path.basename(os.path.dirname(path)), {})
        with open(path) as f:
            data.update(yaml.safe_load(f) or {})
    for name, data in hosts.items():
        if "eks_public_zone" in data:
            data["eks_public_zone"] = data["dns_public_zone"]
        if "eks_persistence_cidrs" in data:
            plan = plan_network(dict(cidr=data["vpc_cidr"], azs=data["azs"], tiers=data["tiers"],
                                     nat_mode=data.get("nat_mode", "single")))
            data["eks_persistence_cidrs"] = sorted(s["cidr"] for s in plan["subnets"].values() if s["tier"] == "persistence")
        if "vpc_base_cidr" in data:   # single_vpc: vpc_cidr is the base shifted by vpc_cidr_offset
            octets = data["vpc_base_cidr"].split(".")
            octets[1] = str(int(octets[1]) + data["vpc_cidr_offset"])
            data["vpc_cidr"] = ".".join(octets)
        data["flow_logs"] = data.get("flow_logs") and dict(data["flow_logs"], iam_role_arn="arn:aws:iam::123456789012:role/x")
    return hosts


DEMO = dict(p for inventory in ("management", "development", "production") for p in load(inventory).items())
SINGLE = dict(p for inventory in ("single_vpc/production", "single_vpc/staging") for p in load(inventory).items())


def run(base=None, roles=None, **changes):
    """The preflight's lines for the demo environments with ``changes`` ({env: {var: value}}) laid over
    (``roles``: the roles' argument specs, as the filter gives them)."""
    environments = copy.deepcopy(DEMO if base is None else base)
    for env, values in changes.items():
        environments[env].update(values)
    return validate_run(environments, module_specs(), role_options=roles)


def one(lines, env, field, reason):
    """The only line is ``<env>: <field>: ...reason...`` (list items may carry their names: ``[0](app)``)."""
    assert len(lines) == 1, lines
    plain = re.sub(r"\]\([^)]*\)", "]", lines[0])
    assert lines[0].startswith("%s: %s: " % (env, field)) or plain.startswith("%s: %s: " % (env, field)), lines
    assert reason in lines[0], lines


def tiers_with(index, **extra):
    tiers = copy.deepcopy(DEMO["production"]["tiers"])
    tiers[index].update(extra)
    return tiers


# --- the real inventories -----------------------------------------------------------------------

def test_the_real_inventories_are_valid():
    assert run() == []
    assert run(SINGLE) == []


def test_every_variable_the_inventories_set_for_the_modules_is_read():
    used = set(k for data in list(DEMO.values()) + list(SINGLE.values()) for k in data)
    assert {"owner", "tiers", "security_groups", "vpc_endpoints", "service_subnet_groups", "dns_records", "peers",
            "peering_tiers", "peering_dns_resolution", "vpn_enabled", "pritunl_vpn_instance_type",
            "eks_persistence_cidrs", "aws_account_email"} <= set(INVENTORY_VARIABLES)
    assert used - set(INVENTORY_VARIABLES) <= {
        "env_name", "dns_reference_label", "vpc_base_cidr", "vpc_cidr_offset",
        "eks_external_dns_policy", "eks_app_namespaces", "eks_plugins_mode", "pritunl_vpn_distribution",
        "pritunl_vpn_route_cidrs", "network_verify_intents"}


# --- unknown tier names in any reference -------------------------------------------------------

def test_peering_tiers_must_be_tiers_of_the_environment():
    one(run(production={"peering_tiers": ["privat"]}), "production", "peering_tiers[0]", "'privat' is not a tier")


def test_transit_gateway_subnet_tier_must_be_a_tier():
    lines = run(management={"connectivity": "transit_gateway", "transit_gateway_subnet_tier": "transit"},
                production={"connectivity": "transit_gateway"}, development={"peers": []})
    one(lines, "management", "transit_gateway_subnet_tier", "'transit' is not a tier")


@pytest.mark.parametrize("endpoints,field", [
    ({"subnet_tier": "privte", "endpoints": [{"service": "sts"}]}, "vpc_endpoints.subnet_tier"),
    ({"subnet_tier": "private", "endpoints": [{"service": "sts", "subnet_tier": "endpoint"}]},
     "vpc_endpoints.endpoints[0].subnet_tier"),
    ({"endpoints": [{"service": "s3", "type": "Gateway", "route_table_tiers": ["private", "data"]}]},
     "vpc_endpoints.endpoints[0].route_table_tiers[1]"),
])
def test_endpoint_tiers_must_be_tiers(endpoints, field):
    one(run(production={"vpc_endpoints": endpoints}), "production", field, "is not a tier of production")


def test_endpoint_groups_must_be_groups_of_the_environment():
    endpoints = {"subnet_tier": "private", "security_groups": ["app", "default", "sg-0123", "ap"],
                 "endpoints": [{"service": "sts"}]}
    lines = run(production={"vpc_endpoints": endpoints})
    one(lines, "production", "vpc_endpoints.security_groups[3]", "'ap' is not a group of security_groups")


def test_endpoint_options_are_known():
    one(run(production={"vpc_endpoints": {"subnet_tier": "private", "endpoint": [{"service": "sts"}]}}),
        "production", "vpc_endpoints.endpoint", "unknown option")


def test_subnet_group_tier_must_be_a_tier_spanning_two_zones():
    one(run(production={"service_subnet_groups": [{"name": "production-db", "kind": "rds", "tier": "databases"}]}),
        "production", "service_subnet_groups[0].tier", "'databases' is not a tier")
    one(run(production={"tiers": tiers_with(2, az_count=1), "eks_persistence_cidrs": None,
                        "service_subnet_groups": [{"name": "production-db", "tier": "persistence"}]}),
        "production", "service_subnet_groups[0](production-db).tier", "two availability zones")


def test_vpn_tier_must_be_a_tier():
    one(run(management={"pritunl_vpn_subnet_tier": "dmz"}), "management", "pritunl_vpn_subnet_tier", "'dmz' is not a tier")


def test_eks_persistence_cidrs_must_be_subnets_of_the_environment():
    # the inventory selects the tier named persistence: renamed, it selects nothing
    renamed = tiers_with(2, name="data")
    lines = run(production={"tiers": renamed, "peering_tiers": ["private", "data"], "eks_persistence_cidrs": []})
    one(lines, "production", "eks_persistence_cidrs", "selects no subnet")
    one(run(production={"eks_persistence_cidrs": ["10.99.0.0/21"]}), "production", "eks_persistence_cidrs[0]",
        "not a subnet of production")


def test_tier_references_are_checked_even_when_the_plan_fails_elsewhere():
    lines = run(production={"peering_tiers": ["privat"], "tiers": tiers_with(0, tags={"refarch:owner": "x"})})
    assert [line.split(": ")[1] for line in lines] == ["tiers[0](public).tags.refarch:owner", "peering_tiers[0]"]


# --- the region and its zones --------------------------------------------------------------------

def test_zones_must_be_of_the_environments_region():
    """vpc_tiers finds zones of another region only in its read stage, after the other environments'
    writes in the same task: the preflight refuses them before the run's first write."""
    lines = run(production={"aws_region": "eu-west-1"})
    assert lines == ["production: azs[%d]: us-east-1%s is a zone of us-east-1, not of aws_region eu-west-1" % (i, z)
                     for i, z in enumerate("abc")]
    assert run(production={"aws_region": "eu-west-1", "azs": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}) == []


@pytest.mark.parametrize("region", ["us-east-l", "US-EAST-1", "useast1", 3, ["us-east-1"]])
def test_the_region_must_be_a_region_name(region):
    one(run(production={"aws_region": region}), "production", "aws_region", "is not the name of an AWS region")


def in_region(region):
    """Production moved to ``region``: its zones are that region's."""
    return dict(aws_region=region, azs=[region + zone for zone in "abc"])


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-northwest-1", "eu-isoe-west-1", "ap-southeast-5", "mx-central-1"])
def test_every_partition_s_region_names_are_region_names(region):
    policy = lbc_policy(region_partition(region))
    assert run(production=dict(in_region(region), eks_load_balancer_controller_policy=policy)) == []


# --- booleans are booleans ------------------------------------------------------------------------

@pytest.mark.parametrize("env,changes,field", [
    ("production", {"peering_dns_resolution": "false"}, "peering_dns_resolution"),
    ("management", {"transit_gateway_hub": "yes"}, "transit_gateway_hub"),
    ("management", {"vpn_enabled": "true"}, "vpn_enabled"),
    ("production", {"lockdown_default_sg": "false"}, "lockdown_default_sg"),
    ("production", {"purge_unplanned": "no"}, "purge_unplanned"),
    ("production", {"tiers": tiers_with(0, map_public_ip="true")}, "tiers[0].map_public_ip"),
    ("management", {"pritunl_vpn_allow_world_console": "false"}, "pritunl_vpn_allow_world_console"),
    ("production", {"vpc_endpoints": {"subnet_tier": "private", "endpoints": [{"service": "sts", "private_dns": "false"}]}},
     "vpc_endpoints.endpoints[0].private_dns"),
    ("production", {"security_groups": [{"name": "web", "description": "web", "purge_rules": "true",
                                         "ingress": [{"ports": 443, "cidr": "10.0.0.0/8"}]}]},
     "security_groups[0].purge_rules"),
])
def test_a_string_is_never_a_boolean(env, changes, field):
    one(run(**{env: changes}), env, field, "expected true or false (unquoted), got")


def test_real_booleans_pass():
    assert run(production={"peering_dns_resolution": False, "lockdown_default_sg": False, "purge_unplanned": True}) == []


# --- DNS record names -----------------------------------------------------------------------------

def test_an_absolute_record_name_outside_the_zone_is_refused():
    records = [{"zone": "private", "name": "db.other.com.", "type": "A", "values": ["10.130.0.10"]}]
    one(run(production={"dns_records": records}), "production", "dns_records[0].name",
        "absolute name outside the zone production.internal.")


def test_absolute_names_inside_the_zone_and_relative_names_pass():
    records = [{"zone": "private", "name": "db.production.internal.", "type": "A", "values": ["10.130.0.10"]},
               {"zone": "public", "name": "api", "type": "CNAME", "values": ["lb.example.net"]},
               {"zone": "public", "name": "db.other.com", "type": "A", "values": ["203.0.113.7"]}]
    assert run(production={"dns_records": records}) == []


def test_the_dns_planner_refuses_it_too_for_a_direct_module_call():
    params = dict(owner="production", state="present", vpc_id=None, tags={}, assume_role_arn=None,
                  private_zone=dict(enabled=True, name="production.internal", vpcs=[]), public_zone=None,
                  records=[dict(zone="private", name="db.other.com.", type="A", values=["10.0.0.1"], ttl=300)])
    with pytest.raises(InputError) as err:
        plan_dns(params)
    assert err.value.field == "records[0].name"
    assert dns.record_name("db.production.internal.", "production.internal.") == "db.production.internal."
    assert dns.record_name("db.other.com", "production.internal.") == "db.other.com.production.internal."


def test_the_vpn_record_name_is_checked_in_its_zone():
    one(run(management={"pritunl_vpn_dns_record": "vpn.example.org."}), "management", "pritunl_vpn_dns_record",
        "outside the zone mgt.example.com.")


# --- tags -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes,field", [
    ({"resource_tags": {"refarch:owner": "x"}}, "resource_tags.refarch:owner"),
    ({"resource_tags": {"refarch:key": "vpc"}}, "resource_tags.refarch:key"),
    ({"tiers": tiers_with(1, tags={"refarch:owner": "x"})}, "tiers[1](private).tags.refarch:owner"),
    ({"security_groups": [{"name": "web", "description": "web", "tags": {"refarch:tier": "x"}}]},
     "security_groups[0](web).tags.refarch:tier"),
    ({"service_subnet_groups": [{"name": "production-db", "tier": "persistence", "tags": {"refarch:module": "x"}}]},
     "service_subnet_groups[0](production-db).tags.refarch:module"),
])
def test_ownership_tags_cannot_be_set(changes, field):
    one(run(production=changes), "production", field, "refarch: tags are the collection's ownership tags")


def test_aws_tag_keys_are_refused():
    one(run(production={"resource_tags": {"aws:cloudformation:stack-name": "x"}}), "production",
        "resource_tags.aws:cloudformation:stack-name", "reserved by AWS")


def test_the_modules_refuse_ownership_tags_too():
    with pytest.raises(InputError) as err:
        owned_tags("production", "vpc", "production", {"refarch:owner": "management"})
    assert err.value.field == "tags.refarch:owner"
    with pytest.raises(InputError):
        plan_network(dict(cidr="10.0.0.0/16", azs=["us-east-1a"], tiers=[
            {"name": "public", "route": "internet", "prefix": 20, "tags": {"refarch:owner": "x"}}]))
    with pytest.raises(InputError):
        plan_groups([{"name": "web", "tags": {"aws:x": "y"}}], "production")
    with pytest.raises(InputError):
        plan_subnet_groups([{"name": "db", "tier": "persistence", "tags": {"refarch:key": "y"}}], "production")


def test_at_most_fifty_tags_on_a_resource_counting_ours():
    tags = dict(("team%d" % n, "x") for n in range(USER_TAG_LIMIT))
    assert run(production={"resource_tags": tags}) == []
    tags["one-more"] = "x"
    one(run(production={"resource_tags": tags}), "production", "resource_tags", "at most %d" % USER_TAG_LIMIT)
    with pytest.raises(InputError):
        owned_tags("production", "vpc", "production", tags)


def test_a_subnet_carries_the_resource_tags_and_its_tier_s():
    resource = dict(("team%d" % n, "x") for n in range(30))
    tier = dict(("cost%d" % n, "x") for n in range(20))
    one(run(production={"resource_tags": resource, "tiers": tiers_with(1, tags=tier)}), "production",
        "tiers[1](private).tags", "50 tags with resource_tags")


def test_tag_lengths():
    one(run(production={"resource_tags": {"k" * 129: "x"}}), "production", "resource_tags.%s" % ("k" * 129),
        "AWS allows 128")
    one(run(production={"resource_tags": {"team": "v" * 257}}), "production", "resource_tags.team", "AWS allows 256")
    check_user_tags({"k" * 128: "v" * 256}, "tags")


def test_a_name_too_long_is_refused():
    one(run(production={"vpc_name": "n" * 240}), "production", "vpc_name", "AWS allows 256")


@pytest.mark.parametrize("owner", ["", None, "   "])
def test_an_empty_owner_is_refused(owner):
    lines = run(production={"owner": owner})
    assert lines and lines[0].startswith("production: owner: required"), lines
    with pytest.raises(InputError) as err:
        owned_tags(owner, "vpc", "x")
    assert err.value.field == "owner"


# --- the VPN instance -----------------------------------------------------------------------------

@pytest.mark.parametrize("instance_type", ["t3.mediun", "t3medium", "T3.medium", "medium", "t3."])
def test_an_instance_type_that_is_not_family_size_is_refused(instance_type):
    one(run(management={"pritunl_vpn_instance_type": instance_type}), "management", "pritunl_vpn_instance_type",
        "is not an EC2 instance type")


@pytest.mark.parametrize("instance_type", ["t3.medium", "m7i-flex.2xlarge", "c7i.metal-24xl", "u-6tb1.metal"])
def test_real_instance_types_pass(instance_type):
    assert run(management={"pritunl_vpn_instance_type": instance_type}) == []


def test_root_volume_range_and_image_size():
    one(run(management={"pritunl_vpn_root_volume_size": 0}), "management", "pritunl_vpn_root_volume_size", "out of range")
    image = {"ImageId": "ami-1", "RootDeviceName": "/dev/xvda",
             "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30}}]}
    vpn.check_root_volume(30, image)
    with pytest.raises(InputError) as err:
        vpn.check_root_volume(20, image)
    assert err.value.field == "root_volume_size" and "smaller than the root volume of image ami-1 (30 GiB)" in err.value.reason


def test_the_vpn_role_s_defaults_stand_for_what_the_inventory_leaves_out():
    hostvars = copy.deepcopy(DEMO)
    hostvars["management"]["pritunl_vpn_mode"] = "routed"   # the role's default client network applies
    del hostvars["management"]["pritunl_vpn_client_cidr"]
    assert preflight(hostvars, list(hostvars)) == ["development", "management", "production"]
    hostvars["management"]["pritunl_vpn_distribution"] = "debian-12"
    with pytest.raises(AnsibleFilterError) as err:
        preflight(hostvars, list(hostvars))
    assert "management: pritunl_vpn_distribution: 'debian-12' is not one of amazon-linux-2023, ubuntu-24.04" in str(err.value)


def test_the_vpn_is_validated_only_where_it_is_enabled():
    assert run(development={"pritunl_vpn_instance_type": "bogus"}) == []


# --- the whole run at once ------------------------------------------------------------------------

def test_every_environment_s_errors_are_reported_at_once():
    bastion = {"name": "bastion", "description": "b", "ingress": [{"ports": 22, "cidr": "0.0.0.0/0"}]}
    lines = run(production={"peering_tiers": ["privat"], "security_groups": [bastion]},
                development={"dns_records": [{"name": "db.other.com.", "type": "A", "values": ["10.110.0.9"]}]},
                management={"pritunl_vpn_instance_type": "t3.mediun"})
    assert [line.split(": ")[:2] for line in lines] == [
        ["development", "dns_records[0].name"], ["management", "pritunl_vpn_instance_type"],
        ["production", "security_groups[0](bastion).ingress[0]"], ["production", "peering_tiers[0]"]]


def test_one_bad_security_group_names_its_environment_and_field():
    groups = copy.deepcopy(DEMO["production"]["security_groups"])
    groups[2]["ingress"][0]["cidr"] = "0.0.0.0/0"
    lines = run(production={"security_groups": groups})
    one(lines, "production", "security_groups[2](persistence).ingress[0]", "opens port")


def test_module_option_types_are_converted_as_the_module_would():
    assert run(production={"tiers": tiers_with(0, prefix="20"), "az_slots": "4"}) == []
    one(run(production={"nat_mode": "per_vpc"}), "production", "nat_mode", "must be one of")
    one(run(production={"tiers": tiers_with(0, zones=3)}), "production", "tiers[0](public).zones", "unknown option (known: ")


def test_cross_environment_links():
    one(run(development={"vpc_cidr": "10.120.0.0/16", "eks_persistence_cidrs": None}), "management", "vpc_cidr",
        "the VPCs overlap")
    one(run(production={"connectivity": "transit_gateway"}), "production", "connectivity", "must agree")


def test_accounts():
    one(run(production={"aws_account_email": "management@example.com"}), "production", "aws_account_email", "used twice")
    one(run(production={"aws_account_id": "12345"}), "production", "aws_account_id", "12 digits")


def test_an_unreadable_variable_is_reported_and_its_concern_skipped():
    lines = validate_run(copy.deepcopy(DEMO), module_specs(), {"production": {"tiers": "'foo' is undefined"}})
    one(lines, "production", "tiers", "cannot be evaluated: 'foo' is undefined")


# --- the filter -----------------------------------------------------------------------------------

def test_the_filter_returns_the_environments_or_raises_every_error():
    hostvars = copy.deepcopy(DEMO)
    assert preflight(hostvars, ["production", "management", "development"]) == ["development", "management", "production"]
    hostvars["production"]["peering_tiers"] = ["privat"]
    hostvars["development"]["peering_dns_resolution"] = "false"
    with pytest.raises(AnsibleFilterError) as err:
        preflight(hostvars, list(hostvars))
    text = str(err.value)
    assert "refused before any AWS write (2 errors)" in text
    assert "development: peering_dns_resolution:" in text and "production: peering_tiers[0]:" in text


def test_only_the_environments_of_the_run_are_validated():
    hostvars = copy.deepcopy(DEMO)
    hostvars["development"]["tiers"] = "broken"
    assert preflight(hostvars, ["production", "management"]) == ["management", "production"]


def test_the_roles_variables_are_refused_before_any_write_not_when_their_play_runs():
    """network_verify and pritunl_vpn run without their own argument check: the preflight checks
    every role variable an inventory sets against the role's argument spec instead."""
    hostvars = copy.deepcopy(DEMO)
    hostvars["production"]["network_verify_unverifiable"] = "wrn"
    hostvars["management"]["pritunl_vpn_validate_certs"] = "sure"
    hostvars["management"]["network_verify_db_port"] = "postgres"
    with pytest.raises(AnsibleFilterError) as err:
        preflight(hostvars, list(hostvars))
    text = str(err.value)
    assert "production: network_verify_unverifiable: value of network_verify_unverifiable must be one of: warn, fail, " \
           "ignore, got: wrn" in text
    assert "management: network_verify_db_port:" in text and "to int" in text
    # a module option is checked once, as the option (pritunl_vpn_validate_certs is a boolean no module has)
    assert text.count("pritunl_vpn_validate_certs") == 1 and "3 errors" in text


class LikeHostvars(dict):
    """An environment's hostvars in which network_verify_intents names a role default
    (network_verify_single_vpc_intents, as the single-VPC inventories do): evaluating it fails."""

    def __getitem__(self, key):
        if key == "network_verify_intents":
            raise ValueError("'network_verify_single_vpc_intents' is undefined")
        return dict.__getitem__(self, key)


def test_a_role_variable_that_names_the_roles_own_defaults_is_left_to_its_module():
    hostvars = dict((env, LikeHostvars(data, network_verify_intents=None)) for env, data in copy.deepcopy(SINGLE).items())
    assert preflight(hostvars, list(hostvars)) == sorted(hostvars)


# --- issue 19: split-horizon DNS and the environments the VPN serves ----------------------------

def test_split_horizon_names_the_private_zone_after_the_public_one():
    assert run(production={"dns_split_horizon": True, "dns_private_zone": "prod.example.com."}) == []
    data = copy.deepcopy(DEMO)
    del data["production"]["dns_private_zone"]
    assert run(data, production={"dns_split_horizon": True}) == []


def test_split_horizon_refuses_another_private_name_and_a_missing_public_zone():
    one(run(production={"dns_split_horizon": True}), "production", "dns_private_zone",
        "dns_split_horizon names the private zone after dns_public_zone")
    data = copy.deepcopy(DEMO)
    del data["production"]["dns_public_zone"], data["production"]["dns_parent_zone"]
    one(run(data, production={"dns_split_horizon": True}), "production", "dns_split_horizon", "needs dns_public_zone")
    one(run(production={"dns_split_horizon": "yes"}), "production", "dns_split_horizon", "expected true or false")


# --- the ACME contact ---------------------------------------------------------------------------

def test_acme_placeholder_is_refused_in_apply_mode_only():
    assert run(production={"eks_plugins_mode": "render"}) == []   # the demo renders with the placeholder
    one(run(production={"eks_plugins_mode": "apply"}), "production", "eks_acme_email", "placeholder")
    one(run(production={"eks_plugins_mode": "apply", "eks_acme_email": "ops@example.com"}), "production",
        "eks_acme_email", "Let's Encrypt refuses contacts at example.com")
    assert run(production={"eks_plugins_mode": "apply", "eks_acme_email": "ops@corp.io"}) == []
    one(run(production={"eks_acme_email": "not-an-address"}), "production", "eks_acme_email", "contact address")


def test_plugin_names_are_kubernetes_names():
    assert run(production={"traefik_namespace": "edge", "external_dns_service_account": "dns.sa"}) == []
    one(run(production={"cert_manager_namespace": "Cert_Manager"}), "production", "cert_manager_namespace",
        "not a valid Kubernetes namespace name")
    one(run(production={"aws_load_balancer_controller_service_account": "-lb"}), "production",
        "aws_load_balancer_controller_service_account", "service account")


# --- the load balancer controller's IAM policy ---------------------------------------------------

def lbc_policy(partition):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:CreateTags"], "Resource": "arn:%s:ec2:*:*:security-group/*" % partition}]}


def production(base=None, **values):
    """The lines with the roles' argument specs (the chart version the shipped policy is for), ``values`` in production."""
    return run(base, role_options(), production=values)


POLICY = "eks_load_balancer_controller_policy"


def test_the_lbc_policy_must_fit_the_region_s_partition():
    assert production(**{POLICY: lbc_policy("aws")}) == []
    one(production(**in_region("cn-north-1")), "production", POLICY, "is needed in aws-cn (region cn-north-1)")
    one(production(**dict(in_region("us-gov-west-1"), **{POLICY: lbc_policy("aws")})), "production", POLICY,
        "names ARNs of partition aws, but the account is in aws-us-gov")
    assert production(**dict(in_region("cn-north-1"), **{POLICY: lbc_policy("aws-cn")})) == []


def test_the_lbc_policy_must_be_a_policy_document():
    one(production(**{POLICY: {"Version": "2012-10-17"}}), "production", POLICY,
        "expected an IAM policy document with a Statement list")
    one(production(**{POLICY: ["s3:*"]}), "production", POLICY, "dict")


def test_another_chart_version_needs_the_policy_of_its_controller():
    shipped = role_options()["aws_load_balancer_controller_chart_version"]["default"]
    assert production(aws_load_balancer_controller_chart_version=shipped) == []
    one(production(aws_load_balancer_controller_chart_version="9.9.9"), "production", POLICY,
        "is needed for chart 9.9.9: the collection ships the IAM policy of chart %s's controller" % shipped)
    assert production(aws_load_balancer_controller_chart_version="9.9.9", **{POLICY: lbc_policy("aws")}) == []
    no_cluster = copy.deepcopy(DEMO)
    del no_cluster["production"]["eks_cluster_name"]   # an environment without a cluster runs no controller
    assert production(no_cluster, aws_load_balancer_controller_chart_version="9.9.9") == []
    # a removal gives no policy, wherever it runs
    assert production(aws_load_balancer_controller_chart_version="9.9.9", refarch_state="absent",
                      **in_region("cn-north-1")) == []
