# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One writer at a time: a lease kept in an SSM parameter, taken with compare-and-swap.

The lock of an environment is the String parameter ``/refarch/lock/<owner>`` in the
environment's own account and region (the organization's is ``/refarch/lock/organization``
in the management account). Each version of the parameter is one JSON record: who holds it
(run id, operation, host, user, process), until when (``expires``, on AWS's clock), a random
``id`` and the ``base`` it replaces - the ``id`` of the record its writer read.

SSM has an atomic create (``Overwrite=False``) but no conditional overwrite or delete, so a
takeover cannot be "delete if unchanged, then create" (two takers that both read the expired
record can both delete and both create). Instead every write appends a version, and the
parameter's history, which SSM orders, decides: a record counts only when its ``base`` is the
``id`` of the last record that counts (the first record counts when its base is empty). Of
two takers that read the same expired record, the first version wins; the second names a base
that is no longer current, so it never counts, and its writer sees that when it reads back.
Refreshes and releases are compare-and-swaps the same way. The holder of a live lock
(``RELEASE_MARGIN`` left), which no one else may replace, releases it with a plain delete and
refreshes it without reading it back.

Times are AWS's (the ``Date`` of the replies), not the controllers', so clock skew between
controllers does not move an expiry. A holder that is a process of this machine (same host
name, boot and pid namespace) and no longer runs is gone: its lock is taken over at once
instead of at its expiry (a killed ``ansible-playbook`` is resumed without waiting).

Pure parts (``current``, ``decide``, the records) take plain values; ``Store`` is the only
code that calls AWS; ``hold`` and ``release`` combine them and are what modules call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import email.utils
import getpass
import json
import os
import re
import socket
import time
import uuid

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # the module's SDK check reports it
    BotoCoreError = ClientError = Exception

from ansible_collections.refarch.network.plugins.module_utils.aws import Connection, error_code
from ansible_collections.refarch.network.plugins.module_utils.engine import WaitTimeout, poll
from ansible_collections.refarch.network.plugins.module_utils import engine
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError

PREFIX = "/refarch/lock/"
ORGANIZATION = "organization"
OPERATIONS = ("converge", "check", "destroy")
# A lock is refreshed at the start of every playbook, so it must outlast the longest playbook:
# a cold vpc.yml or peering.yml with a transit gateway takes 10 to 15 minutes on AWS.
DEFAULT_TTL = 3600
ORGANIZATION_TTL = 3600
# While a holder's lock has this long left, no one else may replace it: the holder deletes it on
# release and refreshes it without reading it back. Closer to expiry both are compare-and-swaps
# confirmed by the history, as a taker could be replacing it.
RELEASE_MARGIN = 300
# Lost races are read again at once this many times before they count as a wait.
ROUNDS = 5
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
UTC = datetime.timezone.utc

# decide() verdicts
FREE, OURS, EXPIRED, GONE, BUSY = "free", "ours", "expired", "gone", "busy"
DONE = {FREE: "acquired", OURS: "refreshed", EXPIRED: "taken over", GONE: "taken over"}


class LockBusy(RuntimeError):
    """Another run holds the lock (after waiting ``waited`` seconds); the message says who and what to do."""

    def __init__(self, name, record, waited):
        self.name, self.record, self.waited = name, record, waited
        super(LockBusy, self).__init__(busy_message(name, record, waited))


# -- names and times -----------------------------------------------------------------------

def parameter_name(owner, scope="environment"):
    """The lock's parameter: ``/refarch/lock/<owner>``, or the organization's."""
    if scope == ORGANIZATION:
        return PREFIX + ORGANIZATION
    if not owner or not NAME.match(owner):
        raise InputError("owner", "%r cannot name a lock: 1 to 200 letters, digits, '.', '-' or '_'" % (owner,))
    if owner == ORGANIZATION:
        raise InputError("owner", "'organization' names the organization's lock (scope: organization)")
    return PREFIX + owner


def organization_region(region):
    """The region of the organization's lock: Organizations' own region in the partition, so
    that every run finds the same parameter whatever region its play uses."""
    region = region or ""
    if region.startswith("us-gov-"):
        return "us-gov-west-1"
    if region.startswith("cn-"):
        return "cn-northwest-1"
    return "us-east-1"


def text(moment):
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(value):
    try:
        return datetime.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def server_time(response, fallback=None):
    """AWS's time from a reply's ``Date`` header (the local clock when there is none)."""
    header = (response or {}).get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        moment = email.utils.parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        return fallback or datetime.datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- who is running ----------------------------------------------------------------------------

def _read(path):
    with open(path) as f:
        return f.read()


def machine(proc="/proc"):
    """This machine as a holder names it: host name, boot id and pid namespace ('' where unknown)."""
    try:
        boot = _read(os.path.join(proc, "sys/kernel/random/boot_id")).strip()
    except (IOError, OSError):
        boot = ""
    try:
        namespace = os.readlink(os.path.join(proc, "self/ns/pid"))
    except (IOError, OSError):
        namespace = ""
    return dict(host=socket.gethostname(), boot=boot, ns=namespace)


def _stat(pid, proc):
    """(state, start time in clock ticks since boot) of a process, or None when there is none."""
    try:
        stat = _read(os.path.join(proc, str(int(pid)), "stat"))
    except (IOError, OSError, ValueError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], int(fields[19])


def _boot_time(proc):
    for line in _read(os.path.join(proc, "stat")).splitlines():
        if line.startswith("btime "):
            return int(line.split()[1])
    raise ValueError("no btime")


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return str(os.getuid())


def process_identity(pid=None, proc="/proc"):
    """Who holds a lock: the process ``pid`` (default: this one) of this machine.

    ``id`` (the run id) is ``<host>:<pid>:<start>``, the same for every task of one
    ansible-playbook run when ``pid`` is the playbook's process. ``<start>`` is the process's
    start in clock ticks since boot, not a date: /proc/stat's boot time (``btime``) moves by a
    second now and then, and a date made from it gave one run two ids (the run then found its
    own lock "held by another run"). Without /proc (not Linux) the id is ``<host>:<pid>``; such
    a holder is never judged gone.
    """
    pid = int(pid or os.getpid())
    here = machine(proc)
    stat = _stat(pid, proc)
    ticks, started = 0, None
    if stat and here["boot"]:
        try:
            started = _boot_time(proc) + stat[1] // os.sysconf("SC_CLK_TCK")
            ticks = stat[1]
        except (IOError, OSError, ValueError):
            started = None
    moment = datetime.datetime.fromtimestamp(started, UTC) if started is not None else None
    run = "%s:%d" % (here["host"], pid) + (":%d" % ticks if moment else "")
    return dict(id=run, host=here["host"], pid=pid, user=_user(), started=text(moment) if moment else "unknown",
                boot=here["boot"], ns=here["ns"], ticks=ticks)


def holder_alive(record, proc="/proc"):
    """False only when the holder is provably gone: a process of this machine (same host, boot
    and pid namespace) that no longer runs, is a zombie, or whose pid another process now has.
    A holder elsewhere is presumed alive until its lock expires."""
    here = machine(proc)
    if not record.get("ticks") or not here["boot"]:
        return True
    if (record.get("host"), record.get("boot"), record.get("ns")) != (here["host"], here["boot"], here["ns"]):
        return True
    stat = _stat(record.get("pid"), proc)
    return stat is not None and stat[0] not in ("Z", "X") and stat[1] == record["ticks"]


# -- records and the history's verdict (pure) ----------------------------------------------------

def parse(value):
    """A lock record from a parameter value, or None for anything this collection did not write."""
    try:
        record = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or "base" not in record:
        return None
    return record


def current(history):
    """The record in force: ``history`` is [(version, value)] in any order.

    A record counts when its ``base`` is the ``id`` of the last record that counted (empty for
    the first). When SSM has dropped the oldest versions (it keeps 100), the oldest one left
    counts as it is.
    """
    last = None
    ordered = sorted(history, key=lambda item: item[0])
    for index, (version, value) in enumerate(ordered):
        record = parse(value)
        if record is None:
            continue
        if record["base"] == (last["id"] if last else "") or (index == 0 and version > 1):
            last = record
    return last


def is_free(record):
    return record is None or record.get("state") == "free"


def expired(record, now):
    expires = parse_time(record.get("expires"))
    return expires is None or expires <= now


def remaining(record, now):
    expires = parse_time(record.get("expires"))
    return (expires - now).total_seconds() if expires else 0.0


def decide(record, run_id, now, alive=None):
    """What ``run_id`` may do with the lock whose record in force is ``record``, at ``now``.

    FREE (take it), OURS (refresh it), EXPIRED or GONE (take it over), BUSY (wait or refuse).
    """
    if is_free(record):
        return FREE
    if record.get("run") == run_id:
        return OURS
    if expired(record, now):
        return EXPIRED
    if alive is not None and not alive(record):
        return GONE
    return BUSY


def new_id():
    return uuid.uuid4().hex[:16]


def held_record(me, operation, ttl, now, base):
    """The record of ``me`` (a ``process_identity``) holding the lock for ``ttl`` seconds from ``now``."""
    record = dict((k, me.get(k)) for k in ("host", "pid", "user", "started", "boot", "ns", "ticks"))
    record.update(run=me["id"], operation=operation, state="held", expires=text(now + datetime.timedelta(seconds=ttl)),
                  ttl=ttl, written=text(now), id=new_id(), base=base)
    return record


def free_record(me, now, base, released, how):
    """The record saying ``me`` released (``how``: release or break) the lock of run ``released``."""
    return dict(run=me["id"], host=me.get("host"), user=me.get("user"), operation=how, state="free",
                released=released, written=text(now), id=new_id(), base=base)


def describe(record):
    """One line naming a holder, for messages."""
    if record is None:
        return "nobody"
    return "run %s (%s) of %s on %s, started %s, expires %s" % (
        record.get("run"), record.get("operation"), record.get("user"), record.get("host"), record.get("started"),
        record.get("expires"))


def busy_message(name, record, waited):
    run = record.get("run") if record else "?"
    return ("lock %s is held by %s; waited %d s. Wait for that run to end (a longer wait: run_lock_wait, or the "
            "module's wait), or, if it is dead, break its lock: ansible-playbook -i <inventories> playbooks/unlock.yml "
            "-e refarch_unlock_run=%s (it expires by itself at the time above)" % (name, describe(record), waited, run))


# -- the parameter (the only AWS calls) ---------------------------------------------------------

class Store(object):
    """The lock's SSM parameter: its history (with AWS's time), an atomic create, an overwrite, a delete."""

    DESCRIPTION = "refarch.network run lock (docs/locking.md); each version is a record, the history decides"

    def __init__(self, ssm, name, dry_run=False):
        # dry_run: the lock is only read (for a module: ``for_module``, never the module's own choice)
        self.ssm, self.name, self.dry_run = ssm, name, dry_run

    @classmethod
    def for_module(cls, module, ssm, name, operation=None):
        """The lock a module holds: only read in check mode (``engine.dry_run``) and for the
        operation ``check`` (a run that writes nothing asks who holds it)."""
        return cls(ssm, name, dry_run=engine.dry_run(module) or operation == "check")

    def read(self):
        """([(version, value)], AWS's time now)."""
        history, token = [], None
        while True:
            kwargs = dict(Name=self.name, MaxResults=50)
            if token:
                kwargs["NextToken"] = token
            try:
                answer = self.ssm.get_parameter_history(**kwargs)
            except ClientError as e:
                if error_code(e) == "ParameterNotFound":
                    return [], server_time(e.response)
                raise
            history.extend((p["Version"], p.get("Value")) for p in answer.get("Parameters", []))
            token = answer.get("NextToken")
            if not token:
                return history, server_time(answer)

    def _put(self, record, overwrite):
        try:
            self.ssm.put_parameter(Name=self.name, Value=json.dumps(record, sort_keys=True), Type="String",
                                   Overwrite=overwrite, Description=self.DESCRIPTION)
        except ClientError as e:
            # someone else wrote first (a retried create whose first attempt landed reads as
            # ours on the next round); concurrent overwrites are refused with TooManyUpdates
            if error_code(e) in ("ParameterAlreadyExists", "TooManyUpdates"):
                return False
            raise
        return True

    def create(self, record):
        """Create the parameter with ``record``; False when it exists (someone was first)."""
        return self._put(record, False)

    def replace(self, record):
        """Append ``record`` as a new version; False when SSM refused a concurrent update."""
        return self._put(record, True)

    def delete(self):
        try:
            self.ssm.delete_parameter(Name=self.name)
        except ClientError as e:
            if error_code(e) != "ParameterNotFound":  # gone already (or a retried delete that landed)
                raise


# -- hold and release ----------------------------------------------------------------------------

def confirmed(store, record, clock=time.monotonic, sleep=time.sleep, bound=10.0):
    """True when ``record``, just written, is the record in force; False when another won.

    Reads the history until the record is listed in it (at most ``bound`` seconds)."""
    deadline = clock() + bound
    delay = 0.1
    while True:
        history = store.read()[0]
        if any((parse(value) or {}).get("id") == record["id"] for _version, value in history):
            now_in_force = current(history)
            return now_in_force is not None and now_in_force["id"] == record["id"]
        if clock() + delay > deadline:
            raise RuntimeError("the write to %s is not in its history after %d s" % (store.name, bound))
        sleep(delay)
        delay *= 2


def hold(store, me, operation, ttl=DEFAULT_TTL, wait=0, alive=holder_alive,
         clock=time.monotonic, sleep=time.sleep):
    """Take, refresh or take over the lock for ``me``; wait up to ``wait`` seconds for another run's.

    A store that is only read (``Store.dry_run``: check mode) returns what a real run would do,
    and waits or refuses the same way. Returns {lock, action, holder, previous, waited}; raises LockBusy.
    """
    started = clock()
    seen = {}

    def attempt():
        for _round in range(ROUNDS):
            history, now = store.read()
            record = current(history)
            verdict = decide(record, me["id"], now, alive)
            seen.update(record=record)
            if verdict == BUSY:
                seen["busy"] = True
                return False
            result = dict(lock=store.name, previous=None if is_free(record) else record,
                          waited=int(round(clock() - started)) if seen.get("busy") else 0)
            if verdict == EXPIRED:
                result["reason"] = "it expired at %s" % record.get("expires")
            elif verdict == GONE:
                result["reason"] = "its process (%s on %s) is gone" % (record.get("pid"), record.get("host"))
            if store.dry_run:
                seen["result"] = dict(result, action="would be " + DONE[verdict], holder=record if verdict == OURS else None)
                return True
            new = held_record(me, operation, ttl, now, base=record["id"] if record else "")
            written = store.replace(new) if history else store.create(new)
            # Our own live lock: no one else may replace it (only a deliberate break), so a
            # refresh needs no read-back. Every other write is confirmed by the history.
            if written and verdict == OURS and remaining(record, now) > RELEASE_MARGIN:
                seen["result"] = dict(result, action=DONE[verdict], holder=new)
                return True
            if written and confirmed(store, new, clock, sleep):
                seen["result"] = dict(result, action=DONE[verdict], holder=new)
                return True
        return False

    try:
        poll(attempt, "the lock %s" % store.name, timeout=max(0, wait), first_delay=1.0, max_delay=10.0,
             clock=clock, sleep=sleep)
    except WaitTimeout:
        raise LockBusy(store.name, seen.get("record"), int(round(clock() - started)))
    return seen["result"]


def release(store, me, break_run=None, margin=RELEASE_MARGIN, clock=time.monotonic, sleep=time.sleep):
    """Give back the lock of ``me`` (or, with ``break_run``, of that run, on purpose).

    A lock held by another run is left alone (``action: none`` with that ``holder``).
    Returns {lock, action, holder, previous}.
    """
    target = break_run or me["id"]
    for _round in range(ROUNDS):
        history, now = store.read()
        record = current(history)
        result = dict(lock=store.name, previous=None if is_free(record) else record)
        if is_free(record) or record.get("run") != target:
            return dict(result, action="none", holder=None if is_free(record) else record)
        how = "break" if break_run else "release"
        if store.dry_run:
            return dict(result, action="would be %s" % ("broken" if break_run else "released"), holder=record)
        if not break_run and remaining(record, now) > margin:
            store.delete()
            return dict(result, action="released", holder=None)
        new = free_record(me, now, record["id"], target, how)
        if store.replace(new) and confirmed(store, new, clock, sleep):
            return dict(result, action="broken" if break_run else "released", holder=None)
    raise RuntimeError("could not release %s: it kept changing while %d attempts were made" % (store.name, ROUNDS))


# -- the organization's lock, held by organization_accounts around its writes ------------------------

@contextlib.contextmanager
def organization_lock(connection, wait, needed=True, warn=None):
    """Hold ``/refarch/lock/organization`` (management account) for the ``with`` body.

    ``connection`` is the module's (aws.Connection). Nothing is read or written when not
    ``needed``. In check mode the lock is only read (waiting for another run's lock). Yields the
    hold result ({} when not needed) with ``reread``: the body reads the organization again under
    the lock before it writes, and in check mode when another run held it meanwhile.
    """
    if not needed:
        yield {}
        return
    org_region = connection.client("organizations").meta.region_name
    region = organization_region(org_region)
    if region != org_region:
        connection = Connection(connection.module, role_arn=connection.role_arn, region=region,
                                external_id=connection.external_id, session_name=connection.session_name,
                                credentials=connection.credentials)
    store = Store.for_module(connection.module, connection.client("ssm"), parameter_name(None, ORGANIZATION))
    me = process_identity()
    result = hold(store, me, "accounts", ttl=max(ORGANIZATION_TTL, 2 * wait), wait=wait)
    try:
        yield dict(result, reread=bool(result["waited"]) or not store.dry_run)
    finally:
        if not store.dry_run:
            try:
                release(store, me)
            except (BotoCoreError, ClientError, RuntimeError) as e:
                if warn:
                    warn("the organization's lock %s was not released (it expires at %s): %s"
                         % (store.name, result["holder"].get("expires"), e))
