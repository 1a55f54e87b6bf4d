"""vpc.yml with the two single-VPC environments, which share one account, through a proxy that
refuses what passes the account's quotas as AWS does (AddressLimitExceeded): each environment
would fit the Elastic IP quota alone, together they do not. With the check both are refused
before any write; without it, the run stops midway having built half; with room made, the run
the check lets through is one AWS lets through."""

import os
import subprocess

import boto3
from aws_proxy import AwsProxy
from aws_realism import Realism

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
INVENTORIES = ["-i", "inventories/single_vpc/production", "-i", "inventories/single_vpc/staging"]
QUOTAS_ONLY = Realism(eventual_consistency=False, profile_propagation=False, pending_states=False)


def vpc_playbook(endpoint, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", AWS_ENDPOINT_URL=endpoint)
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook")] + INVENTORIES + ["playbooks/vpc.yml"] + list(extra)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_environments_sharing_an_account_are_refused_together_before_aws_would_stop_them_midway(aws):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    foreign = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _i in range(4)]   # 4 + 1 + 1 > 5
    with AwsProxy(aws.port, realism=QUOTAS_ONLY) as proxy:
        rc, output = vpc_playbook(proxy.url)
        assert rc != 0, output
        refusal = ("Elastic IP addresses in us-east-1: 4 of the account's quota of 5 are in use and this run needs 2 more "
                   "(single-vpc-production 1, single-vpc-staging 1)")
        # each environment, not only the one that would come second
        fatal = [line for line in output.splitlines() if line.startswith("fatal: [") and refusal in line]
        assert sorted(line.split("]")[0] for line in fatal) == ["fatal: [single_vpc_production", "fatal: [single_vpc_staging"], output
        assert proxy.estate_writes() == [] and proxy.realism_hits["quota"] == 0, proxy.estate_writes()

        # what the check spares: without it, AWS refuses the second address after both VPCs were made
        rc, output = vpc_playbook(proxy.url, "-e", '{"refarch_account_limits": false}')
        assert rc != 0 and "AddressLimitExceeded" in output, output
        assert proxy.realism_hits["quota"] == 1 and proxy.estate_writes().count("CreateVpc") == 2

        # room for the one address still lacking (the other is owned already): the check and AWS agree
        ec2.release_address(AllocationId=foreign[0])
        proxy.clear()
        rc, output = vpc_playbook(proxy.url)
        assert rc == 0, output
        assert proxy.realism_hits["quota"] == 1 and "AllocateAddress" in proxy.estate_writes()
    assert len([v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]) == 2
    assert len(ec2.describe_addresses()["Addresses"]) == 5
