#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one AWS module process spends before and on its calls; prints JSON (bench.py runs it).

AnsiballZ ships module_utils as sources in a zip, so a module compiles them on every run:
that cost is measured by compiling the same files here.
"""

from __future__ import absolute_import, division, print_function

import json
import sys
import time

CALLS = 10


def measure(out, name, func):
    wall, cpu = time.monotonic(), time.process_time()
    value = func()
    out[name] = {"wall": round(time.monotonic() - wall, 4), "cpu": round(time.process_time() - cpu, 4)}
    return value


def import_basic():
    import ansible.module_utils.basic  # noqa: F401  pylint: disable=unused-import


def import_aws():
    from ansible_collections.amazon.aws.plugins.module_utils import modules  # noqa: F401  pylint: disable=unused-import
    import boto3  # noqa: F401  pylint: disable=unused-import


def compile_module_utils():
    """Compile what AnsiballZ would ship (ansible and collection module_utils) from source."""
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path.endswith(".py") and (name.startswith("ansible.module_utils") or name.startswith("ansible_collections")):
            with open(path, "rb") as f:
                compile(f.read(), path, "exec", dont_inherit=True)


def main():
    out = {}
    measure(out, "import module_utils.basic", import_basic)
    measure(out, "import amazon.aws + boto3", import_aws)
    measure(out, "compile module_utils", compile_module_utils)
    import boto3
    import botocore.config
    client = measure(out, "create ec2 client", lambda: boto3.session.Session().client(
        "ec2", config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 10})))

    def calls():
        for _call in range(CALLS):
            client.describe_vpcs()
    measure(out, "%d describe calls" % CALLS, calls)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
