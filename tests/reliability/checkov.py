# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""checkov's Kubernetes checks on the rendered EKS plugin manifests (build/<env>/k8s/).

checkov lives in its own venv, ``.venv-checkov/``, made from ``requirements-checkov.txt``
(it pins many libraries of its own). Every failed check must be listed, with a justification,
in ``checkov-exceptions.yml``; a failed check not listed there is a finding, and so is a listed
exception that no longer fails (stale). Without checkov, ``fallback`` asserts the core of the
same checks in Python and says so. Either way the result counts the checks made (``checks``): a scan
that made none (no manifests, a checkov that found nothing to read) was not run, not passed.
"""

import glob
import json
import os
import subprocess

import yaml

from harness import ROOT

# .venv-checkov/ by default; CHECKOV_VENV moves it (e.g. under build/, which every tool ignores)
VENV = os.path.join(ROOT, os.environ.get("CHECKOV_VENV", ".venv-checkov"))
REQUIREMENTS = os.path.join(ROOT, "requirements-checkov.txt")
EXCEPTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkov-exceptions.yml")


def _command():
    # through the venv's python, not its bin/checkov script: a moved venv keeps working
    return [os.path.join(VENV, "bin", "python"), "-m", "checkov.main"]


def installed():
    return os.path.exists(os.path.join(VENV, "bin", "python")) and bool(
        glob.glob(os.path.join(VENV, "lib", "python*", "site-packages", "checkov")))


def ensure_venv(log=print):
    """The checkov command, installing the venv on first use; None when that fails."""
    if installed():
        return _command()
    log("installing checkov into %s (first run only)" % VENV)
    steps = [["python3", "-m", "venv", VENV],
             [os.path.join(VENV, "bin", "python"), "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS]]
    for step in steps:
        done = subprocess.run(step, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            log("checkov could not be installed: %s" % (done.stderr or done.stdout)[-500:])
            return None
    return _command() if installed() else None


def load_exceptions(path=EXCEPTIONS):
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    return data.get("exceptions", [])


def _resource_matches(pattern, resource):
    return pattern == "*" or pattern == resource or (pattern.endswith("*") and resource.startswith(pattern[:-1]))


def judge(failed, exceptions):
    """Split failed checks [(check_id, resource, file)] into accepted and findings; stale exceptions."""
    findings, accepted, used = [], [], set()
    for check_id, resource, path in failed:
        hit = [i for i, e in enumerate(exceptions)
               if e["check"] == check_id and _resource_matches(e.get("resource", "*"), resource)]
        if hit:
            accepted.append((check_id, resource))
            used.update(hit)
        else:
            findings.append("checkov %s failed on %s (%s) without a justified exception" % (check_id, resource, path))
    for i, e in enumerate(exceptions):
        if not e.get("why"):
            findings.append("checkov exception %s has no justification" % e["check"])
        if i not in used:
            findings.append("checkov exception %s (%s) is stale: nothing fails it" % (e["check"], e.get("resource", "*")))
    return findings, accepted


def run_checkov(exe, directory):
    """Failed checks [(check_id, resource, file)] and the number of passed checks."""
    # BC_SKIP_MAPPING: no attempt to fetch check metadata from the vendor's API (offline machine)
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    args = ["-d", directory, "--framework", "kubernetes", "-o", "json", "--compact", "--skip-download"]
    done = subprocess.run(exe + args, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    try:
        reports = json.loads(done.stdout or "{}")
    except ValueError:
        raise RuntimeError("checkov gave no JSON (rc=%s): %s" % (done.returncode, (done.stderr or "")[-800:]))
    reports = reports if isinstance(reports, list) else [reports]
    failed, passed = [], 0
    for report in reports:
        results = report.get("results", {})
        passed += len(results.get("passed_checks", []))
        for check in results.get("failed_checks", []):
            failed.append((check["check_id"], check["resource"], os.path.relpath(
                os.path.join(directory, check["file_path"].lstrip("/")), ROOT)))
    return failed, passed


def manifests(directories):
    """Every Kubernetes object in the rendered YAML files: [(file, object)]."""
    found = []
    for directory in directories:
        for path in sorted(glob.glob(os.path.join(directory, "**", "*.y*ml"), recursive=True)):
            with open(path) as f:
                for doc in yaml.safe_load_all(f):
                    if isinstance(doc, dict) and doc.get("kind"):
                        found.append((os.path.relpath(path, ROOT), doc))
    return found


def fallback(directories):
    """Without checkov: the same checks' core on the plain manifests (pod security of workloads,
    no host namespaces, no privileged containers, resource limits, no default namespace).
    Returns the findings and the number of checks made."""
    findings, checks = [], 0
    for path, doc in manifests(directories):
        checks += 1
        name = "%s %s/%s" % (doc["kind"], doc.get("metadata", {}).get("namespace", "default"),
                             doc.get("metadata", {}).get("name"))
        if doc.get("metadata", {}).get("namespace") in (None, "default") and doc["kind"] not in (
                "Namespace", "ClusterIssuer", "ClusterRole", "ClusterRoleBinding", "IngressClass"):
            findings.append("%s (%s): in the default namespace (CKV_K8S_21)" % (name, path))
        spec = doc.get("spec", {})
        pod = spec.get("template", {}).get("spec") if "template" in spec else (spec if doc["kind"] == "Pod" else None)
        if not pod:
            continue
        checks += 1 + 3 * len(pod.get("containers", []))
        if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
            findings.append("%s (%s): shares a host namespace (CKV_K8S_17/18/19)" % (name, path))
        for container in pod.get("containers", []):
            ctx = container.get("securityContext", {})
            if ctx.get("privileged"):
                findings.append("%s (%s): privileged container (CKV_K8S_16)" % (name, path))
            if ctx.get("allowPrivilegeEscalation", True):
                findings.append("%s (%s): allows privilege escalation (CKV_K8S_20)" % (name, path))
            if not container.get("resources", {}).get("limits"):
                findings.append("%s (%s): no resource limits (CKV_K8S_11/13)" % (name, path))
    return findings, checks


def fallback_scan(directories, tool):
    findings, checks = fallback(directories)
    return dict(tool=tool, findings=findings, checks=checks, objects=len(manifests(directories)), accepted=[])


def run(directories, log=print):
    """Findings, and how they were obtained."""
    exe = ensure_venv(log)
    if exe is None:
        return fallback_scan(directories, "python fallback (checkov not installable)")
    failed, passed = [], 0
    for directory in directories:
        f, p = run_checkov(exe, directory)
        failed += f
        passed += p
    findings, accepted = judge(failed, load_exceptions())
    kinds = sorted(set(doc["kind"] for _p, doc in manifests(directories)))
    log("checkov: %d checks passed, %d failed (%d accepted with a justification) on %d objects (%s) in %d "
        "directories" % (passed, len(failed), len(accepted), len(manifests(directories)), ", ".join(kinds),
                         len(directories)))
    return dict(tool="checkov", findings=findings, passed=passed, failed=len(failed), checks=passed + len(failed),
                accepted=accepted, objects=len(manifests(directories)), kinds=kinds)
