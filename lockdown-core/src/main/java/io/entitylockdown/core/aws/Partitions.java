package io.entitylockdown.core.aws;

import software.amazon.awssdk.regions.Region;

/** Partition facts the engine needs: IAM's global region and a default regional STS endpoint. */
public final class Partitions {
    private Partitions() {
    }

    /** The signing region of IAM in a partition (IAM is global within it). */
    public static Region iamRegion(String partition) {
        return switch (partition) {
            case "aws" -> Region.AWS_GLOBAL;
            case "aws-cn" -> Region.AWS_CN_GLOBAL;
            case "aws-us-gov" -> Region.AWS_US_GOV_GLOBAL;
            default -> Region.of(partition + "-global");
        };
    }

    /** The partition a region belongs to. */
    public static String partitionOf(String region) {
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        if (region.startsWith("us-gov-")) {
            return "aws-us-gov";
        }
        if (region.startsWith("us-isob-")) {
            return "aws-iso-b";
        }
        if (region.startsWith("us-iso-")) {
            return "aws-iso";
        }
        return "aws";
    }

    /** Where to call STS for a global entity: the home region when it is in the partition, else a default. */
    public static String stsRegion(String partition, Region homeRegion) {
        if (partitionOf(homeRegion.id()).equals(partition)) {
            return homeRegion.id();
        }
        return switch (partition) {
            case "aws-cn" -> "cn-north-1";
            case "aws-us-gov" -> "us-gov-west-1";
            case "aws-iso" -> "us-iso-east-1";
            case "aws-iso-b" -> "us-isob-east-1";
            default -> "us-east-1";
        };
    }

    /** The ARN of the AWS managed policy that denies everything, in a partition. */
    public static String denyAllPolicyArn(String partition) {
        return "arn:" + partition + ":iam::aws:policy/AWSDenyAll";
    }
}
