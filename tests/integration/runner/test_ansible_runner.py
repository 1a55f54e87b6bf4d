"""site.yml through ansible-runner, the job runner AWX and Ansible Automation Platform use, in the
directory layout AWX gives a job: private_data_dir with project/ (the synced project, here this
checkout), inventory/ (the inventory AWX imported, with its variables), env/ (credentials as
environment variables, extra vars, runner settings). The emulator stands in for AWS.

One converge of the single-VPC production environment (the cheapest whole site.yml); the checks
read what AWX reads: the status and rc artifacts and the job events."""

import glob
import json
import os
import subprocess

import boto3
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.join(ROOT, ".venv", "bin")
INVENTORY = os.path.join(ROOT, "inventories", "single_vpc", "production")


def private_data_dir(path, endpoint):
    """The job directory AWX writes before it calls ansible-runner."""
    os.symlink(ROOT, str(path / "project"))
    # AWX imports an inventory source with ansible-inventory and stores hosts and their variables
    exported = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", INVENTORY, "--list", "--export", "-y"],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (path / "inventory").mkdir()
    (path / "inventory" / "hosts.yml").write_text(exported)
    (path / "env").mkdir()
    credentials = dict(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
    (path / "env" / "envvars").write_text(yaml.safe_dump(credentials))
    (path / "env" / "extravars").write_text(yaml.safe_dump({}))
    (path / "env" / "settings").write_text(yaml.safe_dump(dict(job_timeout=900, suppress_ansible_output=True)))
    return str(path)


def events(artifacts):
    found = []
    for name in glob.glob(os.path.join(artifacts, "job_events", "*.json")):
        with open(name) as f:
            found.append(json.load(f))
    return sorted(found, key=lambda e: e.get("counter", 0))


def test_site_yml_through_ansible_runner_in_the_awx_layout(aws, tmp_path):
    job = private_data_dir(tmp_path, aws.url)
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "ANSIBLE_CONFIG"):
        env.pop(name, None)   # only env/envvars speaks, as in an AWX job; the project's ansible.cfg applies
    done = subprocess.run([os.path.join(BIN, "ansible-runner"), "run", job, "-p", "playbooks/site.yml",
                           "--ident", "site"], env=env, capture_output=True, text=True, timeout=900, check=False)
    artifacts = os.path.join(job, "artifacts", "site")
    with open(os.path.join(artifacts, "stdout")) as f:
        stdout = f.read()
    assert done.returncode == 0, stdout[-4000:] + done.stderr[-2000:]
    assert "[DEPRECATION WARNING]" not in stdout, [line for line in stdout.splitlines() if "DEPRECATION" in line]
    with open(os.path.join(artifacts, "status")) as f:
        assert f.read().strip() == "successful"
    with open(os.path.join(artifacts, "rc")) as f:
        assert f.read().strip() == "0"

    seen = events(artifacts)
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "playbook_on_start" and "playbook_on_stats" in kinds
    stats = [e for e in seen if e["event"] == "playbook_on_stats"][-1]["event_data"]
    host = "single_vpc_production"
    assert stats["ok"].get(host) and stats["changed"].get(host)
    assert not stats.get("failures") and not stats.get("dark")
    modules = set(e["event_data"].get("resolved_action") for e in seen if e["event"] == "runner_on_ok")
    assert {"refarch.network.vpc_tiers", "refarch.network.security_groups", "refarch.network.vpc_endpoints",
            "refarch.network.network_verify"} <= modules, sorted(m for m in modules if m)
    assert not [e for e in seen if e["event"] == "runner_on_failed" and not e["event_data"].get("ignore_errors")]
    # what the job built is in the emulator: the layout's VPC
    vpcs = boto3.client("ec2").describe_vpcs(Filters=[{"Name": "tag:refarch:owner", "Values": ["single-vpc-production"]}])
    assert [v["CidrBlock"] for v in vpcs["Vpcs"]] == ["10.231.0.0/16"]
