"""The VPN reaches what it serves over the transit gateway too (issue 19).

The three demo environments (proof_topology, one account) are linked by transit_gateway
converged from the same plan peering.yml uses (the VPN's tier routes to the gateway); the
development side's rules come from vpn_access, reading the record the VPN leaves on its
instance. network_verify then proves the VPN intents: development private allowed on 22,
production (not served) and persistence denied.
"""

import proof_topology as topo

from ansible_collections.refarch.network.plugins.module_utils import peering_plan, vpn_reach

CIDRS = {"management": "10.120.0.0/16", "development": "10.110.0.0/16", "production": "10.130.0.0/16"}
SERVES = [{"environment": "development", "ports": [22]}]


def inventory():
    data = dict((name, dict(vpc_cidr=cidr, connectivity="transit_gateway", peers=["management"]))
                for name, cidr in CIDRS.items())
    data["management"].update(peers=["development", "production"], transit_gateway_hub=True, vpn_enabled=True,
                              pritunl_vpn_serves=SERVES)
    return data


def emulate_propagation(ec2, tgw, envs):
    """What AWS does and the emulator does not: an attachment is associated with its own route table
    only (the emulator also lists it in the default table), and a propagation puts the VPC's CIDR
    in the table as a route (the emulator records the propagation, not the route). Returns
    {VPC CIDR: attachment id}."""
    attachments = dict((a["ResourceId"], a["TransitGatewayAttachmentId"]) for a in ec2.describe_transit_gateway_attachments(
        Filters=[{"Name": "transit-gateway-id", "Values": [tgw]}])["TransitGatewayAttachments"])
    vpc_cidr = dict((attachments[env["vpc"]], env["cidr"]) for env in envs.values())
    for table in ec2.describe_transit_gateway_route_tables(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw]}])["TransitGatewayRouteTables"]:
        rtb = table["TransitGatewayRouteTableId"]
        if table.get("DefaultAssociationRouteTable"):
            for att in vpc_cidr:
                ec2.disassociate_transit_gateway_route_table(TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att)
            continue
        for prop in ec2.get_transit_gateway_route_table_propagations(
                TransitGatewayRouteTableId=rtb)["TransitGatewayRouteTablePropagations"]:
            ec2.create_transit_gateway_route(TransitGatewayRouteTableId=rtb, DestinationCidrBlock=vpc_cidr[
                prop["TransitGatewayAttachmentId"]], TransitGatewayAttachmentId=prop["TransitGatewayAttachmentId"])
    return dict((cidr, att) for att, cidr in vpc_cidr.items())


def with_route_targets(facts, targets):
    """The emulator's SearchTransitGatewayRoutes leaves TransitGatewayAttachments empty: AWS names them."""
    for table in facts["transit_gateway_route_tables"].values():
        for route in table["routes"]:
            route["attachments"] = route["attachments"] or [targets[route["destination"]]]
    return facts


def test_vpn_intents_hold_over_the_transit_gateway(aws, module):
    ec2 = topo.client()
    envs = dict((name, topo.build_env(name, cidr, vpn=name == "management")) for name, cidr in CIDRS.items())
    for env in envs.values():   # the topology's app groups admit 10.0.0.0/8 on 443: only our rules here
        ec2.revoke_security_group_ingress(GroupId=env["sg"]["app"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    transit = peering_plan.plan_transit(inventory())
    assert [a["route_tiers"] for a in transit["attachments"] if a["owner"] == "management"] == [
        ["private", "persistence", "public"]]
    made = module("transit_gateway", dict(owner="management", attachments=transit["attachments"]))
    assert not made.failed, made

    targets = emulate_propagation(ec2, made["transit_gateway"]["id"], envs)

    # what vpn_instance records on its instance for development, then development's run alone
    ec2.create_tags(Resources=[envs["management"]["vpn"]], Tags=[{"Key": "refarch:reach/development", "Value": "app:22"}])
    access = module("vpn_access", dict(owner="development", environment="development", vpn_owner="management"))
    assert access["actions"] and access["actions"][0].startswith("allow development app tcp/22 from 10.120."), access

    facts = [with_route_targets(module("network_info", {"owner": name})["network_facts"], targets) for name in CIDRS]
    intents = vpn_reach.intents("management", vpn_reach.plan_served("management", ["development", "production"], SERVES))
    result = module("network_verify", dict(facts=facts, intents=intents))
    assert not result.failed, result.get("msg")
    assert result["counts"] == {"pass": 4, "violated": 0, "unverifiable": 0}
    messages = "\n".join(r["message"] for r in result["results"])
    assert "VPN clients reach development private (tcp/22): allow as expected" in messages
    assert "VPN clients reach production private (tcp/443): deny as expected" in messages
    allowed = [r for r in result["results"] if r["expect"] == "allow"][0]
    assert "transit-gateway-route-table" in [hop["kind"] for hop in allowed["path"]]
