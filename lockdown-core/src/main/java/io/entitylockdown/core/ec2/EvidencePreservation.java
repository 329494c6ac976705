package io.entitylockdown.core.ec2;

import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AttributeBooleanValue;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Keeps the instance and its disks as evidence: nobody may terminate or stop it through the API
 * (stopping loses memory and instance-store data), and every EBS volume is snapshotted.
 */
final class EvidencePreservation {
    static final String SNAPSHOT_INSTANCE_TAG = StateTags.PREFIX + "instance";
    static final String SNAPSHOT_VOLUME_TAG = StateTags.PREFIX + "volume";
    static final String SNAPSHOT_TIME_TAG = StateTags.PREFIX + "snapshot-time";

    /** The two protection attributes, each set with its own call (EC2 takes one attribute per call). */
    enum Protection {
        TERMINATION(InstanceAttributeName.DISABLE_API_TERMINATION, "termination protection"),
        STOP(InstanceAttributeName.DISABLE_API_STOP, "stop protection");

        final InstanceAttributeName attribute;
        final String label;

        Protection(InstanceAttributeName attribute, String label) {
            this.attribute = attribute;
            this.label = label;
        }
    }

    private final Ec2Client ec2;

    EvidencePreservation(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    boolean enabled(String instanceId, Protection protection) {
        var response = ec2.describeInstanceAttribute(b -> b.instanceId(instanceId).attribute(protection.attribute));
        AttributeBooleanValue value = protection == Protection.TERMINATION
                ? response.disableApiTermination() : response.disableApiStop();
        return value != null && Boolean.TRUE.equals(value.value());
    }

    InstanceRecord.Protection current(String instanceId) {
        return new InstanceRecord.Protection(enabled(instanceId, Protection.TERMINATION),
                enabled(instanceId, Protection.STOP));
    }

    /** Sets one protection to the wanted value. */
    StepOutcome set(String instanceId, Protection protection, boolean wanted, boolean dryRun) {
        String state = wanted ? "on" : "off";
        if (enabled(instanceId, protection) == wanted) {
            return StepOutcome.already(protection.label + " is " + state);
        }
        if (dryRun) {
            return StepOutcome.wouldDo("turn " + protection.label + " " + state);
        }
        AttributeBooleanValue value = AttributeBooleanValue.builder().value(wanted).build();
        if (protection == Protection.TERMINATION) {
            ec2.modifyInstanceAttribute(b -> b.instanceId(instanceId).disableApiTermination(value));
        } else {
            ec2.modifyInstanceAttribute(b -> b.instanceId(instanceId).disableApiStop(value));
        }
        return StepOutcome.done(protection.label + " turned " + state);
    }

    /** The evidence snapshots of one volume taken for this containment. */
    List<Snapshot> snapshots(String instanceId, String volumeId, Instant containedAt) {
        return ec2.describeSnapshotsPaginator(b -> b.filters(
                        Filter.builder().name("tag:" + SNAPSHOT_INSTANCE_TAG).values(instanceId).build(),
                        Filter.builder().name("tag:" + SNAPSHOT_VOLUME_TAG).values(volumeId).build(),
                        Filter.builder().name("tag:" + StateTags.CONTAINED_AT).values(containedAt.toString()).build()))
                .snapshots().stream().toList();
    }

    /** Every evidence snapshot of the instance, any containment. */
    List<Snapshot> snapshots(String instanceId) {
        return ec2.describeSnapshotsPaginator(b -> b.filters(
                        Filter.builder().name("tag:" + SNAPSHOT_INSTANCE_TAG).values(instanceId).build()))
                .snapshots().stream().toList();
    }

    /** One snapshot per volume per containment: a second run finds the first one's snapshot. */
    StepOutcome snapshot(String instanceId, String volumeId, String device, Instant containedAt, Instant now,
            boolean dryRun) {
        Optional<Snapshot> existing = snapshots(instanceId, volumeId, containedAt).stream().findFirst();
        if (existing.isPresent()) {
            return StepOutcome.already(volumeId + " (" + device + ") was snapshotted as "
                    + existing.get().snapshotId() + " for this containment");
        }
        if (dryRun) {
            return StepOutcome.wouldDo("snapshot " + volumeId + " (" + device + ")");
        }
        String snapshotId = ec2.createSnapshot(b -> b.volumeId(volumeId)
                .description("Entity Lockdown evidence: " + volumeId + " (" + device + ") of " + instanceId
                        + ", containment of " + containedAt)
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(
                        tag("Name", "lockdown-evidence-" + instanceId + "-" + volumeId),
                        tag(SNAPSHOT_INSTANCE_TAG, instanceId),
                        tag(SNAPSHOT_VOLUME_TAG, volumeId),
                        tag(StateTags.CONTAINED_AT, containedAt.toString()),
                        tag(SNAPSHOT_TIME_TAG, now.toString())).build()))
                .snapshotId();
        return StepOutcome.done(volumeId + " (" + device + ") snapshotted as " + snapshotId);
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
