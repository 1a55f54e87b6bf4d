#!/usr/bin/env python
"""An HTTP proxy between AWS clients and the emulator that records and can break requests.

It records every request's AWS action (Query protocol ``Action=``, JSON ``X-Amz-Target``, or
REST method and path; with its service where services share the name) so tests can count reads
and writes, and, with ``fault_rate``, answers a fraction of requests with throttling, HTTP
500/503 or a dropped connection.
With ``realism=Realism(...)`` (tools/aws_realism.py) it also reproduces AWS behaviour the
emulator lacks: EC2 eventual consistency, IAM instance-profile propagation, pending states
and latency. Faults are drawn first; a request refused by realism never reaches the emulator.
Only 127.0.0.1 is ever listened on or forwarded to.

As a command: ``python tools/aws_proxy.py --upstream-port N [--realistic] ...`` (``--help``).
"""

import argparse
import http.client
import random
import re
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# tools/ is not a package: its users (and `python tools/aws_proxy.py`) have it on sys.path
from aws_realism import Realism, Realist, ec2_error, parse_call, parse_xml

READ_PREFIXES = ("Describe", "Get", "List", "Search", "Lookup", "Check")
# drop: the request never reaches the emulator; lost_reply: it is carried out, the answer is lost;
# html500: a server error page that is not the service's answer (a load balancer's, or the
# emulator's own when it trips), which botocore cannot parse (not drawn unless asked for)
FAULTS = ("throttle", "500", "503", "drop", "lost_reply")
HTML_500 = b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
REST_JSON = ("eks",)  # REST services whose errors are JSON although the request may have no body
FAULT_STATUS = {"throttle": 400, "500": 500, "503": 503, "html500": 500}
FAULT_CODE = {"throttle": "Throttling", "500": "InternalError", "503": "ServiceUnavailable"}
REFUSED = "refused"  # recorded in place of a fault when realism answered instead of the emulator
MOTO_API = ("GET /moto-api", "POST /moto-api")


def fault_body(fault, headers, body):
    """An error body in the wire format the client expects, so botocore parses and retries it."""
    if fault == "html500":
        return HTML_500, "text/html; charset=utf-8"
    code = FAULT_CODE[fault]
    rest_json = any("/%s/aws4_request" % service in (headers.get("Authorization") or "") for service in REST_JSON)
    if rest_json or headers.get("X-Amz-Target") or "json" in (headers.get("Content-Type") or ""):
        return ('{"__type": "%s", "message": "fault injected"}' % code).encode(), "application/x-amz-json-1.1"
    if b"Version=2016-11-15" in (body or b""):  # EC2's own query error shape
        xml = ("<Response><Errors><Error><Code>%s</Code><Message>fault injected</Message></Error></Errors>"
               "<RequestID>fault</RequestID></Response>" % code)
    else:
        xml = ("<ErrorResponse><Error><Type>Receiver</Type><Code>%s</Code><Message>fault injected</Message>"
               "</Error><RequestId>fault</RequestId></ErrorResponse>" % code)
    return xml.encode(), "text/xml"


# Action names that several services give to different APIs on different resources: recorded with
# the service that signed the call (``ListTagsForResource@rds``), so that a count by action does
# not add RDS's and ElastiCache's tag reads together.
SHARED_ACTIONS = ("ListTagsForResource", "AddTagsToResource", "RemoveTagsFromResource")
SIGNED_FOR = re.compile(r"Credential=[^/]+/[0-9]+/[^/]+/([a-z0-9-]+)/aws4_request")


def with_service(action, headers):
    signed = SIGNED_FOR.search(headers.get("Authorization") or "")
    return "%s@%s" % (action, signed.group(1)) if action in SHARED_ACTIONS and signed else action


def action_of(method, path, headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return with_service(target.split(".")[-1], headers)
    if body:
        match = re.search(rb"(?:^|&)Action=([A-Za-z0-9]+)", body)
        if match:
            return with_service(match.group(1).decode(), headers)
    # REST services (Route53, EKS...): method + path stands in for the action
    return "%s %s" % (method, urllib.parse.urlsplit(path).path)


READ_POSTS = ("POST /2013-04-01/tags/hostedzone",)  # Route53 ListTagsForResources is a POST


def resource_type(action):
    """An AWS call by kind: Route 53's REST paths without the zone's id."""
    return re.sub(r"/(hostedzone|change|delegationset)/[A-Za-z0-9]+", r"/\1/{id}", action)


def is_write(action):
    if action in READ_POSTS:
        return False
    if " " in action:
        return not action.startswith("GET ")
    return not action.startswith(READ_PREFIXES) and action not in ("AssumeRole", "GetCallerIdentity")


# The run lock (plugins/module_utils/lock.py) keeps its state in SSM parameters: writes, but
# bookkeeping of the run rather than changes to the estate.
LOCK_ACTIONS = ("PutParameter", "DeleteParameter")


class AwsProxy(object):
    """``realism``: a ``Realism`` (tools/aws_realism.py) to reproduce AWS behaviour, None (default) for none.
    ``realism_hits`` counts what realism did: refusals by kind, items hidden or shown pending, delays."""

    def __init__(self, upstream_port, fault_rate=0.0, faults=FAULTS, seed=None, realism=None, lose_first=()):
        self.upstream_port = upstream_port
        self.fault_rate = fault_rate
        # actions whose first call is carried out and its reply lost (botocore retries it)
        self.to_lose = list(lose_first)
        self.faults = tuple(faults)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.requests = []   # (action, is_write, fault or REFUSED or None)
        self.realist = Realist(realism, self.lock) if realism else None
        self.realism_hits = self.realist.hits if self.realist else {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = None

    def _handler(proxy):  # pylint: disable=no-self-argument  # closure names the proxy
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes

            def log_message(self, *args):
                pass

            def _hang_up(self):
                self.close_connection = True
                self.connection.shutdown(2)

            def _reply(self, status, payload, headers):
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = action_of(self.command, self.path, self.headers, body)
                fault = proxy._draw_fault(action)
                realist = None if action.startswith(MOTO_API) else proxy.realist
                call = refusal = None
                if realist:
                    realist.delay()
                    call = parse_call(self.headers, self.path, body, action)
                    if fault in (None, "lost_reply"):
                        refusal = realist.refuse(call)
                    if refusal is None and fault in (None, "lost_reply") and realist.counts_quota(call):
                        # counted, then made, one at a time: two creates never both take the last one
                        with realist.quota_lock:
                            refusal = realist.over_quota(call, lambda describe, element: proxy.count_upstream(
                                self.headers, describe, element))
                            if refusal is None:
                                return self._answer(action, fault, None, realist, call, body)
                elif proxy.realist and action == "POST /moto-api/reset":
                    proxy.realist.forget()
                self._answer(action, fault, refusal, realist, call, body)

            def _answer(self, action, fault, refusal, realist, call, body):
                with proxy.lock:
                    proxy.requests.append((action, is_write(action), REFUSED if refusal else fault))
                if fault == "drop" or (refusal and fault == "lost_reply"):
                    self._hang_up()
                    return
                if fault in FAULT_STATUS:
                    payload, content_type = fault_body(fault, self.headers, body)
                    self._reply(FAULT_STATUS[fault], payload, [("Content-Type", content_type)])
                    return
                if refusal:
                    payload = ec2_error(refusal.code, refusal.message)
                    self._reply(refusal.status, payload, [("Content-Type", "text/xml")])
                    return
                status, data, headers = proxy.upstream(self.command, self.path, body, self.headers.items())
                if realist:
                    data = realist.observe(call, status, data)
                if fault == "lost_reply":
                    self._hang_up()
                    return
                self._reply(status, data, headers)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward
        return Handler

    def upstream(self, command, path, body, headers):
        """The emulator's answer to a request: (status, body, headers)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        headers = dict((k, v) for k, v in headers if k.lower() != "host")
        headers["Host"] = "127.0.0.1:%d" % self.upstream_port
        conn.request(command, path, body=body, headers=headers)
        resp = conn.getresponse()
        answer = (resp.status, resp.read(), resp.getheaders())
        conn.close()
        return answer

    def count_upstream(self, headers, describe, element):
        """How many items the emulator's ``describe`` lists, asked as the caller (its account and Region: the
        emulator reads both from the credential, not the signature)."""
        ask = [(k, v) for k, v in headers.items() if k.lower() in ("authorization", "x-amz-date", "x-amz-security-token")]
        ask.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
        body = urllib.parse.urlencode({"Action": describe, "Version": "2016-11-15"}).encode()
        _status, data, _headers = self.upstream("POST", "/", body, ask)
        root, q = parse_xml(data)
        found = root.find(q(element)) if root is not None else None
        return len(found.findall(q("item"))) if found is not None else 0

    def _draw_fault(self, action):
        with self.lock:
            if action in self.to_lose:
                self.to_lose.remove(action)
                return "lost_reply"
        if not self.fault_rate or action.startswith(MOTO_API):
            return None
        with self.lock:
            if self.random.random() < self.fault_rate:
                return self.random.choice(self.faults)
        return None

    def start(self):
        # a short poll interval: stop() waits for the serving loop's next poll
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def clear(self):
        with self.lock:
            del self.requests[:]

    def writes(self):
        with self.lock:
            return [a for a, w, f in self.requests if w and f in (None, "lost_reply")]

    def estate_writes(self):
        """Writes but the run lock's bookkeeping (its SSM parameters): what changed the estate."""
        return [a for a in self.writes() if a not in LOCK_ACTIONS]

    def reads(self):
        with self.lock:
            return [a for a, w, f in self.requests if not w and f is None]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Proxy AWS clients to the emulator on 127.0.0.1, recording "
                                     "requests and optionally injecting faults and AWS behaviour.")
    parser.add_argument("--upstream-port", type=int, required=True, help="the emulator's port on 127.0.0.1")
    parser.add_argument("--realistic", action="store_true",
                        help="reproduce AWS eventual consistency, profile propagation, pending states and quotas")
    parser.add_argument("--no-account-quotas", action="store_true",
                        help="with --realistic, never refuse a create past the account's quota")
    defaults = Realism()
    parser.add_argument("--notfound-window", type=float, default=defaults.notfound_window, metavar="S")
    parser.add_argument("--pending-window", type=float, default=defaults.pending_window, metavar="S")
    parser.add_argument("--profile-window", type=float, default=defaults.profile_window, metavar="S")
    parser.add_argument("--latency", type=float, default=0.0, metavar="S", help="delay every call (also alone)")
    parser.add_argument("--fault-rate", type=float, default=0.0, metavar="R", help="fraction of calls to break")
    parser.add_argument("--seed", type=int, default=None, metavar="N")
    return parser.parse_args(argv)


def realism_from_args(args):
    if args.realistic:
        return Realism(notfound_window=args.notfound_window, pending_window=args.pending_window,
                       profile_window=args.profile_window, latency=args.latency,
                       account_quotas=not args.no_account_quotas)
    if args.latency > 0:
        return Realism(eventual_consistency=False, profile_propagation=False, pending_states=False,
                       account_quotas=False, latency=args.latency)
    return None


def main(argv):
    args = parse_args(argv)
    proxy = AwsProxy(args.upstream_port, fault_rate=args.fault_rate, seed=args.seed, realism=realism_from_args(args))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(proxy.url, flush=True)
    try:
        proxy.server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        proxy.server.server_close()
        if proxy.realist:
            sys.stderr.write("realism: %s\n" % ", ".join("%s=%d" % kv for kv in sorted(proxy.realism_hits.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
