#!/usr/bin/env python3
"""Create an EKS cluster record and a public zone in the emulator: prepare_eks.py CLUSTER ZONE.

The cluster would come from elsewhere in real life (eksctl, Terraform); the emulator accepts any
role ARN and subnet ids for it.
"""
import sys

import boto3


def main(cluster, zone):
    boto3.client("eks").create_cluster(
        name=cluster, roleArn="arn:aws:iam::123456789012:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-00000000000000001"]})
    boto3.client("route53").create_hosted_zone(Name=zone, CallerReference="molecule-eks-" + zone)
    print("cluster %s and zone %s created" % (cluster, zone))


if __name__ == "__main__":
    main(*sys.argv[1:3])
