"""A server error page that is not the service's answer (HTML 500) is retried like any 5xx.

botocore retries a 500 only when it can parse the body; an HTML page (a load balancer's, or the
emulator's own when it trips over a concurrent request) failed the module at once before.
"""

import boto3
from aws_proxy import AwsProxy


def test_an_html_500_is_retried_and_the_module_converges(module, aws):
    with AwsProxy(aws.port, fault_rate=0.3, seed=3, faults=("html500",)) as flaky:
        result = module("vpc_tiers", dict(owner="dev", cidr="10.140.0.0/16", azs=["us-east-1a"], nat_mode="none",
                                          tiers=[{"name": "private", "route": "none", "prefix": 20}],
                                          region="us-east-1", endpoint_url=flaky.url))
        pages = [a for a, _w, f in flaky.requests if f == "html500"]
    assert not result.failed, result.get("msg")
    assert pages, "the seed drew no HTML 500: the test proves nothing"
    vpcs = boto3.client("ec2", region_name="us-east-1").describe_vpcs(
        Filters=[{"Name": "tag:refarch:owner", "Values": ["dev"]}])["Vpcs"]
    assert len(vpcs) == 1
