package io.entitylockdown.core.ec2;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceBlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Contains an EC2 instance: its instance-profile credentials are denied, every network interface is
 * moved first to the VPC's untracked group and then (phase 2, {@link #isolate}) to its isolation
 * group, and the instance is kept as evidence (protections on, out of its Auto Scaling group and
 * target groups, volumes snapshotted). See docs/ec2-instance.md.
 *
 * <p>The steps are independent: a failed IAM step never keeps the network open.
 */
public final class Ec2InstanceLockdown implements ContainmentStrategy {

    private static final Set<String> PERMISSIONS = Set.of(
            "ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:ModifyInstanceAttribute",
            "ec2:DescribeNetworkInterfaces", "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:DescribeSecurityGroups", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
            "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
            "ec2:CreateTags", "ec2:DeleteTags", "ec2:CreateSnapshot", "ec2:DescribeSnapshots",
            "iam:GetInstanceProfile", "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
            "iam:ListRolePolicies",
            "autoscaling:DescribeAutoScalingInstances", "autoscaling:DetachInstances",
            "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DeregisterTargets");

    @Override
    public EntityType type() {
        return EntityType.EC2_INSTANCE;
    }

    @Override
    public Set<String> permissions() {
        return PERMISSIONS;
    }

    /** The instance and what was found on it by the first step of every operation. */
    private record Subject(Instance instance, List<NetworkInterface> interfaces, Map<String, String> tags,
            Optional<StateTags.Recorded> recorded) {
        String id() {
            return instance.instanceId();
        }
    }

    /** The AWS-facing parts, built on the entity's session. */
    private record Parts(ContainmentGroups groups, SecurityGroupSwap swap, ConnectionTracking tracking,
            InstanceCredentialDeny credentials, EvidencePreservation evidence, FleetMembership fleet,
            InstanceMarker marker) {
        static Parts of(EntityContext ctx, String vpcId) {
            var session = ctx.session();
            return new Parts(new ContainmentGroups(session.ec2(), vpcId), new SecurityGroupSwap(session.ec2()),
                    new ConnectionTracking(session.ec2()), new InstanceCredentialDeny(session.iam()),
                    new EvidencePreservation(session.ec2()),
                    new FleetMembership(session.autoScaling(), session.elasticLoadBalancing()),
                    new InstanceMarker(session.ec2()));
        }
    }

    // ---------------------------------------------------------------- contain (phase 1)

    @Override
    public void contain(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        boolean dry = ctx.dryRun();
        Subject subject = find(ctx, true);
        if (subject == null) {
            return;
        }
        String id = subject.id();
        Parts parts = Parts.of(ctx, subject.instance().vpcId());
        Instant firstSeen = subject.recorded().map(StateTags.Recorded::containedAt).orElse(ctx.now());
        InstanceRecord record = subject.recorded().map(r -> InstanceRecord.of(r.state())).orElseGet(InstanceRecord::empty);

        // Record before changing anything, so that release can undo whatever the steps below manage to do.
        for (NetworkInterface eni : subject.interfaces()) {
            if (!record.hasInterface(eni.networkInterfaceId()) && !SecurityGroupSwap.inContainmentGroup(eni)) {
                record.recordInterface(eni.networkInterfaceId(), SecurityGroupSwap.groupIds(eni),
                        ConnectionTracking.describe(eni));
            }
        }
        try {
            record.recordProtection(parts.evidence().current(id));
        } catch (AwsServiceException e) {
            report.note("Could not read the protection settings before changing them ("
                    + AwsErrors.describe(e, "ec2:DescribeInstanceAttribute") + "); release will leave them on.");
        }
        // A containment that started at the same time may have recorded first: join it rather than
        // snapshot again under a containment time the instance's marker does not carry.
        Instant containedAt = saveRecord(ctx, parts, subject, firstSeen, record, "record-prior-state");

        // Out of the Auto Scaling group first: once the network is cut, failing health checks would
        // make the group terminate the instance, and termination protection does not stop it.
        for (EvidencePreservation.Protection protection : EvidencePreservation.Protection.values()) {
            report.step(protection.name().toLowerCase(java.util.Locale.ROOT) + "-protection",
                    "ec2:ModifyInstanceAttribute", () -> parts.evidence().set(id, protection, true, dry));
        }
        report.step("auto-scaling-detach", "autoscaling:DetachInstances", () -> {
            Optional<String> group = dry ? Optional.empty() : parts.fleet().autoScalingGroup(id);
            group.ifPresent(record::recordAutoScalingGroup);
            return parts.fleet().detach(id, record.autoScalingGroup(), dry);
        });

        containNetwork(ctx, parts, subject, record);
        deregisterTargets(ctx, parts, subject, record);
        denyCredentials(ctx, parts, subject, record);
        takeSnapshots(ctx, parts, subject, containedAt);
        saveRecord(ctx, parts, refreshTags(ctx, subject), containedAt, record, "record-state");

        if (ctx.options().windowSeconds() == 0) {
            isolateNetwork(ctx, parts, refreshInterfaces(ctx, parts, subject));
        } else if (!dry) {
            Instant notBefore = ctx.now().plusSeconds(ctx.options().windowSeconds());
            report.nextPhase("isolate", ctx.options().windowSeconds(), notBefore);
            report.note("Phase 2 (every interface to the isolation group, no traffic at all) is due at " + notBefore
                    + ", after a window of " + ctx.options().windowSeconds() + " s: the Lambda schedules it on its "
                    + "delay queue, the CLI waits and runs it. Until then flows are untracked but still allowed.");
        } else {
            report.note("Phase 2 would follow after " + ctx.options().windowSeconds() + " s.");
        }
        report.state("recorded", record.asMap());
        if (!dry) {
            verifyContainment(ctx, parts, subject, record, containedAt);
        }
    }

    private void shortenTimeouts(EntityContext ctx, Parts parts, Subject subject, InstanceRecord record) {
        for (NetworkInterface eni : subject.interfaces()) {
            String eniId = eni.networkInterfaceId();
            var result = ctx.report().step("connection-tracking " + eniId, "ec2:ModifyNetworkInterfaceAttribute",
                    () -> parts.tracking().shorten(eni, record.shortened(eniId), ctx.dryRun()));
            if (result.status() == StepStatus.DONE) {
                record.recordShortened(eniId);
            }
        }
    }

    private void containNetwork(EntityContext ctx, Parts parts, Subject subject, InstanceRecord record) {
        ReportBuilder report = ctx.report();
        boolean dry = ctx.dryRun();
        shortenTimeouts(ctx, parts, subject, record);
        String[] groupId = new String[1];
        report.step("untracked-group", "ec2:CreateSecurityGroup",
                () -> ensureGroup(parts, ContainmentGroups.Kind.UNTRACKED, dry, groupId));
        for (NetworkInterface eni : subject.interfaces()) {
            report.step("untracked " + eni.networkInterfaceId(), "ec2:ModifyNetworkInterfaceAttribute", () -> {
                if (SecurityGroupSwap.isolated(eni)) {
                    return StepOutcome.already(eni.networkInterfaceId() + " is already isolated (phase 2 done)");
                }
                if (groupId[0] == null) {
                    if (dry) {
                        return StepOutcome.wouldDo("move " + eni.networkInterfaceId() + " to the new group "
                                + ContainmentGroups.Kind.UNTRACKED.groupName);
                    }
                    return StepOutcome.failed("the untracked group is not available (see step untracked-group); "
                            + eni.networkInterfaceId() + " keeps its groups");
                }
                return parts.swap().replace(eni, List.of(groupId[0]),
                        "only the untracked group " + groupId[0], dry);
            });
        }
    }

    private static StepOutcome ensureGroup(Parts parts, ContainmentGroups.Kind kind, boolean dry, String[] groupId) {
        if (dry) {
            var existing = parts.groups().find(kind);
            if (existing.isEmpty()) {
                return StepOutcome.wouldDo("create " + kind.groupName + " in the VPC");
            }
            groupId[0] = existing.get().groupId();
            var difference = ContainmentGroups.difference(existing.get(), kind);
            return difference.none()
                    ? StepOutcome.already(kind.groupName + " is " + groupId[0] + " with exactly its rules")
                    : StepOutcome.wouldDo("repair " + groupId[0] + " (remove " + difference.extra() + ", add "
                            + difference.missing() + ")");
        }
        ContainmentGroups.Group group = parts.groups().ensure(kind);
        groupId[0] = group.id();
        return group.changed()
                ? StepOutcome.done(kind.groupName + " " + group.id() + ": " + group.change())
                : StepOutcome.already(kind.groupName + " is " + group.id() + " with exactly its rules");
    }

    private void deregisterTargets(EntityContext ctx, Parts parts, Subject subject, InstanceRecord record) {
        ReportBuilder report = ctx.report();
        List<FleetMembership.Target> targets = new ArrayList<>();
        var found = report.step("find-target-groups", "elasticloadbalancing:DescribeTargetHealth", () -> {
            targets.addAll(parts.fleet().registrations(subject.instance(), subject.interfaces()));
            if (targets.isEmpty()) {
                return record.targets().isEmpty()
                        ? StepOutcome.skipped("not registered in any load-balancer target group")
                        : StepOutcome.already("deregistered from " + record.targets().size() + " target group(s) earlier");
            }
            return StepOutcome.done("registered in " + targets.size() + " target group(s)");
        });
        if (found.status() != StepStatus.DONE) {
            return;
        }
        for (FleetMembership.Target target : targets) {
            if (!ctx.dryRun()) {
                record.recordTarget(target);
            }
            report.step("deregister " + target.label(), "elasticloadbalancing:DeregisterTargets",
                    () -> parts.fleet().deregister(target, ctx.dryRun()));
        }
    }

    private void denyCredentials(EntityContext ctx, Parts parts, Subject subject, InstanceRecord record) {
        ReportBuilder report = ctx.report();
        List<Role> roles = new ArrayList<>();
        var found = report.step("instance-profile-roles", "iam:GetInstanceProfile", () -> {
            if (subject.instance().iamInstanceProfile() == null) {
                return StepOutcome.skipped("the instance has no instance profile, so no credentials to deny");
            }
            roles.addAll(parts.credentials().roles(subject.instance().iamInstanceProfile().arn()));
            return roles.isEmpty()
                    ? StepOutcome.skipped("the instance profile has no role, so no credentials to deny")
                    : StepOutcome.done("role(s) " + roles.stream().map(Role::roleName).toList());
        });
        if (found.status() != StepStatus.DONE) {
            return;
        }
        for (Role role : roles) {
            String step = "deny-credentials " + role.roleName();
            Optional<String> refusal = refusal(ctx, role.arn());
            if (refusal.isPresent()) {
                report.record(step, "iam:PutRolePolicy", StepOutcome.refused("role " + role.roleName()
                        + " was not changed: " + refusal.get()), 0);
                continue;
            }
            var result = report.step(step, "iam:PutRolePolicy",
                    () -> parts.credentials().deny(role.roleName(), ctx.entity().arn(), ctx.dryRun()));
            if (result.status() == StepStatus.DONE || result.status() == StepStatus.ALREADY) {
                record.recordRole(role.roleName());
            }
        }
    }

    private static Optional<String> refusal(EntityContext ctx, String roleArn) {
        try {
            return ctx.guardrails().refusal(EntityArn.parse(roleArn));
        } catch (InvalidArnException e) {
            return Optional.of("its ARN " + roleArn + " could not be checked against the guardrails: " + e.getMessage());
        }
    }

    private void takeSnapshots(EntityContext ctx, Parts parts, Subject subject, Instant containedAt) {
        ReportBuilder report = ctx.report();
        List<InstanceBlockDeviceMapping> volumes = subject.instance().blockDeviceMappings().stream()
                .filter(m -> m.ebs() != null && m.ebs().volumeId() != null).toList();
        if (!ctx.options().snapshot()) {
            report.record("snapshots", "ec2:CreateSnapshot",
                    StepOutcome.skipped("snapshots not requested (--no-snapshot); " + volumes.size()
                            + " EBS volume(s) not snapshotted"), 0);
            return;
        }
        if (volumes.isEmpty()) {
            report.record("snapshots", "ec2:CreateSnapshot", StepOutcome.skipped("no EBS volume attached"), 0);
            return;
        }
        for (InstanceBlockDeviceMapping volume : volumes) {
            report.step("snapshot " + volume.ebs().volumeId(), "ec2:CreateSnapshot",
                    () -> parts.evidence().snapshot(subject.id(), volume.ebs().volumeId(), volume.deviceName(),
                            containedAt, ctx.now(), ctx.dryRun()));
        }
    }

    /**
     * @return the containment time the instance's marker now carries: that of a containment that
     *     recorded meanwhile when there was one, so that this run's snapshots join its set
     */
    private Instant saveRecord(EntityContext ctx, Parts parts, Subject subject, Instant containedAt,
            InstanceRecord record, String step) {
        Instant[] adopted = {containedAt};
        ctx.report().step(step, "ec2:CreateTags", () -> {
            if (ctx.dryRun()) {
                return subject.recorded().isPresent()
                        ? StepOutcome.already("the instance carries the containment marker of " + containedAt)
                        : StepOutcome.wouldDo("tag the instance with the containment marker and its prior state");
            }
            // Another containment of this instance may have written its record since we read ours.
            Subject now = refreshTags(ctx, subject);
            Instant at = containedAt;
            if (now.recorded().isPresent()) {
                record.absorb(now.recorded().get().state());
                at = now.recorded().get().containedAt();
            }
            adopted[0] = at;
            boolean written = parts.marker().write(subject.id(), now.tags(), at, record);
            return written
                    ? StepOutcome.done("marker " + StateTags.CONTAINED_AT + "=" + at + " and the prior state "
                            + "recorded in the instance's tags")
                    : StepOutcome.already("the instance's tags already hold the marker and this state");
        });
        return adopted[0];
    }

    // ---------------------------------------------------------------- isolate (phase 2)

    @Override
    public void isolate(EntityContext ctx) {
        Subject subject = find(ctx);
        if (subject == null) {
            return;
        }
        if (subject.recorded().isEmpty()) {
            ctx.report().record("isolate", "", StepOutcome.skipped(subject.id() + " is not contained (no "
                    + StateTags.CONTAINED_AT + " tag; released in the meantime?); nothing was changed"), 0);
            return;
        }
        Parts parts = Parts.of(ctx, subject.instance().vpcId());
        InstanceRecord record = InstanceRecord.of(subject.recorded().get().state());
        boolean newInterfaces = false;
        for (NetworkInterface eni : subject.interfaces()) {
            if (!record.hasInterface(eni.networkInterfaceId()) && !SecurityGroupSwap.inContainmentGroup(eni)) {
                record.recordInterface(eni.networkInterfaceId(), SecurityGroupSwap.groupIds(eni),
                        ConnectionTracking.describe(eni));
                newInterfaces = true;
            }
        }
        if (newInterfaces) {
            saveRecord(ctx, parts, subject, subject.recorded().get().containedAt(), record, "record-new-interfaces");
            shortenTimeouts(ctx, parts, subject, record);
            saveRecord(ctx, parts, refreshTags(ctx, subject), subject.recorded().get().containedAt(), record,
                    "record-state");
        }
        isolateNetwork(ctx, parts, subject);
        ctx.report().state("recorded", record.asMap());
    }

    private void isolateNetwork(EntityContext ctx, Parts parts, Subject subject) {
        ReportBuilder report = ctx.report();
        boolean dry = ctx.dryRun();
        String[] groupId = new String[1];
        report.step("isolation-group", "ec2:CreateSecurityGroup",
                () -> ensureGroup(parts, ContainmentGroups.Kind.ISOLATION, dry, groupId));
        for (NetworkInterface eni : subject.interfaces()) {
            report.step("isolate " + eni.networkInterfaceId(), "ec2:ModifyNetworkInterfaceAttribute", () -> {
                if (groupId[0] == null) {
                    if (dry) {
                        return StepOutcome.wouldDo("move " + eni.networkInterfaceId() + " to the new group "
                                + ContainmentGroups.Kind.ISOLATION.groupName);
                    }
                    return StepOutcome.failed("the isolation group is not available (see step isolation-group); "
                            + eni.networkInterfaceId() + " keeps its groups");
                }
                return parts.swap().replace(eni, List.of(groupId[0]), "only the isolation group " + groupId[0], dry);
            });
        }
        if (dry || groupId[0] == null) {
            return;
        }
        verifyGroup(report, parts, ContainmentGroups.Kind.ISOLATION);
        for (NetworkInterface eni : subject.interfaces()) {
            verifyInterface(report, parts, eni.networkInterfaceId(), List.of(groupId[0]), "isolation group");
        }
    }

    // ---------------------------------------------------------------- release

    @Override
    public void release(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        boolean dry = ctx.dryRun();
        Subject subject = find(ctx);
        if (subject == null) {
            return;
        }
        String id = subject.id();
        if (subject.recorded().isEmpty()) {
            report.record("find-marker", "ec2:DescribeInstances", StepOutcome.skipped(id + " is not contained (no "
                    + StateTags.CONTAINED_AT + " tag); nothing was changed"), 0);
            return;
        }
        Parts parts = Parts.of(ctx, subject.instance().vpcId());
        InstanceRecord record = InstanceRecord.of(subject.recorded().get().state());
        report.state("recorded", record.asMap());

        Map<String, NetworkInterface> current = new LinkedHashMap<>();
        subject.interfaces().forEach(n -> current.put(n.networkInterfaceId(), n));
        for (InstanceRecord.InterfaceRecord eni : record.interfaces()) {
            report.step("restore-groups " + eni.interfaceId(), "ec2:ModifyNetworkInterfaceAttribute", () -> {
                NetworkInterface now = current.containsKey(eni.interfaceId()) ? current.get(eni.interfaceId())
                        : parts.swap().find(eni.interfaceId()).orElse(null);
                if (now == null) {
                    return StepOutcome.skipped(eni.interfaceId() + " no longer exists; nothing to restore");
                }
                return parts.swap().replace(now, eni.groups(), "its original groups " + eni.groups(), dry);
            });
            report.step("restore-connection-tracking " + eni.interfaceId(), "ec2:ModifyNetworkInterfaceAttribute", () -> {
                NetworkInterface now = current.containsKey(eni.interfaceId()) ? current.get(eni.interfaceId())
                        : parts.swap().find(eni.interfaceId()).orElse(null);
                if (now == null) {
                    return StepOutcome.skipped(eni.interfaceId() + " no longer exists; nothing to restore");
                }
                return parts.tracking().restore(now, eni.tracking(), dry);
            });
        }
        Optional<InstanceRecord.Protection> protection = record.protection();
        if (protection.isPresent()) {
            report.step("restore-termination-protection", "ec2:ModifyInstanceAttribute", () -> parts.evidence()
                    .set(id, EvidencePreservation.Protection.TERMINATION, protection.get().termination(), dry));
            report.step("restore-stop-protection", "ec2:ModifyInstanceAttribute", () -> parts.evidence()
                    .set(id, EvidencePreservation.Protection.STOP, protection.get().stop(), dry));
        } else {
            report.note("The protection settings before containment were not recorded; termination and stop "
                    + "protection stay on. Turn them off with: aws ec2 modify-instance-attribute --instance-id " + id
                    + " --no-disable-api-termination (and --no-disable-api-stop) --region " + ctx.entity().region());
        }
        Set<String> roles = new TreeSet<>(record.roles());
        report.step("instance-profile-roles", "iam:GetInstanceProfile", () -> {
            if (subject.instance().iamInstanceProfile() != null) {
                parts.credentials().roles(subject.instance().iamInstanceProfile().arn())
                        .forEach(r -> roles.add(r.roleName()));
            }
            return roles.isEmpty() ? StepOutcome.skipped("no role to allow again") : StepOutcome.done("role(s) " + roles);
        });
        for (String role : roles) {
            report.step("allow-credentials " + role, "iam:PutRolePolicy",
                    () -> parts.credentials().allow(role, ctx.entity().arn(), dry));
        }
        fleetNotes(ctx, id, record);
        try {
            var snapshots = parts.evidence().snapshots(id);
            if (!snapshots.isEmpty()) {
                report.note("Evidence snapshots are kept: " + snapshots.stream().map(s -> s.snapshotId()).toList()
                        + ". Delete them when the investigation no longer needs them.");
            }
        } catch (AwsServiceException e) {
            report.note("Could not list the evidence snapshots (" + AwsErrors.describe(e, "ec2:DescribeSnapshots")
                    + "); they are kept in any case.");
        }
        report.step("remove-marker", "ec2:DeleteTags", () -> {
            if (dry) {
                return StepOutcome.wouldDo("remove the tags " + StateTags.keys(subject.tags()));
            }
            if (report.steps().stream().anyMatch(s -> s.status() == StepStatus.FAILED)) {
                return StepOutcome.skipped("kept, because a step above failed: the recorded state is still needed; "
                        + "run the release again once the cause is fixed");
            }
            return StepOutcome.done("removed " + parts.marker().remove(id, subject.tags()));
        });
        if (!dry) {
            verifyRelease(ctx, parts, subject, record, roles);
        }
    }

    private static void fleetNotes(EntityContext ctx, String id, InstanceRecord record) {
        String region = ctx.entity().region();
        record.autoScalingGroup().ifPresent(group -> ctx.report().note("Auto Scaling membership is NOT restored "
                + "automatically: the group launched a replacement when this instance was detached. To put it back: "
                + "aws autoscaling attach-instances --auto-scaling-group-name " + group + " --instance-ids " + id
                + " --region " + region + " (this raises the group's desired capacity by one)."));
        List<FleetMembership.Target> targets = record.targets();
        if (!targets.isEmpty()) {
            StringBuilder note = new StringBuilder("Target-group membership is NOT restored automatically. To "
                    + "register the instance again:");
            for (FleetMembership.Target target : targets) {
                note.append(" aws elbv2 register-targets --target-group-arn ").append(target.targetGroupArn())
                        .append(" --targets Id=").append(target.id())
                        .append(target.port() == null ? "" : ",Port=" + target.port())
                        .append(target.availabilityZone() == null ? "" : ",AvailabilityZone=" + target.availabilityZone())
                        .append(" --region ").append(region).append(';');
            }
            ctx.report().note(note.toString());
        }
    }

    // ---------------------------------------------------------------- status

    @Override
    public void status(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        Subject subject = find(ctx);
        if (subject == null) {
            return;
        }
        report.state("contained", subject.recorded().isPresent());
        subject.recorded().ifPresent(r -> {
            report.state("containedAt", r.containedAt().toString());
            report.state("recorded", InstanceRecord.of(r.state()).asMap());
        });
        Map<String, Object> interfaces = new LinkedHashMap<>();
        for (NetworkInterface eni : subject.interfaces()) {
            interfaces.put(eni.networkInterfaceId(), eni.groups().stream()
                    .map(g -> g.groupId() + " (" + g.groupName() + ")").toList());
        }
        report.state("interfaces", interfaces);
        report.state("networkPhase", phase(subject.interfaces()));
        Parts parts = Parts.of(ctx, subject.instance().vpcId());
        // Evidence outlives the containment: a released instance still lists the snapshots taken of it.
        report.step("evidence-snapshots", "ec2:DescribeSnapshots", () -> {
            List<String> ids = parts.evidence().snapshots(subject.instance().instanceId()).stream()
                    .map(snapshot -> snapshot.snapshotId() + " (" + snapshot.volumeId() + ", "
                            + snapshot.stateAsString() + ")")
                    .toList();
            report.state("snapshots", ids);
            return StepOutcome.done(ids.isEmpty() ? "no evidence snapshot of this instance"
                    : ids.size() + " evidence snapshot(s)");
        });
        if (subject.recorded().isPresent()) {
            Map<String, Object> denied = new LinkedHashMap<>();
            report.step("credentials", "iam:GetRolePolicy", () -> {
                for (String role : InstanceRecord.of(subject.recorded().get().state()).roles()) {
                    denied.put(role, parts.credentials().listed(role).contains(ctx.entity().arn()));
                }
                report.state("credentialsDenied", denied);
                return StepOutcome.done("read the lockdown policy of " + denied.size() + " role(s)");
            });
        }
    }

    private static String phase(List<NetworkInterface> interfaces) {
        if (interfaces.isEmpty()) {
            return "no interfaces";
        }
        if (interfaces.stream().allMatch(SecurityGroupSwap::isolated)) {
            return "isolated (phase 2)";
        }
        if (interfaces.stream().allMatch(n -> n.groups().size() == 1
                && ContainmentGroups.Kind.UNTRACKED.groupName.equals(n.groups().get(0).groupName()))) {
            return "untracked (phase 1)";
        }
        return interfaces.stream().anyMatch(SecurityGroupSwap::inContainmentGroup) ? "mixed" : "open";
    }

    // ---------------------------------------------------------------- shared

    /** Describes the instance and its interfaces; null (with a failed step) when it cannot be acted on. */
    private Subject find(EntityContext ctx) {
        return find(ctx, false);
    }

    /**
     * @param overrideUnreadableState containment must not be blocked by state tags that anyone able to
     *     tag the instance could have garbled: it records afresh instead
     */
    private Subject find(EntityContext ctx, boolean overrideUnreadableState) {
        Subject[] found = new Subject[1];
        String id = ctx.entity().name();
        String where = "account " + ctx.entity().accountId() + ", region " + ctx.entity().region();
        var result = ctx.report().step("find-instance", "ec2:DescribeInstances", () -> {
            Instance instance;
            try {
                instance = ctx.session().ec2().describeInstances(b -> b.instanceIds(id)).reservations().stream()
                        .flatMap(r -> r.instances().stream()).findFirst().orElse(null);
            } catch (AwsServiceException e) {
                if (!AwsErrors.isNotFound(e)) {
                    throw e;
                }
                instance = null;
            }
            if (instance == null) {
                return StepOutcome.failed("instance " + id + " was not found in " + where + "; nothing was changed. "
                        + "Check the ARN (account, region and instance id)");
            }
            if (instance.state() != null && (instance.state().name() == InstanceStateName.TERMINATED
                    || instance.state().name() == InstanceStateName.SHUTTING_DOWN)) {
                return StepOutcome.failed("instance " + id + " is " + instance.state().nameAsString()
                        + "; there is nothing left to contain and nothing was changed");
            }
            if (instance.vpcId() == null) {
                return StepOutcome.failed("instance " + id + " is not in a VPC; Entity Lockdown contains VPC instances only");
            }
            List<NetworkInterface> interfaces = new SecurityGroupSwap(ctx.session().ec2()).interfaces(id);
            Map<String, String> tags = InstanceMarker.tags(instance);
            Optional<StateTags.Recorded> recorded;
            try {
                recorded = InstanceMarker.read(instance);
            } catch (LockdownException e) {
                if (!overrideUnreadableState) {
                    throw e;
                }
                ctx.report().note("The lockdown tags on " + id + " were unreadable (" + e.getMessage() + "); "
                        + "they are replaced by a fresh record of the instance as it is now.");
                recorded = Optional.empty();
            }
            found[0] = new Subject(instance, interfaces, tags, recorded);
            return StepOutcome.done(id + " (" + instance.state().nameAsString() + ") in " + instance.vpcId() + " with "
                    + interfaces.size() + " network interface(s)"
                    + found[0].recorded().map(r -> ", contained since " + r.containedAt()).orElse(""));
        });
        return result.status() == StepStatus.DONE ? found[0] : null;
    }

    private Subject refreshTags(EntityContext ctx, Subject subject) {
        if (ctx.dryRun()) {
            return subject;
        }
        try {
            Instance instance = ctx.session().ec2().describeInstances(b -> b.instanceIds(subject.id())).reservations()
                    .get(0).instances().get(0);
            return new Subject(instance, subject.interfaces(), InstanceMarker.tags(instance),
                    InstanceMarker.read(instance));
        } catch (AwsServiceException | LockdownException e) {
            return subject;
        }
    }

    private Subject refreshInterfaces(EntityContext ctx, Parts parts, Subject subject) {
        try {
            return new Subject(subject.instance(), parts.swap().interfaces(subject.id()), subject.tags(),
                    subject.recorded());
        } catch (AwsServiceException e) {
            return subject;
        }
    }

    // ---------------------------------------------------------------- verification

    private void verifyContainment(EntityContext ctx, Parts parts, Subject subject, InstanceRecord record,
            Instant containedAt) {
        ReportBuilder report = ctx.report();
        String id = subject.id();
        String phaseGroup;
        try {
            String untracked = parts.groups().find(ContainmentGroups.Kind.UNTRACKED).map(g -> g.groupId()).orElse("");
            String isolation = parts.groups().find(ContainmentGroups.Kind.ISOLATION).map(g -> g.groupId()).orElse("");
            phaseGroup = untracked;
            verifyGroup(report, parts, ContainmentGroups.Kind.UNTRACKED);
            for (NetworkInterface eni : parts.swap().interfaces(id)) {
                List<String> groups = SecurityGroupSwap.groupIds(eni);
                boolean ok = groups.equals(List.of(phaseGroup)) || !isolation.isEmpty() && groups.equals(List.of(isolation));
                report.check("interface " + eni.networkInterfaceId() + " contained", ok, "groups are " + groups);
                String tracking = ConnectionTracking.describe(eni);
                boolean refused = report.steps().stream().anyMatch(step -> step.status() == StepStatus.SKIPPED
                        && step.step().equals("connection-tracking " + eni.networkInterfaceId()));
                if (refused) {
                    continue;
                }
                if (tracking.isEmpty()) {
                    report.note("EC2 did not report the idle timeouts of " + eni.networkInterfaceId()
                            + " after setting them; they could not be verified.");
                } else {
                    report.check("interface " + eni.networkInterfaceId() + " idle timeouts",
                            tracking.equals(ConnectionTracking.SHORTEST), "TCP established, UDP stream, UDP = " + tracking);
                }
            }
        } catch (AwsServiceException e) {
            report.check("network read-back", false, AwsErrors.describe(e, "ec2:DescribeNetworkInterfaces"));
        }
        readBack(report, "termination and stop protection", () -> {
            var now = parts.evidence().current(id);
            return new Result(now.termination() && now.stop(), "termination " + now.termination() + ", stop " + now.stop());
        });
        readBack(report, "out of Auto Scaling", () -> {
            var group = parts.fleet().autoScalingGroup(id);
            return new Result(group.isEmpty(), group.map(g -> "still in " + g).orElse("in no Auto Scaling group"));
        });
        for (FleetMembership.Target target : record.targets()) {
            readBack(report, "deregistered " + target.label(), () -> {
                boolean registered = parts.fleet().registered(target);
                return new Result(!registered, registered ? "still registered" : "not registered (or draining)");
            });
        }
        for (String role : record.roles()) {
            readBack(report, "credentials denied on role " + role, () -> {
                boolean listed = parts.credentials().listed(role).contains(ctx.entity().arn());
                return new Result(listed, listed ? CredentialDenyPolicy.POLICY_NAME + " lists the instance"
                        : CredentialDenyPolicy.POLICY_NAME + " does not list the instance");
            });
        }
        if (ctx.options().snapshot()) {
            for (InstanceBlockDeviceMapping volume : subject.instance().blockDeviceMappings()) {
                if (volume.ebs() == null || volume.ebs().volumeId() == null) {
                    continue;
                }
                String volumeId = volume.ebs().volumeId();
                readBack(report, "snapshot of " + volumeId, () -> {
                    var snapshots = parts.evidence().snapshots(id, volumeId, containedAt);
                    return new Result(!snapshots.isEmpty(), snapshots.isEmpty() ? "no snapshot found"
                            : snapshots.get(0).snapshotId() + " (" + snapshots.get(0).stateAsString() + ")");
                });
            }
        }
        readBack(report, "containment marker", () -> {
            Subject now = refreshTags(ctx, subject);
            return new Result(now.recorded().isPresent(), now.recorded().map(r -> StateTags.CONTAINED_AT + "="
                    + r.containedAt()).orElse("no marker on the instance"));
        });
    }

    private void verifyRelease(EntityContext ctx, Parts parts, Subject subject, InstanceRecord record, Set<String> roles) {
        ReportBuilder report = ctx.report();
        for (InstanceRecord.InterfaceRecord eni : record.interfaces()) {
            readBack(report, "interface " + eni.interfaceId() + " restored", () -> {
                Optional<List<String>> groups = parts.swap().currentGroups(eni.interfaceId());
                if (groups.isEmpty()) {
                    return new Result(true, "no longer exists");
                }
                boolean ok = SecurityGroupSwap.sameSet(groups.get(), eni.groups());
                return new Result(ok, "groups are " + groups.get());
            });
        }
        record.protection().ifPresent(p -> readBack(report, "protections restored", () -> {
            var now = parts.evidence().current(subject.id());
            return new Result(now.equals(p), "termination " + now.termination() + ", stop " + now.stop());
        }));
        for (String role : roles) {
            readBack(report, "credentials allowed on role " + role, () -> {
                boolean listed = parts.credentials().listed(role).contains(ctx.entity().arn());
                return new Result(!listed, listed ? "still listed in " + CredentialDenyPolicy.POLICY_NAME : "not listed");
            });
        }
    }

    private record Result(boolean passed, String detail) {
    }

    private interface ReadBack {
        Result read();
    }

    private static void readBack(ReportBuilder report, String check, ReadBack readBack) {
        try {
            Result result = readBack.read();
            report.check(check, result.passed(), result.detail());
        } catch (AwsServiceException e) {
            report.check(check, false, "could not read back: " + AwsErrors.describe(e, ""));
        }
    }

    private static void verifyGroup(ReportBuilder report, Parts parts, ContainmentGroups.Kind kind) {
        readBack(report, kind.groupName + " rules", () -> {
            var group = parts.groups().find(kind);
            if (group.isEmpty()) {
                return new Result(false, "the group does not exist");
            }
            var difference = ContainmentGroups.difference(group.get(), kind);
            return new Result(difference.none(), difference.none() ? group.get().groupId() + " has exactly "
                    + (kind.rules.isEmpty() ? "no rules" : kind.rules.toString())
                    : "extra " + difference.extra() + ", missing " + difference.missing());
        });
    }

    private void verifyInterface(ReportBuilder report, Parts parts, String interfaceId, List<String> wanted, String what) {
        readBack(report, "interface " + interfaceId + " in " + what, () -> {
            Optional<List<String>> groups = parts.swap().currentGroups(interfaceId);
            return new Result(groups.isPresent() && groups.get().equals(wanted),
                    groups.map(g -> "groups are " + g).orElse("no longer exists"));
        });
    }
}
