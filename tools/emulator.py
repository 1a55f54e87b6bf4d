#!/usr/bin/env python
"""Start the AWS API emulator (moto in server mode) on a free 127.0.0.1 port.

As a library (tests): ``with Emulator() as emu: emu.url``.
As a command (make demo): ``python tools/emulator.py run -- CMD ARGS`` starts it, runs
CMD with AWS_ENDPOINT_URL and fake credentials exported, and stops it however CMD ends.
On its own (quick start): ``eval "$(python tools/emulator.py start)"`` starts it in the
background and prints the ``export`` lines of its URL and fake credentials (again on a second
``start`` while it runs); ``python tools/emulator.py stop`` stops it. The running one is
recorded in build/emulator.json.
The server is moto's with the calls it lacks added (tools/emulator_server.py: Route53's
cross-account zone association, ElastiCache's subnet-group delete and modify).
"""

import importlib.util
import json
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
    """moto's server, through emulator_server (the Route53 association authorization and ElastiCache
    subnet-group calls moto lacks) when this Python has moto, else the moto_server found on PATH as it is."""
    if importlib.util.find_spec("moto") is None:
        return [shutil.which("moto_server") or "moto_server"]
    return [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "emulator_server.py")]


class Emulator(object):
    def __init__(self, port=None, output=subprocess.DEVNULL):
        """``output``: where the server's own output goes (a file object, or nowhere)."""
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.output = output

    def start(self, timeout=30.0):
        env = dict(os.environ)
        env.pop("AWS_ENDPOINT_URL", None)
        self.proc = subprocess.Popen(moto_server_command() + ["-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.output, stderr=subprocess.STDOUT, env=env,
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


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# REFARCH_EMULATOR_STATE lets a test run its own start/stop beside the user's emulator
STATE = os.environ.get("REFARCH_EMULATOR_STATE", os.path.join(ROOT, "build", "emulator.json"))
USAGE = """usage: emulator.py start [--port PORT]   start in the background, print the variables to export
       emulator.py stop                  stop the one start started
       emulator.py run -- COMMAND [ARGS...]  start, run COMMAND with the variables, stop
"""


def exports(url):
    """Shell lines that point boto3 (and so Ansible) at the emulator."""
    env = dict(FAKE_ENV, AWS_ENDPOINT_URL=url)
    return "".join("export %s=%s\n" % item for item in sorted(env.items()))


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _recorded():
    """The emulator `start` left running: {"pid", "url"}, or None."""
    try:
        with open(STATE) as f:
            found = json.load(f)
    except (OSError, ValueError):
        return None
    return found if _alive(found["pid"]) else None


def start_detached(port=None):
    running = _recorded()
    if running:
        sys.stderr.write("AWS emulator already running on %s (pid %s)\n" % (running["url"], running["pid"]))
        return running["url"]
    emu = Emulator(port).start()
    os.makedirs(os.path.dirname(STATE), exist_ok=True)
    with open(STATE, "w") as f:
        json.dump(dict(pid=emu.proc.pid, url=emu.url), f)
    # the server keeps running after this process exits (its own session, nothing waits for it)
    emu.proc = None
    sys.stderr.write("AWS emulator (moto server) on %s; stop it with: python3 tools/emulator.py stop\n" % emu.url)
    return emu.url


def stop_detached():
    running = _recorded()
    if running:
        try:
            os.killpg(running["pid"], signal.SIGTERM)
        except OSError:
            pass
        deadline, delay = time.monotonic() + 10, 0.02
        while _alive(running["pid"]) and time.monotonic() < deadline:
            time.sleep(delay)  # polling the server's exit, with backoff
            delay = min(delay * 2, 0.5)
        if _alive(running["pid"]):
            os.killpg(running["pid"], signal.SIGKILL)
        sys.stderr.write("AWS emulator on %s stopped\n" % running["url"])
    else:
        sys.stderr.write("no AWS emulator started by `emulator.py start` is running\n")
    if os.path.exists(STATE):
        os.remove(STATE)
    return 0


def main(argv):
    if argv[1:2] == ["start"] and len(argv) in (2, 4) and argv[2:3] in ([], ["--port"]):
        sys.stdout.write(exports(start_detached(int(argv[3]) if len(argv) == 4 else None)))
        return 0
    if argv[1:] == ["stop"]:
        return stop_detached()
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        sys.stderr.write(USAGE)
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
