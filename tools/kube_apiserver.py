#!/usr/bin/env python
"""Start a real Kubernetes API server (etcd + kube-apiserver) on free 127.0.0.1 ports.

There are no controllers, scheduler or nodes: objects are stored and validated exactly as a
cluster's API server does (schemas, CRDs, admission), which is what kubernetes.core.k8s talks to.
The binaries come from tools/kube_tools.sh (Debian's etcd-server and a kube-apiserver built from
Debian's kubernetes source package).

As a library (tests): ``with KubeApiServer() as kube: kube.kubeconfig``.
As a command: ``python tools/kube_apiserver.py run -- CMD ARGS`` starts it, runs CMD with
KUBECONFIG exported, and stops it however CMD ends.
"""

import base64
import datetime
import ipaddress
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from emulator import free_port

CACHE = os.environ.get("REFARCH_TOOLS_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "refarch-network")
BIN_DIR = os.path.join(CACHE, "kubernetes", "bin")
INSTALL_HINT = "run `make tools-kube` (bash tools/kube_tools.sh) to install etcd and build kube-apiserver"


def binary(name):
    """The cached build first, then PATH (Debian's etcd-server puts etcd in /usr/bin)."""
    cached = os.path.join(BIN_DIR, name)
    found = cached if os.access(cached, os.X_OK) else shutil.which(name)
    if not found:
        raise RuntimeError("%s not found in %s or PATH: %s" % (name, BIN_DIR, INSTALL_HINT))
    return found


def _pem_key(key):
    # "EC PRIVATE KEY": the one private key form every 1.20 flag reads
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _cert(subject, key, issuer, issuer_key, ca=False, sans=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def write_credentials(directory):
    """A throw-away CA, the server's certificate for 127.0.0.1, the service-account key, one admin token."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    sa_key = ec.generate_private_key(ec.SECP256R1())
    files = {
        "ca.crt": _cert("refarch-test-ca", ca_key, "refarch-test-ca", ca_key, ca=True),
        "server.crt": _cert("kube-apiserver", server_key, "refarch-test-ca", ca_key,
                            sans=(x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"))),
        "server.key": _pem_key(server_key),
        "sa.key": _pem_key(sa_key),
        "sa.pub": sa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo),
    }
    token = secrets.token_hex(16)
    # token,user,uid,"groups": system:masters passes every RBAC check, as a cluster admin does
    files["tokens.csv"] = ('%s,admin,admin,"system:masters"\n' % token).encode()
    for name, data in files.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(directory, name), 0o600)
    return token


class KubeApiServer(object):
    def __init__(self):
        self.dir = None
        self.procs = []
        self.url = None
        self.kubeconfig = None
        self.token = None

    def _spawn(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        try:
            proc = subprocess.Popen([binary(name)] + args, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        finally:
            log.close()
        self.procs.append(proc)
        return proc

    def _wait(self, proc, name, url, context=None, headers=None, timeout=60.0):
        deadline = time.monotonic() + timeout
        delay = 0.05
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (name, proc.returncode, self.log_tail(name)))
            try:
                req = urllib.request.Request(url, headers=headers or {})
                if urllib.request.urlopen(req, timeout=2, context=context).read().strip() in (b"ok", b'{"health":"true"}'):
                    return
            except OSError:
                pass
            time.sleep(delay)  # polling the server's start, with backoff
            delay = min(delay * 2, 0.5)
        raise RuntimeError("%s did not answer on %s within %ss:\n%s" % (name, url, timeout, self.log_tail(name)))

    def log_tail(self, name, lines=30):
        try:
            with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="kube-apiserver-")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        etcd_port, etcd_peer_port, api_port = free_port(), free_port(), free_port()
        self.token = write_credentials(self.dir)
        etcd_url = "http://127.0.0.1:%d" % etcd_port
        etcd = self._spawn("etcd", [
            "--name", "test", "--data-dir", os.path.join(self.dir, "etcd"),
            "--listen-client-urls", etcd_url, "--advertise-client-urls", etcd_url,
            "--listen-peer-urls", "http://127.0.0.1:%d" % etcd_peer_port,
            "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % etcd_peer_port,
            "--initial-cluster", "test=http://127.0.0.1:%d" % etcd_peer_port,
            "--quota-backend-bytes", str(256 * 1024 * 1024), "--log-level", "warn"])
        self._wait(etcd, "etcd", etcd_url + "/health")

        d = self.dir
        self.url = "https://127.0.0.1:%d" % api_port
        api = self._spawn("kube-apiserver", [
            "--etcd-servers", etcd_url,
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(api_port),
            "--tls-cert-file", os.path.join(d, "server.crt"), "--tls-private-key-file", os.path.join(d, "server.key"),
            "--cert-dir", d,
            "--token-auth-file", os.path.join(d, "tokens.csv"), "--authorization-mode", "Node,RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc",
            "--service-account-key-file", os.path.join(d, "sa.pub"),
            "--service-account-signing-key-file", os.path.join(d, "sa.key"),
            # a documentation range: ClusterIPs are only allocated in etcd, never routed
            "--service-cluster-ip-range", "198.51.100.0/24",
            # no endpoints for the in-cluster `kubernetes` Service: 127.0.0.1 is not a valid one
            "--endpoint-reconciler-type", "none",
            "--profiling=false", "--v", "0"])
        context = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
        self._wait(api, "kube-apiserver", self.url + "/readyz", context=context,
                   headers={"Authorization": "Bearer " + self.token}, timeout=90.0)
        self.kubeconfig = os.path.join(d, "kubeconfig")
        with open(os.path.join(d, "ca.crt")) as f:
            ca = f.read()
        with open(self.kubeconfig, "w") as f:
            # JSON is YAML: kubectl, the Python client and kubernetes.core all read it
            json.dump({
                "apiVersion": "v1", "kind": "Config", "current-context": "test",
                "clusters": [{"name": "test", "cluster": {"server": self.url, "certificate-authority-data":
                                                          base64.b64encode(ca.encode()).decode()}}],
                "users": [{"name": "admin", "user": {"token": self.token}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
            }, f, indent=2)
        os.chmod(self.kubeconfig, 0o600)

    def stop(self):
        for proc in reversed(self.procs):  # the API server before its etcd
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self.procs = []
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        sys.stderr.write("usage: kube_apiserver.py run -- COMMAND [ARGS...]\n")
        return 2
    command = argv[argv.index("--") + 1:]
    kube = KubeApiServer().start()
    sys.stderr.write("kube-apiserver on %s (KUBECONFIG=%s)\n" % (kube.url, kube.kubeconfig))
    try:
        return subprocess.call(command, env=dict(os.environ, KUBECONFIG=kube.kubeconfig))
    finally:
        kube.stop()
        sys.stderr.write("kube-apiserver stopped\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
