"""tools/emulator.py on its own, as the quick start uses it: ``start`` prints the variables to
export and leaves the emulator running, a second ``start`` reprints them, ``stop`` stops it;
``run -- COMMAND`` still runs a command with them."""

import os
import subprocess
import sys
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TOOL = os.path.join(ROOT, "tools", "emulator.py")


def emulator(*args, state):
    env = dict(os.environ, REFARCH_EMULATOR_STATE=state)
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run([sys.executable, TOOL] + list(args), env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def answers(url):
    try:
        urllib.request.urlopen(url + "/moto-api/data.json", timeout=2).read()
        return True
    except OSError:
        return False


def test_start_prints_the_exports_and_stop_stops_it(tmp_path):
    state = str(tmp_path / "emulator.json")
    started = emulator("start", state=state)
    assert started.returncode == 0, started.stderr
    exports = dict(line[len("export "):].split("=", 1) for line in started.stdout.splitlines())
    assert exports["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert exports["AWS_ACCESS_KEY_ID"] and exports["AWS_SECRET_ACCESS_KEY"] and exports["AWS_DEFAULT_REGION"]
    url = exports["AWS_ENDPOINT_URL"]
    try:
        assert answers(url)
        again = emulator("start", state=state)
        assert again.stdout == started.stdout and "already running" in again.stderr
    finally:
        stopped = emulator("stop", state=state)
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    assert not answers(url) and not os.path.exists(state)
    assert "no AWS emulator" in emulator("stop", state=state).stderr


@pytest.mark.parametrize("args", [(), ("start", "extra"), ("run", "bash")])
def test_a_wrong_command_prints_the_usage(tmp_path, args):
    done = emulator(*args, state=str(tmp_path / "e.json"))
    assert done.returncode == 2 and "emulator.py start" in done.stderr


def test_run_still_runs_a_command_with_the_variables(tmp_path):
    done = emulator("run", "--", sys.executable, "-c", "import os; print(os.environ['AWS_ENDPOINT_URL'])",
                    state=str(tmp_path / "e.json"))
    assert done.returncode == 0 and done.stdout.startswith("http://127.0.0.1:")
