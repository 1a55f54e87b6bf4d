# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diff of eks_irsa: the plan (``irsa.plan_irsa``) and a snapshot (``irsa_read.read_irsa``)
-> ordered ``actions.Action`` list. Pure: no AWS call.

Only what is ours is changed: roles tagged with our owner and this cluster's key prefix, and
the OIDC provider when it carries our owner and key tags. A foreign provider is used as it
is; a foreign role with a wanted name is refused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, owned_tags
from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.irsa import (
    STS_AUDIENCE, issuer_host, oidc_key, oidc_provider_arn, permission_policy, policy_name, trust_policy, zone_arn)


def _ours(provider, plan):
    return provider["tags"].get(OWNER_TAG) == plan["owner"] and provider["tags"].get(KEY_TAG) == oidc_key(plan["cluster"])


def _provider(plan, snap, issuer, actions):
    """Actions for the cluster's provider; returns its result view {arn, url, owned}."""
    host = issuer_host(issuer)
    key = oidc_key(plan["cluster"])
    current = next((p for p in snap["providers"] if p["url"] == host), None)
    for p in snap["providers"]:
        if p is not current and _ours(p, plan):
            actions.append(Action("delete_provider", key, "delete stale oidc-provider %s" % p["url"], arn=p["arn"]))
    if current is None:
        # IAM derives the ARN from the URL, so check mode can name it exactly
        arn = oidc_provider_arn(snap["partition"], snap["account"], issuer)
        actions.append(Action("create_provider", key, "create oidc-provider %s" % host, url=issuer, arn=arn,
                              thumbprints=plan["thumbprints"], tags=owned_tags(plan["owner"], key, extra=plan["tags"])))
        return dict(arn=arn, url=host, owned=True)
    owned = current["tags"].get(OWNER_TAG) == plan["owner"]
    if STS_AUDIENCE not in current["client_ids"]:
        if not owned:
            raise InputError("cluster_name", "the OIDC provider %s is not ours and lacks client id %s"
                             % (current["arn"], STS_AUDIENCE))
        actions.append(Action("add_client_id", key, "add client id %s to oidc-provider %s" % (STS_AUDIENCE, host),
                              arn=current["arn"]))
    if owned and sorted(current["thumbprints"]) != sorted(plan["thumbprints"]):
        actions.append(Action("update_thumbprints", key, "update thumbprints of oidc-provider %s" % host,
                              arn=current["arn"], thumbprints=plan["thumbprints"]))
    return dict(arn=current["arn"], url=host, owned=owned)


def _update_role(current, key, trust, pname, permissions, tags):
    name = current["name"]
    actions = []
    if compare_policies(current["trust"], trust):
        actions.append(Action("update_trust", key, "update trust of role %s" % name, role=name, trust=trust))
    if pname not in current["policies"] or compare_policies(current["policies"][pname], permissions):
        actions.append(Action("put_policy", key, "put policy %s on role %s" % (pname, name), role=name, policy=pname,
                              document=permissions))
    for other in sorted(set(current["policies"]) - set([pname])):
        actions.append(Action("delete_policy", key, "delete policy %s from role %s" % (other, name), role=name,
                              policy=other))
    for arn in current["managed"]:
        actions.append(Action("detach_policy", key, "detach %s from role %s" % (arn, name), role=name, arn=arn))
    missing = dict((k, v) for k, v in tags.items() if current["tags"].get(k) != v)
    if missing:
        actions.append(Action("tag_role", key, "tag role %s with %s" % (name, ", ".join(sorted(missing))), role=name,
                              tags=missing))
    return actions


def _delete_role(role):
    name, key = role["name"], role["key"]
    actions = [Action("delete_policy", key, "delete policy %s from role %s" % (pname, name), role=name, policy=pname)
               for pname in sorted(role["policies"])]
    actions += [Action("detach_policy", key, "detach %s from role %s" % (arn, name), role=name, arn=arn)
                for arn in role["managed"]]
    return actions + [Action("delete_role", key, "delete role %s" % name, role=name)]


def _roles(plan, snap, provider_arn, issuer, zone, actions):
    """Actions for the wanted roles and the owned ones no longer wanted; returns {policy: view}."""
    result = {}
    for index, sa in enumerate(plan["service_accounts"]):
        name, key = sa["role_name"], sa["key"]
        trust = trust_policy(provider_arn, issuer, sa["namespace"], sa["service_account"])
        pname = policy_name(sa["policy"])
        permissions = permission_policy(sa["policy"], snap["partition"], [zone], plan.get("lbc_policy"))
        tags = owned_tags(plan["owner"], key, name=name, extra=plan["tags"])
        current = snap["roles"].get(name)
        if current is None:
            if name in snap["taken"]:
                raise InputError("service_accounts[%d].role_name" % index,
                                 "role %s exists but is not an IRSA role of owner %s and cluster %s under path %s"
                                 % (name, plan["owner"], plan["cluster"], plan["path"]))
            subject = "%s/%s" % (sa["namespace"], sa["service_account"])
            actions.append(Action("create_role", key, "create role %s for %s" % (name, subject), role=name,
                                  path=plan["path"], trust=trust, tags=tags,
                                  description="IRSA for %s in EKS cluster %s" % (subject, plan["cluster"])))
            actions.append(Action("put_policy", key, "put policy %s on role %s" % (pname, name), role=name,
                                  policy=pname, document=permissions))
            arn = "arn:%s:iam::%s:role%s%s" % (snap["partition"], snap["account"], plan["path"], name)
        else:
            actions += _update_role(current, key, trust, pname, permissions, tags)
            arn = current["arn"]
        result[sa["policy"]] = dict(name=name, arn=arn, namespace=sa["namespace"],
                                    service_account=sa["service_account"])
    names = set(sa["role_name"] for sa in plan["service_accounts"])
    for name in sorted(set(snap["roles"]) - names):
        actions += _delete_role(snap["roles"][name])
    return result


def diff_present(plan, snap):
    """(actions, facts): the ordered actions and the result's oidc_provider, roles, hosted_zone."""
    issuer = snap["cluster"]["oidc_issuer"]
    zone = dict(snap["zone"], arn=zone_arn(snap["partition"], snap["zone"]["id"]))
    actions = []
    provider = _provider(plan, snap, issuer, actions)
    roles = _roles(plan, snap, provider["arn"], issuer, zone["arn"], actions)
    # Deleting a stale provider comes last: roles are already trusting the new one.
    actions.sort(key=lambda a: a.op == "delete_provider")
    return actions, dict(oidc_provider=provider, roles=roles, hosted_zone=zone)


def diff_absent(plan, snap):
    """Delete the owned roles of the cluster, then the provider if it is ours."""
    actions = []
    for name in sorted(snap["roles"]):
        actions += _delete_role(snap["roles"][name])
    for p in snap["providers"]:
        if _ours(p, plan):
            actions.append(Action("delete_provider", oidc_key(plan["cluster"]), "delete oidc-provider %s" % p["url"],
                                  arn=p["arn"]))
    return actions


def before_model(plan, snap):
    """The --diff view: the cluster's provider and the owned roles' documents."""
    if plan["present"]:
        host = issuer_host(snap["cluster"]["oidc_issuer"])
        provider = next((p for p in snap["providers"] if p["url"] == host), None)
    else:
        provider = next((p for p in snap["providers"] if _ours(p, plan)), None)
    if provider:
        provider = dict((k, provider[k]) for k in ("arn", "url", "client_ids", "thumbprints"))
    return dict(oidc_provider=provider, roles=dict(
        (name, dict(trust=r["trust"], policies=r["policies"], managed_policies=r["managed"]))
        for name, r in sorted(snap["roles"].items())))


def after_model(before, actions):
    """``before`` with the actions played on it (what --diff shows as after)."""
    after = copy.deepcopy(before)
    for a in actions:
        role = after["roles"].get(a.get("role"))
        if a.op == "create_provider":
            after["oidc_provider"] = dict(arn=a["arn"], url=issuer_host(a["url"]), client_ids=[STS_AUDIENCE],
                                          thumbprints=a["thumbprints"])
        elif a.op == "update_thumbprints":
            after["oidc_provider"]["thumbprints"] = a["thumbprints"]
        elif a.op == "add_client_id":
            after["oidc_provider"]["client_ids"].append(STS_AUDIENCE)
        elif a.op == "delete_provider" and after["oidc_provider"] and after["oidc_provider"].get("arn") == a["arn"]:
            after["oidc_provider"] = None
        elif a.op == "create_role":
            after["roles"][a["role"]] = dict(trust=a["trust"], policies={}, managed_policies=[])
        elif a.op == "update_trust":
            role["trust"] = a["trust"]
        elif a.op == "put_policy":
            role["policies"][a["policy"]] = a["document"]
        elif a.op == "delete_policy":
            role["policies"].pop(a["policy"], None)
        elif a.op == "detach_policy":
            role["managed_policies"].remove(a["arn"])
        elif a.op == "delete_role":
            after["roles"].pop(a["role"])
    return after
