package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSecurityGroupRequest;
import software.amazon.awssdk.services.ec2.model.CreateSecurityGroupResponse;
import software.amazon.awssdk.services.ec2.model.CreateTagsRequest;
import software.amazon.awssdk.services.ec2.model.CreateTagsResponse;
import software.amazon.awssdk.services.ec2.model.DeleteSecurityGroupRequest;
import software.amazon.awssdk.services.ec2.model.DeleteSecurityGroupResponse;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * The convergence rules of {@link ContainmentGroups} where an emulator, unlike EC2, lets two groups
 * of one name exist in a VPC: an in-memory stand-in for EC2's security-group calls.
 */
class ContainmentGroupsTest {

    /** Security groups of one VPC; names need not be unique, as in an emulator that misses the check. */
    static class GroupStore implements Ec2Client {
        final Map<String, SecurityGroup> groups = new TreeMap<>();
        final List<String> deleted = new ArrayList<>();
        final List<String> inUse = new ArrayList<>();
        int created;

        void add(String id, String name, Tag... tags) {
            groups.put(id, SecurityGroup.builder().groupId(id).groupName(name).vpcId("vpc-1").tags(tags).build());
        }

        @Override
        public DescribeSecurityGroupsResponse describeSecurityGroups(DescribeSecurityGroupsRequest request) {
            List<SecurityGroup> found = groups.values().stream()
                    .filter(g -> request.groupIds().isEmpty() || request.groupIds().contains(g.groupId()))
                    .filter(g -> request.filters().stream().allMatch(f -> switch (f.name()) {
                        case "vpc-id" -> f.values().contains(g.vpcId());
                        case "group-name" -> f.values().contains(g.groupName());
                        default -> throw new IllegalArgumentException(f.name());
                    }))
                    .toList();
            // EC2 lists in no particular order; the newest first here, so that order cannot decide.
            List<SecurityGroup> reversed = new ArrayList<>(found);
            java.util.Collections.reverse(reversed);
            return DescribeSecurityGroupsResponse.builder().securityGroups(reversed).build();
        }

        @Override
        public CreateSecurityGroupResponse createSecurityGroup(CreateSecurityGroupRequest request) {
            String id = "sg-9" + (created++);
            groups.put(id, SecurityGroup.builder().groupId(id).groupName(request.groupName()).vpcId(request.vpcId())
                    .tags(request.tagSpecifications().get(0).tags()).build());
            return CreateSecurityGroupResponse.builder().groupId(id).build();
        }

        @Override
        public DeleteSecurityGroupResponse deleteSecurityGroup(DeleteSecurityGroupRequest request) {
            if (inUse.contains(request.groupId())) {
                throw (Ec2Exception) Ec2Exception.builder().statusCode(400).awsErrorDetails(
                        software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                                .errorCode("DependencyViolation").errorMessage("in use").build()).build();
            }
            groups.remove(request.groupId());
            deleted.add(request.groupId());
            return DeleteSecurityGroupResponse.builder().build();
        }

        @Override
        public CreateTagsResponse createTags(CreateTagsRequest request) {
            request.resources().forEach(id -> groups.computeIfPresent(id, (k, g) -> g.toBuilder().tags(request.tags()).build()));
            return CreateTagsResponse.builder().build();
        }

        @Override
        public String serviceName() {
            return "ec2";
        }

        @Override
        public void close() {
        }
    }

    private static Tag kind(String value) {
        return Tag.builder().key(ContainmentGroups.KIND_TAG).value(value).build();
    }

    @Test
    void ensure_whenTwoGroupsOfOneKindExist_usesTheLowestId_andDeletesTheOther() {
        GroupStore ec2 = new GroupStore();
        ec2.add("sg-1b", ContainmentGroups.Kind.ISOLATION.groupName, kind("isolation"));
        ec2.add("sg-1a", ContainmentGroups.Kind.ISOLATION.groupName, kind("isolation"));

        ContainmentGroups.Group group = new ContainmentGroups(ec2, "vpc-1").ensure(ContainmentGroups.Kind.ISOLATION);

        assertThat(group.id()).isEqualTo("sg-1a");
        assertThat(group.change()).contains("deleted duplicate sg-1b");
        assertThat(ec2.groups).containsOnlyKeys("sg-1a");
    }

    @Test
    void ensure_duplicateStillInUse_isLeftAlone_andTheLowestIdIsStillUsed() {
        GroupStore ec2 = new GroupStore();
        ec2.add("sg-2", ContainmentGroups.Kind.ISOLATION.groupName, kind("isolation"));
        ec2.add("sg-1", ContainmentGroups.Kind.ISOLATION.groupName, kind("isolation"));
        ec2.inUse.add("sg-2");

        ContainmentGroups.Group group = new ContainmentGroups(ec2, "vpc-1").ensure(ContainmentGroups.Kind.ISOLATION);

        assertThat(group.id()).isEqualTo("sg-1");
        assertThat(group.change()).contains("left duplicate sg-2 (DependencyViolation)");
    }

    @Test
    void ensure_afterCreatingWhileARacerCreatedALowerId_usesTheRacersGroup_andDoesNotClaimCreation() {
        GroupStore ec2 = new GroupStore() {
            private boolean raced;

            @Override
            public CreateSecurityGroupResponse createSecurityGroup(CreateSecurityGroupRequest request) {
                if (!raced) {
                    raced = true;
                    add("sg-0", request.groupName(), kind("isolation"));
                }
                return super.createSecurityGroup(request);
            }
        };

        ContainmentGroups.Group group = new ContainmentGroups(ec2, "vpc-1").ensure(ContainmentGroups.Kind.ISOLATION);

        assertThat(group.id()).isEqualTo("sg-0");
        assertThat(group.change()).doesNotContain("created").contains("deleted duplicate sg-90");
        assertThat(ec2.groups).containsOnlyKeys("sg-0");
    }

    @Test
    void ensure_groupFoundByNameWithoutTheTag_isTaggedAndAdopted() {
        GroupStore ec2 = new GroupStore();
        ec2.add("sg-7", ContainmentGroups.Kind.ISOLATION.groupName);

        ContainmentGroups.Group group = new ContainmentGroups(ec2, "vpc-1").ensure(ContainmentGroups.Kind.ISOLATION);

        assertThat(group.id()).isEqualTo("sg-7");
        assertThat(group.change()).contains("tagged lockdown:group=isolation");
        assertThat(ec2.groups.get("sg-7").tags()).containsExactly(kind("isolation"));
    }
}
