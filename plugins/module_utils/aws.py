# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection helpers shared by every refarch.network module.

Credentials, region and endpoint come from amazon.aws's standard options (so
``module_defaults: group/refarch.network.aws`` sets them once). On top of that a module
may work in another account: ``assume_role_arn`` is assumed once per process and the
clients are cached. ``AWS_ENDPOINT_URL`` is honoured by boto3 itself, which is how the
same playbooks reach the local emulator.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import threading
import weakref

try:
    import boto3
    import botocore.client
    import botocore.config
    from botocore.exceptions import BotoCoreError, ClientError, DataNotFoundError, NoRegionError
except ImportError:  # handled by AnsibleAWSModule's own SDK check
    pass

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
# The VPCs this run has already read (option known_vpcs, set by new_module): ec2_read.find_vpc
# answers from them instead of reading again.
from ansible_collections.refarch.network.plugins.module_utils.ec2_read import KNOWN_VPCS

# botocore retries throttling, 5xx and dropped connections itself; standard mode backs off
# with jitter. Ten attempts keep a 20% fault rate from failing a call (0.2**10).
RETRY_CONFIG = {"retries": {"mode": "standard", "max_attempts": 10}}


ASSUME_ROLE_SPEC = dict(
    assume_role_arn=dict(type="str"),
    assume_role_session_name=dict(type="str", default="refarch-network"),
    assume_role_external_id=dict(type="str", no_log=True),
    known_vpcs=dict(type="list", elements="dict", default=[]),
)


# A server error page that is not the service's answer (an HTML 500 from a load balancer, or
# from the emulator when it trips over itself) cannot be parsed, and botocore then fails the
# call at once instead of retrying it like any 5xx. It is read as the service's InternalError.
ERROR_PAGE_AS = {
    "ec2": b"<Response><Errors><Error><Code>InternalError</Code><Message>%s</Message></Error></Errors>"
           b"<RequestID>error-page</RequestID></Response>",
    "query": b"<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>%s</Message></Error>"
             b"<RequestId>error-page</RequestId></ErrorResponse>",
    "json": b'{"__type": "InternalFailure", "message": "%s"}',
}
ERROR_PAGE_AS["rest-xml"] = ERROR_PAGE_AS["query"]
ERROR_PAGE_AS["rest-json"] = ERROR_PAGE_AS["json"]


def read_error_pages(operation_model=None, response_dict=None, **kwargs):
    """A ``before-parse`` handler: an HTML 5xx page becomes the protocol's InternalError, which
    botocore retries (a retry is counted in RetryAttempts, so lost-reply handling applies)."""
    body = response_dict.get("body") or b""
    if response_dict.get("status_code", 0) >= 500 and isinstance(body, bytes) and b"<html" in body[:300].lower():
        shape = ERROR_PAGE_AS.get(operation_model.service_model.resolved_protocol)
        if shape:
            response_dict["body"] = shape % b"the server answered with an error page"


# One boto3 session per profile for the whole process: clients made from one session share
# botocore's loader, so a second client of a service (the peer account's EC2, say) does not
# parse the service model again (about 0.15 s of CPU each; amazon.aws makes a session per client).
_SESSIONS = {}
# services whose models preload() has parsed into _SESSIONS[None]
_PRELOADED = set()
# A boto3 session is not thread-safe, its clients are: clients are made one at a time, so that
# reads made together (ec2_read.at_once) may each make the client of another account they need.
_MAKING_CLIENTS = threading.RLock()


# botocore builds a client's class anew for every client: a method per operation of the service
# (EC2 has about 650), 12 ms of CPU an EC2 client, and a no-op site.yml makes about twenty. The
# class depends only on the service's model and on the handlers of the session's
# creating-client-class event, which boto3 registers when it makes the session: it is kept per
# session (its event emitter) and service, made once in the controller by preload() and inherited
# by every worker.
_CLIENT_CLASSES = weakref.WeakKeyDictionary()


def _keep_client_classes():
    original = getattr(botocore.client.ClientCreator, "_create_client_class", None)
    if original is None or getattr(original, "refarch_kept", False):
        return

    @functools.wraps(original)
    def create_client_class(self, service_name, service_model):
        classes = _CLIENT_CLASSES.setdefault(self._event_emitter, {})
        key = (service_name, service_model.api_version)
        if key not in classes:
            classes[key] = original(self, service_name, service_model)
        return classes[key]

    create_client_class.refarch_kept = True
    botocore.client.ClientCreator._create_client_class = create_client_class


def _session(profile):
    if profile not in _SESSIONS:
        _keep_client_classes()
        _SESSIONS[profile] = boto3.session.Session(profile_name=profile)
    return _SESSIONS[profile]


def _load_paginators(session, client):
    """Load the service's paginator model into the session's loader, as a client's first
    get_paginator() does (a listing of botocore's data folders and a JSON parse: 15 to 25 ms of
    CPU in each worker that paginates, when the controller has not)."""
    model = client.meta.service_model
    try:  # the same arguments as botocore's can_paginate(): its loader cache is keyed by them
        session._session.get_component("data_loader").load_service_model(model.service_name, "paginators-1", model.api_version)
    except DataNotFoundError:
        pass  # a service without paginators


def preload(services):
    """Parse these services' models into the shared session now (best effort; see plugin_utils/in_worker.py).

    The controller calls this when it loads an action plugin, before it forks the task's
    workers: each worker then inherits the parsed models instead of parsing them again. The
    throwaway clients are never used; the region only resolves their endpoints. Returns the
    services parsed by this call.
    """
    parsed = []
    try:
        session = _session(None)
        for service in services:
            if service not in _PRELOADED:
                _load_paginators(session, session.client(service, region_name="us-east-1"))
                _PRELOADED.add(service)
                parsed.append(service)
    except Exception:  # pylint: disable=broad-except
        pass  # no boto3 or an unreadable AWS config here: each worker parses for itself, as before
    return parsed


def error_code(exc):
    """The AWS error code of a ClientError, or ''."""
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""


class Connection:
    """Clients for one account and region, with the retry policy applied.

    ``role_arn`` (or the module's ``assume_role_arn``) switches to another account through
    STS; the moto emulator maps such credentials to the role's account, as AWS does.
    """

    def __init__(self, module, role_arn=None, region=None, external_id=None, session_name=None, credentials=None):
        self.module = module
        # another side's own keys or profile (profile_name, aws_access_key_id...), replacing the module's
        self.credentials = credentials or {}
        self.region = region or module.params.get("region")
        self.role_arn = role_arn if role_arn is not None else module.params.get("assume_role_arn")
        self.external_id = external_id if external_id is not None else module.params.get("assume_role_external_id")
        self.session_name = session_name or module.params.get("assume_role_session_name") or "refarch-network"
        self._credentials = None
        self._clients = {}

    def _new_client(self, service, region=None, **credentials):
        """A client with the module's connection options (endpoint, profile, keys, CA bundle)."""
        default_region, endpoint, params = get_aws_connection_info(self.module)
        params.update(self.credentials)
        profile = params.pop("profile_name", None)
        config = botocore.config.Config(**RETRY_CONFIG)
        extra = params.pop("aws_config", None)
        if extra:
            config = config.merge(extra if isinstance(extra, botocore.config.Config) else botocore.config.Config(**extra))
        params.update(credentials)
        try:
            client = _session(profile).client(service, config=config, region_name=region or default_region,
                                              endpoint_url=endpoint, **params)
        except NoRegionError:
            raise InputError("region", "%s needs a region and none was found in the module's options, "
                                       "the environment or the AWS config" % self.module._name)
        except (ValueError, BotoCoreError) as e:
            raise RuntimeError("Couldn't connect to AWS: %s" % e)
        client.meta.events.register("before-parse", read_error_pages)
        return client

    def _assumed_credentials(self):
        if self._credentials is None:
            sts = self._new_client("sts", self.region)
            kwargs = dict(RoleArn=self.role_arn, RoleSessionName=self.session_name)
            if self.external_id:
                kwargs["ExternalId"] = self.external_id
            try:
                creds = sts.assume_role(**kwargs)["Credentials"]
            except (BotoCoreError, ClientError) as e:
                raise InputError("assume_role_arn", "cannot assume %s: %s" % (self.role_arn, e))
            self._credentials = dict(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return self._credentials

    def client(self, service):
        with _MAKING_CLIENTS:
            if service not in self._clients:
                credentials = self._assumed_credentials() if self.role_arn else {}
                self._clients[service] = self._new_client(service, self.region, **credentials)
            return self._clients[service]


class RefarchModule(AnsibleAWSModule):
    """AnsibleAWSModule whose results carry warnings only the supported way.

    ``module.warn`` hands a warning to ansible-core, which puts it in the result; amazon.aws (10.x)
    also passes the warnings it recorded to ``exit_json``/``fail_json`` as ``warnings=``, which
    ansible-core 2.19+ answers with a deprecation warning on every run that warned. Not injecting
    its copy keeps each warning, once, without the deprecation.
    """

    def _should_inject_warnings(self):
        return False


def new_module(argument_spec, **kwargs):
    """A RefarchModule (an AnsibleAWSModule) with the assume-role options added."""
    spec = dict(ASSUME_ROLE_SPEC)
    spec.update(argument_spec)
    module = RefarchModule(argument_spec=spec, **kwargs)
    # a worker runs several modules (plugin_utils/in_worker.py): nothing may reach the next
    KNOWN_VPCS[:] = module.params["known_vpcs"] or []
    return module
