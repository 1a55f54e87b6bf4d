#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.refarch.network.plugins.module_utils import diagram, file_set
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.engine import Refused, Run, execute, run_module
from ansible_collections.refarch.network.plugins.module_utils.network_facts import combine

ARGUMENT_SPEC = dict(
    facts=dict(type="raw", required=True),
    dest=dict(type="path", required=True),
    title=dict(type="str", default="Network topology"),
    svg=dict(type="str", default="auto", choices=["auto", "always", "never"]),
)


def render_svg(module, action):
    """The engine's handler of ``render``: Graphviz draws the SVG from the .dot file."""
    rc, _out, err = module.run_command([action["dot"], "-Tsvg", "-o", action.key, action["source"]])
    if rc != 0:
        raise RuntimeError("dot could not render %s: %s" % (action.key, err.strip()))


def draw(module):
    try:
        facts = combine(module.params["facts"])
    except ValueError as e:
        raise Refused(str(e))
    dest = module.params["dest"]
    dot_bin = module.get_bin_path("dot", required=module.params["svg"] == "always") \
        if module.params["svg"] != "never" else None
    wanted = {"network.mmd": diagram.mermaid(facts), "network.md": diagram.markdown(facts, module.params["title"])}
    if dot_bin:
        wanted["network.dot"] = diagram.dot(facts)
    exists, have = file_set.read(dest, wanted)
    actions = file_set.diff(dest, exists, have, wanted)
    svg = os.path.join(dest, "network.svg") if dot_bin else None
    source = os.path.join(dest, "network.dot")
    if svg and (any(a.key == source for a in actions) or not os.path.exists(svg)):
        actions.append(Action("render", svg, "render " + svg, dot=dot_bin, source=source))
    execute(module, actions, dict(file_set.HANDLERS, render=lambda _run, action: render_svg(module, action)), Run())
    files = [os.path.join(dest, name) for name in wanted] + ([svg] if svg else [])
    return dict(changed=bool(actions), files=files, svg=svg, actions=[a.text for a in actions])


def main():
    module, ok, result = run_module("network_diagram", draw, ARGUMENT_SPEC, aws=False)
    (module.exit_json if ok else module.fail_json)(**result)


if __name__ == "__main__":
    main()
