# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The converge engine: one action type and one executor for every module.

A module plans (pure), reads (a snapshot), diffs (pure: plan + snapshot -> ``Action`` list)
and hands the list to ``execute``. The executor is the only code that looks at check mode.
It runs each action's handler with a ``Run``: the run's clients, wrapped so that every AWS
call made through them

- survives a lost reply (``lost_reply``: an "already done" error of a retried write is
  success; a retried create that made a twin has the twin removed; a create refused as a
  duplicate adopts the resource carrying its owner and key tags);
- absorbs AWS's propagation delays (a ``*NotFound`` naming an id this run created, a new
  instance profile refused by RunInstances, ``IncorrectState`` of a parent still pending),
  retried with backoff within ``PROPAGATION_BOUND`` seconds, then the original error.

Waits are actions too: consecutive wait actions are polled together in one loop, so every
create is issued before the first wait and independent waits overlap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import re
import time
from collections import namedtuple

try:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
except ImportError:  # the module's SDK check reports it
    BotoCoreError = ClientError = ResponseParserError = Exception

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.refarch.network.plugins.module_utils.aws import new_module
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_dict
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import ALREADY_DONE, GONE, retried

# How long a propagation delay may last before the original error stands (AWS documents
# "eventually", seconds in practice; an instance profile can take tens of seconds).
PROPAGATION_BOUND = 120.0
READ_PREFIXES = ("Describe", "Get", "List", "Search", "Lookup")


class WaitTimeout(RuntimeError):
    pass


class Ids(object):
    """Logical key -> AWS id. ``known`` ids come from the snapshot; ids set during the run
    are remembered as created, which is what propagation retries are allowed to wait for."""

    def __init__(self, known=None):
        self.ids = dict(known or {})
        self.created = set()

    def __getitem__(self, key):
        return self.ids[key]

    def __contains__(self, key):
        return key in self.ids

    def get(self, key, default=None):
        return self.ids.get(key, default)

    def __setitem__(self, key, value):
        self.ids[key] = value
        self.created.add(value)

    def new(self):
        """The ids of logical keys that this run created."""
        return set(v for v in self.ids.values() if v in self.created)

    def made(self, value):
        """Remember an id (or name) this run created that no logical key holds."""
        self.created.add(value)


def poll(condition, what, timeout=600, first_delay=0.2, max_delay=15.0, clock=time.monotonic, sleep=time.sleep):
    """Call ``condition()`` until it is true: the only wait loop of the collection.

    The first check is immediate; then each pause doubles, up to an eighth of the time waited
    so far (at least ``first_delay``, at most ``max_delay``), so a wait ends at most ~12% after
    the resource is ready, whether it takes a second or a NAT gateway's minutes, for a few
    dozen Describe calls.
    """
    start = clock()
    deadline = start + timeout
    delay = first_delay / 2
    while True:
        if condition():
            return
        delay = min(max_delay, max(first_delay, min(delay * 2, (clock() - start) / 8.0)))
        if clock() + delay > deadline:
            raise WaitTimeout("timed out after %ss waiting for %s" % (timeout, what))
        sleep(delay)


# -- propagation delays -------------------------------------------------------------------

_AN_ID = re.compile(r"\b[a-z]+(?:-[a-z]+)*-[0-9a-f]{8,}\b")


def _named_in(text, names):
    """A whole name of ``names`` appears in ``text`` (role "web" is not named by "web-api")."""
    return any(name and re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(name), text) for name in names)


def _param_values(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _param_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _param_values(item)
    elif isinstance(value, str):
        yield value


def is_propagation(error, created, params):
    """True when ``error`` is AWS not yet knowing something this run created.

    - ``*NotFound``/``NotFound*`` naming a created id (in the message, or, for messages that
      name nothing, in the request);
    - ``InvalidParameterValue`` about an instance profile this run created;
    - ``IncorrectState`` naming a created id (a parent still pending).
    """
    if not created:
        return False
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "") or ""
    if "NotFound" in code or code.startswith("NoSuch"):
        if _named_in(message, created):
            return True
        return not _AN_ID.search(message) and any(v in created for v in _param_values(params))
    if code == "InvalidParameterValue" and "instance profile" in message.lower():
        return _named_in(message, created) or any(v in created for v in _param_values(params))
    if code == "IncorrectState":
        return _named_in(message, created)
    return False


# -- lost replies of creates: find a twin by owner and key ----------------------------------

# How to find what an EC2 create made by its tags, and how to delete a twin of it (no delete:
# a twin is left alone)
Create = namedtuple("Create", "response_key describe list_key id_field delete id_param filter_arg")
CREATES = {
    "CreateVpc": Create("Vpc", "describe_vpcs", "Vpcs", "VpcId", "delete_vpc", "VpcId", "Filters"),
    "CreateInternetGateway": Create("InternetGateway", "describe_internet_gateways", "InternetGateways",
                                    "InternetGatewayId", "delete_internet_gateway", "InternetGatewayId", "Filters"),
    "CreateRouteTable": Create("RouteTable", "describe_route_tables", "RouteTables", "RouteTableId",
                               "delete_route_table", "RouteTableId", "Filters"),
    "CreateSubnet": Create("Subnet", "describe_subnets", "Subnets", "SubnetId", "delete_subnet", "SubnetId", "Filters"),
    "AllocateAddress": Create(None, "describe_addresses", "Addresses", "AllocationId", "release_address",
                              "AllocationId", "Filters"),
    "CreateNatGateway": Create("NatGateway", "describe_nat_gateways", "NatGateways", "NatGatewayId",
                               "delete_nat_gateway", "NatGatewayId", "Filter"),
    "CreateSecurityGroup": Create(None, "describe_security_groups", "SecurityGroups", "GroupId",
                                  "delete_security_group", "GroupId", "Filters"),
    "CreateVpcEndpoint": Create("VpcEndpoint", "describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointId",
                                None, None, "Filters"),
    "CreateVpcPeeringConnection": Create("VpcPeeringConnection", "describe_vpc_peering_connections",
                                         "VpcPeeringConnections", "VpcPeeringConnectionId",
                                         "delete_vpc_peering_connection", "VpcPeeringConnectionId", "Filters"),
    "CreateTransitGateway": Create("TransitGateway", "describe_transit_gateways", "TransitGateways",
                                   "TransitGatewayId", "delete_transit_gateway", "TransitGatewayId", "Filters"),
    "CreateTransitGatewayRouteTable": Create("TransitGatewayRouteTable", "describe_transit_gateway_route_tables",
                                             "TransitGatewayRouteTables", "TransitGatewayRouteTableId",
                                             "delete_transit_gateway_route_table", "TransitGatewayRouteTableId",
                                             "Filters"),
}
GONE_STATES = ("deleted", "deleting", "failed", "rejected", "expired")


def _owner_and_key(params):
    for spec in params.get("TagSpecifications") or []:
        tags = tag_dict(spec.get("Tags"))
        if tags.get(OWNER_TAG) and tags.get(KEY_TAG):
            return tags[OWNER_TAG], tags[KEY_TAG]
    return None, None


def _state(resource):
    state = resource.get("State")
    return state.get("Name") if isinstance(state, dict) else state


class Guarded(object):
    """A boto3 client whose every call goes through ``Run.call`` (a write may add ``done_if=``)."""

    def __init__(self, client, run):
        self._client = client
        self._run = run
        self.meta = client.meta

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name in ("get_paginator", "get_waiter", "can_paginate", "close") or not callable(method):
            return method

        def call(done_if=None, **kwargs):
            return self._run.call(method, done_if=done_if, **kwargs)
        call.__name__ = name
        return call


class Run(object):
    """What a handler gets: the clients (as attributes, guarded), the ids, the owner, and
    ``data`` for anything the module hands its handlers."""

    def __init__(self, clients=None, ids=None, owner=None, bound=PROPAGATION_BOUND, sleep=time.sleep,
                 clock=time.monotonic, creates=None, **data):
        self.ids = ids if ids is not None else Ids()
        self.creates = dict(CREATES, **dict((k, Create(*v)) for k, v in (creates or {}).items()))
        self.owner = owner
        self.bound = bound
        self.sleep, self.clock = sleep, clock
        self.data = data
        self.propagation_retries = 0
        for name, client in (clients or {}).items():
            setattr(self, name, Guarded(client, self))

    def call(self, method, done_if=None, **kwargs):
        """``method(**kwargs)`` with lost-reply and propagation handling (see module doc).

        ``done_if`` (optional) confirms an "already done" error (of a retried write: our earlier
        attempt did the work; of a removal: the thing is gone); when it returns False the error stands.
        """
        operation = method.__self__.meta.method_to_api_mapping[method.__name__]
        deadline = self.clock() + self.bound
        delay = 0.25
        while True:
            try:
                answer = method(**kwargs)
                break
            except ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                # an "already done" answer to a call botocore retried is about our first attempt
                if retried(e.response) and code in ALREADY_DONE.get(operation, ()):
                    adopted = self._adopt(method, operation, kwargs)
                    if adopted is not None:
                        return adopted
                    if operation not in self.creates and (done_if is None or done_if()):
                        return {}
                propagating = is_propagation(e, self.ids.created, kwargs)
                if propagating and self.clock() + delay <= deadline:
                    self.propagation_retries += 1
                    self.sleep(delay)
                    delay = min(delay * 2, 8.0)
                    continue
                if code in GONE.get(operation, ()) and not propagating and (done_if is None or done_if()):
                    return {}  # what it deletes is gone (see lost_reply): done, whoever did it
                raise
        if operation in self.creates and retried(answer):
            self._remove_twins(method, operation, kwargs, answer)
        return answer

    def _owned(self, method, operation, kwargs, live=True):
        owner, key = _owner_and_key(kwargs)
        if not owner:
            return []
        spec = self.creates[operation]
        filters = [{"Name": "tag:" + OWNER_TAG, "Values": [owner]}, {"Name": "tag:" + KEY_TAG, "Values": [key]}]
        found = getattr(method.__self__, spec.describe)(**{spec.filter_arg: filters})[spec.list_key]
        # tags are checked here too: the emulator ignores tag filters on some calls
        return [r for r in found if tag_dict(r.get("Tags")).get(KEY_TAG) == key
                and tag_dict(r.get("Tags")).get(OWNER_TAG) == owner and (not live or _state(r) not in GONE_STATES)]

    def _listed(self, method, operation, kwargs, done):
        """The live resources carrying the create's owner and key, read again until ``done(found)``
        or the bound: a filtered Describe leaves out what was made a moment ago."""
        found = []

        def complete():
            found[:] = self._owned(method, operation, kwargs)
            return done(found)
        try:
            poll(complete, "resources tagged like the %s call" % operation, timeout=self.bound,
                 clock=self.clock, sleep=self.sleep)
        except WaitTimeout:
            pass
        return found

    def _adopt(self, method, operation, kwargs):
        """A retried create refused as a duplicate: the resource carrying its key is ours."""
        if operation not in self.creates or not _owner_and_key(kwargs)[0]:
            return None
        found = self._listed(method, operation, kwargs, lambda found: len(found) == 1)
        if len(found) != 1:
            return None
        spec = self.creates[operation]
        self.ids.made(found[0][spec.id_field])
        return {spec.response_key: found[0]} if spec.response_key else dict(found[0])

    def _remove_twins(self, method, operation, kwargs, answer):
        """A retried create that was not deduplicated: delete the other resources with its key
        (listed once ours is, so that an earlier twin is listed too)."""
        spec = self.creates[operation]
        new_id = (answer.get(spec.response_key) if spec.response_key else answer).get(spec.id_field)
        if spec.delete is None or not _owner_and_key(kwargs)[0]:
            return
        self.ids.made(new_id)
        listed = self._listed(method, operation, kwargs, lambda found: any(r[spec.id_field] == new_id for r in found))
        for twin in listed:
            if twin[spec.id_field] != new_id:
                self.call(getattr(method.__self__, spec.delete), **{spec.id_param: twin[spec.id_field]})


# -- the executor -------------------------------------------------------------------------

class Refused(RuntimeError):
    """A module's own refusal that is not an input error: ``msg`` as it is, with result fields."""

    def __init__(self, msg, **fields):
        self.fields = dict(fields, msg=msg)
        super(Refused, self).__init__(msg)


class ExecutionFailed(Exception):
    """An action failed: ``done`` lists the texts of the actions carried out before it."""

    def __init__(self, action, error, done):
        self.action, self.error, self.done = action, error, done
        super(ExecutionFailed, self).__init__("%s failed: %s" % (action.text, error))


def dry_run(module):
    """True when the run only reports (``--check``): the one place the collection asks."""
    return module.check_mode


def prerequisite_missing(module, error, warn=False):
    """Something the module needs is missing that an earlier task of the run builds (the VPC, an
    organization, facts to prove): a real run stops with ``error``; in check mode that task only
    planned it, so the module goes on with what it can report (and, with ``warn``, says so)."""
    if not dry_run(module):
        raise error
    if warn:
        module.warn(str(error))


def on_missing(module, warn=False):
    """``prerequisite_missing`` for the reads and diffs, which do not see the module:
    ``missing(error)`` raises ``error`` in a real run and returns in check mode, where the caller
    goes on with a planned stand-in (a VPC, a group, a parent zone that an earlier task planned)."""
    return functools.partial(prerequisite_missing, module, warn=warn)


def execute(module, actions, handlers, run, wait_timeout=900):
    """Carry out ``actions`` in order unless the module is in check mode.

    ``handlers[op](run, action)`` performs one action; a wait action's handler returns a
    condition (a callable that is true when the wait is over; it may raise to fail). Returns
    True when anything was carried out. Raises ``ExecutionFailed``.
    """
    if dry_run(module) or not actions:
        return False
    done = []
    pending = []  # consecutive waits, polled together

    def settle():
        if not pending:
            return
        conditions = [(a, handlers[a.op](run, a)) for a in pending]
        remaining = list(conditions)

        def all_ready():
            for pair in list(remaining):
                try:
                    ready = pair[1]()
                except (BotoCoreError, ClientError, ResponseParserError, RuntimeError, ValueError) as e:
                    raise ExecutionFailed(pair[0], e, done)
                if ready:
                    remaining.remove(pair)
                    done.append(pair[0].text)
            return not remaining
        try:
            poll(all_ready, ", ".join(pair[0].text for pair in remaining), timeout=wait_timeout,
                 clock=run.clock, sleep=run.sleep)
        except WaitTimeout as e:
            raise ExecutionFailed(remaining[0][0], e, done)
        del pending[:]

    for action in actions:
        if action.is_wait:
            pending.append(action)
            continue
        settle()
        try:
            handlers[action.op](run, action)
        except (BotoCoreError, ClientError, ResponseParserError, RuntimeError, ValueError) as e:
            raise ExecutionFailed(action, e, done)
        done.append(action.text)
    settle()
    return True


def execute_and_read(module, actions, handlers, run, written, planned=None, wait_timeout=900):
    """``execute``, then the state after it: ``written()`` (read back after the writes) when it
    carried anything out, else ``planned()`` (check mode, or nothing to do: the snapshot as the
    actions plan it; None when not given). Which of the two a run gets is decided here, with
    check mode, so that no module branches on whether anything was written."""
    if execute(module, actions, handlers, run, wait_timeout=wait_timeout):
        return written()
    return planned() if planned else None


def read_back(read, ids_of, run):
    """``read()`` after the run's writes, again until it lists every id the run created that
    ``ids_of(snapshot)`` can hold: a filtered Describe may leave out a resource made a moment
    ago. After ``run.bound`` seconds the last snapshot is returned as it is."""
    snapshots = []

    def complete():
        snapshots[:] = [read()]
        return run.ids.new() <= set(ids_of(snapshots[0]))
    try:
        poll(complete, "the new resources to be listed", timeout=run.bound, clock=run.clock, sleep=run.sleep)
    except WaitTimeout:
        pass
    return snapshots[0]


def diff_report(actions, before, after):
    """The ``diff`` of a result: the models, or each action's before/after when none given."""
    if before is None and after is None:
        before = dict((a.key, a.before) for a in actions if a.before is not None)
        after = dict((a.key, a.after) for a in actions if a.after is not None)
    return dict(before=before, after=after)


def converged(module, actions, before=None, after=None, changed=None, texts=None, diff=None, warnings=(), **fields):
    """A converge's result: ``fields``, ``changed`` (any action, unless given), ``actions`` (their
    texts, unless given) and, with ``--diff``, ``diff`` (``before``/``after``, or ``diff()``).
    ``warnings`` (of the read or the diff) are given to the user with ``module.warn``."""
    for warning in warnings:
        module.warn(warning)
    result = dict(fields, changed=bool(actions) if changed is None else changed,
                  actions=[a.text for a in actions] if texts is None else texts)
    if module._diff:
        result["diff"] = diff() if diff else dict(before=before, after=after)
    return result


def unplanned_warnings(names, owner, what, listed_in):
    """The warnings for ``converged`` of the resources ``owner`` owns that the module's option
    ``listed_in`` no longer lists and that the run kept: each ``what % name`` (``"endpoint vpce/%s"``)
    is named with the option ``purge_<listed_in>`` that would delete it."""
    return ["%s is owned by %s but not in %s; purge_%s: true deletes it" % (what % name, owner, listed_in, listed_in)
            for name in names]


def run_module(name, converge, argument_spec, aws=True, **options):
    """A module's run: build it (``new_module`` with the AWS and assume-role options, or a plain
    ``AnsibleModule`` when ``aws`` is False), run ``converge(module)``; ``(module, ok, result)``.
    Nothing in module_utils ends a module: its ``main()`` does, with
    ``(module.exit_json if ok else module.fail_json)(**result)``."""
    module = (new_module if aws else AnsibleModule)(argument_spec=argument_spec, supports_check_mode=True, **options)
    ok, result = outcome(name, converge, module)
    return module, ok, result


def outcome(name, converge, *args):
    """``(True, result)`` from ``converge(*args)``, or ``(False, fail_json arguments)`` when it
    raised one of our errors; a module ends with
    ``(module.exit_json if ok else module.fail_json)(**result)``."""
    try:
        return True, converge(*args)
    except (InputError, ExecutionFailed, BotoCoreError, ClientError, ResponseParserError, WaitTimeout, RuntimeError,
            ValueError) as e:
        return False, failure(e, name)


def failure(error, name):
    """``fail_json`` arguments for an error a module's converge raised; None when it is not ours.

    The one place where an error becomes what the user reads.
    """
    if isinstance(error, Refused):
        return dict(error.fields)
    if isinstance(error, InputError):
        return dict(msg="Invalid input: %s" % error, field=error.field, reason=error.reason)
    if isinstance(error, ExecutionFailed):
        result = _with_status(error.error, dict(
            msg="%s stopped at '%s': %s" % (name, error.action.text, _describe(error.error)),
            failed_action=error.action.text, actions_done=error.done))
        if isinstance(error.error, InputError):
            result.update(field=error.error.field, reason=error.error.reason)
        if isinstance(error.error, ClientError):
            result["error"] = error.error.response.get("Error", {})
        return result
    if isinstance(error, (BotoCoreError, ClientError, ResponseParserError)):
        return dict(msg="AWS refused a %s call: %s" % (name, error),
                    error=error.response.get("Error", {}) if isinstance(error, ClientError) else {})
    if isinstance(error, (WaitTimeout, RuntimeError, ValueError)):
        return _with_status(error, dict(msg="%s: %s" % (name, error)))
    return None


def _with_status(error, result):
    """A refused HTTP request's status (``PritunlError.status``) is part of the failure."""
    if getattr(error, "status", None):
        result["status"] = error.status
    return result


def _describe(error):
    if isinstance(error, ClientError):
        return "AWS answered %s" % error
    return str(error)
