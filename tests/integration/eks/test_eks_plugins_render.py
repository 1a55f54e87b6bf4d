"""playbooks/eks_plugins.yml in render mode for every environment, against the emulator.

As in the demo: playbooks/accounts.yml gives each environment its own account; the cluster
record and the public zone are created in that account; then one eks_plugins run over the
three inventories builds the IRSA side and renders <dir>/<env>/; the tests read the files and
compare them with the real state of each account.
"""

import copy
import ipaddress
import os
import re
import subprocess

import boto3
import kubernetes_validate
import pytest
import yaml

from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network
from clusterissuer_schema import cluster_issuer_errors

ROLE = "arn:aws:iam::%s:role/OrganizationAccountAccessRole"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENVS = ("management", "development", "production")
K8S_VERSION = "1.37.0"


def load_inventory(env, name):
    with open(os.path.join(ROOT, "inventories", env, "host_vars", env, name)) as f:
        return yaml.safe_load(f)


def run_playbook(out_dir, *extra, **kw):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"])
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook")]
    for name in ENVS:
        cmd += ["-i", os.path.join(ROOT, "inventories", name)]
    cmd += [os.path.join(ROOT, "playbooks", kw.get("playbook", "eks_plugins.yml")),
            "-e", "eks_render_dir=%s/{{ inventory_hostname }}" % out_dir]
    proc = subprocess.run(cmd + list(extra), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def recap(stdout):
    return dict((m.group(1), dict(ok=int(m.group(2)), changed=int(m.group(3))))
                for m in re.finditer(r"^(\w+)\s+: ok=(\d+)\s+changed=(\d+)", stdout, re.M))


def public_zone(env):
    return load_inventory(env, "dns.yml")["dns_public_zone"]


def session(env):
    """boto3 session in the environment's own account (as the playbooks assume into it)."""
    accounts = dict((a["Name"], a["Id"]) for a in boto3.client("organizations").list_accounts()["Accounts"])
    creds = boto3.client("sts").assume_role(RoleArn=ROLE % accounts[env], RoleSessionName="test")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


@pytest.fixture(scope="module")
def rendered(emulator, tmp_path_factory):
    emulator.reset()
    out = tmp_path_factory.mktemp("k8s")
    run_playbook(out, playbook="accounts.yml")
    for env in ENVS:  # the demo's tool: cluster record (and here the zone) in the env's account
        subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(ROOT, "tools", "eks_demo_clusters.py"),
                        "--zone", public_zone(env), env], check=True, capture_output=True)
    sessions = dict((env, session(env)) for env in ENVS)
    first = run_playbook(out)
    second = run_playbook(out)
    return dict(dir=out, first=recap(first), second=recap(second), sessions=sessions)


def docs(rendered, env, release, name):
    with open(os.path.join(str(rendered["dir"]), env, release, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def manifests(rendered, env):
    found = []
    for release in ("cert-manager", "network-policies"):
        found += docs(rendered, env, release, "manifests.yaml")
    return found


def test_every_environment_renders_and_a_rerun_changes_nothing(rendered):
    assert sorted(rendered["first"]) == sorted(ENVS)
    assert all(r["changed"] > 0 for r in rendered["first"].values())
    assert all(r["changed"] == 0 for r in rendered["second"].values()), rendered["second"]
    for env in ENVS:
        assert sorted(os.listdir(os.path.join(str(rendered["dir"]), env))) == [
            "cert-manager", "external-dns", "network-policies", "traefik"]


@pytest.mark.parametrize("env", ENVS)
def test_core_manifests_validate_strictly(rendered, env):
    core = [d for d in manifests(rendered, env) if d["kind"] != "ClusterIssuer"]
    assert {d["kind"] for d in core} == {"Namespace", "NetworkPolicy"}
    for doc in core:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_strict_validation_catches_a_wrong_core_field(rendered):
    policy = next(d for d in manifests(rendered, "production") if d["kind"] == "NetworkPolicy")
    broken = copy.deepcopy(policy)
    broken["spec"]["podSelectors"] = broken["spec"].pop("podSelector")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


@pytest.mark.parametrize("env", ENVS)
def test_cluster_issuers_match_cert_manager_fields_and_real_zone(rendered, env):
    zone_name = public_zone(env)
    zone = rendered["sessions"][env].client("route53").list_hosted_zones_by_name(DNSName=zone_name)["HostedZones"][0]
    issuers = [d for d in manifests(rendered, env) if d["kind"] == "ClusterIssuer"]
    assert [i["metadata"]["name"] for i in issuers] == ["letsencrypt-staging", "letsencrypt-prod"]
    for issuer in issuers:
        assert cluster_issuer_errors(issuer) == []
        solver, = issuer["spec"]["acme"]["solvers"]
        assert solver["dns01"]["route53"] == {"region": "us-east-1", "hostedZoneID": zone["Id"].split("/")[-1]}
        assert solver["selector"] == {"dnsZones": [zone_name]}
    assert "staging" in issuers[0]["spec"]["acme"]["server"] and "staging" not in issuers[1]["spec"]["acme"]["server"]


def test_misspelled_cluster_issuer_field_fails(rendered):
    issuer = next(d for d in manifests(rendered, "production") if d["kind"] == "ClusterIssuer")
    broken = copy.deepcopy(issuer)
    route53 = broken["spec"]["acme"]["solvers"][0]["dns01"]["route53"]
    route53["hostedZoneId"] = route53.pop("hostedZoneID")
    errors = cluster_issuer_errors(broken)
    assert len(errors) == 1 and "hostedZoneId" in errors[0], errors
    # kubernetes-validate cannot see it: CRD kinds have no schema there
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


@pytest.mark.parametrize("env", ENVS)
def test_values_carry_real_role_arns_zone_and_owner(rendered, env):
    iam = rendered["sessions"][env].client("iam")
    cluster = rendered["sessions"][env].client("eks").describe_cluster(name="%s-eks" % env)["cluster"]
    issuer_host = cluster["identity"]["oidc"]["issuer"][len("https://"):]
    ext, = docs(rendered, env, "external-dns", "values.yaml")
    role_arn = iam.get_role(RoleName="%s-eks-external-dns" % env)["Role"]["Arn"]
    assert ext["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": role_arn}
    assert ext["provider"] == {"name": "aws"}
    assert ext["domainFilters"] == [public_zone(env)]
    assert ":iam::%s:role/refarch/%s/" % (rendered["sessions"][env].client("sts").get_caller_identity()["Account"],
                                          env) in role_arn
    assert ext["txtOwnerId"] == "%s-eks" % env
    assert ext["policy"] == "upsert-only" and "--aws-zone-type=public" in ext["extraArgs"]

    cm, = docs(rendered, env, "cert-manager", "values.yaml")
    cm_role = iam.get_role(RoleName="%s-eks-cert-manager" % env)["Role"]
    assert cm["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": cm_role["Arn"]}
    assert cm["crds"]["enabled"] is True
    # the service accounts the charts run as are exactly the ones the roles trust
    for values, role in ((ext, iam.get_role(RoleName="%s-eks-external-dns" % env)["Role"]), (cm, cm_role)):
        namespace = docs(rendered, env, "external-dns" if values is ext else "cert-manager", "release.yaml")[0]["namespace"]
        condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]
        assert condition[issuer_host + ":sub"] == "system:serviceaccount:%s:%s" % (
            namespace, values["serviceAccount"]["name"])


@pytest.mark.parametrize("release", ["external-dns", "cert-manager", "traefik"])
def test_charts_are_pinned(rendered, release):
    ref, = docs(rendered, "production", release, "release.yaml")
    assert re.match(r"^v?\d+\.\d+\.\d+$", ref["version"]), ref
    if release == "cert-manager":
        assert ref["chart"] == "oci://quay.io/jetstack/charts/cert-manager" and ref["repo"] == ""


def test_traefik_values(rendered):
    values, = docs(rendered, "production", "traefik", "values.yaml")
    assert values["ingressClass"] == {"enabled": True, "isDefaultClass": True, "name": "traefik"}
    annotations = values["service"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "external"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internet-facing"
    assert values["ports"]["websecure"]["exposedPort"] == 443
    assert values["ports"]["websecure"]["http"]["tls"] == {"enabled": True}
    assert values["ports"]["web"]["http"]["redirections"]["entryPoint"] == {
        "to": "websecure", "scheme": "https", "permanent": True}


@pytest.mark.parametrize("env", ENVS)
def test_network_policies_deny_by_default_and_allow_exactly_the_listed(rendered, env):
    eks = load_inventory(env, "eks.yml")
    net = load_inventory(env, "network.yml")
    plan = plan_network(dict(cidr=net["vpc_cidr"], azs=net["azs"], tiers=net["tiers"], nat_mode=net["nat_mode"]))
    persistence = sorted(s["cidr"] for s in plan["subnets"].values() if s["tier"] == "persistence")
    assert len(persistence) == 3
    assert all(ipaddress.ip_network(c).subnet_of(ipaddress.ip_network(net["vpc_cidr"])) for c in persistence)
    policies = [d for d in manifests(rendered, env) if d["kind"] == "NetworkPolicy"]
    namespaces = eks["eks_app_namespaces"]
    assert sorted(set(p["metadata"]["namespace"] for p in policies)) == sorted(namespaces)
    for ns in namespaces:
        mine = dict((p["metadata"]["name"], p["spec"]) for p in policies if p["metadata"]["namespace"] == ns)
        assert sorted(mine) == ["allow-dns-egress", "allow-ingress-from-traefik", "allow-persistence-egress",
                                "default-deny"]
        assert mine["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        # every allow opens one direction only, for every pod of the namespace
        assert all(spec["podSelector"] == {} and len(spec["policyTypes"]) == 1
                   for name, spec in mine.items() if name != "default-deny")
        dns, = mine["allow-dns-egress"]["egress"]
        assert dns["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                              "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
        assert dns["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
        ingress, = mine["allow-ingress-from-traefik"]["ingress"]
        assert ingress == {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}}}]}
        db, = mine["allow-persistence-egress"]["egress"]
        assert sorted(t["ipBlock"]["cidr"] for t in db["to"]) == persistence
        assert db["ports"] == [{"port": p, "protocol": "TCP"} for p in eks["eks_database_ports"]]


def test_teardown_removes_rendered_files_and_owned_iam(rendered):
    """Last in this file: it removes what the other tests read."""
    out = run_playbook(rendered["dir"], "-e", "refarch_state=absent")
    assert all(r["changed"] > 0 for r in recap(out).values())
    for env in ENVS:
        assert os.listdir(os.path.join(str(rendered["dir"]), env)) == []
        iam = rendered["sessions"][env].client("iam")
        assert iam.list_roles(PathPrefix="/refarch/%s/" % env)["Roles"] == []
        assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
        # the zone is dns_zones' to remove, the cluster is not ours at all
        assert rendered["sessions"][env].client("eks").list_clusters()["clusters"] == ["%s-eks" % env]
