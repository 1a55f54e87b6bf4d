"""A later playbook skips run_context only while the result run_lock registered holds every
environment of the run, fresh and for the same operation."""

import time

from ansible_collections.refarch.network.plugins.filter.run_context_due import run_context_due

LATER = time.time() + 600
ENVS = ("management", "production", "development")


def lock_task(names=ENVS, refresh_by=LATER, operation="converge"):
    """What role run_lock's lock task registers: a loop over its lock targets, each hold added by the
    action plugin (none for a lock that was not held)."""
    return {"results": [dict(item={"name": name, "owner": name}, action="acquired",
                             held=dict(operation=operation, refresh_by=refresh_by)) for name in names]}


def held_by_all(registered, hosts=ENVS):
    return dict((host, {"run_lock_held": registered}) for host in hosts)


def test_the_first_playbook_runs_it():
    assert run_context_due({"management": {}, "production": {}}, ["management", "production"])
    assert run_context_due(held_by_all({}), ENVS)  # given back by a release play


def test_no_environment_runs_it_rather_than_skip_the_locks():
    assert run_context_due(held_by_all(lock_task()), [])
    assert run_context_due({}, None)


def test_a_later_playbook_of_the_same_environments_skips_it_while_the_locks_are_fresh():
    hostvars = held_by_all(lock_task())
    assert not run_context_due(hostvars, ENVS)
    assert not run_context_due(hostvars, ["production", "management"])
    assert not run_context_due(hostvars, ENVS, "converge")


def test_another_environment_operation_or_locks_due_for_refresh_run_it_again():
    hostvars = held_by_all(lock_task(["management"]), ["management"])
    hostvars["production"] = {}
    assert run_context_due(hostvars, ["management", "production"])
    assert run_context_due(hostvars, ["production"])
    assert run_context_due(held_by_all(lock_task(refresh_by=time.time() - 1)), ENVS)
    assert run_context_due(held_by_all(lock_task(refresh_by="0")), ENVS)  # a templated value is a string
    assert run_context_due(held_by_all(lock_task()), ENVS, "destroy")


def test_a_lock_that_was_not_held_is_not_the_run_s():
    registered = lock_task()
    del registered["results"][1]["held"]  # e.g. a release, or a failed item
    assert run_context_due(held_by_all(registered), ENVS)
    assert not run_context_due(held_by_all(registered), ["management", "development"])
    assert run_context_due(held_by_all({"skipped": True, "results": []}), ENVS)


def test_before_the_first_play_there_are_no_hostvars():
    assert run_context_due({}, ENVS)
