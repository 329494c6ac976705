package io.entitylockdown.core.ec2;

import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.report.AwsErrors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The two security groups of a VPC that containment moves interfaces into, found by name and tag,
 * created when missing and repaired when their rules were changed.
 *
 * <p>Many containments may run at once in one VPC (one Lambda invocation per instance). A security
 * group name is unique per VPC, so a racing creation fails with {@code InvalidGroup.Duplicate} and
 * the loser uses the winner's group. Should two groups of one kind exist anyway, every containment
 * picks the one with the lowest id, so all of them converge on the same group.
 */
final class ContainmentGroups {
    static final String KIND_TAG = "lockdown:group";

    /** The two kinds of containment group and the rules each must have. */
    enum Kind {
        UNTRACKED("entity-lockdown-untracked", "untracked",
                "Entity Lockdown phase 1: all traffic open both ways so that existing flows become untracked",
                GroupRules.allOpen()),
        ISOLATION("entity-lockdown-isolation", "isolation",
                "Entity Lockdown phase 2: no inbound and no outbound rule; isolates contained instances",
                Set.of());

        final String groupName;
        final String tagValue;
        final String description;
        final Set<GroupRules.Rule> rules;

        Kind(String groupName, String tagValue, String description, Set<GroupRules.Rule> rules) {
            this.groupName = groupName;
            this.tagValue = tagValue;
            this.description = description;
            this.rules = rules;
        }
    }

    /** A group ready for use, and what had to be done to it. */
    record Group(String id, Kind kind, String change) {
        boolean changed() {
            return !change.isEmpty();
        }
    }

    private final Ec2Client ec2;
    private final String vpcId;

    ContainmentGroups(Ec2Client ec2, String vpcId) {
        this.ec2 = ec2;
        this.vpcId = vpcId;
    }

    static boolean isContainmentGroupName(String name) {
        for (Kind kind : Kind.values()) {
            if (kind.groupName.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The group of this kind in the VPC, without changing anything. */
    Optional<SecurityGroup> find(Kind kind) {
        return findAll().get(kind).stream().findFirst();
    }

    /**
     * Both kinds' groups in the VPC, in one request, lowest id first: every containment uses the first,
     * so all of them converge on the same group. A kind's list is empty when its group does not exist.
     */
    Map<Kind, List<SecurityGroup>> findAll() {
        List<SecurityGroup> found = ec2.describeSecurityGroups(b -> b.filters(
                Filter.builder().name("vpc-id").values(vpcId).build(),
                Filter.builder().name("group-name").values(Kind.UNTRACKED.groupName, Kind.ISOLATION.groupName)
                        .build())).securityGroups();
        Map<Kind, List<SecurityGroup>> byKind = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            byKind.put(kind, found.stream().filter(g -> kind.groupName.equals(g.groupName()))
                    .sorted(Comparator.comparing(SecurityGroup::groupId)).toList());
        }
        return byKind;
    }

    /** What would have to change for the group to have exactly its kind's rules. */
    static GroupRules.Difference difference(SecurityGroup group, Kind kind) {
        return GroupRules.compare(GroupRules.of(group.ipPermissions(), group.ipPermissionsEgress()), kind.rules);
    }

    /** Finds, creates or repairs the group of this kind, and verifies its rules. */
    Group ensure(Kind kind) {
        return ensure(kind, findAll().get(kind));
    }

    /**
     * Creates or repairs the group of this kind, starting from {@code found} (read earlier in the run,
     * lowest id first, empty when it did not exist): a group that exists with exactly its rules, and
     * alone, costs no request.
     */
    Group ensure(Kind kind, List<SecurityGroup> found) {
        List<String> changes = new ArrayList<>();
        SecurityGroup group = found.isEmpty() ? null : found.get(0);
        if (group != null && found.size() > 1) {
            dropDuplicates(found.subList(1, found.size()), changes);
        }
        if (group == null) {
            String created = create(kind, changes);
            // One read after creating: where names are not unique (emulators) a racer may have created one
            // too, and every containment uses the lowest id, whoever created it.
            List<SecurityGroup> listed = findAll().get(kind);
            if (listed.isEmpty() && created.isEmpty()) {
                throw new LockdownException("Another containment created the group " + kind.groupName + " in " + vpcId
                        + " a moment ago, but EC2 does not list it yet; run the containment again");
            }
            // EC2's reads are eventually consistent: a group just created may not be listed yet. It is used by
            // its id (writes by id work at once), starting from what EC2 gives every new group.
            group = listed.isEmpty() ? justCreated(created, kind) : listed.get(0);
            if (!group.groupId().equals(created)) {
                changes.remove("created");
            }
            String keep = group.groupId();
            dropDuplicates(listed.stream().filter(g -> !g.groupId().equals(keep)).toList(), changes);
        }
        if (group.tags().stream().noneMatch(t -> t.key().equals(KIND_TAG) && t.value().equals(kind.tagValue))) {
            String id = group.groupId();
            ec2.createTags(b -> b.resources(id).tags(Tag.builder().key(KIND_TAG).value(kind.tagValue).build()));
            changes.add("tagged " + KIND_TAG + "=" + kind.tagValue);
        }
        GroupRules.Difference difference = difference(group, kind);
        if (!difference.none()) {
            repair(group.groupId(), difference);
            if (!changes.contains("created")) {
                changes.add("repaired (removed " + difference.extra() + ", added " + difference.missing() + ")");
            }
            String id = group.groupId();
            group = ec2.describeSecurityGroups(b -> b.groupIds(id)).securityGroups().get(0);
            GroupRules.Difference left = difference(group, kind);
            if (!left.none()) {
                throw new LockdownException("The security group " + id + " (" + kind.groupName + ") still differs from "
                        + "its required rules after repair: extra " + left.extra() + ", missing " + left.missing()
                        + ". Someone is changing it; fix it by hand and run the containment again");
            }
        }
        return new Group(group.groupId(), kind, String.join(", ", changes));
    }

    /** Creates the group; returns its id, or empty when another containment created it first. */
    /**
     * The group just created, read by its id when the VPC's listing does not show it yet (its default
     * outbound rules depend on the VPC: IPv4, and IPv6 where the VPC has it, so they are read, not assumed).
     */
    private SecurityGroup justCreated(String id, Kind kind) {
        try {
            return ec2.describeSecurityGroups(b -> b.groupIds(id)).securityGroups().get(0);
        } catch (RuntimeException e) {
            throw new LockdownException("The group " + id + " (" + kind.groupName + ") was created in " + vpcId
                    + " but EC2 does not show it yet (" + AwsErrors.describe(e, "ec2:DescribeSecurityGroups")
                    + "); run the containment again", e);
        }
    }

    private String create(Kind kind, List<String> changes) {
        try {
            String id = ec2.createSecurityGroup(b -> b.vpcId(vpcId).groupName(kind.groupName)
                    .description(kind.description)
                    .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SECURITY_GROUP)
                            .tags(Tag.builder().key(KIND_TAG).value(kind.tagValue).build(),
                                    Tag.builder().key("Name").value(kind.groupName).build())
                            .build()))
                    .groupId();
            changes.add("created");
            return id;
        } catch (AwsServiceException e) {
            if (!AwsErrors.code(e).equals("InvalidGroup.Duplicate")) {
                throw e;
            }
            // Another containment created it a moment ago: use theirs.
            return "";
        }
    }

    /**
     * Only where names are not unique (emulators) can a second group of one kind appear; remove the
     * ones that lost, best effort: a group still in use cannot be deleted and is left alone.
     */
    private void dropDuplicates(List<SecurityGroup> others, List<String> changes) {
        for (SecurityGroup other : others) {
            try {
                ec2.deleteSecurityGroup(b -> b.groupId(other.groupId()));
                changes.add("deleted duplicate " + other.groupId());
            } catch (AwsServiceException e) {
                changes.add("left duplicate " + other.groupId() + " (" + AwsErrors.code(e) + ")");
            }
        }
    }

    /** One call per rule: AWS rejects a whole batch when one of its rules is already gone or present. */
    private void repair(String groupId, GroupRules.Difference difference) {
        for (GroupRules.Rule rule : difference.extra()) {
            var permission = rule.toPermission();
            tolerate("InvalidPermission.NotFound", () -> {
                if (rule.direction() == GroupRules.Direction.INGRESS) {
                    ec2.revokeSecurityGroupIngress(b -> b.groupId(groupId).ipPermissions(permission));
                } else {
                    ec2.revokeSecurityGroupEgress(b -> b.groupId(groupId).ipPermissions(permission));
                }
            });
        }
        for (GroupRules.Rule rule : difference.missing()) {
            var permission = rule.toPermission();
            tolerate("InvalidPermission.Duplicate", () -> {
                if (rule.direction() == GroupRules.Direction.INGRESS) {
                    ec2.authorizeSecurityGroupIngress(b -> b.groupId(groupId).ipPermissions(permission));
                } else {
                    ec2.authorizeSecurityGroupEgress(b -> b.groupId(groupId).ipPermissions(permission));
                }
            });
        }
    }

    /** A concurrent containment may have made the same change first; that is success, not failure. */
    private static void tolerate(String code, Runnable call) {
        try {
            call.run();
        } catch (AwsServiceException e) {
            if (!AwsErrors.code(e).equals(code)) {
                throw e;
            }
        }
    }
}
