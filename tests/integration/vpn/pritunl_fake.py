"""A tiny fake Pritunl API on 127.0.0.1 for the pritunl_server tests.

It checks every request's HMAC signature (computed here independently of the module) and
keeps the rules of the real API that matter to the module: settings, routes and organizations
of a running server cannot change, a new server gets a 0.0.0.0/0 route and a virtual route
for its own network, routes are addressed by the hex of their network, and a server without
an organization does not start. It is not Pritunl: live behaviour is not tested by it.
"""

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "tok3n"
SECRET = "s3cret"


class FakePritunl(object):
    def __init__(self):
        self.orgs = {}      # id -> {id, name}
        self.servers = {}   # id -> dict incl. routes (list), organizations (list of ids)
        self.log = []       # (method, path)
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.http.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.http.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.http.shutdown()
        self.http.server_close()

    def writes(self):
        return [entry for entry in self.log if entry[0] != "GET"]

    def new_id(self):
        return "%024x" % next(self.ids)

    # -- API ------------------------------------------------------------------------------

    def handle(self, method, path, body):
        with self.lock:
            self.log.append((method, path))
            return self._route(method, path, body)

    def _route(self, method, path, body):
        if path == "/organization":
            if method == "GET":
                return 200, list(self.orgs.values())
            org = dict(id=self.new_id(), name=body["name"], user_count=0)
            self.orgs[org["id"]] = org
            return 200, org
        if path == "/server":
            if method == "GET":
                return 200, [self.view(s) for s in self.servers.values()]
            sid = self.new_id()
            server = dict(id=sid, status="offline", organizations=[], routes=[
                dict(network=body["network"], nat=False, virtual_network=True),
                dict(network="0.0.0.0/0", nat=True)])
            server.update((k, body.get(k)) for k in ("name", "network", "port", "protocol", "dns_servers",
                                                     "search_domain"))
            self.servers[sid] = server
            return 200, self.view(server)
        match = re.match(r"^/server/([0-9a-f]+)(/.*)?$", path)
        if not match or match.group(1) not in self.servers:
            return 404, {"error_msg": "not found"}
        server, rest = self.servers[match.group(1)], match.group(2) or ""
        online = server["status"] == "online"
        if rest == "":
            if method == "DELETE":
                del self.servers[server["id"]]
                return 200, {}
            if online:
                return 400, {"error": "server_not_offline", "error_msg": "Server must be offline to modify settings."}
            for key in ("name", "network", "port", "protocol", "dns_servers", "search_domain"):
                if key in body:
                    server[key] = body[key]
            return 200, self.view(server)
        if rest == "/route":
            if method == "GET":
                return 200, [dict(r, id=r["network"].encode().hex(), server=server["id"]) for r in server["routes"]]
            if online:
                return 400, {"error": "server_route_online", "error_msg": "Server must be offline."}
            server["routes"].append(dict(network=body["network"], nat=bool(body.get("nat")), comment=body.get("comment")))
            return 200, server["routes"][-1]
        match = re.match(r"^/route/([0-9a-f]+)$", rest)
        if match:
            network = bytes.fromhex(match.group(1)).decode()
            if online:
                return 400, {"error": "server_route_online", "error_msg": "Server must be offline."}
            routes = [r for r in server["routes"] if r["network"] == network]
            if not routes:
                return 404, {"error_msg": "no route"}
            if method == "DELETE":
                server["routes"].remove(routes[0])
                return 200, {}
            routes[0]["nat"] = bool(body.get("nat"))
            return 200, routes[0]
        if rest == "/organization":
            return 200, [dict(id=o, name=self.orgs[o]["name"], server=server["id"]) for o in server["organizations"]]
        match = re.match(r"^/organization/([0-9a-f]+)$", rest)
        if match:
            if match.group(1) not in self.orgs:
                return 404, {"error_msg": "no organization"}
            if online:
                return 400, {"error": "server_not_offline", "error_msg": "Server must be offline to attach an organization."}
            if match.group(1) not in server["organizations"]:
                server["organizations"].append(match.group(1))
            return 200, {}
        match = re.match(r"^/operation/(start|stop)$", rest)
        if match:
            if match.group(1) == "start" and not server["organizations"]:
                return 400, {"error": "server_missing_org", "error_msg": "Server must have an organization."}
            server["status"] = "online" if match.group(1) == "start" else "offline"
            return 200, self.view(server)
        return 404, {"error_msg": "unknown path"}

    @staticmethod
    def view(server):
        return dict((k, v) for k, v in server.items() if k not in ("routes",))

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, payload = self._authorized()
                if status == 200:
                    status, payload = fake.handle(self.command, self.path, json.loads(raw) if raw else {})
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self):
                h = self.headers
                if h.get("Auth-Token") != TOKEN or abs(int(h.get("Auth-Timestamp") or 0) - time.time()) > 300:
                    return 401, {"error_msg": "bad token or timestamp"}
                message = "&".join([TOKEN, h["Auth-Timestamp"], h.get("Auth-Nonce", ""), self.command, self.path])
                expected = base64.b64encode(hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest())
                if not hmac.compare_digest(expected.decode(), h.get("Auth-Signature", "")):
                    return 401, {"error_msg": "bad signature"}
                return 200, None

            do_GET = do_POST = do_PUT = do_DELETE = _serve
        return Handler
