"""vpc_peering with this run's earlier reads (option known_vpcs): the same result, fewer reads (issue 22)."""

import collections

from aws_proxy import AwsProxy
from known_reads import known_vpc
from peering_builders import build_vpc, ec2_client, role_arn

DEV, MGMT, PROD = "222222222222", "111111111111", "333333333333"


def test_peering_reads_the_tables_of_an_environment_two_links_route_through(aws, module):
    """The filter keeps the route tables of development and production (one link each), not management's
    (two links, converged at once): the link reads only those."""
    clients = dict(development=ec2_client(DEV), management=ec2_client(MGMT), production=ec2_client(PROD))
    for owner, cidr in (("development", "10.110.0.0/16"), ("management", "10.120.0.0/16"), ("production", "10.130.0.0/16")):
        build_vpc(clients[owner], owner, cidr)
    with AwsProxy(aws.port) as proxy:
        dev_mgmt = dict(requester_owner="development", accepter_owner="management", endpoint_url=proxy.url,
                        assume_role_arn=role_arn(DEV), accepter_assume_role_arn=role_arn(MGMT))
        mgmt_prod = dict(requester_owner="management", accepter_owner="production", endpoint_url=proxy.url,
                         assume_role_arn=role_arn(MGMT), accepter_assume_role_arn=role_arn(PROD))
        assert module("vpc_peering", dev_mgmt)["changed"] and module("vpc_peering", mgmt_prod)["changed"]
        known = [known_vpc(clients[owner], owner) for owner in ("development", "management", "production")]
        del known[1]["route_tables"]   # what the filter gives with both links (peering.yml)
        proxy.clear()
        read = [module("vpc_peering", args) for args in (dev_mgmt, mgmt_prod)]
        plain = collections.Counter(proxy.reads())
        proxy.clear()
        reused = [module("vpc_peering", dict(args, known_vpcs=known)) for args in (dev_mgmt, mgmt_prod)]
        calls = collections.Counter(proxy.reads())
        assert proxy.writes() == []
    assert [r["actions"] for r in reused] == [r["actions"] for r in read] == [[], []]
    assert [(r["peering"], r["routes"]) for r in reused] == [(r["peering"], r["routes"]) for r in read]
    # management's tables read by each link, development's and production's not at all
    assert (plain["DescribeRouteTables"], calls["DescribeRouteTables"]) == (4, 2), calls
    # one read of the requester's connections serves both its key and its routes' connections
    assert calls["DescribeVpcPeeringConnections"] <= 3, calls
