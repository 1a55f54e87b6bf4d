"""Which Kubernetes objects the collection may delete: marked ones, never a Namespace."""

from ansible_collections.refarch.network.plugins.module_utils.k8s_objects import MANAGED_BY, OWNER, mark, removal


def obj(kind, name, namespace=None, labels=None, api="networking.k8s.io/v1"):
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "v1" if kind == "Namespace" else api, "kind": kind, "metadata": meta}


def test_mark_adds_the_label_and_keeps_others():
    src = [obj("NetworkPolicy", "default-deny", "web", {"team": "a"}), obj("Namespace", "web")]
    marked = mark(src)
    assert marked[0]["metadata"]["labels"] == {"team": "a", MANAGED_BY: OWNER}
    assert marked[1]["metadata"]["labels"] == {MANAGED_BY: OWNER}
    assert src[0]["metadata"]["labels"] == {"team": "a"} and "labels" not in src[1]["metadata"]  # copies


def test_removal_deletes_only_marked_existing_objects_and_never_a_namespace():
    wanted = mark([obj("Namespace", "web"), obj("NetworkPolicy", "default-deny", "web"),
                   obj("NetworkPolicy", "allow-dns-egress", "web"), obj("NetworkPolicy", "gone", "web")])
    live = [obj("Namespace", "web", labels={MANAGED_BY: OWNER}),           # ours, still kept
            obj("NetworkPolicy", "default-deny", "web", {MANAGED_BY: OWNER}),
            obj("NetworkPolicy", "allow-dns-egress", "web", {"team": "web"})]  # someone else's
    assert removal(wanted, live) == [wanted[1]]
    assert removal(wanted, []) == []


def test_identity_needs_group_kind_namespace_and_name():
    wanted = mark([obj("NetworkPolicy", "default-deny", "web")])
    for other in (obj("NetworkPolicy", "default-deny", "api", {MANAGED_BY: OWNER}),
                  obj("NetworkPolicy", "default-deny", "web", {MANAGED_BY: OWNER}, api="crd.example/v1"),
                  obj("Service", "default-deny", "web", {MANAGED_BY: OWNER})):
        assert removal(wanted, [other]) == []


def test_foreign_objects_are_the_unmarked_existing_ones():
    from ansible_collections.refarch.network.plugins.module_utils.k8s_objects import foreign
    wanted = mark([obj("Namespace", "web"), obj("NetworkPolicy", "default-deny", "web"),
                   obj("NetworkPolicy", "default-deny", "api")])
    live = [obj("Namespace", "web", labels={}),                               # someone's namespace: used as it is
            obj("NetworkPolicy", "default-deny", "web", {MANAGED_BY: OWNER}),
            obj("NetworkPolicy", "default-deny", "api", {"team": "api"})]
    assert foreign(wanted, live) == [wanted[2]]
