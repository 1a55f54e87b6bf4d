"""verify.yml and diagram.yml over the three demo environments in the emulator.

The environments are built with boto3 (proof_topology), tagged as the collection's modules tag
theirs; the playbooks only read them. Breaking the network on purpose must make verify.yml
fail naming the intent and the component.
"""

import os
import subprocess

import proof_topology as topo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
INVENTORIES = ["-i", "inventories/management", "-i", "inventories/development", "-i", "inventories/production"]


def playbook(name, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    # these topologies are built in the caller's account: an empty role ARN means "no account switch"
    cmd = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook")] + INVENTORIES + ["playbooks/%s" % name] \
        + ["-e", "refarch_role_arn="] + list(extra)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def demo():
    envs = {"management": topo.build_env("management", "10.120.0.0/16", vpn=True),
            "development": topo.build_env("development", "10.110.0.0/16"),
            "production": topo.build_env("production", "10.130.0.0/16")}
    for name in ("production", "development"):
        topo.serve_vpn(envs["management"], envs[name], topo.peer(envs["management"], envs[name]))
    return envs


def test_default_intents_hold_then_a_deleted_route_is_named(aws, tmp_path):
    envs = demo()
    rc, out = playbook("verify.yml")
    assert rc == 0, out
    assert "internet reaches the public load balancers (production): allow as expected" in out
    assert "development cannot reach production: deny as expected" in out
    assert "VPN clients reach production private (tcp/22): allow as expected" in out
    assert "unverifiable" not in out
    table = envs["production"]["rtb"]["rtb/private/us-east-1b"]
    topo.client().delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    rc, out = playbook("verify.yml")
    assert rc != 0
    assert ("private tier reaches the internet through NAT (production): expected allow, tcp/443 "
            "production/subnet/private/us-east-1b -> internet is blocked by route-table %s "
            "(production rtb/private/us-east-1b) [forward]: no route to the internet" % table) in out


def test_world_open_group_and_dev_prod_peering_are_named(aws):
    envs = demo()
    ec2 = topo.client()
    ec2.authorize_security_group_ingress(GroupId=envs["production"]["sg"]["persistence"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    pcx = topo.peer(envs["development"], envs["production"])
    rc, out = playbook("verify.yml")
    assert rc != 0
    assert "load balancers cannot reach persistence (production): expected deny" in out
    assert "security-group %s (production sg/persistence) [ingress]" % envs["production"]["sg"]["persistence"] in out
    assert "development cannot reach production: expected deny" in out
    assert "peering-connection %s (development pcx/production)" % pcx in out


def test_diagram_of_the_demo(aws, tmp_path):
    envs = demo()
    rc, out = playbook("diagram.yml", "-e", "refarch_diagram_dir=%s" % tmp_path)
    assert rc == 0, out
    with open(str(tmp_path / "network.mmd")) as f:
        mmd = f.read()
    with open(str(tmp_path / "network.md")) as f:
        assert "```mermaid\n" + mmd + "```" in f.read()
    ec2 = topo.client()
    for env in envs.values():
        assert env["vpc"] in mmd and env["cidr"] in mmd
        for subnet in ec2.describe_subnets(SubnetIds=list(env["subnets"].values()))["Subnets"]:
            assert subnet["CidrBlock"] in mmd
    for pcx in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]:
        assert "peering %s (active)" % pcx["VpcPeeringConnectionId"] in mmd
    assert envs["management"]["vpn"] in mmd
    assert "Network diagram: %s" % tmp_path in out
