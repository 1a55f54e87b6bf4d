"""Independent reads of one module are made together: N reads cost about the slowest one."""

import threading

import pytest

from ansible_collections.refarch.network.plugins.module_utils.ec2_read import at_once


def test_the_reads_run_at_the_same_time_and_each_answer_keeps_its_name():
    # three reads that can only finish together: run one after the other, the barrier times out
    together = threading.Barrier(3, timeout=5)

    def read(answer):
        together.wait()
        return answer

    assert at_once({"vpcs": lambda: read(1), "subnets": lambda: read(2), "tables": lambda: read(3)}) == {
        "vpcs": 1, "subnets": 2, "tables": 3}


def test_every_read_ends_before_the_first_failure_is_raised():
    finished = []

    def slow():
        threading.Event().wait(0.2)
        finished.append("slow")
        return "late"

    def broken(message):
        raise RuntimeError(message)

    with pytest.raises(RuntimeError, match="first"):
        at_once({"a": lambda: broken("first"), "b": slow, "c": lambda: broken("second")})
    assert finished == ["slow"]


def test_one_read_is_made_in_the_caller():
    caller = threading.current_thread()
    assert at_once({"only": lambda: threading.current_thread() is caller}) == {"only": True}
    assert at_once({}) == {}
