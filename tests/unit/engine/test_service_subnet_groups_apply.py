"""service_subnet_groups' handlers after a lost reply, which the emulator cannot produce (its
CreateDBSubnetGroup overwrites a group of the same name instead of refusing it).

The client is a scripted stand-in for the RDS API: this tests which answers a handler takes
for "done", not the module (the integration tests run the module against the emulator).
"""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.refarch.network.plugins.module_utils.actions import Action
from ansible_collections.refarch.network.plugins.module_utils.engine import Run
from ansible_collections.refarch.network.plugins.module_utils.subnet_group_apply import HANDLERS, clients_needed

ARN = "arn:aws:rds:us-east-1:123456789012:subgrp:prod-aurora"
KEY = "subnet-group/db/prod-aurora"


def error(code, retries):
    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"RetryAttempts": retries}}, "Op")


class Meta(object):
    method_to_api_mapping = {"create_db_subnet_group": "CreateDBSubnetGroup",
                             "describe_db_subnet_groups": "DescribeDBSubnetGroups",
                             "list_tags_for_resource": "ListTagsForResource",
                             "delete_db_subnet_group": "DeleteDBSubnetGroup"}


class Rds(object):
    meta = Meta()

    def __init__(self, fail=None, owner="prod", key=KEY):
        self.fail, self.tags = fail, [{"Key": "refarch:owner", "Value": owner}, {"Key": "refarch:key", "Value": key}]

    def create_db_subnet_group(self, **kwargs):
        if self.fail:
            raise self.fail
        return {"DBSubnetGroup": {"DBSubnetGroupArn": ARN}}

    def describe_db_subnet_groups(self, **kwargs):
        return {"DBSubnetGroups": [{"DBSubnetGroupName": kwargs["DBSubnetGroupName"], "DBSubnetGroupArn": ARN}]}

    def list_tags_for_resource(self, **kwargs):
        return {"TagList": self.tags}

    def delete_db_subnet_group(self, **kwargs):
        if self.fail:
            raise self.fail
        return {}


def create():
    return Action("create_group", KEY, "create rds subnet group prod-aurora", kind="rds", family="db",
                  name="prod-aurora", description="d", subnets=["subnet-1", "subnet-2"], tags={"refarch:owner": "prod"})


def delete():
    return Action("delete_group", KEY, "delete db subnet group prod-aurora", family="db", name="prod-aurora")


def run(rds):
    return Run({"rds": rds}, owner="prod", sleep=lambda s: None)


def test_a_create_whose_reply_was_lost_is_done_when_the_group_is_ours():
    r = run(Rds(fail=error("DBSubnetGroupAlreadyExists", retries=1)))
    HANDLERS["create_group"](r, create())
    assert r.ids[KEY] == ARN


@pytest.mark.parametrize("rds", [Rds(fail=error("DBSubnetGroupAlreadyExists", retries=0)),   # someone else's, just made
                                 Rds(fail=error("DBSubnetGroupAlreadyExists", retries=1), owner="other")])
def test_a_group_that_is_not_ours_stays_a_failure(rds):
    with pytest.raises(ClientError):
        HANDLERS["create_group"](run(rds), create())


def test_a_delete_whose_reply_was_lost_is_done():
    HANDLERS["delete_group"](run(Rds(fail=error("DBSubnetGroupNotFoundFault", retries=1))), delete())
    with pytest.raises(ClientError):
        HANDLERS["delete_group"](run(Rds(fail=error("DBSubnetGroupNotFoundFault", retries=0))), delete())


def test_docdb_client_only_to_write_documentdb_groups():
    docdb = Action("create_group", "subnet-group/db/x", "t", kind="docdb", family="db")
    assert clients_needed(["db"], [create()]) == ["rds"]
    assert clients_needed(["cache", "db"], [docdb]) == ["docdb", "elasticache", "rds"]
    assert clients_needed(["db"], [Action("delete_group", "subnet-group/db/x", "t", family="db", name="x")]) == ["rds"]
