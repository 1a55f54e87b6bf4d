"""The run lock's logic (plugins/module_utils/lock.py) without an emulator.

``FakeSsm`` keeps a parameter as SSM does: numbered versions, an atomic create
(Overwrite=False), overwrites that append a version, a delete that drops the history, and
AWS's time in each reply's Date header (a fake clock). Races are played out exactly by
running one taker inside another's write.
"""

import datetime
import email.utils
import json
import os

import pytest
from botocore.exceptions import ClientError

from ansible_collections.refarch.network.plugins.module_utils import lock
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

NAME = "/refarch/lock/production"
T0 = datetime.datetime(2025, 3, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)


def error(code, operation):
    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"HTTPHeaders": {}}}, operation)


class FakeSsm(object):
    def __init__(self):
        self.now = T0
        self.params = {}     # name -> [(version, value)]
        self.writes = []     # (operation, name)
        self.before_put = None  # hook: called once with the put's kwargs, before it lands
        self.lose_create_reply = False

    def _meta(self):
        return {"HTTPHeaders": {"date": email.utils.format_datetime(self.now, usegmt=True)}}

    def get_parameter_history(self, Name, MaxResults=50, NextToken=None):
        if Name not in self.params:
            raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": "not found"},
                               "ResponseMetadata": self._meta()}, "GetParameterHistory")
        start = int(NextToken or 0)
        page = self.params[Name][start:start + MaxResults]
        answer = {"Parameters": [{"Version": v, "Value": value} for v, value in page], "ResponseMetadata": self._meta()}
        if start + MaxResults < len(self.params[Name]):
            answer["NextToken"] = str(start + MaxResults)
        return answer

    def put_parameter(self, Name, Value, Type, Overwrite, Description=None):
        if self.before_put:
            hook, self.before_put = self.before_put, None
            hook()
        self.writes.append(("PutParameter", Name))
        versions = self.params.get(Name)
        if versions and not Overwrite:
            raise error("ParameterAlreadyExists", "PutParameter")
        versions = self.params.setdefault(Name, [])
        version = versions[-1][0] + 1 if versions else 1
        versions.append((version, Value))
        if self.lose_create_reply and not Overwrite:
            self.lose_create_reply = False  # the reply is lost; botocore's retry finds it made
            raise error("ParameterAlreadyExists", "PutParameter")
        return {"Version": version}

    def delete_parameter(self, Name):
        self.writes.append(("DeleteParameter", Name))
        if self.params.pop(Name, None) is None:
            raise error("ParameterNotFound", "DeleteParameter")

    def records(self, name=NAME):
        return [json.loads(value) for _v, value in self.params.get(name, [])]


class Clock(object):
    """A monotonic clock for poll() whose sleep also moves AWS's time."""

    def __init__(self, ssm, on_sleep=None):
        self.t, self.ssm, self.on_sleep = 0.0, ssm, on_sleep

    def __call__(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds
        self.ssm.now += datetime.timedelta(seconds=seconds)
        if self.on_sleep:
            self.on_sleep(self.t)


def identity(run="ctl-01:100:20250301T095900Z", host="ctl-01", pid=100, ticks=0):
    return dict(id=run, host=host, pid=pid, user="alice", started="2025-03-01T09:59:00Z", boot="b", ns="pid:[1]",
                ticks=ticks)


ALICE = identity()
BOB = identity("ci-7:200:20250301T100000Z", host="ci-7", pid=200)
CAROL = identity("ci-8:300:20250301T100001Z", host="ci-8", pid=300)


def always_alive(record):
    return True


def hold(ssm, me, clock=None, **kwargs):
    clock = clock or Clock(ssm)
    kwargs.setdefault("alive", always_alive)
    store = lock.Store(ssm, NAME, dry_run=kwargs.pop("dry_run", False))
    return lock.hold(store, me, kwargs.pop("operation", "converge"), clock=clock, sleep=clock.sleep, **kwargs)


def release(ssm, me, **kwargs):
    clock = Clock(ssm)
    store = lock.Store(ssm, NAME, dry_run=kwargs.pop("dry_run", False))
    return lock.release(store, me, clock=clock, sleep=clock.sleep, **kwargs)


def in_force(ssm):
    return lock.current(ssm.params.get(NAME, []))


# -- the history's verdict -------------------------------------------------------------------------

def rec(rid, base, run="r", state="held", expires="2025-03-01T11:00:00Z"):
    return json.dumps(dict(id=rid, base=base, run=run, state=state, expires=expires))


def test_a_record_counts_only_on_the_record_in_force():
    history = [(1, rec("a", "")), (2, rec("b", "a")), (3, rec("c", "a")), (4, rec("d", "b"))]
    assert lock.current(history)["id"] == "d"       # c replaced a, which b had already replaced: c never counted
    assert lock.current(list(reversed(history)))["id"] == "d"   # versions decide, not list order


def test_foreign_values_never_count_and_an_empty_history_is_free():
    assert lock.current([]) is None
    assert lock.current([(1, "not json"), (2, json.dumps({"run": "x"}))]) is None
    assert lock.current([(1, "garbage"), (2, rec("a", ""))])["id"] == "a"


def test_a_truncated_history_starts_at_its_oldest_version():
    # SSM keeps 100 versions: the oldest one left is the anchor
    assert lock.current([(101, rec("x", "gone")), (102, rec("y", "x"))])["id"] == "y"


def test_a_write_based_on_a_deleted_history_never_counts():
    # a writer that read the lock before its holder deleted it appends to a new history
    assert lock.current([(1, rec("late", "old-id"))]) is None


def test_decide():
    now = T0
    live = dict(run="other", state="held", expires="2025-03-01T10:30:00Z")
    assert lock.decide(None, "me", now) == lock.FREE
    assert lock.decide(dict(live, state="free"), "me", now) == lock.FREE
    assert lock.decide(dict(live, run="me", expires="2025-03-01T09:00:00Z"), "me", now) == lock.OURS
    assert lock.decide(dict(live, expires="2025-03-01T10:00:00Z"), "me", now) == lock.EXPIRED
    assert lock.decide(live, "me", now, alive=lambda r: False) == lock.GONE
    assert lock.decide(live, "me", now, alive=lambda r: True) == lock.BUSY
    assert lock.decide(dict(live, expires="garbled"), "me", now) == lock.EXPIRED


# -- hold -------------------------------------------------------------------------------------------

def test_acquire_then_refresh_within_the_run():
    ssm = FakeSsm()
    first = hold(ssm, ALICE, operation="destroy", ttl=600)
    assert first["action"] == "acquired" and first["previous"] is None and first["waited"] == 0
    assert first["holder"]["run"] == ALICE["id"] and first["holder"]["operation"] == "destroy"
    assert first["holder"]["expires"] == "2025-03-01T10:10:00Z"          # AWS's time + ttl
    ssm.now += datetime.timedelta(minutes=5)
    again = hold(ssm, ALICE, operation="destroy", ttl=600)
    assert again["action"] == "refreshed" and again["previous"]["id"] == first["holder"]["id"]
    assert in_force(ssm)["expires"] == "2025-03-01T10:15:00Z"
    assert [w for w, _n in ssm.writes] == ["PutParameter", "PutParameter"]


def test_another_runs_live_lock_is_refused_naming_the_holder():
    ssm = FakeSsm()
    hold(ssm, BOB, operation="destroy")
    with pytest.raises(lock.LockBusy) as refused:
        hold(ssm, ALICE)
    msg = str(refused.value)
    for part in (NAME, BOB["id"], "(destroy)", "on ci-7", "started 2025-03-01T09:59:00Z", "expires 2025-03-01T11:00:00Z",
                 "playbooks/unlock.yml -e refarch_unlock_run=" + BOB["id"]):
        assert part in msg, (part, msg)
    assert in_force(ssm)["run"] == BOB["id"] and len(ssm.writes) == 1


def test_a_live_lock_is_waited_for_then_taken():
    ssm = FakeSsm()
    hold(ssm, BOB)

    def bob_finishes(elapsed):
        if elapsed >= 30 and in_force(ssm):
            release(ssm, BOB)
    clock = Clock(ssm, bob_finishes)
    got = hold(ssm, ALICE, clock=clock, wait=120)
    assert got["action"] == "acquired" and 30 <= got["waited"] <= 40   # ends soon after the release
    assert in_force(ssm)["run"] == ALICE["id"]


def test_waiting_ends_in_a_refusal():
    ssm = FakeSsm()
    hold(ssm, BOB)
    clock = Clock(ssm)
    with pytest.raises(lock.LockBusy) as refused:
        hold(ssm, ALICE, clock=clock, wait=60)
    assert 50 <= clock.t <= 60 and "waited" in str(refused.value)


def test_an_expired_lock_is_taken_over_a_live_one_is_not():
    ssm = FakeSsm()
    hold(ssm, BOB, ttl=600)
    ssm.now += datetime.timedelta(seconds=599)
    with pytest.raises(lock.LockBusy):
        hold(ssm, ALICE)
    ssm.now += datetime.timedelta(seconds=1)
    took = hold(ssm, ALICE)
    assert took["action"] == "taken over" and took["previous"]["run"] == BOB["id"]
    assert took["reason"] == "it expired at 2025-03-01T10:10:00Z"
    assert in_force(ssm)["run"] == ALICE["id"]


def test_a_gone_holder_is_taken_over_at_once():
    ssm = FakeSsm()
    hold(ssm, BOB)
    took = hold(ssm, ALICE, alive=lambda record: False)
    assert took["action"] == "taken over" and "process (200 on ci-7) is gone" in took["reason"]


def test_two_takers_of_one_expired_lock_one_wins():
    """Alice and Bob both read Carol's expired record; Bob writes between Alice's read and hers."""
    ssm = FakeSsm()
    hold(ssm, CAROL, ttl=60)
    ssm.now += datetime.timedelta(minutes=5)
    bob = {}
    ssm.before_put = lambda: bob.update(hold(ssm, BOB))   # Bob reads Carol's record too, and writes first
    with pytest.raises(lock.LockBusy) as alice:
        hold(ssm, ALICE)
    assert bob["action"] == "taken over" and in_force(ssm)["run"] == BOB["id"]
    assert BOB["id"] in str(alice.value)
    # both takeovers were written; only Bob's counts (Alice's names a base that was no longer in force)
    takers = [r["run"] for r in ssm.records()[1:]]
    assert sorted(takers) == sorted([ALICE["id"], BOB["id"]])


def test_two_first_takers_one_wins():
    ssm = FakeSsm()
    bob = {}
    ssm.before_put = lambda: bob.update(hold(ssm, BOB))
    with pytest.raises(lock.LockBusy):
        hold(ssm, ALICE)          # her create finds Bob's parameter: she reads again and waits
    assert bob["action"] == "acquired" and in_force(ssm)["run"] == BOB["id"]


def test_a_refresh_after_a_takeover_does_not_win_back_the_lock():
    """Bob's lock expired and Alice took it over; Bob's late refresh must not count."""
    ssm = FakeSsm()
    hold(ssm, BOB, ttl=60)
    ssm.now += datetime.timedelta(minutes=2)
    alice = {}
    ssm.before_put = lambda: alice.update(hold(ssm, ALICE))   # lands between Bob's read and his write
    with pytest.raises(lock.LockBusy):
        hold(ssm, BOB)
    assert alice["action"] == "taken over" and in_force(ssm)["run"] == ALICE["id"]


def test_a_lost_create_reply_still_holds():
    ssm = FakeSsm()
    ssm.lose_create_reply = True
    got = hold(ssm, ALICE)
    assert got["action"] == "refreshed" and in_force(ssm)["run"] == ALICE["id"]


def test_a_long_history_is_read_over_pages():
    ssm = FakeSsm()
    for _n in range(120):
        hold(ssm, ALICE)
    assert len(ssm.params[NAME]) == 120 and in_force(ssm)["run"] == ALICE["id"]


def test_check_mode_reads_only():
    ssm = FakeSsm()
    assert hold(ssm, ALICE, dry_run=True)["action"] == "would be acquired"
    hold(ssm, BOB, ttl=60)
    writes = list(ssm.writes)
    with pytest.raises(lock.LockBusy):
        hold(ssm, ALICE, dry_run=True)
    ssm.now += datetime.timedelta(minutes=2)
    assert hold(ssm, ALICE, dry_run=True)["action"] == "would be taken over"
    assert release(ssm, BOB, dry_run=True)["action"] == "would be released"
    assert ssm.writes == writes


def test_a_module_s_lock_is_only_read_in_check_mode_and_for_the_operation_check():
    class Module(object):
        def __init__(self, check_mode):
            self.check_mode = check_mode

    assert lock.Store.for_module(Module(True), None, NAME).dry_run
    assert lock.Store.for_module(Module(False), None, NAME, "check").dry_run
    assert not lock.Store.for_module(Module(False), None, NAME, "converge").dry_run


# -- release ----------------------------------------------------------------------------------------

def test_release_deletes_a_live_lock_of_this_run():
    ssm = FakeSsm()
    hold(ssm, ALICE)
    assert release(ssm, ALICE)["action"] == "released"
    assert NAME not in ssm.params
    assert release(ssm, ALICE)["action"] == "none"   # idempotent


def test_release_near_expiry_is_a_compare_and_swap():
    ssm = FakeSsm()
    hold(ssm, ALICE, ttl=600)
    ssm.now += datetime.timedelta(seconds=500)     # 100 s left: a taker may be at work
    assert release(ssm, ALICE)["action"] == "released"
    assert in_force(ssm)["state"] == "free" and in_force(ssm)["released"] == ALICE["id"]
    assert hold(ssm, BOB)["action"] == "acquired"


def test_release_leaves_another_runs_lock_alone():
    ssm = FakeSsm()
    hold(ssm, BOB)
    out = release(ssm, ALICE)
    assert out["action"] == "none" and out["holder"]["run"] == BOB["id"] and in_force(ssm)["run"] == BOB["id"]


def test_break_needs_the_holders_run_id():
    ssm = FakeSsm()
    hold(ssm, BOB)
    assert release(ssm, ALICE, break_run=CAROL["id"])["action"] == "none"
    assert in_force(ssm)["run"] == BOB["id"]
    broken = release(ssm, ALICE, break_run=BOB["id"])
    assert broken["action"] == "broken" and broken["previous"]["run"] == BOB["id"]
    record = in_force(ssm)
    assert record["state"] == "free" and record["operation"] == "break" and record["run"] == ALICE["id"]
    # Bob's next refresh finds it gone: he takes it again only as a new holder would
    assert hold(ssm, CAROL)["action"] == "acquired"
    with pytest.raises(lock.LockBusy):
        hold(ssm, BOB)


# -- names, regions, times ---------------------------------------------------------------------------

def test_names():
    assert lock.parameter_name("single-vpc-production") == "/refarch/lock/single-vpc-production"
    assert lock.parameter_name(None, "organization") == "/refarch/lock/organization"
    for bad in ("", "a/b", "a b", "organization", None):
        with pytest.raises(InputError):
            lock.parameter_name(bad)


def test_organization_region_is_the_partitions():
    assert lock.organization_region("eu-west-1") == "us-east-1"
    assert lock.organization_region("us-gov-east-1") == "us-gov-west-1"
    assert lock.organization_region("cn-north-1") == "cn-northwest-1"
    assert lock.organization_region(None) == "us-east-1"


def test_server_time_from_the_date_header():
    fallback = T0 - datetime.timedelta(days=1)
    reply = {"ResponseMetadata": {"HTTPHeaders": {"date": "Sat, 01 Mar 2025 10:00:00 GMT"}}}
    assert lock.server_time(reply, fallback) == T0
    assert lock.server_time({}, fallback) == fallback
    assert lock.server_time({"ResponseMetadata": {"HTTPHeaders": {"date": "garbage"}}}, fallback) == fallback


# -- who holds it, and is it still running -----------------------------------------------------------

@pytest.fixture
def proc(tmp_path):
    """A /proc with one process (pid 4242, started 1234 ticks after boot) and a zombie (4343)."""
    (tmp_path / "sys/kernel/random").mkdir(parents=True)
    (tmp_path / "sys/kernel/random/boot_id").write_text("boot-1\n")
    (tmp_path / "self/ns").mkdir(parents=True)
    os.symlink("pid:[4026531836]", str(tmp_path / "self/ns/pid"))
    (tmp_path / "stat").write_text("cpu  1 2 3\nbtime 1740822000\n")
    for pid, state, ticks in ((4242, "S", 123400), (4343, "Z", 500)):
        (tmp_path / str(pid)).mkdir()
        fields = [state] + ["0"] * 18 + [str(ticks)] + ["0"] * 10
        (tmp_path / str(pid) / "stat").write_text("%d (ansible-playboo) %s\n" % (pid, " ".join(fields)))
    return str(tmp_path)


def test_process_identity(proc):
    me = lock.process_identity(4242, proc)
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    started = datetime.datetime.fromtimestamp(1740822000 + 123400 // ticks_per_second, datetime.timezone.utc)
    assert me["pid"] == 4242 and me["ticks"] == 123400 and me["boot"] == "boot-1" and me["ns"] == "pid:[4026531836]"
    assert me["started"] == started.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert me["id"] == "%s:4242:123400" % me["host"]
    assert lock.process_identity(4242, proc)["id"] == me["id"]   # the same in every task of the run
    # btime moves by a second now and then: the run id does not depend on it, the shown start does
    with open(os.path.join(proc, "stat")) as f:
        stat = f.read()
    with open(os.path.join(proc, "stat"), "w") as f:
        f.write(stat.replace("btime 1740822000", "btime 1740822001"))
    again = lock.process_identity(4242, proc)
    assert again["id"] == me["id"] and again["started"] != me["started"]
    assert lock.holder_alive(dict(me), proc)


def test_a_holder_of_this_machine_that_stopped_is_gone(proc):
    me = lock.process_identity(4242, proc)
    assert not lock.holder_alive(dict(me, pid=4444), proc)                 # no such process
    assert not lock.holder_alive(dict(me, pid=4343, ticks=500), proc)      # a zombie
    assert not lock.holder_alive(dict(me, ticks=99), proc)                 # the pid now names another process


def test_a_holder_elsewhere_is_presumed_alive(proc):
    me = lock.process_identity(4242, proc)
    assert lock.holder_alive(dict(me, pid=4444, host="other-host"), proc)
    assert lock.holder_alive(dict(me, pid=4444, boot="boot-0"), proc)      # before a reboot: its expiry decides
    assert lock.holder_alive(dict(me, pid=4444, ns="pid:[1]"), proc)       # another container
    assert lock.holder_alive(dict(me, pid=4444, ticks=0), proc)            # no /proc where it ran


def test_without_proc_the_run_id_is_host_and_pid(tmp_path):
    me = lock.process_identity(77, str(tmp_path))
    assert me["id"] == "%s:77" % me["host"] and me["started"] == "unknown" and me["ticks"] == 0


def test_a_refresh_of_a_live_lock_is_one_read_and_one_write():
    ssm = FakeSsm()
    hold(ssm, ALICE)
    reads = []
    original = ssm.get_parameter_history

    def counting(**kwargs):
        reads.append(kwargs["Name"])
        return original(**kwargs)
    ssm.get_parameter_history = counting
    assert hold(ssm, ALICE)["action"] == "refreshed"
    assert len(reads) == 1 and len(ssm.writes) == 2
    # close to its expiry, the refresh is read back (a taker could be at work)
    ssm.now += datetime.timedelta(seconds=3600 - 100)
    reads[:] = []
    assert hold(ssm, ALICE)["action"] == "refreshed" and len(reads) == 2
