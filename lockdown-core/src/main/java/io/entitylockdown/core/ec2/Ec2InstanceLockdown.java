package io.entitylockdown.core.ec2;

import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.iam.PrincipalRelease;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.record.RecordWriter;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterface;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;

/**
 * Contains an EC2 instance: its instance-profile credentials are denied, every network interface is
 * moved first to the VPC's untracked group and then (phase 2, {@link #isolate}) to its isolation
 * group, and the instance is kept as evidence (protections on, out of its Auto Scaling group and
 * target groups, one crash-consistent snapshot set). Each of those is an {@link InstanceEffect}; this
 * class only runs them in waves (see docs/ec2-instance.md):
 *
 * <ol>
 *   <li>DescribeInstances (the one read everything else starts from);</li>
 *   <li>every effect's reads, the short idle timeouts, and phase 2 scheduled;</li>
 *   <li>the signed record of the prior state, and every effect's changes;</li>
 *   <li>the interfaces to the untracked group, only once phase 2 is certain;</li>
 *   <li>the record completed, and every effect read back.</li>
 * </ol>
 *
 * <p>It fails closed: once an interface has left its groups, any failure (or an exception) sends every
 * interface straight to the isolation group, and an instance whose phase 2 could not be scheduled is
 * isolated at once instead of being opened.
 */
public final class Ec2InstanceLockdown implements ContainmentStrategy {

    /** The effects, each a fresh instance per run (they hold what their reads found). */
    static final List<Supplier<InstanceEffect>> EFFECTS = List.of(NetworkPhases::new, Protections::new,
            AutoScalingMembership::new, TargetGroupMembership::new, InstanceCredentials::new, Evidence::new);

    /** A release this close to phase 2 waits for it: phase 2 would isolate the released instance again. */
    private static final long PHASE2_GRACE_SECONDS = 30;

    @Override
    public EntityType type() {
        return EntityType.EC2_INSTANCE;
    }

    @Override
    public Set<String> permissions() {
        Set<String> all = new TreeSet<>(Set.of("ec2:DescribeInstances", "ec2:CreateTags", "ec2:DeleteTags"));
        EFFECTS.forEach(effect -> all.addAll(effect.get().permissions()));
        return Set.copyOf(all);
    }

    /** One run's effects, with the network phases at hand. */
    private record Effects(NetworkPhases network, List<InstanceEffect> all) {
        static Effects create() {
            List<InstanceEffect> all = EFFECTS.stream().map(Supplier::get).toList();
            return new Effects((NetworkPhases) all.get(0), all);
        }

        List<Parallel.Task> each(java.util.function.Consumer<InstanceEffect> phase) {
            return all.stream().map(e -> (Parallel.Task) () -> phase.accept(e)).toList();
        }
    }

    // ---------------------------------------------------------------- contain (phase 1)

    @Override
    public void contain(EntityContext ctx) {
        Optional<InstanceRun> found = find(ctx, false);
        if (found.isEmpty()) {
            return;
        }
        InstanceRun run = found.get();
        ReportBuilder report = ctx.report();
        noteUnverified(run, "containment records the instance as it is now");
        Effects effects = Effects.create();
        int window = ctx.options().windowSeconds();
        Instant notBefore = ctx.now().plusSeconds(window);
        AtomicBoolean scheduled = new AtomicBoolean(window == 0);

        // The first containing write (the interfaces' idle timeouts) goes out first; the effects' reads
        // and phase 2's scheduling start the moment it is being sent.
        io.entitylockdown.core.aws.SendSignal firstWrite = new io.entitylockdown.core.aws.SendSignal();
        List<Parallel.Task> wave1 = new ArrayList<>(effects.each(e -> {
            if (e instanceof NetworkPhases network) {
                network.prepare(run, firstWrite);
            } else {
                firstWrite.awaitSent();
                e.prepare(run);
            }
        }));
        if (window > 0 && !ctx.dryRun()) {
            wave1.add(() -> {
                firstWrite.awaitSent();
                var result = report.step("schedule-phase-2", "", () -> StepOutcome.done(
                        ctx.phase2().schedule(ctx.entity(), notBefore, window)));
                scheduled.set(result.status() == StepStatus.DONE);
            });
        }
        ctx.parallel().all(report, wave1);
        if (scheduled.get() && window > 0) {
            run.phase2Due(notBefore);
        }

        // The record before anything that overwrites a value it keeps; the untracked group, the
        // credentials' deny and the snapshots need no prior state and go alongside.
        List<Parallel.Task> wave2 = new ArrayList<>(effects.each(e -> {
            if (!e.destroysPriorState()) {
                e.apply(run);
            }
        }));
        wave2.add(() -> writeRecord(run, "record-prior-state"));
        ctx.parallel().all(report, wave2);
        List<Parallel.Task> wave3 = new ArrayList<>(effects.each(e -> {
            if (e.destroysPriorState()) {
                e.apply(run);
            }
        }));

        if (ctx.dryRun()) {
            ctx.parallel().all(report, wave3);
            effects.network().open(run);
            report.note(window == 0 ? "Phase 2 would follow at once (window 0)."
                    : "Phase 2 would follow after " + window + " s.");
            report.state("recorded", EntityRecords.toJson(run.draft()));
            return;
        }

        boolean opened = false;
        boolean isolated = false;
        int failedBeforeOpening = failures(report);
        try {
            java.util.concurrent.atomic.AtomicReference<Network> network = new java.util.concurrent.atomic.AtomicReference<>();
            // Phase 1 alongside the protections and leaving the fleet: the untracked group still passes
            // health checks, and the instance is out of its Auto Scaling group before phase 2 cuts them.
            wave3.add(() -> network.set(openOrIsolate(run, effects, scheduled.get())));
            ctx.parallel().all(report, wave3);
            opened = network.get() == Network.OPENED;
            isolated = network.get() == Network.ISOLATED;
            if (window == 0 && !isolated) {
                isolated = isolateNow(run, effects);
            }
            boolean isolatedAlready = isolated;
            List<Parallel.Task> wave4 = new ArrayList<>(effects.each(e -> {
                // the network is read back as phase 1 only when its interfaces stayed in the untracked group
                if (!(e instanceof NetworkPhases) || !isolatedAlready) {
                    e.verify(run);
                }
            }));
            wave4.add(() -> writeRecord(run, "record-state"));
            ctx.parallel().all(report, wave4);
            if (isolated) {
                effects.network().verifyIsolated(run);
            }
        } catch (RuntimeException | LinkageError e) {
            Parallel.internalError(report, e);
        }
        if (!isolated && (opened || anyInterfaceUntracked(run)) && failures(report) > failedBeforeOpening) {
            report.note("Something failed after the interfaces were opened to the untracked group, so every interface "
                    + "was sent to the isolation group at once (fail closed) instead of after the window.");
            isolated = isolateNow(run, effects);
            effects.network().verifyIsolated(run);
        }
        if (isolated) {
            report.note("Phase 2 done: every interface is in the isolation group.");
        } else if (window == 0 || !scheduled.get()) {
            // no phase 2 will come: say so plainly, with the command that finishes the job
            report.note("The instance is NOT isolated: an interface could not be moved to the isolation group (see the "
                    + "failed steps); no phase 2 is scheduled. Fix the cause and run: lockdown contain --window 0 "
                    + Shell.quote(ctx.entity().arn()));
        } else {
            report.nextPhase("isolate", window, notBefore);
            report.note("Phase 2 (every interface to the isolation group, no traffic at all) is due at " + notBefore
                    + ", after a window of " + window + " s: " + report.steps().stream()
                    .filter(s -> s.step().equals("schedule-phase-2")).map(s -> s.detail()).findFirst()
                    .orElse("the caller runs it") + ". Until then flows are untracked but still allowed.");
        }
        report.state("recorded", EntityRecords.toJson(run.draft()));
    }

    /** Where phase 1 left the interfaces. */
    private enum Network { OPENED, ISOLATED, UNCHANGED }

    /**
     * Phase 1: the untracked group, only when phase 2 is certain and the group is ready; otherwise
     * straight to the isolation group (the network is never opened without a phase 2 to close it).
     */
    private static Network openOrIsolate(InstanceRun run, Effects effects, boolean scheduled) {
        if (!scheduled || !effects.network().readyToOpen()) {
            run.report.note((scheduled ? "The untracked group is not available (see step untracked-group)"
                    : "Phase 2 could not be scheduled (see step schedule-phase-2)") + ", so the interfaces went "
                    + "straight to the isolation group instead of the all-open untracked group: the network is never "
                    + "opened without a phase 2 to close it. Established flows that keep sending may stay tracked until "
                    + "they go idle (docs/ec2-instance.md).");
            return isolateNow(run, effects) ? Network.ISOLATED : Network.UNCHANGED;
        }
        return effects.network().open(run) ? Network.OPENED : Network.UNCHANGED;
    }

    private static boolean anyInterfaceUntracked(InstanceRun run) {
        return run.report.steps().stream().anyMatch(s -> s.step().startsWith("untracked ")
                && s.status() == StepStatus.DONE);
    }

    private static int failures(ReportBuilder report) {
        return report.failures();
    }

    /** Every interface to the isolation group now, whatever it is in. */
    private static boolean isolateNow(InstanceRun run, Effects effects) {
        List<InstanceNetworkInterface> now = run.interfaces;
        try {
            now = NetworkPhases.describe(run).networkInterfaces();
        } catch (RuntimeException e) {
            run.report.note("Could not read the interfaces again before isolating (" + AwsErrors.describe(e,
                    "ec2:DescribeInstances") + "); isolating those found at the start.");
        }
        boolean done = effects.network().isolate(run, now);
        run.phase2Done();
        return done;
    }

    // ---------------------------------------------------------------- isolate (phase 2)

    /**
     * Phase 2: every interface attached now goes to the isolation group, whatever the tags say (an
     * attacker may have wiped them during the window) and whatever group it is in. Interfaces attached
     * since phase 1 are added to the record first, so release can restore them.
     */
    @Override
    public void isolate(EntityContext ctx) {
        Optional<InstanceRun> found = find(ctx, true);
        if (found.isEmpty()) {
            return;
        }
        InstanceRun run = found.get();
        ReportBuilder report = ctx.report();
        if (ctx.scheduledAt() != null) {
            Optional<Instant> released = EntityRecords.readRelease(run.tags, ctx.recordKey(), run.binding);
            // A release note is a tag, and whoever can read a member role's trust policy knows the secret the
            // record key is derived from: so it counts only when the network agrees. An interface still in
            // the all-open untracked group was never released, whatever the tags say: it is isolated.
            boolean stillOpen = run.interfaces.stream().anyMatch(n -> n.groups().stream()
                    .anyMatch(g -> ContainmentGroups.Kind.UNTRACKED.groupName.equals(g.groupName())));
            if (released.isPresent() && released.get().isAfter(ctx.scheduledAt()) && !stillOpen) {
                report.record("isolate", "", StepOutcome.skipped(run.id + " was released at " + released.get()
                        + ", after this phase 2 was scheduled (" + ctx.scheduledAt() + "); nothing was changed"), 0);
                return;
            }
        }
        Effects effects = Effects.create();
        if (run.record.isVerified()) {
            var recorded = run.recorded().orElseThrow().interfaces().keySet();
            boolean newInterfaces = run.interfaces.stream().anyMatch(n -> !recorded.contains(n.networkInterfaceId()));
            if (newInterfaces) {
                // attached during the window: recorded before they move, so release can put them back
                effects.network().prepare(run);
                writeRecord(run, "record-new-interfaces");
            }
        } else {
            noteUnverified(run, "the interfaces are isolated anyway (fail closed); release will need the manual "
                    + "steps it prints");
        }
        effects.network().isolate(run, run.interfaces);
        run.phase2Done();
        if (run.record.isVerified()) {
            writeRecord(run, "record-state");
        }
        effects.network().verifyIsolated(run);
        report.state("recorded", EntityRecords.toJson(run.draft()));
    }

    // ---------------------------------------------------------------- release

    @Override
    public void release(EntityContext ctx) {
        Optional<InstanceRun> found = find(ctx, false);
        if (found.isEmpty()) {
            return;
        }
        InstanceRun run = found.get();
        ReportBuilder report = ctx.report();
        if (run.recorded().isEmpty()) {
            cannotRestore(run);
            return;
        }
        InstanceState recorded = run.recorded().get();
        report.state("recorded", EntityRecords.toJson(recorded));
        if (recorded.phase2DueAt() != null) {
            Instant due = Instant.parse(recorded.phase2DueAt());
            if (ctx.now().isBefore(due.plusSeconds(PHASE2_GRACE_SECONDS))) {
                report.record("release", "", StepOutcome.failed("phase 2 of this containment is due at " + due
                        + " and would isolate the instance again after a release; nothing was changed. Release after "
                        + due.plusSeconds(PHASE2_GRACE_SECONDS)), 0);
                return;
            }
        }
        Effects effects = Effects.create();
        ctx.parallel().all(report, effects.each(e -> e.undo(run, recorded)));
        report.step("remove-record", "ec2:DeleteTags", () -> {
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("remove the tags " + EntityRecords.keys(run.tags));
            }
            if (report.anyFailed()) {
                return StepOutcome.skipped("kept, because a step above failed: the record is still needed; run the "
                        + "release again once the cause is fixed");
            }
            int removed = RecordWriter.remove(run, run.tags);
            if (ctx.canRecord()) {
                // a phase 2 of this containment delivered late must not isolate the released instance again
                run.tag(EntityRecords.encodeRelease(ctx.recordKey(), run.binding, ctx.now()));
            }
            return StepOutcome.done("removed " + removed + " lockdown: tags" + (ctx.canRecord()
                    ? "; left the signed note " + EntityRecords.RELEASED + "=" + ctx.now() : ""));
        });
        if (!ctx.dryRun()) {
            ctx.parallel().all(report, effects.each(e -> e.verifyUndone(run, recorded)));
        }
    }

    /** Release without an authenticated record: nothing restored; the note says what to do by hand. */
    private static void cannotRestore(InstanceRun run) {
        ReportBuilder report = run.report;
        boolean contained = run.interfaces.stream().anyMatch(n -> n.groups().stream()
                .anyMatch(g -> ContainmentGroups.isContainmentGroupName(g.groupName())));
        if (run.record instanceof RecordReading.Missing<InstanceState> && !contained) {
            String notContained = run.id + " is not contained (no lockdown record, no interface in a containment group);"
                    + " nothing was changed";
            report.record("release", "", StepOutcome.skipped(notContained), 0);
            report.note("Nothing to release: " + notContained + ".");
            return;
        }
        String why = run.record instanceof RecordReading.Unverified<InstanceState> unverified
                ? RecordWriter.unverifiedNote(run.id, unverified) : run.id + " carries no lockdown record";
        report.record("release", "", StepOutcome.failed(why + ". Nothing was restored: without an authenticated record "
                + "the original groups, protections and roles are unknown, and the isolation is never lifted on "
                + "unproven data. Follow the manual steps in the notes"), 0);
        String region = Shell.quote(run.entity().region());
        List<String> steps = new ArrayList<>();
        for (InstanceNetworkInterface eni : run.interfaces) {
            steps.add("put " + eni.networkInterfaceId() + " back in the groups it had before (from your own inventory or "
                    + "the containment's audit message): aws ec2 modify-network-interface-attribute "
                    + "--network-interface-id " + eni.networkInterfaceId() + " --groups SG_ID ... --region " + region);
        }
        steps.add("turn protections off if they were off before: aws ec2 modify-instance-attribute --instance-id "
                + run.id + " --no-disable-api-termination --region " + region + " (and --no-disable-api-stop)");
        steps.add("delete the policy " + CredentialDenyPolicy.perInstanceName(run.id) + " from the instance profile's "
                + "role(s): aws iam delete-role-policy --role-name ROLE --policy-name "
                + CredentialDenyPolicy.perInstanceName(run.id));
        if (!EntityRecords.keys(run.tags).isEmpty()) {
            steps.add("remove the lockdown tags: aws ec2 delete-tags --resources " + run.id + " --tags "
                    + String.join(" ", EntityRecords.keys(run.tags).stream().map(k -> Shell.quote("Key=" + k)).toList())
                    + " --region " + region);
        }
        report.note("Manual release of " + run.id + ": " + String.join("; ", steps) + ".");
    }

    // ---------------------------------------------------------------- status

    @Override
    public void status(EntityContext ctx) {
        Optional<InstanceRun> found = find(ctx, false);
        if (found.isEmpty()) {
            return;
        }
        InstanceRun run = found.get();
        ReportBuilder report = ctx.report();
        Effects effects = Effects.create();
        report.step("read-status", "ec2:DescribeInstances", () -> {
            com.fasterxml.jackson.databind.node.ObjectNode observed = io.entitylockdown.core.Json.mapper().createObjectNode();
            observed.put("networkPhase", NetworkPhases.phase(run.interfaces));
            return PrincipalRelease.describe(report, run.record, observed, run.id);
        });
        ctx.parallel().all(report, effects.each(e -> e.status(run)));
    }

    // ---------------------------------------------------------------- shared

    /**
     * DescribeInstances: the instance, its interfaces (groups, timeouts), profile, volumes and tags in one
     * request. Only a failure is a step. A terminated instance is a failure, except for phase 2, where
     * nothing is left to isolate.
     */
    private Optional<InstanceRun> find(EntityContext ctx, boolean phase2) {
        ReportBuilder report = ctx.report();
        String id = ctx.entity().name();
        String where = "account " + ctx.entity().accountId() + ", region " + ctx.entity().region();
        Optional<Optional<Instance>> described = report.read("find-instance", "ec2:DescribeInstances",
                "nothing was changed; run again", () -> {
                    try {
                        return Optional.ofNullable(ctx.session().ec2().describeInstances(b -> b.instanceIds(id))
                                .reservations().stream().flatMap(r -> r.instances().stream()).findFirst().orElse(null));
                    } catch (AwsServiceException e) {
                        if (!AwsErrors.isNotFound(e)) {
                            throw e;
                        }
                        return Optional.empty();
                    }
                });
        if (described.isEmpty()) {
            return Optional.empty();
        }
        Instance instance = described.get().orElse(null);
        if (instance == null) {
            report.record("find-instance", "ec2:DescribeInstances", StepOutcome.failed("instance " + id
                    + " was not found in " + where + "; nothing was changed. Check the ARN (account, region and "
                    + "instance id)"), 0);
            return Optional.empty();
        }
        if (instance.state() != null && (instance.state().name() == InstanceStateName.TERMINATED
                || instance.state().name() == InstanceStateName.SHUTTING_DOWN)) {
            String gone = "instance " + id + " is " + instance.state().nameAsString();
            report.record("find-instance", "ec2:DescribeInstances", phase2
                    ? StepOutcome.skipped(gone + "; there is nothing left to isolate")
                    : StepOutcome.failed(gone + "; there is nothing left to contain and nothing was changed"), 0);
            return Optional.empty();
        }
        if (instance.vpcId() == null) {
            report.record("find-instance", "ec2:DescribeInstances", StepOutcome.failed("instance " + id
                    + " is not in a VPC; Entity Lockdown contains VPC instances only"), 0);
            return Optional.empty();
        }
        return Optional.of(new InstanceRun(ctx, instance));
    }

    private static void noteUnverified(InstanceRun run, String consequence) {
        if (run.record instanceof RecordReading.Unverified<InstanceState> unverified) {
            run.report.note(RecordWriter.unverifiedNote(run.id, unverified) + "; " + consequence + ".");
        }
    }

    /**
     * Writes the record: the instance's tags are read again first, and a record another containment of
     * the same instance wrote meanwhile is merged (what it saw first wins), so concurrent containments
     * converge on the true original groups.
     */
    private static void writeRecord(InstanceRun run, String step) {
        run.report.step(step, "ec2:CreateTags", () -> {
            if (!run.ctx.canRecord()) {
                return RecordWriter.write(run.ctx, run, run.tags, run.binding, run.containedAt(), run.draft());
            }
            Map<String, String> current = run.dryRun() ? run.tags : run.tags();
            RecordReading<InstanceState> now = EntityRecords.read(current, run.ctx.recordKey(), run.binding,
                    InstanceState.class, InstanceRun::merge);
            InstanceState state = now.verified().map(v -> InstanceRun.merge(v.state(), run.draft()))
                    .orElse(run.draft());
            if (run.phase2Ran()) {
                state = state.withPhase2DueAt(null);
            }
            Instant at = now.verified().map(RecordReading.Verified::at).orElse(run.containedAt());
            return RecordWriter.write(run.ctx, run, current, run.binding, at, state);
        });
        if (run.report.failed(step) && !run.dryRun()) {
            run.report.note("The prior state of " + run.id + " is in this report only (state.recorded): release "
                    + "cannot restore it by itself.");
        }
    }
}
