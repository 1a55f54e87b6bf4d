"""aws.preload: models parsed once in the controller are what every forked worker's clients use."""

import os

import pytest

from ansible_collections.refarch.network.plugins.module_utils import aws


@pytest.fixture
def fresh_sessions(monkeypatch):
    monkeypatch.setattr(aws, "_SESSIONS", {})
    monkeypatch.setattr(aws, "_PRELOADED", set())
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def loaded_models(session):
    loader = session._session.get_component("data_loader")
    return sorted(key[1].split("/")[0] for key in loader._cache
                  if key[0] == "load_data_with_path" and key[1].endswith("/service-2"))


def test_preload_parses_the_models_into_the_shared_session(fresh_sessions):
    aws.preload(["ec2", "route53"])
    assert loaded_models(aws._session(None)) == ["ec2", "route53"]


def in_a_forked_worker(work):
    """What ``work()`` returns (as text) in a process forked from this one, as a worker is."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, str(work()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        out = f.read()
    os.waitpid(pid, 0)
    return out


def test_a_forked_worker_inherits_the_parsed_model(fresh_sessions):
    aws.preload(["ec2"])

    def parsed_by_a_client():  # the worker: its client must not parse ec2 again
        loader = aws._session(None)._session.get_component("data_loader")
        parsed = []
        original = loader.load_data_with_path
        loader.load_data_with_path = lambda name: parsed.append(name) or original(name)
        aws._session(None).client("ec2", region_name="eu-west-1")
        return [p for p in parsed if p.startswith("ec2/")]
    assert in_a_forked_worker(parsed_by_a_client) == "[]"


def paginator_models_a_worker_loads(service, operation):
    """The paginator models that a forked worker's first paginator of ``service`` loads."""
    def loaded():
        loader = aws._session(None)._session.get_component("data_loader")
        paths = []
        original = loader.load_data_with_path
        loader.load_data_with_path = lambda name: paths.append(name) or original(name)
        aws._session(None).client(service, region_name="eu-west-1").get_paginator(operation)
        return [p for p in paths if p.endswith("/paginators-1")]
    return in_a_forked_worker(loaded)


def test_a_forked_worker_loads_no_paginator_model_the_controller_preloaded(fresh_sessions):
    aws.preload(["route53"])
    assert paginator_models_a_worker_loads("route53", "list_hosted_zones") == "[]"
    # what the controller did not preload, a worker loads for itself (the test can fail)
    loaded = paginator_models_a_worker_loads("ssm", "get_parameter_history")
    assert loaded.startswith("['ssm/") and "paginators-1" in loaded


def test_preload_never_fails(fresh_sessions, monkeypatch, tmp_path):
    broken = tmp_path / "config"
    broken.write_text("[profile broken\nregion = \n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(broken))
    aws.preload(["ec2"])  # an unreadable AWS config: the workers parse for themselves
    aws.preload(["no-such-service"])


def test_the_controller_freezes_what_it_preloaded(fresh_sessions, monkeypatch):
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    import gc

    try:
        in_worker.preload("sts")
        assert gc.get_freeze_count() > 0  # workers' collections skip the parsed models
        gc.unfreeze()
        in_worker.preload("sts")  # already parsed: nothing new to freeze
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_the_controller_loads_every_filter_of_the_collection_before_it_forks(monkeypatch):
    from ansible.plugins.loader import filter_loader
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker

    asked = []
    monkeypatch.setattr(filter_loader, "get", lambda name, *args, **kwargs: asked.append(name))
    in_worker.load_filters()
    folder = os.path.join(os.path.dirname(in_worker.__file__), "..", "filter")
    files = sorted(n[:-3] for n in os.listdir(folder) if n.endswith(".py") and not n.startswith("_"))
    assert "known_vpcs" in files and asked == ["refarch.network." + n for n in files]


def test_warm_loads_once_and_only_in_the_controller(monkeypatch):
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    import gc

    loaded = []
    monkeypatch.setattr(in_worker, "load_filters", lambda: loaded.append(os.getpid()))
    monkeypatch.setattr(in_worker, "_WARM", [])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a worker forked by a controller that never warmed: nothing
        import multiprocessing
        multiprocessing.parent_process = object  # not None, as in a multiprocessing worker
        in_worker.warm()
        os.write(write, repr(loaded).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        assert f.read() == "[]"
    os.waitpid(pid, 0)
    try:
        in_worker.warm()
        in_worker.warm()
        assert loaded == [os.getpid()]
    finally:
        gc.unfreeze()


def test_the_preflight_gate_readies_the_controller_before_the_first_worker_forks(monkeypatch):
    """site.yml's first task that forks is the preflight's validation: its role's gate (a meta task,
    evaluated by the controller) calls a filter of ours that warms the controller first."""
    import yaml
    from ansible_collections.refarch.network.plugins.filter.preflight_due import preflight_due
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker

    warmed = []
    monkeypatch.setattr(in_worker, "warm", lambda: warmed.append(True))
    assert preflight_due(["management", "production"], ["management"]) is True
    assert preflight_due(["management"], ["management", "production"]) is False
    assert preflight_due([], []) is False
    assert len(warmed) == 3
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    with open(os.path.join(root, "roles", "preflight", "tasks", "main.yml")) as f:
        first = yaml.safe_load(f)[0]
    assert first["ansible.builtin.meta"] == "end_role" and "refarch.network.preflight_due(" in first["when"]


def test_warm_never_fails(monkeypatch):
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker
    import gc

    def broken():
        raise RuntimeError("no collection loader")
    monkeypatch.setattr(in_worker, "load_filters", broken)
    monkeypatch.setattr(in_worker, "_WARM", [])
    try:
        in_worker.warm()
    finally:
        gc.unfreeze()


def realpaths_in_a_forked_worker():
    """How many files a forked worker's ``inspect.stack()`` resolves (ansible-core walks the stack
    to name the deprecator of an empty loop's skip)."""
    import inspect

    def count():
        calls = []
        original = os.path.realpath
        os.path.realpath = lambda path, **kw: calls.append(path) or original(path, **kw)
        inspect.stack()
        return len(calls)
    return int(in_a_forked_worker(count))


def test_workers_inherit_the_controller_s_index_of_its_modules(monkeypatch):
    import inspect
    from ansible_collections.refarch.network.plugins.plugin_utils import in_worker

    monkeypatch.setattr(inspect, "_filesbymodname", {})
    monkeypatch.setattr(inspect, "modulesbyfile", {})
    assert realpaths_in_a_forked_worker() > 100  # each worker maps every loaded module to its file
    in_worker.index_modules()
    assert realpaths_in_a_forked_worker() == 0


def counting_client_classes(made):
    """Count in ``made`` the client classes botocore makes (the methods of each); undo with the result."""
    import botocore.client

    methods = botocore.client.ClientCreator._create_methods
    botocore.client.ClientCreator._create_methods = lambda self, model: made.append(model.service_name) or methods(self, model)
    return lambda: setattr(botocore.client.ClientCreator, "_create_methods", methods)


def test_a_session_makes_a_service_client_class_once(fresh_sessions):
    import boto3

    made = []
    undo = counting_client_classes(made)
    try:
        session = aws._session(None)
        first = session.client("ec2", region_name="us-east-1")
        second = session.client("ec2", region_name="eu-west-1", endpoint_url="http://127.0.0.1:1")
        assert type(first) is type(second) and made == ["ec2"]
        assert second.meta.region_name == "eu-west-1" and second.meta.endpoint_url == "http://127.0.0.1:1"
        # another session may have other handlers of creating-client-class: its own class
        other = boto3.session.Session().client("ec2", region_name="us-east-1")
        assert type(other) is not type(first) and made == ["ec2", "ec2"]
    finally:
        undo()


def test_a_forked_worker_makes_no_client_class_the_controller_made(fresh_sessions):
    aws.preload(["ec2"])

    def made_by_a_client():
        made = []
        counting_client_classes(made)
        aws._session(None).client("ec2", region_name="eu-west-1")
        return made
    assert in_a_forked_worker(made_by_a_client) == "[]"
