# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read layer of the account limits (limits.py): what an account uses in a Region, and its quotas."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # amazon.aws's module base reports the missing library

from ansible_collections.refarch.network.plugins.module_utils.ec2_read import at_once, paginate
from ansible_collections.refarch.network.plugins.module_utils.limits import LIMITS, OverLimit, shortfalls
from ansible_collections.refarch.network.plugins.module_utils.tags import KEY_TAG, OWNER_TAG, tag_dict

# the key an owned resource of each kind carries (vpc_tiers' VPC and gateway, anyone's address)
OWNED_KEY = {"vpcs": "vpc", "internet_gateways": "igw", "elastic_ips": "eip/"}
EIP_ATTRIBUTE = "vpc-max-elastic-ips"


def _counted(items, kind):
    owned = {}
    for item in items:
        tags = tag_dict(item.get("Tags"))
        key = tags.get(KEY_TAG) or ""
        if tags.get(OWNER_TAG) and (key == OWNED_KEY[kind] or (kind == "elastic_ips" and key.startswith(OWNED_KEY[kind]))):
            owned[tags[OWNER_TAG]] = owned.get(tags[OWNER_TAG], 0) + 1
    return dict(total=len(items), owned=owned)


def read_usage(ec2):
    """{kind: {"total": n, "owned": {owner: n}}} over the whole account and Region."""
    items = at_once(dict(
        vpcs=lambda: paginate(ec2, "describe_vpcs", "Vpcs"),
        internet_gateways=lambda: paginate(ec2, "describe_internet_gateways", "InternetGateways"),
        # every address in the Region counts, an EC2-Classic one included (there is none left)
        elastic_ips=lambda: ec2.describe_addresses()["Addresses"],
    ))
    return dict((kind, _counted(found, kind)) for kind, found in items.items())


def _service_quota(quotas, limit, warn):
    try:
        return int(quotas.get_service_quota(ServiceCode=limit.service, QuotaCode=limit.code)["Quota"]["Value"])
    except (BotoCoreError, ClientError, KeyError, ValueError) as e:
        warn("the quota of %s per Region (%s %s) could not be read, so it is not checked: %s"
             % (limit.name, limit.service, limit.code, e))
        return None


def read_quotas(ec2, quotas, warn):
    """{kind: quota}; None where it cannot be read (a warning says which, nothing is refused on it).
    Elastic IPs from EC2's own account attribute (no Service Quotas permission needed)."""
    def eips():
        try:
            answer = ec2.describe_account_attributes(AttributeNames=[EIP_ATTRIBUTE])["AccountAttributes"]
            return int(answer[0]["AttributeValues"][0]["AttributeValue"])
        except (BotoCoreError, ClientError, IndexError, KeyError, ValueError) as e:
            warn("the account's %s could not be read, so Elastic IPs are not checked: %s" % (EIP_ATTRIBUTE, e))
            return None
    reads = dict((limit.kind, (lambda limit=limit: _service_quota(quotas, limit, warn)))
                 for limit in LIMITS if limit.kind != "elastic_ips")
    reads["elastic_ips"] = eips
    return at_once(reads)


def check_limits(ec2, quotas, wanted, warn):
    """Raise OverLimit when the environments of ``wanted`` (``shared_demand``) would pass a limit of
    the account and Region ``ec2`` speaks to."""
    lines = shortfalls(wanted, read_usage(ec2), read_quotas(ec2, quotas, warn), ec2.meta.region_name)
    if lines:
        raise OverLimit("; ".join(lines))
