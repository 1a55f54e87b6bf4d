# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The account limits a network build meets first on AWS (the emulator enforces none): VPCs,
internet gateways and Elastic IP addresses per Region, 5 each in a new account.

Pure: what each environment of a run needs (``demand``), which of them an account and Region
share (``shared_demand``), and where usage plus what is still to make passes a quota
(``shortfalls``). vpc_tiers reads usage and quotas (limits_read) and refuses before its first
write when its plan creates one of them, for every environment of the run in its account and
Region at once: two of them each fitting alone may not fit together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

from ansible_collections.refarch.network.plugins.module_utils.errors import InputError, mappings

# kind -> what it is called, the vpc_tiers action that makes one, its Service Quotas code
Limit = collections.namedtuple("Limit", "kind name creates service code")
LIMITS = (
    Limit("vpcs", "VPCs", "create_vpc", "vpc", "L-F678F1CE"),
    Limit("internet_gateways", "internet gateways", "create_igw", "vpc", "L-A4707A72"),
    Limit("elastic_ips", "Elastic IP addresses", "allocate_eip", "ec2", "L-0263D0A3"),
)
KINDS = tuple(limit.kind for limit in LIMITS)


class OverLimit(RuntimeError):
    """The run would pass an account limit: refused before the first write."""


def demand(plan, vpn=False):
    """What one environment's VPC holds of each limited kind when built: one VPC, an internet
    gateway when a tier is public, an address per NAT gateway and one for the VPN server."""
    return dict(vpcs=1, internet_gateways=int(bool(plan["internet_gateway"])),
                elastic_ips=len(plan["nat_gateways"]) + int(bool(vpn)))


def account_of(env):
    """The account an environment's resources live in, as far as the controller knows it: the
    resolved id, the id in the role to assume, the id the inventory gives; '' for the caller's. An
    account a check-mode run has not created yet is its own (a new account shares nothing)."""
    if env.get("refarch_account_pending"):
        return "pending:%s" % env.get("owner")
    if env.get("refarch_account_id"):
        return str(env["refarch_account_id"])
    role = env.get("refarch_role_arn") or ""
    if role.count(":") >= 5:
        return role.split(":")[4]
    return str(env.get("aws_account_id") or "")


def shared_demand(envs, name, plan_of):
    """``[{owner, vpcs, internet_gateways, elastic_ips}]`` for every environment in ``envs``
    ({name: its variables}) that builds in the same account and Region as ``name``, itself
    included, in name order. ``plan_of(variables)`` gives an environment's plan."""
    mine = envs[name]
    if mine.get("refarch_state", "present") != "present":
        return []
    where = (account_of(mine), mine.get("aws_region"))
    shared = []
    for other in sorted(envs):
        env = envs[other]
        if (account_of(env), env.get("aws_region")) != where or env.get("refarch_state", "present") != "present":
            continue
        item = dict(owner=env.get("owner", other))
        item.update(demand(plan_of(env), vpn=env.get("vpn_enabled") is True))   # the preflight holds it to a boolean
        shared.append(item)
    return shared


def own_demand(items, owner, plan):
    """``account_demand`` as given (each item checked), with this environment's own plan added
    when the list leaves it out."""
    wanted = []
    needs = "owner and the counts of %s" % ", ".join(KINDS)
    for _i, path, item in mappings(items or [], "account_demand", ("owner",) + KINDS, "environments' demands", needs):
        if not isinstance(item.get("owner"), str) or not item["owner"]:
            raise InputError(path + ".owner", "expected the environment's owner name")
        for kind in KINDS:
            if not isinstance(item.get(kind, 0), int) or isinstance(item.get(kind, 0), bool) or item.get(kind, 0) < 0:
                raise InputError("%s.%s" % (path, kind), "expected a count (a whole number, 0 or more)")
        wanted.append(dict(((kind, item.get(kind, 0)) for kind in KINDS), owner=item["owner"]))
    if not any(item["owner"] == owner for item in wanted):
        wanted.append(dict(demand(plan), owner=owner))
    return wanted


def creates(actions):
    """The limited kinds ``actions`` make one of."""
    made = set(action.op for action in actions)
    return [limit.kind for limit in LIMITS if limit.creates in made]


def shortfalls(wanted, usage, quotas, region):
    """One line per limit the run would pass: what is in use in the account and Region, plus
    what each environment of ``wanted`` still lacks (its demand less what it already owns),
    more than the quota. ``usage``: {kind: {"total": n, "owned": {owner: n}}}; ``quotas``:
    {kind: value}, a kind without a known quota is not judged."""
    lines = []
    for limit in LIMITS:
        quota = quotas.get(limit.kind)
        if quota is None:
            continue
        used = usage[limit.kind]
        lacking = [(item["owner"], max(0, item[limit.kind] - used["owned"].get(item["owner"], 0))) for item in wanted]
        more = sum(n for _owner, n in lacking)
        if used["total"] + more <= quota:
            continue
        lines.append("%s in %s: %d of the account's quota of %d are in use and this run needs %d more (%s); "
                     "AWS would refuse the build midway. Raise the quota (Service Quotas, %s %s), free some, "
                     "or plan fewer" % (limit.name, region, used["total"], quota, more,
                                        ", ".join("%s %d" % pair for pair in lacking), limit.service, limit.code))
    return lines
