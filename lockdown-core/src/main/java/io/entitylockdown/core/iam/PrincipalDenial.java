package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityMismatchException;
import io.entitylockdown.core.aws.Partitions;
import io.entitylockdown.core.aws.SendSignal;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Denies everything to one user or role, first request first: the lockdown's own inline policy
 * ({@link ContainmentPolicy}) needs no prior read, so it is sent before anything else, and the lookup
 * that proves the ARN exact (and reads the record in the tags) goes out the moment it is on its way.
 *
 * <p>When the inline policy does not fit (IAM's inline size quota: 2,048 characters per user, 10,240
 * per role), the AWS managed {@code AWSDenyAll} is attached instead and the session revocation alone is
 * tried in the space left.
 */
public final class PrincipalDenial {
    private final EntityContext ctx;
    private final IamPrincipal principal;
    private final String prefix;
    private final String denyAllArn;

    /**
     * What the first wave found and did.
     *
     * @param facts           the principal as IAM has it (ARN, tags)
     * @param cutOff          sessions issued before this are denied
     * @param inlineInForce   the containment policy was written (or, in a dry run, would be)
     * @param attachedDenyAll this run attached AWSDenyAll (quota fallback), which was not attached before
     * @param denied          everything is denied now (the policy or AWSDenyAll)
     */
    public record Denied(IamPrincipal.Facts facts, Instant cutOff, boolean inlineInForce, boolean attachedDenyAll,
            boolean denied) {
    }

    public PrincipalDenial(EntityContext ctx, IamPrincipal principal, String stepPrefix) {
        this.ctx = ctx;
        this.principal = principal;
        this.prefix = stepPrefix;
        this.denyAllArn = Partitions.denyAllPolicyArn(ctx.entity().partition());
    }

    public IamPrincipal principal() {
        return principal;
    }

    /**
     * Wave 1: the containment policy first; the lookup and {@code alongside} reads start while it is
     * being sent. Empty when the principal is not there or is not exactly the ARN given; the steps say
     * why, and a policy written under a wrong path (which could deny nothing) is removed again.
     */
    public Optional<Denied> denyFirst(List<Parallel.Task> alongside) {
        ReportBuilder report = ctx.report();
        Instant cutOff = ContainmentPolicy.cutOff(ctx.now());
        String document = ContainmentPolicy.document(principal.arn(), cutOff, true);
        AtomicReference<IamPrincipal.Facts> facts = new AtomicReference<>();
        AtomicReference<Exception> lookupError = new AtomicReference<>();
        AtomicReference<Exception> putError = new AtomicReference<>();
        AtomicReference<Optional<String>> existing = new AtomicReference<>(Optional.empty());
        List<Parallel.Task> wave = new ArrayList<>();
        wave.add(() -> {
            try {
                facts.set(principal.lookup());
            } catch (Exception e) {
                lookupError.set(e);
            }
        });
        wave.addAll(alongside);
        if (ctx.dryRun()) {
            wave.add(() -> existing.set(principal.inlinePolicy(ContainmentPolicy.NAME)));
            ctx.parallel().all(report, wave);
        } else {
            SendSignal signal = new SendSignal();
            Future<?> put = ctx.parallel().start(report, () -> {
                try {
                    principal.putInline(ContainmentPolicy.NAME, document, signal::attach);
                } catch (Exception e) {
                    putError.set(e);
                } finally {
                    signal.release();
                }
            });
            signal.awaitSent();
            ctx.parallel().all(report, wave);
            ctx.parallel().join(report, List.of(put));
        }
        String step = prefix + "deny-all";
        String call = principal.call("Put", "Policy");
        if (lookupError.get() != null) {
            Exception e = lookupError.get();
            String detail = AwsErrors.isNotFound(e)
                    ? "The IAM " + principal.describe() + " does not exist; check the ARN (account, path and name). "
                            + "Nothing was changed"
                    : AwsErrors.describe(e, principal.call("Get", "")) + ". The " + principal.describe()
                            + " could not be looked up, so nothing more is done; run again";
            report.record(prefix + "find-" + (principal.isUser() ? "user" : "role"), principal.call("Get", ""),
                    StepOutcome.failed(detail), 0);
            if (putError.get() == null && !ctx.dryRun()) {
                report.record(step, call, StepOutcome.done("put " + ContainmentPolicy.NAME + " on " + principal.describe()
                        + " (it applies only if the ARN given is exact, which the failed lookup could not prove)"), 0);
            }
            return Optional.empty();
        }
        if (!facts.get().arn().equals(principal.arn())) {
            String realArn = facts.get().arn();
            String mismatch = new EntityMismatchException(principal.arn(), realArn).getMessage();
            // The put above replaced whatever stood under our name. When the real principal carries lockdown
            // records it may be contained already: deleting would lift that containment because of a typo in
            // the path, so the deny is written again for the real ARN instead (unless the guardrails protect it).
            boolean mayBeContained = !EntityRecords.keys(facts.get().tags()).isEmpty();
            Optional<String> protectedReal = mayBeContained
                    ? ctx.guardrails().refusal(io.entitylockdown.core.EntityArn.parse(realArn)) : Optional.empty();
            if (putError.get() == null && !ctx.dryRun() && mayBeContained && protectedReal.isEmpty()) {
                try {
                    principal.putInline(ContainmentPolicy.NAME, ContainmentPolicy.document(realArn, cutOff, true));
                    mismatch += " The real " + principal.describe() + " carries lockdown records, so it may be contained "
                            + "already: its " + ContainmentPolicy.NAME + " was written again for " + realArn + " (denied, "
                            + "sessions before " + cutOff + " revoked) rather than removed. Run again with that exact ARN "
                            + "to finish or check the containment";
                } catch (RuntimeException e) {
                    mismatch += " The real principal carries lockdown records and its " + ContainmentPolicy.NAME
                            + " could NOT be written again for " + realArn + " (" + AwsErrors.describe(e, call)
                            + "): contain it now with that exact ARN";
                }
            } else if (putError.get() == null && !ctx.dryRun()) {
                try {
                    principal.deleteInline(ContainmentPolicy.NAME);
                } catch (RuntimeException e) {
                    mismatch += " (the policy " + ContainmentPolicy.NAME + " written meanwhile denies nothing, being "
                            + "conditioned on the ARN given, but could not be removed: " + AwsErrors.describe(e,
                            principal.call("Delete", "Policy")) + ")";
                }
            }
            report.record(prefix + "find-" + (principal.isUser() ? "user" : "role"), principal.call("Get", ""),
                    StepOutcome.failed(mismatch), 0);
            return Optional.empty();
        }
        if (ctx.dryRun()) {
            Optional<ContainmentPolicy.Form> form = existing.get().flatMap(d -> ContainmentPolicy.parse(d, principal.arn()));
            boolean inForce = form.map(ContainmentPolicy.Form::denyAll).orElse(false);
            report.record(step, call, inForce
                    ? StepOutcome.already(ContainmentPolicy.NAME + " denies everything to " + principal.describe())
                    : StepOutcome.wouldDo("put " + ContainmentPolicy.NAME + " on " + principal.describe()
                            + ", denying everything and sessions issued before " + ContainmentPolicy.iso(cutOff)
                            + (existing.get().isPresent() ? " (a policy of that name is there but is not the lockdown's:"
                                    + " it would be replaced)" : "")), 0);
            return Optional.of(new Denied(facts.get(), cutOff, inForce, false, inForce));
        }
        if (putError.get() == null) {
            report.record(step, call, StepOutcome.done("put " + ContainmentPolicy.NAME + " on " + principal.describe()
                    + ": everything is denied, and sessions issued before " + ContainmentPolicy.iso(cutOff)
                    + " stay denied after release"), 0);
            return Optional.of(new Denied(facts.get(), cutOff, true, false, true));
        }
        if ("LimitExceeded".equals(AwsErrors.code(putError.get()))) {
            return Optional.of(fallback(facts.get(), cutOff, step));
        }
        report.record(step, call, StepOutcome.failed(AwsErrors.describe(putError.get(), call)), 0);
        return Optional.of(new Denied(facts.get(), cutOff, false, false, false));
    }

    /** The inline quota is full: attach AWSDenyAll, and put the revocation alone if it fits. */
    private Denied fallback(IamPrincipal.Facts facts, Instant cutOff, String step) {
        ReportBuilder report = ctx.report();
        AtomicReference<Boolean> attachedByUs = new AtomicReference<>(false);
        var attach = report.step(step, principal.call("Attach", "Policy"), () -> {
            if (principal.attachedPolicies().contains(denyAllArn)) {
                return StepOutcome.already("the inline policy quota of " + principal.describe() + " is full "
                        + "(LimitExceeded), and AWSDenyAll is attached to it already");
            }
            principal.attach(denyAllArn);
            attachedByUs.set(true);
            return StepOutcome.done("the inline policy quota of " + principal.describe() + " is full (LimitExceeded on "
                    + principal.call("Put", "Policy") + "); attached " + denyAllArn + " instead");
        });
        boolean denied = attach.status() != io.entitylockdown.core.report.StepStatus.FAILED;
        var revoke = report.step(prefix + "revoke-older-sessions", principal.call("Put", "Policy"), () -> {
            principal.putInline(ContainmentPolicy.NAME, ContainmentPolicy.document(principal.arn(), cutOff, false));
            return StepOutcome.done("put the session revocation alone as " + ContainmentPolicy.NAME + " on "
                    + principal.describe() + ": sessions issued before " + ContainmentPolicy.iso(cutOff) + " stay denied "
                    + "after release");
        });
        if (revoke.status() == io.entitylockdown.core.report.StepStatus.FAILED) {
            report.note("Sessions of " + principal.describe() + " issued before the containment are denied only while "
                    + "AWSDenyAll is attached: the inline quota has no room for the lasting revocation. Before "
                    + "releasing, free inline policy space and contain again.");
        }
        return new Denied(facts, cutOff, revoke.status() != io.entitylockdown.core.report.StepStatus.FAILED,
                attachedByUs.get(), denied);
    }

    /** Read-back after containment: the policy is exactly the lockdown's (or AWSDenyAll is attached). */
    public void verify(Denied denied) {
        ReportBuilder report = ctx.report();
        String what = principal.describe();
        if (denied.inlineInForce() && !denied.attachedDenyAll()) {
            report.verify("everything denied to " + what + ", older sessions revoked", () -> {
                Optional<ContainmentPolicy.Form> form = principal.inlinePolicy(ContainmentPolicy.NAME)
                        .flatMap(d -> ContainmentPolicy.parse(d, principal.arn()));
                if (form.isEmpty()) {
                    return Verdict.fail(ContainmentPolicy.NAME + " is missing or is not the lockdown's document");
                }
                boolean ok = form.get().denyAll() && !form.get().cutOff().isBefore(denied.cutOff());
                return Verdict.of(ok, ContainmentPolicy.NAME + (form.get().denyAll() ? " denies everything" : " no "
                        + "longer denies everything") + " and sessions issued before "
                        + ContainmentPolicy.iso(form.get().cutOff()));
            });
            return;
        }
        report.verify("everything denied to " + what, () -> {
            boolean attached = principal.attachedPolicies().contains(denyAllArn);
            return Verdict.of(attached, attached ? "AWSDenyAll attached" : "AWSDenyAll not attached");
        });
        if (denied.inlineInForce()) {
            report.verify("older sessions of " + what + " revoked", () -> {
                Optional<ContainmentPolicy.Form> form = principal.inlinePolicy(ContainmentPolicy.NAME)
                        .flatMap(d -> ContainmentPolicy.parse(d, principal.arn()));
                return Verdict.of(form.isPresent() && !form.get().cutOff().isBefore(denied.cutOff()),
                        form.map(f -> "sessions issued before " + ContainmentPolicy.iso(f.cutOff()) + " denied")
                                .orElse(ContainmentPolicy.NAME + " missing or not the lockdown's document"));
            });
        }
    }

    /**
     * Release: the containment policy keeps only the session revocation (the record proves the
     * lockdown put it), and AWSDenyAll is detached when the record says containment attached it.
     *
     * @param current    the policy document read before, if any
     * @param recordedAt the record's containment time, the cut-off when the live policy is not the lockdown's
     * @return the cut-off the revocation keeps
     */
    public Instant lift(Optional<String> current, Instant recordedAt, boolean attachedByContainment) {
        ReportBuilder report = ctx.report();
        Optional<ContainmentPolicy.Form> form = current.flatMap(d -> ContainmentPolicy.parse(d, principal.arn()));
        Instant cutOff = form.map(ContainmentPolicy.Form::cutOff).orElse(ContainmentPolicy.cutOff(recordedAt));
        List<Parallel.Task> tasks = new ArrayList<>();
        tasks.add(() -> report.step(prefix + "lift-deny-all", principal.call("Put", "Policy"), () -> {
            if (current.isEmpty() && attachedByContainment) {
                return StepOutcome.skipped("there is no " + ContainmentPolicy.NAME + " on " + principal.describe()
                        + ": containment denied it with AWSDenyAll because the inline quota had no room");
            }
            if (form.isPresent() && !form.get().denyAll()) {
                return StepOutcome.already(ContainmentPolicy.NAME + " on " + principal.describe()
                        + " no longer denies everything (only sessions issued before " + ContainmentPolicy.iso(cutOff) + ")");
            }
            String was = form.isPresent() ? "" : current.isPresent()
                    ? " (the policy of that name was not the lockdown's document; replaced)" : " (it was missing)";
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("reduce " + ContainmentPolicy.NAME + " on " + principal.describe()
                        + " to the session revocation" + was);
            }
            principal.putInline(ContainmentPolicy.NAME, ContainmentPolicy.document(principal.arn(), cutOff, false));
            return StepOutcome.done(ContainmentPolicy.NAME + " on " + principal.describe() + " no longer denies "
                    + "everything; it keeps denying sessions issued before " + ContainmentPolicy.iso(cutOff) + was);
        }));
        if (attachedByContainment) {
            tasks.add(() -> report.step(prefix + "detach-deny-all", principal.call("Detach", "Policy"), () -> {
                if (!principal.attachedPolicies().contains(denyAllArn)) {
                    return StepOutcome.already("AWSDenyAll is not attached to " + principal.describe());
                }
                if (ctx.dryRun()) {
                    return StepOutcome.wouldDo("detach AWSDenyAll from " + principal.describe());
                }
                principal.detach(denyAllArn);
                return StepOutcome.done("detached AWSDenyAll from " + principal.describe()
                        + " (containment attached it when the inline quota was full)");
            }));
        }
        ctx.parallel().all(report, tasks);
        report.note("Kept the session revocation in " + ContainmentPolicy.NAME + " on " + principal.describe()
                + ": sessions issued before " + ContainmentPolicy.iso(cutOff) + " stay denied, so stolen sessions do "
                + "not come back. Delete the policy by hand only when no stolen session can remain (role sessions last "
                + "at most 12 hours, user sessions at most 36).");
        return cutOff;
    }

    /** Read-back after release; the policy is checked when there was one to reduce ({@code hadPolicy}). */
    public void verifyLifted(Instant cutOff, boolean attachedByContainment, boolean hadPolicy) {
        ReportBuilder report = ctx.report();
        List<Parallel.Task> checks = new ArrayList<>();
        if (hadPolicy) {
            checks.add(() -> report.verify("deny-all lifted from " + principal.describe(), () -> {
                Optional<ContainmentPolicy.Form> form = principal.inlinePolicy(ContainmentPolicy.NAME)
                        .flatMap(d -> ContainmentPolicy.parse(d, principal.arn()));
                return Verdict.of(form.isPresent() && !form.get().denyAll(), form.map(f -> f.denyAll()
                        ? "still denies everything" : "only sessions issued before " + ContainmentPolicy.iso(f.cutOff())
                        + " are denied").orElse(ContainmentPolicy.NAME + " missing or not the lockdown's document"));
            }));
        }
        if (attachedByContainment) {
            checks.add(() -> report.verify("AWSDenyAll detached from " + principal.describe(), () -> {
                boolean attached = principal.attachedPolicies().contains(denyAllArn);
                return Verdict.of(!attached, attached ? "still attached" : "not attached");
            }));
        }
        ctx.parallel().all(report, checks);
    }

    /** What is in force now, for status and for manual release steps. */
    public Observed observe(Optional<String> policy) {
        Optional<ContainmentPolicy.Form> form = policy.flatMap(d -> ContainmentPolicy.parse(d, principal.arn()));
        boolean awsDenyAll = principal.attachedPolicies().contains(denyAllArn);
        return new Observed(policy.isPresent(), form, awsDenyAll);
    }

    /**
     * What is in force.
     *
     * @param policyPresent a policy named {@value ContainmentPolicy#NAME} exists
     * @param form          what it says, when it is exactly the lockdown's
     * @param awsDenyAll    AWSDenyAll is attached
     */
    public record Observed(boolean policyPresent, Optional<ContainmentPolicy.Form> form, boolean awsDenyAll) {
        public String describe() {
            String policy = form.map(f -> f.denyAll()
                    ? ContainmentPolicy.NAME + " denies everything and sessions issued before " + ContainmentPolicy.iso(f.cutOff())
                    : ContainmentPolicy.NAME + " denies sessions issued before " + ContainmentPolicy.iso(f.cutOff()) + " only")
                    .orElse(policyPresent ? "a policy named " + ContainmentPolicy.NAME + " that is NOT the lockdown's "
                            + "document" : "no " + ContainmentPolicy.NAME);
            return policy + "; AWSDenyAll " + (awsDenyAll ? "attached" : "not attached");
        }

        public boolean denied() {
            return awsDenyAll || form.map(ContainmentPolicy.Form::denyAll).orElse(false);
        }
    }
}
