package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Partitions;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.iam.model.IamException;

/**
 * Denies everything to one user or role: the partition's {@code AWSDenyAll}, or the equivalent inline
 * deny when the managed-policy quota is full, plus the inline deny on sessions issued before
 * containment. Releases exactly what it recorded and keeps the session revocation.
 */
public final class PrincipalDenial {
    /** State key: true when containment attaches AWSDenyAll (it was not attached before), so release detaches it. */
    public static final String ATTACHED_DENY_ALL = "attachedDenyAll";
    /** State key: true when containment put the inline deny-all because the managed-policy quota was full. */
    public static final String PUT_INLINE_DENY_ALL = "putInlineDenyAll";

    private final IamPrincipal principal;
    private final String denyAllArn;

    public PrincipalDenial(IamPrincipal principal, String partition) {
        this.principal = principal;
        this.denyAllArn = Partitions.denyAllPolicyArn(partition);
    }

    /** The prior state release needs. */
    public ObjectNode observe() {
        ObjectNode state = Json.mapper().createObjectNode();
        state.put(ATTACHED_DENY_ALL, !principal.attachedPolicies().contains(denyAllArn));
        state.put(PUT_INLINE_DENY_ALL, false);
        return state;
    }

    /** Step: attach AWSDenyAll, falling back to the inline deny when the managed-policy quota is full. */
    public void denyAll(ReportBuilder report, String step, boolean dryRun) {
        report.step(step, principal.call("Attach", "Policy"), () -> {
            if (principal.attachedPolicies().contains(denyAllArn)) {
                return StepOutcome.already("AWSDenyAll is attached to " + principal.describe());
            }
            if (inlineDenyAllPresent()) {
                return StepOutcome.already("the inline deny " + DenyPolicies.DENY_ALL_NAME + " is on " + principal.describe());
            }
            if (dryRun) {
                return StepOutcome.wouldDo("attach " + denyAllArn + " to " + principal.describe());
            }
            try {
                principal.attach(denyAllArn);
                return StepOutcome.done("attached " + denyAllArn + " to " + principal.describe());
            } catch (IamException e) {
                if (!"LimitExceeded".equals(AwsErrors.code(e))) {
                    throw e;
                }
            }
            principal.putInline(DenyPolicies.DENY_ALL_NAME, DenyPolicies.denyAll());
            return StepOutcome.done("the managed-policy quota of " + principal.describe() + " is full (LimitExceeded on "
                    + principal.call("Attach", "Policy") + "); put the equivalent inline deny " + DenyPolicies.DENY_ALL_NAME
                    + " instead" + recordInlineFallback());
        });
    }

    /** Step: deny sessions issued before the cut-off; an existing revocation at or after it is kept. */
    public void revokeOlderSessions(ReportBuilder report, String step, Instant cutOff, boolean dryRun) {
        report.step(step, principal.call("Put", "Policy"), () -> {
            Optional<Instant> existing = revokedBefore();
            if (existing.isPresent() && !existing.get().isBefore(cutOff)) {
                return StepOutcome.already("sessions of " + principal.describe() + " issued before "
                        + DenyPolicies.iso(existing.get()) + " are denied (" + DenyPolicies.REVOKE_NAME + ")");
            }
            String moved = existing.map(t -> " (it cut off at " + DenyPolicies.iso(t) + " before)").orElse("");
            if (dryRun) {
                return StepOutcome.wouldDo("put " + DenyPolicies.REVOKE_NAME + " on " + principal.describe()
                        + ", denying sessions issued before " + DenyPolicies.iso(cutOff) + moved);
            }
            principal.putInline(DenyPolicies.REVOKE_NAME, DenyPolicies.revokeOlderSessions(cutOff));
            return StepOutcome.done("put " + DenyPolicies.REVOKE_NAME + " on " + principal.describe()
                    + ": sessions issued before " + DenyPolicies.iso(cutOff) + " are denied" + moved);
        });
    }

    /** Read-back checks after containment. */
    public void verify(ReportBuilder report, Instant cutOff) {
        try {
            boolean managed = principal.attachedPolicies().contains(denyAllArn);
            boolean inline = inlineDenyAllPresent();
            report.check("deny-all on " + principal.describe(), managed || inline,
                    managed ? "AWSDenyAll attached" : inline ? "inline " + DenyPolicies.DENY_ALL_NAME + " present"
                            : "neither AWSDenyAll nor " + DenyPolicies.DENY_ALL_NAME + " found");
        } catch (RuntimeException e) {
            report.check("deny-all on " + principal.describe(), false, "could not read back: " + AwsErrors.describe(e, ""));
        }
        try {
            Optional<Instant> revoked = revokedBefore();
            report.check("older sessions of " + principal.describe() + " revoked",
                    revoked.isPresent() && !revoked.get().isBefore(cutOff),
                    revoked.map(t -> DenyPolicies.REVOKE_NAME + " denies sessions issued before " + DenyPolicies.iso(t))
                            .orElse(DenyPolicies.REVOKE_NAME + " missing or not a revocation"));
        } catch (RuntimeException e) {
            report.check("older sessions of " + principal.describe() + " revoked", false,
                    "could not read back: " + AwsErrors.describe(e, ""));
        }
    }

    /**
     * Steps: undo the deny-all as recorded. The inline deny-all is removed whenever present, even when a
     * concurrent run's record lost the fallback flag: only Entity Lockdown writes a policy of that name.
     * The session revocation is kept (a note says so).
     */
    public void release(ReportBuilder report, String prefix, ObjectNode state, boolean dryRun) {
        boolean attachedByUs = state.path(ATTACHED_DENY_ALL).asBoolean(false);
        boolean inlineByUs = state.path(PUT_INLINE_DENY_ALL).asBoolean(false);
        report.step(prefix + "detach-deny-all", principal.call("Detach", "Policy"), () -> {
            if (!attachedByUs) {
                return StepOutcome.skipped(inlineByUs
                        ? "containment used the inline deny instead of AWSDenyAll"
                        : "AWSDenyAll was attached to " + principal.describe() + " before containment; left in place");
            }
            if (!principal.attachedPolicies().contains(denyAllArn)) {
                return StepOutcome.already("AWSDenyAll is not attached to " + principal.describe());
            }
            if (dryRun) {
                return StepOutcome.wouldDo("detach AWSDenyAll from " + principal.describe());
            }
            principal.detach(denyAllArn);
            return StepOutcome.done("detached AWSDenyAll from " + principal.describe());
        });
        report.step(prefix + "delete-inline-deny-all", principal.call("Delete", "Policy"), () -> {
            if (principal.inlinePolicy(DenyPolicies.DENY_ALL_NAME).isEmpty()) {
                return inlineByUs
                        ? StepOutcome.already("the inline " + DenyPolicies.DENY_ALL_NAME + " is gone from " + principal.describe())
                        : StepOutcome.skipped("containment did not put an inline deny on " + principal.describe());
            }
            if (dryRun) {
                return StepOutcome.wouldDo("delete the inline " + DenyPolicies.DENY_ALL_NAME + " from " + principal.describe());
            }
            principal.deleteInline(DenyPolicies.DENY_ALL_NAME);
            return StepOutcome.done("deleted the inline " + DenyPolicies.DENY_ALL_NAME + " from " + principal.describe());
        });
        report.note("Kept " + DenyPolicies.REVOKE_NAME + " on " + principal.describe() + ": sessions issued before "
                + "containment stay denied, so stolen sessions do not come back. Delete it by hand only when no "
                + "stolen session can remain (role sessions last at most 12 hours, user sessions at most 36).");
    }

    /** Read-back checks after release: the deny-all we put is gone. */
    public void verifyReleased(ReportBuilder report, ObjectNode state) {
        try {
            if (state.path(ATTACHED_DENY_ALL).asBoolean(false)) {
                boolean attached = principal.attachedPolicies().contains(denyAllArn);
                report.check("AWSDenyAll detached from " + principal.describe(), !attached,
                        attached ? "still attached" : "not attached");
            }
            boolean inline = principal.inlinePolicy(DenyPolicies.DENY_ALL_NAME).isPresent();
            report.check("inline deny-all gone from " + principal.describe(), !inline, inline ? "still present" : "absent");
        } catch (RuntimeException e) {
            report.check("deny-all removed from " + principal.describe(), false, "could not read back: "
                    + AwsErrors.describe(e, ""));
        }
    }

    /** What is in force now, for status. */
    public ObjectNode observed() {
        ObjectNode now = Json.mapper().createObjectNode();
        now.put("awsDenyAllAttached", principal.attachedPolicies().contains(denyAllArn));
        now.put("inlineDenyAllPresent", inlineDenyAllPresent());
        revokedBefore().ifPresent(t -> now.put("sessionsRevokedBefore", DenyPolicies.iso(t)));
        return now;
    }

    private boolean inlineDenyAllPresent() {
        return principal.inlinePolicy(DenyPolicies.DENY_ALL_NAME).map(DenyPolicies::deniesEverything).orElse(false);
    }

    private Optional<Instant> revokedBefore() {
        return principal.inlinePolicy(DenyPolicies.REVOKE_NAME).flatMap(DenyPolicies::revokedBefore);
    }

    /**
     * The record said "we attach AWSDenyAll"; it becomes "we put the inline deny". The deny is in force
     * either way, so a failure here is reported in the step's detail rather than failing the step.
     */
    private String recordInlineFallback() {
        try {
            Optional<StateTags.Recorded> recorded = StateTags.decode(principal.tags());
            if (recorded.isEmpty()) {
                return "";
            }
            ObjectNode state = recorded.get().state();
            state.put(ATTACHED_DENY_ALL, false);
            state.put(PUT_INLINE_DENY_ALL, true);
            ContainmentRecord.rewrite(principal, recorded.get().containedAt(), state);
            return "";
        } catch (RuntimeException e) {
            return " (the record could not be updated: " + AwsErrors.describe(e, principal.tagCall())
                    + "; release removes the inline deny anyway, by its name)";
        }
    }
}
