# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run knows of an environment from the inventory: the hosts of its play, and the
environments they link to (peers, a DNS parent, the environments a VPN serves) that may not be.

Pure functions of host vars, for the filters and planners that work across environments
(account_requests, lock_targets, vpn_served, peering_plan.absent_peers).
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
