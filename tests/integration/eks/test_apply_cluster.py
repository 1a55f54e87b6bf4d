"""playbooks/eks_plugins.yml in apply mode against a real Kubernetes API server.

The API server (etcd + kube-apiserver 1.20 from Debian's sources, tools/kube_apiserver.py) stores
and validates objects as a cluster does, but runs no controllers and no pods, so the Helm charts are
left out (``k8s_release_chart`` empty: the releases' plain manifests only) and cert-manager's
ClusterIssuer CRD, which its chart would install, is applied first from the pinned version
(tests/upstream/cert-manager-v1.21.0/crd-clusterissuers.yaml: deploy/crds/cert-manager.io_clusterissuers.yaml
of cert-manager tag v1.21.0, commit b8f325e36f49626ba72d7efbe138c01a5e661d96, verbatim).

One environment (production), one converge shared by every check: accounts, VPC, cluster record and
zone in the emulator; render (what should be there), apply, apply again, then refarch_state=absent.
Before the first apply an operator already owns the ``api`` namespace, with a ConfigMap and a
NetworkPolicy of their own in it.
"""

import copy
import glob
import os
import subprocess

import kubernetes
import pytest
import yaml
from kubernetes.dynamic.exceptions import NotFoundError

from test_eks_plugins_render import ROOT, public_zone, recap

ENV = "production"
THEIRS = "api"  # an application namespace that existed before the collection's first run


# apply mode needs a real ACME contact (the preflight refuses the demo's placeholder); nothing is sent
# to it. The rendered manifests the test compares with are made with the same one.
ACME = ["-e", "eks_acme_email=platform@refarch.network"]


def playbook(name, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"])
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", os.path.join(ROOT, "inventories", ENV),
           os.path.join(ROOT, "playbooks", name)] + list(extra)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return recap(proc.stdout)[ENV]


def client(kubeconfig):
    return kubernetes.dynamic.DynamicClient(kubernetes.config.new_client_from_config(config_file=kubeconfig))


def live(api, doc):
    """The object as the server holds it, or None."""
    resource = api.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
    try:
        return api.get(resource=resource, name=doc["metadata"]["name"],
                       namespace=doc["metadata"].get("namespace")).to_dict()
    except NotFoundError:
        return None


def create(api, doc):
    resource = api.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
    return api.create(resource, body=doc, namespace=doc["metadata"].get("namespace"))


def empty_string_defaults(schema, path=""):
    """Paths of the properties whose default is "" (1.20 refuses them; see for_1_20)."""
    found = []
    for key, value in schema.items():
        if isinstance(value, dict):
            found += empty_string_defaults(value, path + "." + key)
        elif key == "default" and value == "":
            found.append(path)
    return found


def for_1_20(crd):
    """The CRD as a 1.20 API server accepts it: that version's CRD validation reads an empty-string
    default as null ("in body must be of type string") and refuses the CRD (newer servers accept it).
    cert-manager v1.21's ClusterIssuer has two, both on imagePullSecrets[].name of the HTTP-01 solver
    pods, which our DNS-01 issuers do not use: there the name becomes required instead (a list-map key
    needs one or the other). Anything else stays as upstream wrote it."""
    crd = copy.deepcopy(crd)
    for version in crd["spec"]["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        for path in empty_string_defaults(schema):
            assert path.endswith(".imagePullSecrets.items.properties.name"), path
            items = schema
            for key in path.strip(".").split(".")[:-2]:
                items = items[key]
            del items["properties"]["name"]["default"]
            # a list-map key needs a default or to be required: required, then
            items["required"] = sorted(set(items.get("required", [])) | {"name"})
    return crd


def install_crds(api):
    """The CRDs the charts would install, from the pinned upstream files, and wait until they serve."""
    crds = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "upstream", "*", "*crd*.yaml"))):
        with open(path) as f:
            crds += [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "CustomResourceDefinition"]
    assert crds, "no pinned CRD under tests/upstream"
    resource = api.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition")
    for crd in crds:
        api.create(resource, body=for_1_20(crd))
    for crd in crds:
        for event in api.watch(resource, field_selector="metadata.name=" + crd["metadata"]["name"], timeout=30):
            conditions = event["object"].status.conditions or []
            if any(c.type == "Established" and c.status == "True" for c in conditions):
                break
    api.resources.invalidate_cache()  # discovery must see the new kinds
    return crds


def rendered_manifests(directory):
    found = []
    for path in sorted(glob.glob(os.path.join(directory, ENV, "*", "manifests.yaml"))):
        with open(path) as f:
            found += [d for d in yaml.safe_load_all(f) if d]
    return found


@pytest.fixture(scope="module")
def converged(emulator, kube_apiserver, tmp_path_factory):
    emulator.reset()
    api = client(kube_apiserver.kubeconfig)
    crds = install_crds(api)
    theirs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": THEIRS, "labels": {"team": "api"}}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": THEIRS},
         "data": {"owner": "api team"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "allow-monitoring", "namespace": THEIRS},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]}]}},
    ]
    for doc in theirs:
        create(api, doc)

    playbook("accounts.yml")
    playbook("vpc.yml")  # the environment's VPC and subnets, as on a real estate
    subprocess.run([os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(ROOT, "tools", "eks_demo_clusters.py"),
                    "--zone", public_zone(ENV), ENV], check=True, capture_output=True)
    out = tmp_path_factory.mktemp("k8s")
    playbook("eks_plugins.yml", "-e", "eks_render_dir=%s/{{ inventory_hostname }}" % out, *ACME)
    manifests = rendered_manifests(str(out))

    # no Helm here (no chart repository, no nodes to run a chart's pods): the plain manifests only
    apply = ACME + ["-e", "eks_plugins_mode=apply", "-e", "eks_kubeconfig=" + kube_apiserver.kubeconfig,
                    "-e", '{"k8s_release_chart": ""}']
    first = playbook("eks_plugins.yml", *apply)
    after_apply = [live(api, d) for d in manifests]
    second = playbook("eks_plugins.yml", *apply)
    third = playbook("eks_plugins.yml", *apply + ["-e", "refarch_state=absent"])
    after_removal = [live(api, d) for d in manifests]
    return dict(api=api, crds=crds, theirs=theirs, manifests=manifests, first=first, second=second, third=third,
                after_apply=after_apply, after_removal=after_removal, namespaces=[
                    live(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}})
                    for n in sorted({d["metadata"].get("namespace") for d in manifests} - {None})])


# One test: under pytest-xdist's load distribution, tests of one module may land on both workers,
# and each would pay for its own API server and converge.
def test_apply_reapply_and_remove_on_a_real_api_server(converged):
    api = converged["api"]
    version = api.version["kubernetes"]
    assert (version["major"], version["minor"]) == ("1", "20"), version

    # apply: every rendered object exists, as rendered
    kinds = {d["kind"] for d in converged["manifests"]}
    assert {"Namespace", "NetworkPolicy", "ClusterIssuer"} <= kinds, kinds
    assert converged["first"]["changed"] > 0
    for doc, obj in zip(converged["manifests"], converged["after_apply"]):
        where = "%s/%s" % (doc["kind"], doc["metadata"]["name"])
        assert obj is not None, where + " was not created"
        # the server prunes fields its schema (or a CRD's) does not know: equal means every field is real
        if "spec" in doc:
            assert obj["spec"] == doc["spec"], where

    # re-apply: nothing to do
    assert converged["second"]["changed"] == 0, converged["second"]

    # removal: the collection's objects are gone...
    assert converged["third"]["changed"] > 0
    left = ["%s/%s" % (d["kind"], d["metadata"]["name"]) for d, obj in zip(converged["manifests"], converged["after_removal"])
            if obj is not None and d["kind"] != "Namespace"]
    assert left == [], "not removed: %s" % left

    # ...the namespaces stay, Active (a deleted one would stay Terminating here: no namespace controller)...
    assert converged["namespaces"] and None not in converged["namespaces"]
    assert [ns["status"]["phase"] for ns in converged["namespaces"]] == ["Active"] * len(converged["namespaces"])
    # ...and so does everything another owner made, unchanged
    for doc in converged["theirs"]:
        obj = live(api, doc)
        assert obj is not None, "%s/%s of another owner was deleted" % (doc["kind"], doc["metadata"]["name"])
        for field in ("data", "spec"):
            assert obj.get(field) == doc.get(field, obj.get(field)), "%s/%s changed" % (doc["kind"], field)
