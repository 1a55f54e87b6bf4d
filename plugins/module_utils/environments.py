# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run knows of an environment from the inventory: the hosts of its play, and the
environments they link to (peers, a DNS parent, the environments a VPN serves) that may not be.

Pure functions of host vars, for the filters and planners that work across environments
(account_requests, lock_targets, vpn_served, vpn_served_zones, peering_plan.absent_peers).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def names_account(data):
    """Whether an environment's inventory names its AWS account (C(aws_account_name) or
    C(aws_account_id)): it is then reached through a role there, else it is the caller's account."""
    return "aws_account_name" in data or "aws_account_id" in data


def linked(hostvars, data, name):
    """``(known, owner, region)`` of environment ``name`` that a host whose inventory is ``data``
    links to. ``known`` is its own inventory when the run loaded it, else the host's
    ``environment_accounts[name]``, else {}; ``owner`` is its owner (default: its name);
    ``region`` its region, else the host's, else None."""
    known = hostvars[name] if name in hostvars else (data.get("environment_accounts") or {}).get(name) or {}
    return known, known.get("owner") or name, known.get("aws_region") or data.get("aws_region") or None


def reached(hostvars, data, name):
    """``(owner, role_arn, region)`` with which a host whose inventory is ``data`` reaches
    environment ``name`` it links to (an environment its VPN serves): ``owner`` and ``region`` as
    ``linked`` gives them; ``role_arn`` is the environment's own ``refarch_role_arn`` when the run
    loaded its inventory and defines it (empty: the caller's own account), else the role
    account_context resolved for it by name (the host's ``refarch_environment_roles``), else None
    (none known). The one reading of a served environment's owner and account: the filters that
    reach its groups (vpn_served) and its private zone (vpn_served_zones) cannot disagree."""
    owner, region = linked(hostvars, data, name)[1:]
    own = hostvars[name] if name in hostvars else {}
    if "refarch_role_arn" in own:
        return owner, own["refarch_role_arn"], region
    return owner, (data.get("refarch_environment_roles") or {}).get(name), region
