#!/usr/bin/env python
"""Render the collection's plugin and role reference to Markdown from ``ansible-doc --json``.

Usage: python tools/docs_md.py OUTDIR   (run with the collection on ANSIBLE_COLLECTIONS_PATH)

One page per module, plugin and role (``<name>_<type>.md``) plus ``README.md`` as the index.
Ansible markup (C(), O(), M(), ...) is converted with antsibull-docs-parser; M()/P() links to
pages of this collection become relative links.
"""

import json
import os
import subprocess
import sys

from antsibull_docs_parser import dom
from antsibull_docs_parser.format import LinkProvider
from antsibull_docs_parser.md import to_md
from antsibull_docs_parser.parser import Context, parse

COLLECTION = "refarch.network"
TYPES = ("module", "role", "filter", "test", "lookup", "callback", "inventory")
TITLES = {"module": "Modules", "role": "Roles", "filter": "Filter plugins", "test": "Test plugins",
          "lookup": "Lookup plugins", "callback": "Callback plugins", "inventory": "Inventory plugins"}


def ansible_doc_dump():
    """Every plugin and role of the collection in one ansible-doc call, by type."""
    out = subprocess.run(["ansible-doc", "--metadata-dump", COLLECTION], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["all"]


def page(fqcn, ptype):
    return "%s_%s.md" % (fqcn.split(".")[-1], ptype)


class Links(LinkProvider):
    def plugin_link(self, plugin):
        if plugin.fqcn.startswith(COLLECTION + "."):
            return page(plugin.fqcn, plugin.type)
        return None


def md(text, fqcn, ptype, entrypoint=None):
    if text is None:
        return ""
    context = Context(current_plugin=dom.PluginIdentifier(fqcn=fqcn, type=ptype), role_entrypoint=entrypoint)
    return to_md(parse(text, context), link_provider=Links(), current_plugin=context.current_plugin)


def cell(text):
    """Markdown for inside a table cell: one line, pipes escaped."""
    return " ".join(text.replace("|", "\\|").split("\n\n")).replace("\n", " ")


def option_rows(options, fqcn, ptype, entrypoint=None, prefix=""):
    rows = []
    for name in sorted(options or {}):
        spec = options[name] or {}
        kind = spec.get("type", "str")
        if spec.get("elements"):
            kind += " / elements=" + spec["elements"]
        facts = []
        if spec.get("required"):
            facts.append("**required**")
        if spec.get("default") is not None:
            facts.append("default: `%s`" % json.dumps(spec["default"]))
        if spec.get("choices"):
            facts.append("choices: " + ", ".join("`%s`" % c for c in spec["choices"]))
        if spec.get("aliases"):
            facts.append("aliases: " + ", ".join(spec["aliases"]))
        if spec.get("returned"):
            facts.append("returned: " + md(spec["returned"], fqcn, ptype, entrypoint))
        text = cell(md(spec.get("description"), fqcn, ptype, entrypoint))
        rows.append("| `%s%s` | %s | %s |" % (prefix, name, kind, cell("<br>".join([text] + facts))))
        children = spec.get("suboptions") or spec.get("options") or spec.get("contains")
        if children:
            rows.extend(option_rows(children, fqcn, ptype, entrypoint, prefix + name + "."))
    return rows


def table(title, options, fqcn, ptype, entrypoint=None, head="Parameter"):
    if not options:
        return []
    return ["", "## " + title, "", "| %s | Type | Description |" % head, "|---|---|---|"] + \
        option_rows(options, fqcn, ptype, entrypoint)


def attributes(attrs, fqcn, ptype):
    """The module's attributes (check mode, diff mode): support, then what it means and the module's details."""
    if not attrs:
        return []
    rows = []
    for name in sorted(attrs):
        spec = attrs[name] or {}
        text = paragraphs(spec.get("description"), fqcn, ptype) + paragraphs(spec.get("details"), fqcn, ptype)
        rows.append("| `%s` | %s | %s |" % (name, spec.get("support", ""), cell("<br>".join(text))))
    return ["", "## Attributes", "", "| Attribute | Support | Description |", "|---|---|---|"] + rows


def paragraphs(items, fqcn, ptype, entrypoint=None):
    if isinstance(items, str):
        items = [items]
    return [md(item, fqcn, ptype, entrypoint) for item in items or []]


def blocks(items, fqcn, ptype, entrypoint=None):
    """Description paragraphs, separated by blank lines."""
    out = []
    for text in paragraphs(items, fqcn, ptype, entrypoint):
        out += [text, ""]
    return out[:-1]


def plugin_page(fqcn, ptype, data):
    doc = data.get("doc") or {}
    lines = ["# %s %s" % (fqcn, ptype), "", md(doc.get("short_description"), fqcn, ptype), ""]
    if doc.get("version_added"):
        lines += ["Added in version %s." % doc["version_added"], ""]
    lines += blocks(doc.get("description"), fqcn, ptype)
    if doc.get("requirements"):
        lines += ["", "## Requirements", ""] + ["- " + r for r in paragraphs(doc["requirements"], fqcn, ptype)]
    lines += table("Parameters", doc.get("options"), fqcn, ptype)
    lines += attributes(doc.get("attributes"), fqcn, ptype)
    if doc.get("notes"):
        lines += ["", "## Notes", ""] + ["- " + n for n in paragraphs(doc["notes"], fqcn, ptype)]
    if data.get("examples"):
        lines += ["", "## Examples", "", "```yaml", data["examples"].strip("\n"), "```"]
    lines += table("Return values", data.get("return"), fqcn, ptype, head="Key")
    return lines


def role_page(fqcn, data):
    lines = ["# %s role" % fqcn]
    for entry, spec in sorted((data.get("entry_points") or {}).items()):
        lines += ["", "## Entry point `%s`: %s" % (entry, md(spec.get("short_description"), fqcn, "role", entry)), ""]
        lines += blocks(spec.get("description"), fqcn, "role", entry)
        lines += [line.replace("## Variables", "### Variables")
                  for line in table("Variables", spec.get("options"), fqcn, "role", entry, head="Variable")]
    return lines


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    index = ["# %s reference" % COLLECTION, "",
             "Generated by `tools/docs.sh` from the documentation blocks; do not edit by hand.", ""]
    written = set()
    dump = ansible_doc_dump()
    for ptype in TYPES:
        docs = dump.get(ptype) or {}
        names = sorted(name for name in docs if name.startswith(COLLECTION + "."))
        if not names:
            continue
        index += ["## " + TITLES[ptype], ""]
        for fqcn in names:
            data = docs[fqcn]
            if ptype == "role":
                lines = role_page(fqcn, data)
                main_spec = (data.get("entry_points") or {}).get("main") or {}
                short = main_spec.get("short_description")
            else:
                lines = plugin_page(fqcn, ptype, data)
                short = (data.get("doc") or {}).get("short_description")
            name = page(fqcn, ptype)
            with open(os.path.join(outdir, name), "w") as f:
                f.write("\n".join(lines).rstrip("\n") + "\n")
            written.add(name)
            index.append("- [%s](%s) - %s" % (fqcn, name, md(short, fqcn, ptype)))
        index.append("")
    with open(os.path.join(outdir, "README.md"), "w") as f:
        f.write("\n".join(index).rstrip("\n") + "\n")
    # Pages of plugins that no longer exist go away.
    for stale in set(os.listdir(outdir)) - written - {"README.md"}:
        if stale.endswith(".md"):
            os.remove(os.path.join(outdir, stale))


if __name__ == "__main__":
    main(sys.argv[1])
