"""A later play skips run_context only while the run holds its context for every environment of
the play and its locks need no refresh."""

import time

from ansible_collections.refarch.network.plugins.filter.run_context_due import run_context_due

LATER = time.time() + 600


def test_the_first_play_runs_it():
    assert run_context_due({}, ["management", "production"])
    assert run_context_due(None, ["management"])


def test_a_later_play_of_the_same_environments_skips_it_while_the_locks_are_fresh():
    held = {"hosts": ["management", "production", "development"], "refresh_by": LATER}
    assert not run_context_due(held, ["production", "management"])
    assert not run_context_due(held, [])


def test_another_environment_or_locks_due_for_refresh_run_it_again():
    held = {"hosts": ["management"], "refresh_by": LATER}
    assert run_context_due(held, ["management", "production"])
    assert run_context_due(dict(held, refresh_by=time.time() - 1), ["management"])
    assert run_context_due(dict(held, refresh_by="0"), ["management"])  # a templated fact is a string
