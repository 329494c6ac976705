package io.entitylockdown.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.regions.Region;

class PartitionsTest {

    @ParameterizedTest
    @CsvSource({
        "us-east-1, aws", "eu-west-3, aws", "il-central-1, aws", "mx-central-1, aws",
        "cn-north-1, aws-cn", "cn-northwest-1, aws-cn",
        "us-gov-west-1, aws-us-gov", "us-gov-east-1, aws-us-gov",
        "us-iso-east-1, aws-iso", "us-isob-east-1, aws-iso-b", "eu-isoe-west-1, aws-iso-e",
        "us-isof-south-1, aws-iso-f", "eusc-de-east-1, aws-eusc"})
    void partitionOf_followsTheSdkRegionPrefixes(String region, String partition) {
        assertThat(Partitions.partitionOf(region)).isEqualTo(partition);
    }

    @Test
    void stsRegion_usesHomeRegionOnlyInsideItsPartition() {
        assertThat(Partitions.stsRegion("aws", Region.EU_WEST_1)).isEqualTo("eu-west-1");
        assertThat(Partitions.stsRegion("aws-cn", Region.EU_WEST_1)).isEqualTo("cn-north-1");
        assertThat(Partitions.stsRegion("aws-us-gov", Region.US_EAST_1)).isEqualTo("us-gov-west-1");
        assertThat(Partitions.stsRegion("aws", Region.CN_NORTH_1)).isEqualTo("us-east-1");
        assertThat(Partitions.stsRegion("aws-iso-e", Region.US_EAST_1)).isEqualTo("eu-isoe-west-1");
    }

    @Test
    void stsRegion_refusesUnknownPartitionInsteadOfGuessingUsEast1() {
        assertThatThrownBy(() -> Partitions.stsRegion("aws-xyz", Region.US_EAST_1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown partition 'aws-xyz'");
    }

    @Test
    void everyKnownPartition_hasAnStsRegionInsideIt() {
        for (String partition : Partitions.KNOWN) {
            assertThat(Partitions.partitionOf(Partitions.stsRegion(partition, Region.US_EAST_1)))
                    .as(partition).isEqualTo(partition);
        }
    }

    @Test
    void iamRegion_isThePartitionsGlobalRegion() {
        assertThat(Partitions.iamRegion("aws")).isEqualTo(Region.AWS_GLOBAL);
        assertThat(Partitions.iamRegion("aws-cn")).isEqualTo(Region.AWS_CN_GLOBAL);
        assertThat(Partitions.iamRegion("aws-us-gov")).isEqualTo(Region.AWS_US_GOV_GLOBAL);
        assertThat(Partitions.iamRegion("aws-iso-b")).isEqualTo(Region.AWS_ISO_B_GLOBAL);
    }

    @Test
    void denyAllPolicyArn_isInTheEntitysPartition() {
        assertThat(Partitions.denyAllPolicyArn("aws-cn")).isEqualTo("arn:aws-cn:iam::aws:policy/AWSDenyAll");
        assertThat(Partitions.denyAllPolicyArn("aws")).isEqualTo("arn:aws:iam::aws:policy/AWSDenyAll");
    }
}
