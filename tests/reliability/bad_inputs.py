# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 4: the bad-input matrix (bad_inputs.yml) against the emulator, through the proxy.

Module cases run the real module in this process (as the integration tests do); playbook
cases run ansible-playbook on a copy of the real inventories with the case's variables added
as one more host_vars file. Each must fail, its message must contain the case's field and
reason, and the proxy must have seen no write request while it ran.
"""

import copy
import json
import os
import importlib.util
import re
import shutil
import sys
import tempfile

import yaml

import state
from harness import LOGS, ROOT, AwsProxy, run_playbook


def run_module(name, args, check_mode=False, diff=False):
    """In-process module runs, as in the integration tests: tests/conftest.py's, loaded by path
    (under pytest another directory's ``conftest`` may hold that name in sys.modules)."""
    spec = importlib.util.spec_from_file_location("refarch_tests_conftest", os.path.join(ROOT, "tests", "conftest.py"))
    if "refarch_tests_conftest" not in sys.modules:
        module = importlib.util.module_from_spec(spec)
        sys.modules["refarch_tests_conftest"] = module
        spec.loader.exec_module(module)
    return sys.modules["refarch_tests_conftest"].run_module(name, args, check_mode=check_mode, diff=diff)


CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad_inputs.yml")


def load(path=CASES):
    with open(path) as f:
        data = yaml.safe_load(f)
    return data["defaults"], data["cases"]


def _fill(value, roles):
    """Replace "{role:<env>}" placeholders."""
    if isinstance(value, dict):
        return dict((k, _fill(v, roles)) for k, v in value.items())
    if isinstance(value, list):
        return [_fill(v, roles) for v in value]
    if isinstance(value, str) and value.startswith("{role:") and value.endswith("}"):
        return roles[value[6:-1]]
    return value


def module_args(defaults, case, roles, endpoint):
    args = copy.deepcopy(defaults.get(case["module"], {}))
    args.update(copy.deepcopy(case.get("args") or {}))
    args = dict((k, v) for k, v in _fill(args, roles).items() if v is not None)
    args.update(region="us-east-1", endpoint_url=endpoint)
    return args


def run_module_case(defaults, case, roles, endpoint):
    result = run_module(case["module"], module_args(defaults, case, roles, endpoint))
    return result.failed, json.dumps(dict((k, result.get(k)) for k in ("msg", "field", "reason")))


def run_playbook_case(case, endpoint, number):
    """A copy of the inventories of case['envs'] plus a host_vars file with the case's vars."""
    work = tempfile.mkdtemp(prefix="refarch-bad-input-")
    try:
        inventories = []
        for env in case["envs"]:
            target = os.path.join(work, env)
            shutil.copytree(os.path.join(ROOT, "inventories", env), target)
            overrides = (case.get("vars") or {}).get(env)
            if overrides:
                with open(os.path.join(target, "host_vars", env, "zz_bad_input.yml"), "w") as f:
                    yaml.safe_dump(overrides, f)
            inventories += ["-i", target]
        log = "bad-input-%02d.log" % number
        rc, _s = run_playbook(case["playbook"], endpoint, log, inventories=inventories)
        with open(os.path.join(LOGS, log)) as f:
            return rc != 0, f.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(emu, quick=False, log=print):
    """Every case (in quick mode the module cases and one playbook case)."""
    defaults, cases = load()
    roles = dict((name, "arn:aws:iam::%s:role/%s" % (account_id, state.ROLE))
                 for name, (account_id, _s) in state.accounts(emu.url).items())
    if quick:
        playbook_cases = [c for c in cases if "playbook" in c]
        cases = [c for c in cases if "module" in c] + playbook_cases[:1]
    refused, writes, problems = 0, 0, []
    with AwsProxy(emu.port) as proxy:
        for number, case in enumerate(cases, 1):
            proxy.clear()
            if "module" in case:
                failed, text = run_module_case(defaults, case, roles, proxy.url)
            else:
                failed, text = run_playbook_case(case, proxy.url, number)
            seen = proxy.writes()
            writes += len(seen)
            # messages annotate list items with their names ("tiers[1](private).name"): match without them
            plain = re.sub(r"\]\([^)]*\)", "]", text)
            named = case["field"] in plain and case["reason"] in plain
            if failed and named and not seen:
                refused += 1
            else:
                problems.append("bad input %r: %s%s%s" % (
                    case["name"], "" if failed else "NOT refused; ",
                    "" if named else "message lacks field %r / reason %r: %s; " % (
                        case["field"], case["reason"], text[-400:]),
                    "writes %s" % seen if seen else ""))
    log("bad inputs: %d/%d refused cleanly, %d writes" % (refused, len(cases), writes))
    return dict(cases=len(cases), refused=refused, writes=writes, problems=problems)
