"""Build demo-shaped environments in the emulator with plain boto3, tagged as vpc_tiers,
security_groups, vpc_peering and vpn_instance tag theirs (used until those modules land)."""

import ipaddress

import boto3

TIERS = (("public", 20, 0), ("private", 19, 64), ("persistence", 21, 160))


def client(service="ec2", region="us-east-1"):
    return boto3.client(service, region_name=region)


def tags(owner, key, **extra):
    t = {"refarch:owner": owner, "refarch:key": key, "Name": "%s-%s" % (owner, key)}
    t.update(extra)
    return [{"Key": k, "Value": v} for k, v in sorted(t.items())]


def spec(kind, owner, key, **extra):
    return [{"ResourceType": kind, "Tags": tags(owner, key, **extra)}]


def subnet_cidr(vpc_cidr, tier, index):
    base = ipaddress.IPv4Network(vpc_cidr)
    for name, prefix, offset in TIERS:
        if name == tier:
            start = int(base.network_address) + (offset << 8) + index * (1 << (32 - prefix))
            return str(ipaddress.IPv4Network((start, prefix)))
    raise KeyError(tier)


def build_env(owner, cidr, azs=("us-east-1a", "us-east-1b"), vpn=False, ec2=None, db_port=5432):
    """One environment: VPC, public/private/persistence x azs, IGW, a NAT per AZ, SGs
    public_lb/app/persistence, an S3 gateway endpoint, optionally the VPN instance."""
    ec2 = ec2 or client()
    env = {"owner": owner, "cidr": cidr, "subnets": {}, "rtb": {}, "nat": {}, "sg": {}}
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=spec("vpc", owner, "vpc"))["Vpc"]["VpcId"]
    env["vpc"] = vpc
    igw = ec2.create_internet_gateway(TagSpecifications=spec("internet-gateway", owner, "igw"))
    env["igw"] = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=env["igw"], VpcId=vpc)
    for tier in (t[0] for t in TIERS):
        for i, az in enumerate(azs):
            key = "subnet/%s/%s" % (tier, az)
            sub = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr(cidr, tier, i), AvailabilityZone=az,
                                    TagSpecifications=spec("subnet", owner, key, **{"refarch:tier": tier}))
            env["subnets"][key] = sub["Subnet"]["SubnetId"]

    def table(key, subnets):
        rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table", owner, key))
        rtb_id = rtb["RouteTable"]["RouteTableId"]
        for s in subnets:
            ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=s)
        env["rtb"][key] = rtb_id
        return rtb_id

    public = table("rtb/public", [env["subnets"]["subnet/public/%s" % az] for az in azs])
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=env["igw"])
    for az in azs:
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=env["subnets"]["subnet/public/%s" % az], AllocationId=eip,
                                     TagSpecifications=spec("natgateway", owner, "nat/%s" % az))
        env["nat"][az] = nat["NatGateway"]["NatGatewayId"]
        rtb = table("rtb/private/%s" % az, [env["subnets"]["subnet/private/%s" % az]])
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=env["nat"][az])
    table("rtb/persistence", [env["subnets"]["subnet/persistence/%s" % az] for az in azs])

    def group(name, description):
        sg = ec2.create_security_group(GroupName="%s-%s" % (owner, name), Description=description, VpcId=vpc,
                                       TagSpecifications=spec("security-group", owner, "sg/%s" % name))
        env["sg"][name] = sg["GroupId"]
        return sg["GroupId"]

    lb, app, db = group("public_lb", "load balancers"), group("app", "applications"), group("persistence", "dbs")
    ec2.authorize_security_group_ingress(GroupId=lb, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": lb}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": db_port, "ToPort": db_port, "UserIdGroupPairs": [{"GroupId": app}]}])
    # the persistence group only answers; it starts nothing
    ec2.revoke_security_group_egress(GroupId=db, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    private_tables = [env["rtb"]["rtb/private/%s" % az] for az in azs]
    vpce = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway",
                                   RouteTableIds=private_tables,
                                   TagSpecifications=spec("vpc-endpoint", owner, "vpce/s3"))
    env["vpce"] = vpce["VpcEndpoint"]["VpcEndpointId"]
    if vpn:
        sg = group("vpn", "vpn server")
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "udp", "FromPort": 1194, "ToPort": 1194, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        inst = ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.medium", MinCount=1, MaxCount=1,
                                 SubnetId=env["subnets"]["subnet/public/%s" % azs[0]], SecurityGroupIds=[sg],
                                 TagSpecifications=spec("instance", owner, "instance/vpn"))
        env["vpn"] = inst["Instances"][0]["InstanceId"]
    return env


def peer(a, b, tiers=("private",), ec2=None, routes=True):
    """An accepted peering between two environments with routes on the given tiers' tables."""
    ec2 = ec2 or client()
    pcx = ec2.create_vpc_peering_connection(
        VpcId=a["vpc"], PeerVpcId=b["vpc"],
        TagSpecifications=spec("vpc-peering-connection", a["owner"], "pcx/%s" % b["owner"]))
    pcx_id = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    if routes:
        for here, there in ((a, b), (b, a)):
            for key, rtb in sorted(here["rtb"].items()):
                if any(key == "rtb/%s" % t or key.startswith("rtb/%s/" % t) for t in tiers):
                    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock=there["cidr"],
                                     VpcPeeringConnectionId=pcx_id)
    return pcx_id


def serve_vpn(vpn_env, env, pcx, ports=(443, 22), ec2=None):
    """What peering.yml and vpn.yml build for an environment the VPN serves (docs/vpn.md): the VPN
    subnet's table routes to it, and its app group admits the VPN instance's address."""
    ec2 = ec2 or client()
    ec2.create_route(RouteTableId=vpn_env["rtb"]["rtb/public"], DestinationCidrBlock=env["cidr"],
                     VpcPeeringConnectionId=pcx)
    address = ec2.describe_instances(InstanceIds=[vpn_env["vpn"]])["Reservations"][0]["Instances"][0]["PrivateIpAddress"]
    ec2.authorize_security_group_ingress(GroupId=env["sg"]["app"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": address + "/32"}]}
        for port in ports])
