#!/usr/bin/env python
"""An HTTP proxy between AWS clients and the emulator that records and can break requests.

It records every request's AWS action (Query protocol ``Action=``, JSON ``X-Amz-Target``,
or REST method and path) so tests can count reads and writes, and, with ``fault_rate``,
answers a fraction of requests with throttling, HTTP 500/503 or a dropped connection.
Only 127.0.0.1 is ever listened on or forwarded to.
"""

import http.client
import random
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

READ_PREFIXES = ("Describe", "Get", "List", "Search", "Lookup", "Check")
# drop: the request never reaches the emulator; lost_reply: it is carried out, the answer is lost
FAULTS = ("throttle", "500", "503", "drop", "lost_reply")
REST_JSON = ("eks",)  # REST services whose errors are JSON although the request may have no body
FAULT_STATUS = {"throttle": 400, "500": 500, "503": 503}
FAULT_CODE = {"throttle": "Throttling", "500": "InternalError", "503": "ServiceUnavailable"}


def fault_body(fault, headers, body):
    """An error body in the wire format the client expects, so botocore parses and retries it."""
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


def action_of(method, path, headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    if body:
        match = re.search(rb"(?:^|&)Action=([A-Za-z0-9]+)", body)
        if match:
            return match.group(1).decode()
    # REST services (Route53, EKS...): method + path stands in for the action
    return "%s %s" % (method, urllib.parse.urlsplit(path).path)


READ_POSTS = ("POST /2013-04-01/tags/hostedzone",)  # Route53 ListTagsForResources is a POST


def is_write(action):
    if action in READ_POSTS:
        return False
    if " " in action:
        return not action.startswith("GET ")
    return not action.startswith(READ_PREFIXES) and action not in ("AssumeRole", "GetCallerIdentity")


class AwsProxy(object):
    def __init__(self, upstream_port, fault_rate=0.0, faults=FAULTS, seed=None):
        self.upstream_port = upstream_port
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.requests = []   # (action, is_write, fault or None)
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

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = action_of(self.command, self.path, self.headers, body)
                fault = proxy._draw_fault(action)
                with proxy.lock:
                    proxy.requests.append((action, is_write(action), fault))
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault in FAULT_STATUS:
                    payload, content_type = fault_body(fault, self.headers, body)
                    self.send_response(FAULT_STATUS[fault])
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
                headers = dict((k, v) for k, v in self.headers.items() if k.lower() != "host")
                headers["Host"] = "127.0.0.1:%d" % proxy.upstream_port
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if fault == "lost_reply":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward
        return Handler

    def _draw_fault(self, action):
        if not self.fault_rate or action.startswith("GET /moto-api") or action.startswith("POST /moto-api"):
            return None
        with self.lock:
            if self.random.random() < self.fault_rate:
                return self.random.choice(self.faults)
        return None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
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

    def reads(self):
        with self.lock:
            return [a for a, w, f in self.requests if not w and f is None]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
