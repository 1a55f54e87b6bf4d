#!/usr/bin/env python
"""Start the AWS API emulator (moto in server mode) on a free 127.0.0.1 port.

As a library (tests): ``with Emulator() as emu: emu.url``.
As a command (make demo): ``python tools/emulator.py run -- CMD ARGS`` starts it, runs
CMD with AWS_ENDPOINT_URL and fake credentials exported, and stops it however CMD ends.
The server is moto's with the Route53 calls of cross-account zone association added
(tools/emulator_route53.py).
"""

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def moto_server_command():
    """moto's server, through emulator_route53 (the Route53 association authorization calls
    moto lacks) when this Python has moto, else the moto_server found on PATH as it is."""
    if importlib.util.find_spec("moto") is None:
        return [shutil.which("moto_server") or "moto_server"]
    return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "emulator_route53.py")]


class Emulator(object):
    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None

    def start(self, timeout=30.0):
        env = dict(os.environ)
        env.pop("AWS_ENDPOINT_URL", None)
        self.proc = subprocess.Popen(moto_server_command() + ["-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        delay = 0.05
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited with %s" % self.proc.returncode)
            try:
                urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=2).read()
                return self
            except OSError:
                time.sleep(delay)  # polling the server's start, with backoff
                delay = min(delay * 2, 0.5)
        self.stop()
        raise RuntimeError("moto_server did not answer on %s within %ss" % (self.url, timeout))

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def env(self):
        env = dict(FAKE_ENV)
        env["AWS_ENDPOINT_URL"] = self.url
        return env

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        sys.stderr.write("usage: emulator.py run -- COMMAND [ARGS...]\n")
        return 2
    command = argv[argv.index("--") + 1:]
    emu = Emulator().start()
    sys.stderr.write("AWS emulator (moto server) on %s\n" % emu.url)
    try:
        env = dict(os.environ)
        env.update(emu.env())
        return subprocess.call(command, env=env)
    finally:
        emu.stop()
        sys.stderr.write("AWS emulator stopped\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
