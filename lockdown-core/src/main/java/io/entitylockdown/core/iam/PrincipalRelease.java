package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityMismatchException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.aws.Partitions;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.record.RecordWriter;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Reads a user's or role's record for release and status, and does what both share: the lookup
 * (which proves the ARN exact), the refusal to restore anything without an authenticated record, and
 * the removal of the record at the end.
 */
public final class PrincipalRelease<T> {
    private final EntityContext ctx;
    private final IamPrincipal principal;
    private final String prefix;
    private final Class<T> stateType;
    private final PrincipalDenial denial;
    private final RecordBinding binding;

    /**
     * What release found.
     *
     * @param facts   the principal as IAM has it
     * @param reading its record
     * @param policy  the document of the policy named {@value ContainmentPolicy#NAME}, if any
     */
    public record Found<T>(IamPrincipal.Facts facts, RecordReading<T> reading, Optional<String> policy) {
        public Optional<RecordReading.Verified<T>> verified() {
            return reading.verified();
        }
    }

    public PrincipalRelease(EntityContext ctx, IamPrincipal principal, String prefix, Class<T> stateType) {
        this.ctx = ctx;
        this.principal = principal;
        this.prefix = prefix;
        this.stateType = stateType;
        this.denial = new PrincipalDenial(ctx, principal, prefix);
        this.binding = RecordBinding.of(io.entitylockdown.core.EntityArn.parse(principal.arn()));
    }

    public PrincipalDenial denial() {
        return denial;
    }

    public RecordBinding binding() {
        return binding;
    }

    /** One wave: the lookup, the containment policy and {@code alongside}; empty (with a failed step) when not found. */
    public Optional<Found<T>> read(List<Parallel.Task> alongside) {
        ReportBuilder report = ctx.report();
        AtomicReference<IamPrincipal.Facts> facts = new AtomicReference<>();
        AtomicReference<Exception> error = new AtomicReference<>();
        AtomicReference<Optional<String>> policy = new AtomicReference<>(Optional.empty());
        List<Parallel.Task> wave = new ArrayList<>();
        wave.add(() -> {
            try {
                facts.set(principal.lookup());
            } catch (Exception e) {
                error.set(e);
            }
        });
        wave.add(() -> policy.set(principal.inlinePolicy(ContainmentPolicy.NAME)));
        wave.addAll(alongside);
        ctx.parallel().all(report, wave);
        String findStep = prefix + "find-" + (principal.isUser() ? "user" : "role");
        if (error.get() != null) {
            report.record(findStep, principal.call("Get", ""), StepOutcome.failed(AwsErrors.isNotFound(error.get())
                    ? "The IAM " + principal.describe() + " does not exist; check the ARN (account, path and name). "
                            + "Nothing was changed"
                    : AwsErrors.describe(error.get(), principal.call("Get", "")) + "; nothing was changed"), 0);
            return Optional.empty();
        }
        if (!facts.get().arn().equals(principal.arn())) {
            report.record(findStep, principal.call("Get", ""), StepOutcome.failed(
                    new EntityMismatchException(principal.arn(), facts.get().arn()).getMessage()), 0);
            return Optional.empty();
        }
        RecordReading<T> reading = EntityRecords.read(facts.get().tags(), ctx.recordKey(), binding, stateType);
        return Optional.of(new Found<>(facts.get(), reading, policy.get()));
    }

    /**
     * Release without an authenticated record: nothing is restored (a deny the lockdown cannot prove it
     * added is never removed), the outcome is failed, and the note gives the manual steps.
     */
    public void cannotRestore(Found<T> found, List<String> extraManualSteps) {
        ReportBuilder report = ctx.report();
        String why = found.reading() instanceof RecordReading.Unverified<T> unverified
                ? RecordWriter.unverifiedNote(principal.describe(), unverified)
                : principal.describe() + " carries no lockdown record";
        PrincipalDenial.Observed observed;
        try {
            observed = denial.observe(found.policy());
        } catch (RuntimeException e) {
            observed = null;
        }
        // A revocation left by an earlier release is the released state; a deny in force or a look-alike is not.
        boolean looksContained = observed == null || observed.denied()
                || observed.policyPresent() && observed.form().isEmpty();
        if (!looksContained && found.reading() instanceof RecordReading.Missing<T>) {
            String notContained = principal.describe() + " is not contained by Entity Lockdown (no record, no "
                    + ContainmentPolicy.NAME + "); nothing was changed";
            report.record(prefix + "release", "", StepOutcome.skipped(notContained), 0);
            report.note("Nothing to release: " + notContained + ".");
            return;
        }
        report.record(prefix + "release", "", StepOutcome.failed(why + ". Nothing was restored: without an "
                + "authenticated record the lockdown cannot prove what it changed, and it never removes a deny it "
                + "cannot prove it added. Follow the manual steps in the notes"), 0);
        List<String> steps = new ArrayList<>();
        String kind = principal.isUser() ? "user" : "role";
        String name = Shell.quote(principal.name());
        if (observed != null) {
            if (observed.form().map(ContainmentPolicy.Form::denyAll).orElse(false)) {
                steps.add("lift the deny and keep the session revocation: aws iam put-" + kind + "-policy --" + kind
                        + "-name " + name + " --policy-name " + ContainmentPolicy.NAME + " --policy-document "
                        + Shell.quote(ContainmentPolicy.document(principal.arn(), observed.form().get().cutOff(), false)));
            } else if (observed.policyPresent() && observed.form().isEmpty()) {
                steps.add("read the policy " + ContainmentPolicy.NAME + " (it is not the lockdown's document) and "
                        + "decide: aws iam get-" + kind + "-policy --" + kind + "-name " + name + " --policy-name "
                        + ContainmentPolicy.NAME);
            }
            if (observed.awsDenyAll()) {
                steps.add("only if you know AWSDenyAll was attached by a containment and not by an administrator: "
                        + "aws iam detach-" + kind + "-policy --" + kind + "-name " + name + " --policy-arn "
                        + Partitions.denyAllPolicyArn(ctx.entity().partition()));
            }
        }
        steps.addAll(extraManualSteps);
        var tagKeys = EntityRecords.keys(found.facts().tags());
        if (!tagKeys.isEmpty()) {
            steps.add("then remove the lockdown tags: aws iam untag-" + kind + " --" + kind + "-name " + name
                    + " --tag-keys " + String.join(" ", tagKeys.stream().map(Shell::quote).toList()));
        }
        report.note("Manual release of " + principal.describe() + ": " + String.join("; ", steps) + ".");
    }

    /** Removes the record once every restore step succeeded; keeps it when one failed (a re-run needs it). */
    public void removeRecord(Found<T> found) {
        ReportBuilder report = ctx.report();
        report.step(prefix + "remove-record", principal.untagCall(), () -> {
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("remove the lockdown: tags from " + principal.describe());
            }
            if (report.anyFailed()) {
                return StepOutcome.skipped("kept, because a step above failed: the record is still needed; run the "
                        + "release again once the cause is fixed");
            }
            return StepOutcome.done("removed " + RecordWriter.remove(principal, found.facts().tags())
                    + " lockdown: tags from " + principal.describe());
        });
        if (!ctx.dryRun() && !report.anyFailed()) {
            report.verify("lockdown: tags removed from " + principal.describe(), () -> {
                var left = EntityRecords.keys(principal.tags());
                return Verdict.of(left.isEmpty(), left.isEmpty() ? "none left" : "left: " + left);
            });
        }
    }

    /** Status: the record (only when authenticated) and what is in force. */
    public void status(List<Parallel.Task> alongside, Consumer<ObjectNode> moreObserved) {
        ReportBuilder report = ctx.report();
        Optional<Found<T>> found = read(alongside);
        if (found.isEmpty()) {
            return;
        }
        report.step("read-status", principal.call("Get", ""), () -> {
            ObjectNode observed = Json.mapper().createObjectNode();
            PrincipalDenial.Observed now = denial.observe(found.get().policy());
            observed.put("containmentPolicy", now.describe());
            observed.put("awsDenyAllAttached", now.awsDenyAll());
            now.form().ifPresent(f -> observed.put("sessionsRevokedBefore", ContainmentPolicy.iso(f.cutOff())));
            moreObserved.accept(observed);
            return describe(report, found.get().reading(), observed, principal.describe());
        });
    }

    /** Puts a reading and what is observed into a status report; shared by every strategy. */
    public static StepOutcome describe(ReportBuilder report, RecordReading<?> reading, ObjectNode observed, String what) {
        report.state("contained", reading.isVerified());
        reading.verified().ifPresent(v -> {
            report.state("containedAt", v.at().toString());
            report.state("recorded", v.json());
        });
        if (reading instanceof RecordReading.Unverified<?> unverified) {
            report.state("unauthenticatedTags", unverified.tags());
            report.note(RecordWriter.unverifiedNote(what, unverified) + ".");
        }
        report.state("observed", observed);
        if (reading instanceof RecordReading.Unverified<?> unverified) {
            return StepOutcome.done("no authenticated record: " + unverified.tags() + " lockdown: tag(s) could not be "
                    + "authenticated and are not reported");
        }
        return StepOutcome.done(reading.verified().map(v -> "contained since " + v.at())
                .orElse("not contained (no lockdown record)"));
    }
}
