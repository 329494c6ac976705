package io.entitylockdown.core.ec2;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.record.TaggedEntity;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterface;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * One operation on one instance: what DescribeInstances said, the instance's record, and what this run
 * learns and changes, to be recorded. Effects read from and write to it instead of passing the same
 * five parameters around. Thread-safe: effects run in parallel.
 */
final class InstanceRun implements TaggedEntity {
    final EntityContext ctx;
    final ReportBuilder report;
    final Ec2Client ec2;
    final Instance instance;
    final String id;
    final String vpcId;
    final List<InstanceNetworkInterface> interfaces;
    final Map<String, String> tags;
    final RecordReading<InstanceState> record;
    final RecordBinding binding;

    private final Map<String, InstanceState.InterfaceState> seenInterfaces = new LinkedHashMap<>();
    private InstanceState.ProtectionState protection;
    private final Set<String> credentialRoles = new LinkedHashSet<>();
    private String autoScalingGroup;
    private final List<InstanceState.TargetState> targets = new ArrayList<>();
    private final List<String> snapshots = new ArrayList<>();
    private String phase2DueAt;
    private final Set<String> shortened = new LinkedHashSet<>();
    private boolean phase2Ran;

    InstanceRun(EntityContext ctx, Instance instance) {
        this.ctx = ctx;
        this.report = ctx.report();
        this.ec2 = ctx.session().ec2();
        this.instance = instance;
        this.id = instance.instanceId();
        this.vpcId = instance.vpcId();
        this.interfaces = instance.networkInterfaces().stream()
                .sorted(Comparator.comparing((InstanceNetworkInterface n) -> n.attachment() == null
                        || n.attachment().deviceIndex() == null ? Integer.MAX_VALUE : n.attachment().deviceIndex())
                        .thenComparing(InstanceNetworkInterface::networkInterfaceId))
                .toList();
        this.tags = tagMap(instance.tags());
        this.binding = RecordBinding.of(ctx.entity());
        this.record = EntityRecords.read(tags, ctx.recordKey(), binding, InstanceState.class, InstanceRun::merge);
    }

    static Map<String, String> tagMap(Collection<Tag> tags) {
        return tags.stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a, LinkedHashMap::new));
    }

    EntityArn entity() {
        return ctx.entity();
    }

    boolean dryRun() {
        return ctx.dryRun();
    }

    Parallel parallel() {
        return ctx.parallel();
    }

    /** The authenticated record's state, if there is one. */
    Optional<InstanceState> recorded() {
        return record.verified().map(RecordReading.Verified::state);
    }

    /** The containment time: the record's when there is one, else this run's. */
    Instant containedAt() {
        return record.verified().map(RecordReading.Verified::at).orElse(ctx.now());
    }

    /** The primary interface (device index 0), whose groups are also the instance's own. */
    boolean isPrimary(InstanceNetworkInterface eni) {
        return eni.attachment() != null && Integer.valueOf(0).equals(eni.attachment().deviceIndex());
    }

    /**
     * True when DescribeInstances reports instance-level groups. On AWS they are the primary interface's
     * groups, set by either API; where they are kept apart (moto), they must be set too.
     */
    boolean hasInstanceLevelGroups() {
        return instance.hasSecurityGroups() && !instance.securityGroups().isEmpty();
    }

    static List<String> groupIds(List<GroupIdentifier> groups) {
        return groups.stream().map(GroupIdentifier::groupId).toList();
    }

    // ------------------------------------------------------------------ what this run learns, for the record

    synchronized void sawInterface(String interfaceId, List<String> groups, String tracking) {
        seenInterfaces.putIfAbsent(interfaceId, new InstanceState.InterfaceState(groups, tracking));
    }

    synchronized void sawProtection(InstanceState.ProtectionState value) {
        if (protection == null) {
            protection = value;
        }
    }

    synchronized void deniedOn(String roleName) {
        credentialRoles.add(roleName);
    }

    synchronized void leftAutoScalingGroup(String name) {
        if (autoScalingGroup == null) {
            autoScalingGroup = name;
        }
    }

    synchronized void leftTargetGroup(InstanceState.TargetState target) {
        if (!targets.contains(target)) {
            targets.add(target);
        }
    }

    synchronized void tookSnapshots(List<String> ids) {
        ids.stream().filter(s -> !snapshots.contains(s)).forEach(snapshots::add);
    }

    synchronized void shortenedTimeouts(String interfaceId) {
        shortened.add(interfaceId);
    }

    synchronized void phase2Due(Instant at) {
        phase2DueAt = at.toString();
    }

    synchronized boolean phase2Ran() {
        return phase2Ran;
    }

    /** Phase 2 ran: the record no longer holds release back. */
    synchronized void phase2Done() {
        phase2DueAt = null;
        phase2Ran = true;
    }

    /**
     * The state to record: what an earlier authenticated record says wins (it saw the instance before
     * any containment), what this run learned fills the rest.
     */
    synchronized InstanceState draft() {
        InstanceState observed = new InstanceState(seenInterfaces, protection, List.copyOf(credentialRoles),
                autoScalingGroup, targets, snapshots, phase2DueAt, List.copyOf(shortened));
        InstanceState merged = recorded().map(r -> merge(r, observed)).orElse(observed);
        return phase2Ran ? merged.withPhase2DueAt(null) : merged;
    }

    /** {@code first} wins where both have a value; lists are united; the phase-2 time is the later one. */
    static InstanceState merge(InstanceState first, InstanceState later) {
        Map<String, InstanceState.InterfaceState> interfaces = new LinkedHashMap<>(later.interfaces());
        interfaces.putAll(first.interfaces());
        Set<String> roles = new LinkedHashSet<>(first.credentialRoles());
        roles.addAll(later.credentialRoles());
        List<InstanceState.TargetState> targets = new ArrayList<>(first.targets());
        later.targets().stream().filter(t -> !targets.contains(t)).forEach(targets::add);
        List<String> snapshots = new ArrayList<>(first.snapshots());
        later.snapshots().stream().filter(s -> !snapshots.contains(s)).forEach(snapshots::add);
        String due = first.phase2DueAt() == null ? later.phase2DueAt() : later.phase2DueAt() == null
                ? first.phase2DueAt() : later.phase2DueAt().compareTo(first.phase2DueAt()) > 0 ? later.phase2DueAt()
                : first.phase2DueAt();
        Set<String> shortened = new LinkedHashSet<>(first.shortened());
        shortened.addAll(later.shortened());
        return new InstanceState(interfaces, first.protection() != null ? first.protection() : later.protection(),
                List.copyOf(roles), first.autoScalingGroup() != null ? first.autoScalingGroup() : later.autoScalingGroup(),
                targets, snapshots, due, List.copyOf(shortened));
    }

    // ------------------------------------------------------------------ the instance's tags

    @Override
    public Map<String, String> tags() {
        Instance now = ec2.describeInstances(b -> b.instanceIds(id)).reservations().get(0).instances().get(0);
        return tagMap(now.tags());
    }

    @Override
    public void tag(Map<String, String> values) {
        List<Tag> list = values.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
        ec2.createTags(b -> b.resources(id).tags(list));
    }

    @Override
    public void untag(Collection<String> keys) {
        ec2.deleteTags(b -> b.resources(id).tags(keys.stream().map(k -> Tag.builder().key(k).build()).toList()));
    }

    @Override
    public String tagCall() {
        return "ec2:CreateTags";
    }

    @Override
    public String untagCall() {
        return "ec2:DeleteTags";
    }
}
