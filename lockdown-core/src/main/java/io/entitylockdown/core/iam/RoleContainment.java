package io.entitylockdown.core.iam;

import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.record.RecordWriter;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.EntityContext;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Denies a role for a reason: because it was contained itself ({@link RoleState#DIRECT}) or because
 * a Lambda function that runs as it was contained (the function's ARN). The role's record lists every
 * reason; releasing one keeps the role denied while another remains, so releasing a function does
 * not release a role that was also contained directly, and vice versa.
 */
public final class RoleContainment {
    private final EntityContext ctx;
    private final IamPrincipal role;
    private final String prefix;
    private final PrincipalDenial denial;

    public RoleContainment(EntityContext ctx, IamPrincipal role, String prefix) {
        if (role.isUser()) {
            throw new IllegalArgumentException("RoleContainment needs a role, not " + role.describe());
        }
        this.ctx = ctx;
        this.role = role;
        this.prefix = prefix;
        this.denial = new PrincipalDenial(ctx, role, prefix);
    }

    /** Denies the role (first request), then records the reason. Empty when the role cannot be found. */
    public Optional<PrincipalDenial.Denied> contain(String reason) {
        ReportBuilder report = ctx.report();
        Optional<PrincipalDenial.Denied> found = denial.denyFirst(List.of());
        if (found.isEmpty()) {
            return found;
        }
        PrincipalDenial.Denied denied = found.get();
        RecordBinding binding = RecordBinding.of(io.entitylockdown.core.EntityArn.parse(role.arn()));
        RecordReading<RoleState> record = EntityRecords.read(denied.facts().tags(), ctx.recordKey(), binding,
                RoleState.class);
        if (record instanceof RecordReading.Unverified<RoleState> unverified) {
            report.note(RecordWriter.unverifiedNote(role.describe(), unverified) + "; containment acted on the role as "
                    + "it is and cut sessions off at now.");
        }
        Set<String> reasons = new LinkedHashSet<>(record.verified().map(v -> v.state().containedFor()).orElse(List.of()));
        reasons.add(reason);
        boolean attachedDenyAll = denied.attachedDenyAll()
                || record.verified().map(v -> v.state().attachedDenyAll()).orElse(false);
        Instant at = record.verified().map(RecordReading.Verified::at).orElse(ctx.now());
        RoleState state = new RoleState(List.copyOf(reasons), attachedDenyAll);
        var written = report.step(prefix + "record-state", role.tagCall(),
                () -> RecordWriter.write(ctx, role, denied.facts().tags(), binding, at, state));
        if (written.status() != StepStatus.DONE && written.status() != StepStatus.ALREADY) {
            report.note("Why " + role.describe() + " is denied (" + describe(reasons) + ") is in this report only; "
                    + "release cannot restore it by itself.");
        }
        return found;
    }

    public void verify(PrincipalDenial.Denied denied) {
        denial.verify(denied);
    }

    /**
     * Drops this reason from the role's record; when none remains, lifts the deny and removes the
     * record. Without an authenticated record nothing is changed.
     */
    public void release(String reason) {
        ReportBuilder report = ctx.report();
        PrincipalRelease<RoleState> release = new PrincipalRelease<>(ctx, role, prefix, RoleState.class);
        Optional<PrincipalRelease.Found<RoleState>> found = release.read(List.of());
        if (found.isEmpty()) {
            return;
        }
        if (found.get().verified().isEmpty()) {
            release.cannotRestore(found.get(), List.of());
            return;
        }
        RecordReading.Verified<RoleState> verified = found.get().verified().get();
        Set<String> reasons = new LinkedHashSet<>(verified.state().containedFor());
        if (!reasons.contains(reason)) {
            report.record(prefix + "release", "", StepOutcome.skipped(role.describe() + " is contained for "
                    + describe(reasons) + ", not for " + describe(Set.of(reason)) + "; release that instead. Nothing was "
                    + "changed"), 0);
            return;
        }
        reasons.remove(reason);
        if (!reasons.isEmpty()) {
            RoleState state = new RoleState(List.copyOf(reasons), verified.state().attachedDenyAll());
            report.step(prefix + "record-state", role.tagCall(), () -> {
                StepOutcome written = RecordWriter.write(ctx, role, found.get().facts().tags(), release.binding(),
                        verified.at(), state);
                return written.status() == StepStatus.FAILED ? written : StepOutcome.done(role.describe()
                        + " stays denied: it is still contained for " + describe(reasons));
            });
            report.note("The " + role.describe() + " stays denied because it is still contained for " + describe(reasons) + ".");
            return;
        }
        Instant cutOff = release.denial().lift(found.get().policy(), verified.at(), verified.state().attachedDenyAll());
        release.removeRecord(found.get());
        if (!ctx.dryRun()) {
            release.denial().verifyLifted(cutOff, verified.state().attachedDenyAll(),
                    found.get().policy().isPresent() || !verified.state().attachedDenyAll());
        }
    }

    /** Status: the record (authenticated only), the reasons and what is in force. */
    public void status() {
        PrincipalRelease<RoleState> reader = new PrincipalRelease<>(ctx, role, prefix, RoleState.class);
        reader.status(List.of(), observed -> { });
    }

    static String describe(Set<String> reasons) {
        return String.join(", ", reasons.stream().map(r -> r.equals(RoleState.DIRECT) ? "itself (contained directly)" : r)
                .toList());
    }
}
