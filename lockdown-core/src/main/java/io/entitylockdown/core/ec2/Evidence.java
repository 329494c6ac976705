package io.entitylockdown.core.ec2;

import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.Produced;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Preserves the disks as evidence: one {@code CreateSnapshots} call for every EBS volume attached to
 * the instance, so the snapshots form one crash-consistent set (taken at the same moment, as a sudden
 * power loss would leave them). The set's ids go into the signed record; a snapshot counts as taken
 * only when it exists, belongs to the account, is of one of the instance's volumes and is not in error:
 * tags alone prove nothing. Release never deletes them.
 */
final class Evidence implements InstanceEffect {
    static final String INSTANCE_TAG = EntityRecords.PREFIX + "instance";
    private final AtomicReference<List<String>> set = new AtomicReference<>(List.of());

    @Override
    public Set<String> permissions() {
        return Set.of("ec2:CreateSnapshots", "ec2:DescribeSnapshots");
    }

    @Override
    public void apply(InstanceRun run) {
        Set<String> volumes = volumes(run);
        if (!run.ctx.options().snapshot()) {
            run.report.record("snapshots", "ec2:CreateSnapshots", StepOutcome.skipped("snapshots not requested "
                    + "(--no-snapshot); " + volumes.size() + " EBS volume(s) not snapshotted"), 0);
            return;
        }
        if (volumes.isEmpty()) {
            run.report.record("snapshots", "ec2:CreateSnapshots", StepOutcome.skipped("no EBS volume attached"), 0);
            return;
        }
        run.report.produce("snapshots", "ec2:CreateSnapshots", () -> {
            List<String> recorded = run.recorded().map(InstanceState::snapshots).orElse(List.of());
            if (!recorded.isEmpty()) {
                List<Snapshot> existing = describe(run, recorded);
                if (valid(run, existing, volumes)) {
                    set.set(recorded);
                    run.tookSnapshots(recorded);
                    return Produced.already(recorded, "the crash-consistent set " + recorded + " of this containment exists");
                }
            }
            if (run.dryRun()) {
                return Produced.of(StepOutcome.wouldDo("snapshot " + volumes.size() + " EBS volume(s) " + volumes
                        + " as one crash-consistent set"), List.of());
            }
            String at = run.containedAt().toString();
            List<String> ids = run.ec2.createSnapshots(b -> b
                    .instanceSpecification(s -> s.instanceId(run.id).excludeBootVolume(false))
                    .description("Entity Lockdown evidence of " + run.id + ", containment of " + at)
                    .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.SNAPSHOT).tags(
                            tag("Name", "lockdown-evidence-" + run.id),
                            tag(INSTANCE_TAG, run.id),
                            tag(EntityRecords.MARKER, at)).build()))
                    .snapshots().stream().map(s -> s.snapshotId()).toList();
            set.set(ids);
            run.tookSnapshots(ids);
            return Produced.done(ids, volumes.size() + " EBS volume(s) snapshotted as one crash-consistent set: " + ids);
        });
    }

    @Override
    public void verify(InstanceRun run) {
        List<String> ids = set.get();
        if (ids.isEmpty()) {
            return;
        }
        Set<String> volumes = volumes(run);
        run.report.verify("evidence snapshot set", () -> {
            List<Snapshot> found = describe(run, ids);
            return Verdict.of(valid(run, found, volumes), found.stream().map(s -> s.snapshotId() + " of " + s.volumeId()
                    + " (" + s.stateAsString() + ")").toList().toString());
        });
    }

    @Override
    public void undo(InstanceRun run, InstanceState recorded) {
        if (!recorded.snapshots().isEmpty()) {
            run.report.note("Evidence snapshots are kept: " + recorded.snapshots() + ". Delete them when the "
                    + "investigation no longer needs them.");
        }
    }

    @Override
    public void status(InstanceRun run) {
        run.report.produce("evidence-snapshots", "ec2:DescribeSnapshots", () -> {
            List<String> recorded = run.recorded().map(InstanceState::snapshots).orElse(List.of());
            List<String> ofContainment = recorded.isEmpty() ? List.of() : describe(run, recorded).stream()
                    .map(Evidence::label).toList();
            // Evidence outlives the containment: a released instance still lists the snapshots taken of it.
            List<String> tagged = run.ec2.describeSnapshotsPaginator(b -> b.ownerIds("self").filters(
                            Filter.builder().name("tag:" + INSTANCE_TAG).values(run.id).build())).snapshots().stream()
                    .map(Evidence::label).toList();
            run.report.state("snapshots", ofContainment);
            run.report.state("taggedSnapshots", tagged);
            return Produced.done(ofContainment, ofContainment.isEmpty()
                    ? "no recorded evidence set" + (tagged.isEmpty() ? "" : "; " + tagged.size() + " snapshot(s) tagged "
                            + "as evidence of this instance (tags are not proof)")
                    : "evidence set of this containment: " + ofContainment);
        });
    }

    private static List<Snapshot> describe(InstanceRun run, List<String> ids) {
        try {
            return run.ec2.describeSnapshots(b -> b.snapshotIds(ids)).snapshots();
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            if (io.entitylockdown.core.report.AwsErrors.code(e).startsWith("InvalidSnapshot")) {
                return List.of();
            }
            throw e;
        }
    }

    /** Every attached volume has a snapshot in the set, of this account, not in error. */
    private static boolean valid(InstanceRun run, List<Snapshot> snapshots, Set<String> volumes) {
        Set<String> covered = new TreeSet<>();
        for (Snapshot snapshot : snapshots) {
            if (!run.entity().accountId().equals(snapshot.ownerId()) || snapshot.state() == SnapshotState.ERROR) {
                return false;
            }
            covered.add(snapshot.volumeId());
        }
        return covered.containsAll(volumes);
    }

    private static Set<String> volumes(InstanceRun run) {
        Set<String> volumes = new TreeSet<>();
        for (InstanceBlockDeviceMapping mapping : run.instance.blockDeviceMappings()) {
            if (mapping.ebs() != null && mapping.ebs().volumeId() != null) {
                volumes.add(mapping.ebs().volumeId());
            }
        }
        return volumes;
    }

    private static String label(Snapshot snapshot) {
        return snapshot.snapshotId() + " (" + snapshot.volumeId() + ", " + snapshot.stateAsString() + ")";
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }
}
