package io.entitylockdown.core.aws;

import java.util.List;
import software.amazon.awssdk.regions.Region;

/**
 * Partition facts the engine needs: which partitions exist, which partition a region is in, IAM's
 * global region and a default regional STS endpoint. The region prefixes follow the SDK's
 * endpoint metadata ({@code regionRegex} of each partition).
 */
public final class Partitions {
    /** Every partition an entity ARN may name; anything else is refused before an AWS call. */
    public static final List<String> KNOWN = List.of(
            "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc");

    private Partitions() {
    }

    public static boolean isKnown(String partition) {
        return KNOWN.contains(partition);
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

    /**
     * The partition a region belongs to. The isolated partitions are checked by their own prefixes
     * first: {@code eu-isoe-west-1} would otherwise look like a commercial region.
     */
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
        if (region.startsWith("us-isof-")) {
            return "aws-iso-f";
        }
        if (region.startsWith("eu-isoe-")) {
            return "aws-iso-e";
        }
        if (region.startsWith("us-iso-")) {
            return "aws-iso";
        }
        if (region.startsWith("eusc-")) {
            return "aws-eusc";
        }
        return "aws";
    }

    /** Where to call STS for a global entity: the home region when it is in the partition, else a default. */
    public static String stsRegion(String partition, Region homeRegion) {
        if (partitionOf(homeRegion.id()).equals(partition)) {
            return homeRegion.id();
        }
        return switch (partition) {
            case "aws" -> "us-east-1";
            case "aws-cn" -> "cn-north-1";
            case "aws-us-gov" -> "us-gov-west-1";
            case "aws-iso" -> "us-iso-east-1";
            case "aws-iso-b" -> "us-isob-east-1";
            case "aws-iso-e" -> "eu-isoe-west-1";
            case "aws-iso-f" -> "us-isof-south-1";
            case "aws-eusc" -> "eusc-de-east-1";
            default -> throw new IllegalArgumentException("Unknown partition '" + partition + "'; expected one of "
                    + String.join(", ", KNOWN));
        };
    }

    /** The ARN of the AWS managed policy that denies everything, in a partition. */
    public static String denyAllPolicyArn(String partition) {
        return "arn:" + partition + ":iam::aws:policy/AWSDenyAll";
    }
}
