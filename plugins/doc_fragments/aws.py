# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.doc_fragments import boto3, common, region
from ansible_collections.refarch.network.plugins.doc_fragments.common import bundle


class ModuleDocFragment(object):
    # The collection's cross-account options (assume_role_*, known_vpcs) alone.
    DOCUMENTATION = r"""
options:
  assume_role_arn:
    description:
      - ARN of a role to assume before any call, to work in another account (for example
        C(arn:aws:iam::111111111111:role/OrganizationAccountAccessRole)).
      - The credentials given by the usual options are used to call STS.
    type: str
  assume_role_session_name:
    description:
      - Session name used with O(assume_role_arn).
    type: str
    default: refarch-network
  assume_role_external_id:
    description:
      - External ID to pass when assuming O(assume_role_arn).
    type: str
  known_vpcs:
    description:
      - VPCs this run already read, each the C(known_vpc) result of M(refarch.network.vpc_tiers)
        (C(region) and C(vpc), as DescribeVpcs gives it; its reads as JSON text or lists). A VPC found
        here by id, or by owner and region, is not read again.
      - Give only results of the same run; the playbooks pass those of every environment of the play.
    type: list
    elements: dict
    default: []
"""

    # Record sets a call of this run already read (dns_zones' result known_zones, filter known_zones).
    KNOWN_ZONES = r"""
options:
  known_zones:
    description:
      - Hosted zones this run already read whole, each as M(refarch.network.dns_zones) returns it in
        RV(refarch.network.dns_zones#module:known_zones). The record sets of a zone found here by id
        are not read again.
      - Give only results of the same run, through the filter P(refarch.network.known_zones#filter),
        which returns none once a task of the run wrote records.
    type: list
    elements: dict
    default: []
    suboptions:
      id: {description: The zone id., type: str, required: true}
      name: {description: The zone name., type: str}
      private: {description: Whether the zone is private., type: bool}
      records:
        description:
          - Every record set of the zone, as ListResourceRecordSets gives them, in JSON text (as
            dns_zones returns them) or as a list.
        type: raw
        required: true
"""

    OWNERSHIP = r"""
options:
  owner:
    description:
      - Identity of the environment that owns the resources, written to the C(refarch:owner)
        tag of everything the module creates.
      - Only resources carrying this owner tag are ever modified or deleted.
    type: str
    required: true
  tags:
    description:
      - Extra tags for every resource the module creates.
    type: dict
    default: {}
  state:
    description:
      - V(present) converges; V(absent) removes owned resources only, in reverse dependency order.
    type: str
    choices: [present, absent]
    default: present
"""

    # The VPC of the modules that work inside one (security groups, endpoints, subnet groups).
    TARGET_VPC = r"""
options:
  vpc_id:
    description:
      - The VPC. Defaults to the VPC that M(refarch.network.vpc_tiers) built for O(owner).
      - In check mode, when O(owner) has no VPC yet, the module plans against the empty VPC
        M(refarch.network.vpc_tiers) will create; everything is reported as a create, and what
        only exists with the VPC (subnets, route tables, group IDs) appears by its logical name.
    type: str
"""

    def __init__(self):
        # What every AWS module of the collection extends, in one name (refarch.network.aws.modules):
        # amazon.aws's credential, endpoint and region options and its boto3 requirements, read from
        # amazon.aws's own fragments so that they stay in step with it, and the collection's
        # cross-account options. Built here, not as a class attribute, as amazon.aws.boto3 does:
        # a doc fragment's class attributes are YAML literals (ansible-test's yamllint reads them).
        # The same attributes the modules named before: amazon.aws.common.modules,
        # amazon.aws.region.modules, amazon.aws.boto3 (galaxy.yml: amazon.aws >= 10.0.0).
        self.MODULES = bundle(common.ModuleDocFragment.MODULES, region.ModuleDocFragment.MODULES, self.DOCUMENTATION,
                              boto3.ModuleDocFragment().DOCUMENTATION)
