"""Galaxy build-and-install test: the collection as users get it.

Builds the tarball with ``ansible-galaxy collection build``, checks it carries no stray files,
installs it with ``--offline --no-deps`` into an EMPTY collections path (dependencies come
from the ``ansible`` package), then, from a directory outside the checkout and with only that
path configured, renders every module's and role's documentation and runs a playbook that
uses modules and roles by their fully qualified names against the emulator.
"""

import json
import os
import subprocess
import sys
import tarfile
import textwrap
from types import SimpleNamespace

import pytest
import yaml

# its module-scoped build is shared by all its tests: they run on one xdist worker (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group('test_packaging_galaxy')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
STRAY = (".venv/", ".git/", ".collections/", "build/", "tests/output/", "__pycache__/",
         ".pytest_cache/", ".hypothesis/", ".ansible/", "context/", ".tox/")
STRAY_SUFFIXES = (".pyc", ".tar.gz", ".orig", ".rej", "~")


def galaxy():
    with open(os.path.join(ROOT, "galaxy.yml")) as f:
        return yaml.safe_load(f)


def run(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(cmd), proc.stdout, proc.stderr)
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build, install into an empty path; return the workdir, env, tarball members, install dir."""
    tmp = tmp_path_factory.mktemp("galaxy")
    dist, colls, work = tmp / "dist", tmp / "collections", tmp / "work"
    for d in (dist, colls, work):
        d.mkdir()
    # Nothing from the checkout may leak in: no ansible.cfg, no .collections link, no PYTHONPATH.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(colls), ANSIBLE_CONFIG=str(work / "ansible.cfg"),
               ANSIBLE_NOCOWS="1", ANSIBLE_RETRY_FILES_ENABLED="0", PATH=BIN + os.pathsep + env["PATH"])
    (work / "ansible.cfg").write_text("[defaults]\ncollections_path = %s\n" % colls)

    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(dist), ROOT],
        cwd=str(work), env=env)
    meta = galaxy()
    tarball = dist / ("%s-%s-%s.tar.gz" % (meta["namespace"], meta["name"], meta["version"]))
    assert tarball.exists(), os.listdir(str(dist))
    with tarfile.open(str(tarball)) as tar:
        members = [m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()]

    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
         "-p", str(colls), str(tarball)], cwd=str(work), env=env)
    dest = colls / "ansible_collections" / meta["namespace"] / meta["name"]
    return SimpleNamespace(work=work, env=env, members=members, dest=dest)


def test_packaging_tarball_has_no_stray_files(installed):
    members = installed.members
    stray = [m for m in members
             if any(("/" + m + "/").find("/" + s) >= 0 for s in STRAY) or m.endswith(STRAY_SUFFIXES)]
    # Name the outermost offending paths, not hundreds of files (fix: galaxy.yml build_ignore).
    assert sorted(m for m in stray if os.path.dirname(m) not in stray) == []
    for required in ("MANIFEST.json", "FILES.json", "meta/runtime.yml", "README.md",
                     "plugins/module_utils/aws.py", "plugins/doc_fragments/aws.py",
                     # data read on the controller, and the filters' documentation
                     "data/prices.yml", "data/aws_load_balancer_controller_iam_policy.json", "plugins/filter/known_vpcs.yml"):
        assert required in members
    assert [m for m in members if m.startswith("plugins/modules/") and m.endswith(".py")]


def test_packaging_installs_version_from_galaxy_yml(installed):
    work, env, dest = installed.work, installed.env, installed.dest
    manifest = json.loads((dest / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == galaxy()["version"]
    listed = json.loads(run([os.path.join(BIN, "ansible-galaxy"), "collection", "list", "refarch.network",
                             "--format", "json"], cwd=str(work), env=env))
    # Only the installed copy is visible, not the working tree.
    assert list(listed) == [str(dest.parent.parent)]


def test_packaging_every_module_documented_from_installed_path(installed):
    work, env, members, dest = installed.work, installed.env, installed.members, installed.dest
    modules = sorted(os.path.basename(m)[:-3] for m in members
                     if m.startswith("plugins/modules/") and m.endswith(".py") and "/_" not in m)
    listing = json.loads(run([os.path.join(BIN, "ansible-doc"), "-t", "module", "-l", "--json",
                              "refarch.network"], cwd=str(work), env=env))
    assert sorted(listing) == ["refarch.network." + m for m in modules]
    assert all(desc.strip() for desc in listing.values()), listing
    docs = json.loads(run([os.path.join(BIN, "ansible-doc"), "-t", "module", "--json"]
                          + ["refarch.network." + m for m in modules], cwd=str(work), env=env))
    for name in modules:
        entry = docs["refarch.network." + name]
        assert entry["doc"]["filename"].startswith(str(dest)), entry["doc"]["filename"]
        assert entry["examples"] and entry["return"] is not None, name
    # The rendered text form works too (what a user types).
    text = run([os.path.join(BIN, "ansible-doc"), "refarch.network." + modules[0]], cwd=str(work), env=env)
    assert "EXAMPLES" in text


def test_packaging_every_role_has_argument_specs(installed):
    work, env, members = installed.work, installed.env, installed.members
    roles = sorted({m.split("/")[1] for m in members if m.startswith("roles/") and m.count("/") >= 2})
    for role in roles:
        assert "roles/%s/meta/argument_specs.yml" % role in members, role
    if roles:
        docs = json.loads(run([os.path.join(BIN, "ansible-doc"), "-t", "role", "--json"]
                              + ["refarch.network." + r for r in roles], cwd=str(work), env=env))
        assert sorted(docs) == ["refarch.network." + r for r in roles]


PLAYBOOK = """
- name: Use the installed collection by fully qualified names
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/refarch.network.aws:
      region: us-east-1
  tasks:
    - name: Plan a demo network with the pure planner module
      refarch.network.network_plan:
        cidr: 10.120.0.0/16
        azs: [us-east-1a, us-east-1b, us-east-1c]
        tiers:
          - {name: public, route: internet, prefix: 20}
          - {name: private, route: nat, prefix: 19}
          - {name: persistence, route: none, prefix: 21}
      register: plan

    - name: Read an environment that does not exist (AWS module through the action group)
      refarch.network.network_info:
        owner: packaging-test
        missing_ok: true
      register: info

    - name: Run a role by its fully qualified name
      ansible.builtin.include_role:
        name: refarch.network.account_context

    - name: Check what the modules returned
      ansible.builtin.assert:
        that:
          - plan is not changed
          - plan.plan.subnets | length == 9
          - info is not changed
          - info.network_facts.vpc is none
          - refarch_role_arn is not defined

- name: A role given a wrong variable fails before any of its tasks
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Call the role with a string where a boolean is expected
      block:
        - name: Include the role
          ansible.builtin.include_role:
            name: refarch.network.account_context
          vars:
            account_context_check_role: not-a-bool
        - name: Not reached
          ansible.builtin.fail:
            msg: the role accepted a wrong variable
      rescue:
        - name: The argument spec refused it
          ansible.builtin.assert:
            that:
              - ansible_failed_result.argument_errors | select('search', 'account_context_check_role') | list | length == 1
"""


def test_packaging_playbook_uses_installed_modules_and_roles(installed, aws):
    work, env = installed.work, installed.env
    (work / "site.yml").write_text(textwrap.dedent(PLAYBOOK))
    (work / "hosts.yml").write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        "      ansible_python_interpreter: %s\n" % sys.executable)
    env = dict(env, **aws.env())
    out = run([os.path.join(BIN, "ansible-playbook"), "-i", "hosts.yml", "site.yml"], cwd=str(work), env=env)
    assert "failed=0" in out and "unreachable=0" in out, out
    assert "rescued=1" in out, out
