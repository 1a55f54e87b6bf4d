#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: refarch.network contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: security_groups
short_description: Converge a set of security groups and their rules in one VPC
version_added: 0.1.0
description:
  - Converges a whole set of security groups of one VPC in a single call, from data.
  - Rules reference other groups of the set by logical name (O(groups[].ingress[].group)),
    so mutual rules such as C(eks_to_base) and C(base_to_eks) are one line each. They may
    also name CIDRs, IPv6 CIDRs, managed prefix lists (by ID or name) or V(self).
  - The VPC's default group can be adopted with O(groups[].name=default) to manage its rules.
    Adopting never deletes or tags it, and purges its other rules only when
    O(groups[].purge_rules=true) is set on it.
  - Groups the module creates carry the tags C(refarch:owner) (O(owner)) and
    C(refarch:key=sg/<name>). Rules not in the data are revoked only in those owned groups.
    A group with the same name that is not owned makes the module fail; it is never touched.
  - World-open guard - an ingress rule that opens an administrative or database port (22,
    3389, 5432, 3306, 1433, 27017, 6379, 11211, 2049, 9200, 9300, 5601, 2379, 10250 and
    others) to C(0.0.0.0/0) or C(::/0) is refused before any AWS call, naming the group, the
    rule index and the port, unless that rule sets O(groups[].ingress[].allow_world=true).
  - Check mode is exact and writes nothing; C(--diff) shows each group's rules before and after.
author:
  - refarch.network developers (@refarch)
options:
  vpc_id:
    description:
      - The VPC. Defaults to the VPC that M(refarch.network.vpc_tiers) built for O(owner).
      - In check mode, when O(owner) has no VPC yet, the module plans against the empty VPC
        M(refarch.network.vpc_tiers) will create; everything is reported as a create, and what
        only exists with the VPC (subnets, route tables, group IDs) appears by its logical name.
    type: str
  groups:
    description:
      - The security groups, each with its rules.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Logical name, used by rules of other groups and in the key tag C(sg/<name>).
          - V(default) adopts the VPC's default security group.
        type: str
        required: true
      group_name:
        description: The AWS group name. Defaults to C(<owner>-<name>).
        type: str
      description:
        description:
          - The group description. AWS cannot change it after creation, so a different value
            on an existing group is ignored.
        type: str
      purge_rules:
        description:
          - Revoke rules that are not in the data. Defaults to V(true) for owned groups and
            V(false) for the adopted default group.
        type: bool
      tags:
        description: Extra tags for this group.
        type: dict
      ingress:
        description:
          - Ingress rules. When omitted, ingress is not managed (nothing added or revoked).
        type: list
        elements: dict
        suboptions:
          proto:
            description: V(tcp) (default), V(udp), V(icmp), V(icmpv6), V(all) or a protocol number.
            type: str
          ports:
            description:
              - A port, a range C(from-to), or a list of them. Required for tcp and udp.
            type: raw
          icmp_type:
            description: ICMP type for icmp rules; -1 for all.
            type: int
          icmp_code:
            description: ICMP code for icmp rules; -1 for all.
            type: int
          cidr:
            description: IPv4 CIDR or list of them.
            type: raw
          cidr_ipv6:
            description: IPv6 CIDR or list of them.
            type: raw
          group:
            description:
              - Logical name of a group of the set, V(self), V(default) (the VPC's default
                group) or a C(sg-) ID; or a list of them.
            type: raw
          prefix_list:
            description: Managed prefix list ID (C(pl-...)) or name, or a list of them.
            type: raw
          description:
            description: Rule description.
            type: str
          allow_world:
            description:
              - Allow this rule to open an administrative or database port to the whole internet.
            type: bool
            default: false
      egress:
        description:
          - Egress rules, same options as O(groups[].ingress). When omitted, egress is not
            managed (a new group keeps AWS's default allow-all egress rule).
        type: list
        elements: dict
        suboptions:
          proto:
            description: V(tcp) (default), V(udp), V(icmp), V(icmpv6), V(all) or a protocol number.
            type: str
          ports:
            description:
              - A port, a range C(from-to), or a list of them. Required for tcp and udp.
            type: raw
          icmp_type:
            description: ICMP type for icmp rules; -1 for all.
            type: int
          icmp_code:
            description: ICMP code for icmp rules; -1 for all.
            type: int
          cidr:
            description: IPv4 CIDR or list of them.
            type: raw
          cidr_ipv6:
            description: IPv6 CIDR or list of them.
            type: raw
          group:
            description:
              - Logical name of a group of the set, V(self), V(default) (the VPC's default
                group) or a C(sg-) ID; or a list of them.
            type: raw
          prefix_list:
            description: Managed prefix list ID (C(pl-...)) or name, or a list of them.
            type: raw
          description:
            description: Rule description.
            type: str
          allow_world:
            description:
              - Allow this rule to open an administrative or database port to the whole internet.
            type: bool
            default: false
  purge_groups:
    description:
      - Delete owned groups of O(owner) in the VPC that are not in O(groups). Without it they
        are reported in RV(unplanned) and a warning.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - refarch.network.aws
  - refarch.network.aws.ownership
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The seed's single-VPC groups (EKS <-> base default group, public load balancer)
  refarch.network.security_groups:
    owner: single_vpc_production
    groups:
      - name: default
        ingress:
          - {proto: all, group: eks_cluster, description: eks_to_base}
      - name: eks_cluster
        ingress:
          - {proto: all, group: default, description: base_to_eks}
      - name: public_lb
        ingress:
          - {ports: 443, cidr: 0.0.0.0/0, cidr_ipv6: "::/0", description: https}
          - {ports: 10000, cidr: [10.0.0.0/8, 192.168.0.0/16], description: management}
        egress:
          - {proto: all, cidr: 0.0.0.0/0, cidr_ipv6: "::/0"}

- name: Per-tier groups - load balancer -> application -> persistence
  refarch.network.security_groups:
    owner: production
    groups:
      - name: public_lb
        ingress:
          - {ports: [80, 443], cidr: 0.0.0.0/0}
      - name: app
        ingress:
          - {ports: 8080, group: public_lb}
      - name: persistence
        ingress:
          - {ports: [5432, 6379, 27017], group: app}

- name: Remove every group owned by the environment
  refarch.network.security_groups:
    owner: production
    state: absent
"""

RETURN = r"""
actions:
  description: What the module did (or would do in check mode), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["create security group sg/app (production-app)", "authorize sg/app ingress tcp 8080 from sg:public_lb"]
groups:
  description: The managed groups by logical name; C(id) is null for a group only planned in check mode.
  returned: always
  type: dict
  sample: {"app": {"id": "sg-0123456789abcdef0", "group_name": "production-app", "adopted": false}}
vpc_id:
  description: The VPC the groups live in; null in check mode when the VPC is yet to be created.
  returned: always
  type: str
kept:
  description: With O(state=absent), owned groups kept because they hold rules we do not own.
  returned: always
  type: list
  elements: str
unplanned:
  description: Owned groups that are not in O(groups) and were kept (see O(purge_groups)).
  returned: always
  type: list
  elements: str
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    pass

from ansible_collections.refarch.network.plugins.module_utils.aws import (
    KEY_TAG, OWNER_TAG, Connection, is_owned, new_module, owned_tags, tag_dict, tag_list, tag_spec)
from ansible_collections.refarch.network.plugins.module_utils.lost_reply import write
from ansible_collections.refarch.network.plugins.module_utils.errors import InputError
from ansible_collections.refarch.network.plugins.module_utils.target_vpc import PLANNED, target_vpc_id
from ansible_collections.refarch.network.plugins.module_utils.sg_plan import (
    ALL_EGRESS, DEFAULT_GROUP, describe_perm, diff_rules, flatten_ip_permissions, ip_permission, plan_groups,
    prefix_list_names, resolve_prefix_lists, rule_perm)

RULE_SPEC = dict(
    proto=dict(type="str"), ports=dict(type="raw"), icmp_type=dict(type="int"), icmp_code=dict(type="int"),
    cidr=dict(type="raw"), cidr_ipv6=dict(type="raw"), group=dict(type="raw"), prefix_list=dict(type="raw"),
    description=dict(type="str"), allow_world=dict(type="bool", default=False),
)
GROUP_SPEC = dict(
    name=dict(type="str", required=True), group_name=dict(type="str"), description=dict(type="str"),
    purge_rules=dict(type="bool"), tags=dict(type="dict"),
    ingress=dict(type="list", elements="dict", options=RULE_SPEC),
    egress=dict(type="list", elements="dict", options=RULE_SPEC),
)
DIRECTIONS = (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress"))
AUTHORIZE = {"ingress": "authorize_security_group_ingress", "egress": "authorize_security_group_egress"}
REVOKE = {"ingress": "revoke_security_group_ingress", "egress": "revoke_security_group_egress"}
REDESCRIBE = {"ingress": "update_security_group_rule_descriptions_ingress",
              "egress": "update_security_group_rule_descriptions_egress"}


def read_groups(ec2, vpc_id, owner):
    """Every group in the VPC: (owned by logical name, default group, all by AWS name)."""
    groups = []
    for page in ec2.get_paginator("describe_security_groups").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
        groups.extend(page["SecurityGroups"])
    owned, by_name, default = {}, {}, None
    for group in groups:
        by_name[group["GroupName"]] = group
        key = tag_dict(group.get("Tags")).get(KEY_TAG, "")
        if group["GroupName"] == DEFAULT_GROUP:
            default = group
        elif is_owned(group.get("Tags"), owner) and key.startswith("sg/"):
            owned[key[3:]] = group
    return owned, default, by_name


def new_vpc_groups():
    """The snapshot of a VPC vpc_tiers has yet to create: only AWS's default group, with the
    rules AWS gives it (all from itself, all egress; a VPC whose default group is adopted is
    not locked down)."""
    default = {"GroupId": PLANNED % "sg/default", "GroupName": DEFAULT_GROUP,
               "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": PLANNED % "sg/default"}]}],
               "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    return {}, default, {DEFAULT_GROUP: default}


def read_rule_owners(ec2, owned, owner, id_to_name):
    """{group ID: {direction: perms}} of the rules we authorized (tagged with our owner).

    Rules are owned one by one: purge and teardown touch only these, so a rule someone else
    added to one of our groups survives. AWS's own all-egress rule of a group we created
    counts as ours.
    """
    ours = dict((g["GroupId"], {"ingress": set(), "egress": set([ALL_EGRESS])}) for g in owned.values())
    if not ours:
        return ours
    for page in ec2.get_paginator("describe_security_group_rules").paginate(
            Filters=[{"Name": "group-id", "Values": sorted(ours)}]):
        for rule in page["SecurityGroupRules"]:
            if rule.get("GroupId") in ours and is_owned(rule.get("Tags"), owner):
                perm = rule_perm(rule, id_to_name)
                if perm:
                    ours[rule["GroupId"]]["egress" if rule.get("IsEgress") else "ingress"].add(perm)
    return ours


def group_ids(owned, default):
    """{logical name: group ID} for the owned groups and the default group."""
    ids = dict((n, g["GroupId"]) for n, g in owned.items())
    if default:
        ids[DEFAULT_GROUP] = default["GroupId"]
    return ids


def resolve_prefix_list_names(ec2, planned):
    names = prefix_list_names(planned)
    if names:
        lists = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": names}])
        resolve_prefix_lists(planned, dict((p["PrefixListName"], p["PrefixListId"]) for p in lists["PrefixLists"]))


def diff_present(planned, owned, default, by_name, params, rule_owners):
    """Ordered actions (dicts) turning the snapshot into the planned groups."""
    owner = params["owner"]
    id_to_name = dict((i, n) for n, i in group_ids(owned, default).items())
    creates, tags, rules, deletes = [], [], [], []
    for group in planned:
        name = group["name"]
        current = default if group["adopted"] else owned.get(name)
        if current is None:
            other = by_name.get(group["group_name"])
            if other is not None:
                raise InputError(group["field"] + ".group_name", "a group named %s (%s) already exists in the VPC "
                                 "and is not owned by %s; it is never modified" % (group["group_name"], other["GroupId"], owner))
            wanted = owned_tags(owner, "sg/" + name, group["group_name"], dict(params["tags"], **group["tags"]))
            creates.append(dict(op="create", group=name, tags=wanted, text="create security group sg/%s (%s)"
                                % (name, group["group_name"])))
        elif not group["adopted"]:
            wanted = owned_tags(owner, "sg/" + name, group["group_name"], dict(params["tags"], **group["tags"]))
            have = tag_dict(current.get("Tags"))
            missing = dict((k, v) for k, v in wanted.items() if have.get(k) != str(v))
            if missing:
                tags.append(dict(op="tag", group=name, tags=missing, text="tag sg/%s %s" % (
                    name, ", ".join("%s=%s" % kv for kv in sorted(missing.items())))))
        for direction, attr in DIRECTIONS:
            if current is not None:
                actual = flatten_ip_permissions(current.get(attr), id_to_name)
            else:   # AWS gives a new group one egress rule: allow all to 0.0.0.0/0
                actual = {ALL_EGRESS: None} if direction == "egress" else {}
            if group["adopted"]:
                ours = None  # the default group: purge only when the data asks for it
            elif current is None:
                ours = set(actual)
            else:
                ours = rule_owners[current["GroupId"]][direction]
            add, remove, redescribe = diff_rules(group[direction], actual, group["purge"], ours)
            for op, items in (("authorize", add), ("redescribe", redescribe), ("revoke", remove)):
                if items:
                    rules.append(dict(op=op, group=name, direction=direction, perms=items, texts=[
                        "%s sg/%s %s" % (op, name, describe_perm(direction, p, d)) for p, d in items]))
    planned_names = set(g["name"] for g in planned)
    leftover = sorted(n for n in owned if n not in planned_names)
    if params["purge_groups"]:
        for name in leftover:
            deletes.append(dict(op="delete", group=name, text="delete security group sg/%s (%s)"
                                % (name, owned[name]["GroupName"])))
    return creates + tags + rules + deletes, leftover


def diff_absent(planned, owned, default, rule_owners):
    """Revoke our rules from the adopted default group, unlink owned groups, delete them.

    An owned group that holds someone else's rule is kept, with only our rules revoked.
    Returns (actions, kept).
    """
    id_to_name = dict((i, n) for n, i in group_ids(owned, default).items())
    actions, kept = [], []
    for group in planned:
        if group["adopted"] and default is not None:
            for direction, attr in DIRECTIONS:
                actual = flatten_ip_permissions(default.get(attr), id_to_name)
                ours = sorted((p, d) for p, d in actual.items() if p in (group[direction] or {}))
                if ours:
                    actions.append(dict(op="revoke", group=DEFAULT_GROUP, direction=direction, perms=ours, texts=[
                        "revoke sg/default %s" % describe_perm(direction, p, d) for p, d in ours]))
    keep = set()
    for name in sorted(owned):
        mine = rule_owners[owned[name]["GroupId"]]
        theirs = ["%s" % describe_perm(direction, p) for direction, attr in DIRECTIONS
                  for p in flatten_ip_permissions(owned[name].get(attr), id_to_name) if p not in mine[direction]]
        if theirs:
            keep.add(name)
            kept.append("sg/%s: kept, it holds rules we do not own (%s)" % (name, ", ".join(theirs)))
    # rules between owned groups block their deletion, and a kept group loses only our rules
    for name in sorted(owned):
        mine = rule_owners[owned[name]["GroupId"]]
        for direction, attr in DIRECTIONS:
            actual = flatten_ip_permissions(owned[name].get(attr), id_to_name)
            revoke = sorted((p, d) for p, d in actual.items() if p in mine[direction] and (
                name in keep and p != ALL_EGRESS or p[3] == "group" and p[4] in id_to_name.values()))
            if revoke:
                actions.append(dict(op="revoke", group=name, direction=direction, perms=revoke, texts=[
                    "revoke sg/%s %s" % (name, describe_perm(direction, p, d)) for p, d in revoke]))
    for name in sorted(set(owned) - keep):
        actions.append(dict(op="delete", group=name, text="delete security group sg/%s (%s)"
                            % (name, owned[name]["GroupName"])))
    return actions, kept


def create_group(ec2, vpc_id, group, tags):
    """Create a group; a retry after a lost reply finds ours (tagged at creation) and uses it."""
    mine = []

    def find_mine():
        found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                      {"Name": "group-name", "Values": [group["group_name"]]}])
        mine[:] = [g["GroupId"] for g in found["SecurityGroups"] if is_owned(g.get("Tags"), tags[OWNER_TAG])]
        return bool(mine)
    answer = write(ec2.create_security_group, verify=find_mine, VpcId=vpc_id,
                   GroupName=group["group_name"], Description=group["description"],
                   TagSpecifications=tag_spec("security-group", tags))
    return answer["GroupId"] if answer else mine[0]


def apply_actions(ec2, actions, planned, owned, default, vpc_id, owner):
    by_name = dict((g["name"], g) for g in planned)
    ids = group_ids(owned, default)
    for action in actions:
        op, name = action["op"], action["group"]
        if op == "create":
            ids[name] = create_group(ec2, vpc_id, by_name[name], action["tags"])
        elif op == "tag":
            ec2.create_tags(Resources=[ids[name]], Tags=tag_list(action["tags"]))
        elif op == "delete":
            write(ec2.delete_security_group, GroupId=ids[name])
        else:
            direction = action["direction"]
            perms = [ip_permission(p, d, ids) for p, d in action["perms"]]
            call = dict(authorize=AUTHORIZE, revoke=REVOKE, redescribe=REDESCRIBE)[op][direction]
            extra = {}
            if op == "authorize":  # each rule we add carries our owner: purge touches only those
                extra["TagSpecifications"] = tag_spec("security-group-rule", owned_tags(owner, "sg/" + name))
            # a retry after a lost reply that finds the change made is done
            write(getattr(ec2, call), GroupId=ids[name], IpPermissions=perms, **extra)
    return ids


def rule_model(group, attr, id_to_name):
    direction = "ingress" if attr == "IpPermissions" else "egress"
    return sorted(describe_perm(direction, p, d) for p, d in flatten_ip_permissions(group.get(attr), id_to_name).items())


def diff_models(planned, owned, default):
    id_to_name = dict((i, n) for n, i in group_ids(owned, default).items())
    before, after = {}, {}
    for group in planned:
        current = default if group["adopted"] else owned.get(group["name"])
        before[group["name"]] = {} if current is None else dict(
            (d, rule_model(current, a, id_to_name)) for d, a in DIRECTIONS if group[d] is not None)
        after[group["name"]] = dict((d, sorted(describe_perm(d, p, desc) for p, desc in group[d].items()))
                                    for d, a in DIRECTIONS if group[d] is not None)
    for name in owned:
        before.setdefault(name, dict((d, rule_model(owned[name], a, id_to_name)) for d, a in DIRECTIONS))
    return before, after


def main():
    module = new_module(
        argument_spec=dict(
            owner=dict(type="str", required=True),
            vpc_id=dict(type="str"),
            groups=dict(type="list", elements="dict", default=[], options=GROUP_SPEC),
            purge_groups=dict(type="bool", default=False),
            tags=dict(type="dict", default={}),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    try:
        planned = plan_groups(params["groups"], params["owner"])
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)

    ec2 = Connection(module).client("ec2")
    leftover, groups, kept = [], {}, []
    try:
        vpc_id = target_vpc_id(module, ec2, dict(groups={}, unplanned=[]))
        if vpc_id:
            owned, default, by_name = read_groups(ec2, vpc_id, params["owner"])
        else:   # check mode before vpc_tiers made the VPC: every group is a create
            owned, default, by_name = new_vpc_groups()
        id_to_name = dict((i, n) for n, i in group_ids(owned, default).items())
        rule_owners = read_rule_owners(ec2, owned, params["owner"], id_to_name)
        if present:
            resolve_prefix_list_names(ec2, planned)
            actions, leftover = diff_present(planned, owned, default, by_name, params, rule_owners)
        else:
            actions, kept = diff_absent(planned, owned, default, rule_owners)
        before, after = diff_models(planned, owned, default)
        if not present:
            after = {}
        if not vpc_id:
            before = {}
        ids = group_ids(owned, default) if vpc_id else {}
        if actions and not module.check_mode:
            ids = apply_actions(ec2, actions, planned, owned, default, vpc_id, params["owner"])
    except InputError as e:
        module.fail_json(msg="Invalid input: %s" % e, field=e.field, reason=e.reason)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg="AWS refused a security_groups call")
    except ValueError as e:
        module.fail_json(msg=str(e))

    if present:
        groups = dict((g["name"], dict(id=ids.get(g["name"]), group_name=g["group_name"], adopted=g["adopted"]))
                      for g in planned)
    texts = []
    for action in actions:
        texts.extend(action.get("texts") or [action["text"]])
    for name in leftover:
        if not params["purge_groups"]:
            module.warn("security group sg/%s is owned by %s but not in groups; purge_groups: true deletes it"
                        % (name, params["owner"]))
    result = dict(changed=bool(actions), actions=texts, groups=groups, vpc_id=vpc_id, kept=kept,
                  unplanned=[] if params["purge_groups"] else leftover)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
