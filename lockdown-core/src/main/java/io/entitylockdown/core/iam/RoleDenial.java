package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Denies a role for a reason: because it was contained itself ({@link #DIRECT}) or because a Lambda
 * function that runs as it was contained (the function's ARN). The role records every reason in
 * {@code containedFor}; releasing one reason keeps the role denied while another remains, so
 * releasing a function does not release a role that was also contained directly, and vice versa.
 */
public final class RoleDenial {
    public static final String CONTAINED_FOR = "containedFor";
    /** The reason recorded when the role itself was contained. */
    public static final String DIRECT = "direct";

    private final IamPrincipal role;
    private final PrincipalDenial denial;

    public RoleDenial(IamPrincipal role, String partition) {
        if (role.isUser()) {
            throw new IllegalArgumentException("RoleDenial needs a role, not " + role.describe());
        }
        this.role = role;
        this.denial = new PrincipalDenial(role, partition);
    }

    /**
     * Steps: find the role, record the prior state and the reason, deny everything, revoke older
     * sessions. Returns the revocation cut-off (the role's first containment), or empty when the role
     * could not be found.
     */
    public Optional<Instant> contain(ReportBuilder report, String prefix, String reason, Instant cutOff, boolean dryRun) {
        if (!EntityLookup.found(report, prefix + "find-role", "iam:GetRole", role::requireExists,
                "The IAM role " + role.name())) {
            return Optional.empty();
        }
        ContainmentRecord.Plan[] plan = new ContainmentRecord.Plan[1];
        report.step(prefix + "record-state", role.tagCall(), () -> {
            plan[0] = ContainmentRecord.plan(role, () -> {
                ObjectNode state = denial.observe();
                state.putArray(CONTAINED_FOR).add(reason);
                return state;
            }, cutOff);
            return ContainmentRecord.write(role, plan[0], dryRun);
        });
        Instant revokeBefore = plan[0] == null ? cutOff : plan[0].containedAt();
        denial.denyAll(report, prefix + "deny-all", dryRun);
        denial.revokeOlderSessions(report, prefix + "revoke-older-sessions", revokeBefore, dryRun);
        return Optional.of(revokeBefore);
    }

    public void verify(ReportBuilder report, Instant revokeBefore) {
        denial.verify(report, revokeBefore);
    }

    /**
     * Steps: drop this reason from the role's record; when none remains, undo the deny-all and remove
     * the marker. A role without a marker, or contained for other reasons only, is left as it is.
     */
    public void release(ReportBuilder report, String prefix, String reason, boolean dryRun) {
        Optional<StateTags.Recorded> recorded;
        try {
            recorded = StateTags.decode(role.tags());
        } catch (RuntimeException e) {
            report.record(prefix + "read-state", role.call("List", "Tags"),
                    StepOutcome.failed(AwsErrors.describe(e, role.call("List", "Tags")) + "; the role was left as it is"), 0);
            return;
        }
        if (recorded.isEmpty()) {
            String notContained = role.describe() + " carries no " + StateTags.CONTAINED_AT
                    + " tag: it is not contained by Entity Lockdown; nothing was changed";
            report.record(prefix + "release", "", StepOutcome.skipped(notContained), 0);
            report.note("Nothing to release: " + notContained + ".");
            return;
        }
        ObjectNode state = recorded.get().state();
        Set<String> reasons = reasons(state);
        if (!reasons.contains(reason)) {
            report.record(prefix + "release", "", StepOutcome.skipped(role.describe() + " is contained for "
                    + describe(reasons) + ", not for " + describe(Set.of(reason)) + "; release that instead. Nothing was changed"), 0);
            return;
        }
        reasons.remove(reason);
        if (!reasons.isEmpty()) {
            ArrayNode remaining = state.putArray(CONTAINED_FOR);
            reasons.forEach(remaining::add);
            report.step(prefix + "record-state", role.tagCall(), () -> {
                if (dryRun) {
                    return StepOutcome.wouldDo("keep " + role.describe() + " denied for " + describe(reasons));
                }
                ContainmentRecord.rewrite(role, recorded.get().containedAt(), state);
                return StepOutcome.done(role.describe() + " stays denied: it is still contained for " + describe(reasons));
            });
            report.note("The " + role.describe() + " stays denied because it is still contained for " + describe(reasons) + ".");
            return;
        }
        denial.release(report, prefix, state, dryRun);
        report.step(prefix + "remove-marker", role.untagCall(), () -> {
            if (dryRun) {
                return StepOutcome.wouldDo("remove the lockdown: tags from " + role.describe());
            }
            int removed = ContainmentRecord.remove(role);
            return StepOutcome.done("removed " + removed + " lockdown: tags from " + role.describe());
        });
        if (!dryRun) {
            denial.verifyReleased(report, state);
            ContainmentRecord.checkRemoved(report, role);
        }
    }

    /** Status: the role's record and what is in force. */
    public ObjectNode observed() {
        return denial.observed();
    }

    /** The reasons a role is contained for; a marker without the list predates it and counts as direct. */
    public static Set<String> reasons(ObjectNode state) {
        Set<String> reasons = new LinkedHashSet<>();
        JsonNode list = state.get(CONTAINED_FOR);
        if (list instanceof ArrayNode array) {
            array.forEach(n -> reasons.add(n.asText()));
        } else {
            reasons.add(DIRECT);
        }
        return reasons;
    }

    private static String describe(Set<String> reasons) {
        List<String> words = reasons.stream().map(r -> r.equals(DIRECT) ? "itself (contained directly)" : r).toList();
        return String.join(", ", words);
    }
}
