# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Section 5: the security baseline over the converged demo state and the collection itself.

Each check returns findings (strings); an empty list is a pass:
- default security groups of owned VPCs have no rules (vpc_tiers locks them down);
- no world-open ingress except load balancer 80/443 and the VPN port;
- every instance requires IMDSv2 and has only encrypted volumes;
- every owned VPC has a flow log of all traffic (ACCEPT and REJECT) to a destination (a log
  group with the role that delivers to it, or an S3 bucket): a REJECT-only log misses the
  accepted flows an investigation needs, and a log without a destination records nothing;
- every IRSA role trusts exactly one service account, with the STS audience;
- every module option named like a secret is no_log (names with "key" may say no_log=False
  explicitly: logical keys and key-pair names are not secrets);
- checkov's Kubernetes checks on the rendered plugin manifests (checkov.py).
A part that had nothing to check (no owned VPC, no module spec, no checkov check made) was not
run: ``not_run`` names it, and the suite reports the baseline NOT RUN instead of passed.
"""

import contextlib
import glob
import importlib
import io
import json
import os
import re
import sys

import yaml

import state
from harness import ROOT

WORLD = ("0.0.0.0/0", "::/0")
SECRET_NAME = re.compile(r"(token|secret|password|passwd|passphrase|credential|key)(s)?(_|$)|_key(_id)?$")
NEVER_PUBLIC = re.compile(r"token|secret|password|passwd|passphrase|credential")


def _vpn_port():
    path = os.path.join(ROOT, "inventories", "management", "host_vars", "management", "vpn.yml")
    with open(path) as f:
        data = yaml.safe_load(f)
    return data.get("pritunl_vpn_protocol", "udp"), int(data.get("pritunl_vpn_port", 1194))


def allowed_world(group_key, proto, from_port, to_port):
    """World-open rules the architecture accepts: load balancers on 80/443, the VPN port."""
    if group_key.startswith("sg/public_lb") and proto == "tcp" and (from_port, to_port) in ((80, 80), (443, 443)):
        return True
    vpn_proto, vpn_port = _vpn_port()
    return group_key == "sg/vpn" and proto == vpn_proto and from_port == to_port == vpn_port


def check_state(raws):
    """Findings over the raw describes of every account (state.read_account)."""
    findings = []
    for account, raw in sorted(raws.items()):
        owned_vpcs = dict((v["VpcId"], state.tags_of(v)[state.OWNER_TAG]) for v in raw["vpcs"]
                          if state.OWNER_TAG in state.tags_of(v))
        for vpc_id, owner in sorted(owned_vpcs.items()):
            findings += _flow_log_findings(account, owner, [f for f in raw["flow_logs"] if f["ResourceId"] == vpc_id])
        for group in raw["security_groups"]:
            if group.get("VpcId") not in owned_vpcs:
                continue
            key = state.tags_of(group).get(state.KEY_TAG, "")
            if group["GroupName"] == "default":
                if group.get("IpPermissions") or group.get("IpPermissionsEgress"):
                    findings.append("%s: default security group of %s has rules" % (account, owned_vpcs[group["VpcId"]]))
                continue
            for perm in group.get("IpPermissions", []):
                world = [r["CidrIp"] for r in perm.get("IpRanges", []) if r["CidrIp"] in WORLD] + \
                    [r["CidrIpv6"] for r in perm.get("Ipv6Ranges", []) if r["CidrIpv6"] in WORLD]
                proto = {"-1": "all", "6": "tcp", "17": "udp"}.get(str(perm["IpProtocol"]), perm["IpProtocol"])
                if world and not allowed_world(key, proto, perm.get("FromPort"), perm.get("ToPort")):
                    findings.append("%s: %s (%s) opens %s %s-%s to %s" % (
                        account, group["GroupName"], key or "foreign", proto, perm.get("FromPort"),
                        perm.get("ToPort"), ", ".join(world)))
        volumes = dict((v["VolumeId"], v) for v in raw["volumes"])
        for inst in raw["instances"]:
            name = state.tags_of(inst).get("Name", inst["InstanceId"])
            if inst.get("MetadataOptions", {}).get("HttpTokens") != "required":
                findings.append("%s: instance %s does not require IMDSv2" % (account, name))
            for mapping in inst.get("BlockDeviceMappings", []):
                volume = volumes.get(mapping.get("Ebs", {}).get("VolumeId"), {})
                if not volume.get("Encrypted"):
                    findings.append("%s: instance %s volume %s is not encrypted" % (account, name, mapping["DeviceName"]))
        for role in raw["roles"]:
            doc = role.get("AssumeRolePolicyDocument")
            doc = json.loads(doc) if isinstance(doc, str) else doc or {}
            for statement in doc.get("Statement", []):
                if "AssumeRoleWithWebIdentity" in json.dumps(statement.get("Action")):
                    findings += _irsa_findings(account, role["RoleName"], statement)
    return findings


def flow_log_faults(flow):
    """What keeps a flow log from recording every flow somewhere (empty: nothing)."""
    faults = []
    if flow.get("TrafficType") != "ALL":
        faults.append("traffic %s" % flow.get("TrafficType"))
    if not (flow.get("LogGroupName") or flow.get("LogDestination")):
        faults.append("no destination")
    elif flow.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs" and not flow.get("DeliverLogsPermissionArn"):
        faults.append("no delivery role")
    return faults


def _flow_log_findings(account, owner, flows):
    if not flows:
        return ["%s: VPC of %s has no flow log" % (account, owner)]
    faults = [(f["FlowLogId"], flow_log_faults(f)) for f in flows]
    if any(not found for _flow_id, found in faults):
        return []
    return ["%s: VPC of %s has no flow log of all traffic to a destination (%s)" % (
        account, owner, "; ".join("%s: %s" % (flow_id, ", ".join(found)) for flow_id, found in faults))]


def _irsa_findings(account, role, statement):
    equals = (statement.get("Condition") or {}).get("StringEquals", {})
    subs = [v for k, v in equals.items() if k.endswith(":sub")]
    auds = [v for k, v in equals.items() if k.endswith(":aud")]
    ok = (len(subs) == 1 and isinstance(subs[0], str) and re.match(r"^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$", subs[0])
          and auds == ["sts.amazonaws.com"] and "StringLike" not in (statement.get("Condition") or {}))
    return [] if ok else ["%s: IRSA role %s trust is not limited to one service account: %s" % (
        account, role, json.dumps(statement.get("Condition")))]


class _Captured(Exception):
    pass


def argument_specs():
    """{module: argument_spec} of every module in plugins/modules, read by starting each one
    with AnsibleModule's constructor replaced (nothing runs past the spec)."""
    from ansible.module_utils import basic
    from ansible_collections.amazon.aws.plugins.module_utils import modules as aws_modules
    specs = {}

    def capture(self, *args, **kwargs):
        raise _Captured(kwargs.get("argument_spec", args[0] if args else {}))
    saved = (basic.AnsibleModule.__init__, aws_modules.AnsibleAWSModule.__init__)
    basic.AnsibleModule.__init__ = capture
    aws_modules.AnsibleAWSModule.__init__ = capture
    try:
        for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))):
            name = os.path.basename(path)[:-3]
            mod = importlib.import_module("ansible_collections.refarch.network.plugins.modules." + name)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    mod.main()
            except _Captured as e:
                specs[name] = e.args[0]
    finally:
        basic.AnsibleModule.__init__, aws_modules.AnsibleAWSModule.__init__ = saved
    return specs


def check_no_log(specs):
    """Findings: secret-like options without no_log; and the accepted no_log=False 'key' names."""
    findings, accepted = [], []

    def walk(module, spec, prefix):
        for name, option in sorted(spec.items()):
            path = prefix + name
            if SECRET_NAME.search(name):
                no_log = option.get("no_log")
                if no_log is None or (no_log is False and NEVER_PUBLIC.search(name)):
                    findings.append("%s: option %s looks secret but is not no_log" % (module, path))
                elif no_log is False:
                    accepted.append("%s.%s" % (module, path))
            if option.get("options"):
                walk(module, option["options"], path + ".")
    for module, spec in sorted(specs.items()):
        walk(module, spec, "")
    return findings, accepted


def not_run(counts, scan):
    """The parts of the baseline that checked nothing: [] when every part ran."""
    parts = []
    if not counts.get("vpcs"):
        parts.append("state: 0 owned VPCs read")
    if not counts.get("modules"):
        parts.append("no_log: 0 module specs read")
    if not (scan or {}).get("checks"):
        parts.append("%s: 0 checks run on %s objects" % ((scan or {}).get("tool", "checkov"), (scan or {}).get("objects", 0)))
    return parts


def run(endpoint, log=print):
    sys.path.insert(0, os.path.join(ROOT, ".collections"))
    raws = dict((name, state.read_account(session, endpoint))
                for name, (_id, session) in state.accounts(endpoint).items())
    findings = check_state(raws)
    specs = argument_specs()
    no_log, accepted = check_no_log(specs)
    counts = dict(instances=sum(len(r["instances"]) for r in raws.values()),
                  irsa_roles=sum(1 for r in raws.values() for role in r["roles"]
                                 if "AssumeRoleWithWebIdentity" in json.dumps(role.get("AssumeRolePolicyDocument"))),
                  modules=len(specs), vpcs=sum(1 for r in raws.values() for v in r["vpcs"]
                                               if state.OWNER_TAG in state.tags_of(v)))
    log("baseline: %d state findings, %d no_log findings over %s; key-named options public by decision: %s" % (
        len(findings), len(no_log), counts, ", ".join(accepted)))
    return dict(findings=findings + no_log, accepted_public_keys=accepted, counts=counts)
