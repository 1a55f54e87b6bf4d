"""A later playbook skips run_context only while every environment of the run holds a fresh
record of the run's locks naming them all."""

import time

from ansible_collections.refarch.network.plugins.filter.run_context_due import run_context_due

LATER = time.time() + 600
ENVS = ("management", "production", "development")


def held_by_all(record, hosts=ENVS):
    return dict((host, {"run_lock_taken": record}) for host in hosts)


def test_the_first_playbook_runs_it():
    assert run_context_due({"management": {}, "production": {}}, ["management", "production"])
    assert run_context_due(held_by_all({}), ENVS)  # given back by a release play


def test_no_environment_runs_it_rather_than_skip_the_locks():
    assert run_context_due(held_by_all({"hosts": ENVS, "refresh_by": LATER}), [])
    assert run_context_due({}, None)


def test_a_later_playbook_of_the_same_environments_skips_it_while_the_locks_are_fresh():
    hostvars = held_by_all({"hosts": ENVS, "refresh_by": LATER})
    assert not run_context_due(hostvars, ENVS)
    assert not run_context_due(hostvars, ["production", "management"])


def test_another_environment_or_locks_due_for_refresh_run_it_again():
    hostvars = held_by_all({"hosts": ["management"], "refresh_by": LATER}, ["management"])
    hostvars["production"] = {}
    assert run_context_due(hostvars, ["management", "production"])
    assert run_context_due(hostvars, ["production"])
    assert run_context_due(held_by_all({"hosts": ENVS, "refresh_by": time.time() - 1}), ENVS)
    assert run_context_due(held_by_all({"hosts": ENVS, "refresh_by": "0"}), ENVS)  # a templated fact is a string


def test_before_the_first_play_there_are_no_hostvars():
    assert run_context_due({}, ENVS)
