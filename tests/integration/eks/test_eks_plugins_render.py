"""playbooks/eks_plugins.yml in render mode for every environment, against the emulator.

As in the demo: playbooks/accounts.yml gives each environment its own account; the cluster
record and the public zone are created in that account; then one eks_plugins run over the
three inventories builds the IRSA side and renders <dir>/<env>/; the tests read the files and
compare them with the real state of each account.
"""

import copy
import ipaddress
import json
import os
import re
import subprocess

import boto3
import jsonschema
import kubernetes_validate
import pytest
import yaml

from ansible_collections.refarch.network.plugins.module_utils.k8s_objects import MANAGED_BY, OWNER, removal
from ansible_collections.refarch.network.plugins.module_utils.plan import plan_network
from clusterissuer_schema import cluster_issuer_errors

# its module-scoped build is shared by all its tests: they run on one xdist worker (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group('test_eks_plugins_render')

ROLE = "arn:aws:iam::%s:role/OrganizationAccountAccessRole"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ENVS = ("management", "development", "production")
K8S_VERSION = "1.37.0"

OLD = {"external_dns": ("external-dns", "external-dns"), "cert_manager": ("cert-manager", "cert-manager"),
       "aws_load_balancer_controller": ("kube-system", "aws-load-balancer-controller"), "traefik": ("traefik", None)}
NEW = {"external_dns": ("dns-x", "dns-sa-x"), "cert_manager": ("certs-x", "certs-sa-x"),
       "aws_load_balancer_controller": ("lb-x", "lb-sa-x"), "traefik": ("edge-x", None)}
RENAMED = "development"
with open(os.path.join(ROOT, "data", "aws_load_balancer_controller_iam_policy.json")) as f:
    SHIPPED_LBC_POLICY = json.load(f)
# the renamed environment also gives its own controller policy (as for another controller version)
OWN_LBC_POLICY = dict(SHIPPED_LBC_POLICY, Statement=SHIPPED_LBC_POLICY["Statement"][:-1])


def names(env):
    """{plugin: (namespace, service account)} the environment runs its plugins under."""
    return NEW if env == RENAMED else OLD


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
    run_playbook(out, playbook="vpc.yml")  # the VPC and the tier-tagged subnets the controller uses
    for env in ENVS:  # the demo's tool: cluster record (and here the zone) in the env's account
        subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(ROOT, "tools", "eks_demo_clusters.py"),
                        "--zone", public_zone(env), env], check=True, capture_output=True)
    sessions = dict((env, session(env)) for env in ENVS)
    # development renames every plugin's namespace and service account (an inventory source of its own,
    # as a user's host_vars would): the same runs check the renamed and the default names
    renamed = out / "renamed.yml"
    renamed.write_text(yaml.safe_dump({"environments": {"hosts": {RENAMED: dict(
        [("%s_namespace" % p, ns) for p, (ns, sa) in NEW.items()]
        + [("%s_service_account" % p, sa) for p, (ns, sa) in NEW.items() if sa]
        + [("eks_load_balancer_controller_policy", OWN_LBC_POLICY)])}}}))
    first = run_playbook(out, "-i", str(renamed))
    second = run_playbook(out, "-i", str(renamed))
    return dict(dir=out, first=recap(first), second=recap(second), sessions=sessions, renamed=str(renamed))


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
            "aws-load-balancer-controller", "cert-manager", "external-dns", "network-policies", "traefik"]


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


@pytest.mark.parametrize("release", ["external-dns", "cert-manager", "traefik", "aws-load-balancer-controller"])
def test_charts_are_pinned(rendered, release):
    ref, = docs(rendered, "production", release, "release.yaml")
    assert re.match(r"^v?\d+\.\d+\.\d+$", ref["version"]), ref
    if release == "cert-manager":
        assert ref["chart"] == "oci://quay.io/jetstack/charts/cert-manager" and ref["repo"] == ""


def test_traefik_values(rendered):
    values, = docs(rendered, "production", "traefik", "values.yaml")
    assert values["ingressClass"] == {"enabled": True, "isDefaultClass": True, "name": "traefik"}
    assert values["service"]["spec"] == {"type": "LoadBalancer"} and "type" not in values["service"]
    # what the AWS Load Balancer Controller serves: an internet-facing NLB with the pods as targets
    assert values["service"]["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}
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
        edge = names(env)["traefik"][0]
        assert sorted(mine) == sorted(["allow-dns-egress", "allow-ingress-from-load-balancers", "allow-ingress-from-" + edge,
                                       "allow-persistence-egress", "allow-same-namespace", "default-deny"])
        assert mine["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        # every allow but the namespace's own traffic opens one direction only, for every pod of the namespace
        assert all(spec["podSelector"] == {} and len(spec["policyTypes"]) == 1
                   for name, spec in mine.items() if name not in ("default-deny", "allow-same-namespace"))
        assert mine["allow-same-namespace"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                                "ingress": [{"from": [{"podSelector": {}}]}],
                                                "egress": [{"to": [{"podSelector": {}}]}]}
        public = sorted(s["cidr"] for s in plan["subnets"].values() if s["tier"] == "public")
        lb, = mine["allow-ingress-from-load-balancers"]["ingress"]
        assert sorted(f["ipBlock"]["cidr"] for f in lb["from"]) == public and "ports" not in lb
        dns, = mine["allow-dns-egress"]["egress"]
        assert dns["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                              "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]
        assert dns["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
        ingress, = mine["allow-ingress-from-" + edge]["ingress"]
        assert ingress == {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": edge}}}]}
        db, = mine["allow-persistence-egress"]["egress"]
        assert sorted(t["ipBlock"]["cidr"] for t in db["to"]) == persistence
        assert db["ports"] == [{"port": p, "protocol": "TCP"} for p in eks["eks_database_ports"]]


UPSTREAM = os.path.join(ROOT, "tests", "upstream")
CHARTS = {"traefik": "traefik-41.0.0", "external-dns": "external-dns-1.21.0", "cert-manager": "cert-manager-v1.21.0",
          "aws-load-balancer-controller": "aws-load-balancer-controller-3.5.0"}


def upstream(release, name):
    with open(os.path.join(UPSTREAM, CHARTS[release], name)) as f:
        text = f.read()
    if name.endswith(".json"):
        return json.loads(text)
    # cert-manager documents optional keys as a comment after "# +docs:property": they are keys too
    return yaml.safe_load(re.sub(r"^( *)# \+docs:property\n *# ([\w-]+:.*)$", r"\1\2", text, flags=re.M))


def unknown_keys(values, defaults, types=False, path=""):
    """Keys of ``values`` the chart's values.yaml does not have (free-form maps upstream sets to {} accept any);
    with ``types`` (for a chart without a schema) also keys whose type differs from a non-null upstream default."""
    problems = []
    for key, value in values.items():
        where = path + "." + key if path else key
        if key not in defaults:
            problems.append("unknown key " + where)
        elif isinstance(defaults[key], dict) and defaults[key] and isinstance(value, dict):
            problems += unknown_keys(value, defaults[key], types, where)
        elif types and defaults[key] is not None and type(defaults[key]) is not type(value):
            problems.append("%s is a %s upstream, not a %s" % (where, type(defaults[key]).__name__, type(value).__name__))
    return problems


@pytest.mark.parametrize("release", sorted(CHARTS))
def test_values_pass_the_pinned_charts_schema_and_keys(rendered, release):
    ref, = docs(rendered, "production", release, "release.yaml")
    assert CHARTS[release].endswith(ref["version"])  # the kept files are the pinned version's
    values, = docs(rendered, "production", release, "values.yaml")
    schemaless = release == "aws-load-balancer-controller"
    assert unknown_keys(values, upstream(release, "values.yaml"), types=schemaless) == []
    if schemaless:  # no values.schema.json upstream: types against values.yaml, the CRD checks the class params
        crd = upstream(release, "ingressclassparams-crd.yaml")
        schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
        jsonschema.validate(values["ingressClassParams"]["spec"], schema)
    else:
        jsonschema.validate(values, upstream(release, "values.schema.json"))


def test_schema_and_key_checks_catch_mistakes(rendered):
    traefik, = docs(rendered, "production", "traefik", "values.yaml")
    traefik["service"]["type"] = "LoadBalancer"  # the key the chart does not read: its schema lets it pass,
    jsonschema.validate(traefik, upstream("traefik", "values.schema.json"))
    assert unknown_keys(traefik, upstream("traefik", "values.yaml")) == ["unknown key service.type"]  # values.yaml not
    traefik["ingressclass"] = traefik.pop("ingressClass")  # the schema closes the top level
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(traefik, upstream("traefik", "values.schema.json"))
    lbc, = docs(rendered, "production", "aws-load-balancer-controller", "values.yaml")
    lbc["clustername"] = lbc.pop("clusterName")
    lbc["ingressClassParams"]["create"] = "yes"
    lbc["ingressClassParams"]["spec"]["scheme"] = "public"
    assert unknown_keys(lbc, upstream("aws-load-balancer-controller", "values.yaml"), types=True) == [
        "ingressClassParams.create is a bool upstream, not a str", "unknown key clustername"]
    crd = upstream("aws-load-balancer-controller", "ingressclassparams-crd.yaml")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(lbc["ingressClassParams"]["spec"],
                            crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"])


@pytest.mark.parametrize("env", ENVS)
def test_load_balancer_controller_values_and_role(rendered, env):
    sess = rendered["sessions"][env]
    values, = docs(rendered, env, "aws-load-balancer-controller", "values.yaml")
    ref, = docs(rendered, env, "aws-load-balancer-controller", "release.yaml")
    vpc, = sess.client("ec2").describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": [env]}])["Vpcs"]
    assert (values["clusterName"], values["vpcId"], values["region"]) == ("%s-eks" % env, vpc["VpcId"], "us-east-1")
    namespace, account = names(env)["aws_load_balancer_controller"]
    assert (ref["namespace"], values["serviceAccount"]["name"]) == (namespace, account)
    assert values["ingressClass"] == "alb" and values["createIngressClassResource"] is True
    assert values["ingressClassParams"] == {"create": True, "name": "alb", "spec": {
        "scheme": "internet-facing", "targetType": "ip", "subnets": {"tags": {"kubernetes.io/role/elb": ["1"]}}}}
    # the class's subnets are real: the public tier's, tagged by vpc_tiers, in every zone
    tagged = sess.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                                          {"Name": "tag:kubernetes.io/role/elb", "Values": ["1"]}])
    assert len(set(s["AvailabilityZone"] for s in tagged["Subnets"])) == 3
    role = sess.client("iam").get_role(RoleName="%s-eks-aws-load-balancer-controller" % env)["Role"]
    assert values["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": role["Arn"]}
    statement, = role["AssumeRolePolicyDocument"]["Statement"]
    host = sess.client("eks").describe_cluster(name="%s-eks" % env)["cluster"]["identity"]["oidc"]["issuer"][8:]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        host + ":sub": "system:serviceaccount:%s:%s" % (namespace, account), host + ":aud": "sts.amazonaws.com"}}
    policy = sess.client("iam").get_role_policy(RoleName=role["RoleName"], PolicyName="refarch-aws-load-balancer-controller")
    # upstream's, as the collection ships it, or the inventory's (eks_load_balancer_controller_policy)
    assert policy["PolicyDocument"] == (OWN_LBC_POLICY if env == RENAMED else SHIPPED_LBC_POLICY)


def test_example_application_through_an_alb(rendered):
    example = docs(rendered, "production", "aws-load-balancer-controller", "examples.yaml")
    assert [d["kind"] for d in example] == ["Deployment", "Service", "Ingress"]
    for doc in example:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        assert doc["metadata"]["namespace"] == "web"  # an application namespace, under the network policies
    deployment, service, ingress = example
    host = "hello." + public_zone("production")
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert ingress["spec"]["rules"][0]["host"] == host and ingress["spec"]["tls"][0]["hosts"] == [host]
    issuers = [d["metadata"]["name"] for d in manifests(rendered, "production") if d["kind"] == "ClusterIssuer"]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] in issuers
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    secret = ingress["spec"]["tls"][0]["secretName"]
    assert deployment["spec"]["template"]["spec"]["volumes"] == [{"name": "tls", "secret": {"secretName": secret}}]
    assert service["spec"]["selector"] == deployment["spec"]["template"]["metadata"]["labels"]
    # External-DNS watches Ingresses of the zone
    ext, = docs(rendered, "production", "external-dns", "values.yaml")
    assert "ingress" in ext["sources"] and host.endswith(ext["domainFilters"][0])


def test_removal_in_apply_mode_never_deletes_a_namespace(rendered):
    """The objects apply mode deletes on removal (k8s_release: the rendered manifests through
    k8s_removal, given what the cluster holds): never a Namespace, ours or not, and nothing unmarked."""
    objects = manifests(rendered, "production")
    assert all(d["metadata"]["labels"] == {MANAGED_BY: OWNER} for d in objects)
    namespaces = [d for d in objects if d["kind"] == "Namespace"]
    assert sorted(d["metadata"]["name"] for d in namespaces) == ["api", "web", "workers"]
    others = [dict(d, metadata=dict(d["metadata"], labels={})) for d in namespaces]   # existed before us
    policies = [d for d in objects if d["kind"] == "NetworkPolicy"]
    for live in (others + policies, objects):
        deleted = removal(objects, live)
        assert [d for d in deleted if d["kind"] == "Namespace"] == []
        assert deleted == [d for d in objects if d["kind"] != "Namespace" and d in live]
    foreign_policy = dict(policies[0], metadata=dict(policies[0]["metadata"], labels={"team": "web"}))
    assert policies[0] not in removal(objects, [foreign_policy])


def name_fields(doc, found):
    """Every namespace, namespace selector and service account name in a rendered document."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("namespace", "kubernetes.io/metadata.name") and isinstance(value, str):
                found.add(value)
            elif key == "serviceAccount" and isinstance(value, dict):
                found.add(value.get("name"))
            name_fields(value, found)
    elif isinstance(doc, list):
        for item in doc:
            name_fields(item, found)
    return found


def test_renamed_namespaces_reach_values_trust_and_selectors(rendered):
    """development's plugins run under other names (the fixture's extra inventory source): each new name is in the
    values, the IRSA trust and the policies' selectors, and no default name is left in any of them."""
    found = set()
    for release in CHARTS:
        found |= name_fields(docs(rendered, RENAMED, release, "values.yaml"), set())
        found |= name_fields(docs(rendered, RENAMED, release, "release.yaml"), set())
    found |= name_fields(manifests(rendered, RENAMED), set())
    sess = rendered["sessions"][RENAMED]
    for plugin in ("external_dns", "cert_manager", "aws_load_balancer_controller"):
        trust = sess.client("iam").get_role(RoleName="%s-eks-%s" % (RENAMED, plugin.replace("_", "-")))["Role"]
        sub, = [v for k, v in trust["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"].items()
                if k.endswith(":sub")]
        assert sub == "system:serviceaccount:%s:%s" % NEW[plugin]
    for plugin, (namespace, account) in NEW.items():
        assert namespace in found and (account is None or account in found), plugin
    old = set(n for pair in OLD.values() for n in pair if n) - {"kube-system"}  # kube-system also holds the DNS
    assert found & old == set()
    policies = dict((d["metadata"]["name"], d) for d in manifests(rendered, RENAMED)
                    if d["kind"] == "NetworkPolicy" and d["metadata"]["namespace"] == "web")
    assert policies["allow-ingress-from-edge-x"]["spec"]["ingress"] == [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge-x"}}}]}]
    assert not any("traefik" in name for name in policies)
    # and the default names elsewhere, so the check above can fail
    assert "traefik" in name_fields(manifests(rendered, "production"), set())


def test_teardown_removes_rendered_files_and_owned_iam(rendered):
    """Last in this file: it removes what the other tests read."""
    out = run_playbook(rendered["dir"], "-i", rendered["renamed"], "-e", "refarch_state=absent")
    assert all(r["changed"] > 0 for r in recap(out).values())
    for env in ENVS:
        assert os.listdir(os.path.join(str(rendered["dir"]), env)) == []
        iam = rendered["sessions"][env].client("iam")
        assert iam.list_roles(PathPrefix="/refarch/%s/" % env)["Roles"] == []
        assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
        # the zone is dns_zones' to remove, the cluster is not ours at all
        assert rendered["sessions"][env].client("eks").list_clusters()["clusters"] == ["%s-eks" % env]
