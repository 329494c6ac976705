package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.StatusType;

/**
 * Contains an IAM user: deny everything, deactivate every active access key, revoke sessions issued
 * before containment. The access keys matter beyond the deny: a key that is inactive cannot sign at
 * all, so it stays dead even after the deny-all is released.
 */
public final class IamUserLockdown implements ContainmentStrategy {
    /** State key: the ids of the access keys containment deactivated. */
    public static final String DEACTIVATED_KEYS = "deactivatedKeys";

    @Override
    public EntityType type() {
        return EntityType.IAM_USER;
    }

    @Override
    public Set<String> permissions() {
        return Set.of("iam:GetUser", "iam:ListUserTags", "iam:TagUser", "iam:UntagUser",
                "iam:ListAttachedUserPolicies", "iam:AttachUserPolicy", "iam:DetachUserPolicy",
                "iam:GetUserPolicy", "iam:PutUserPolicy", "iam:DeleteUserPolicy",
                "iam:ListAccessKeys", "iam:UpdateAccessKey");
    }

    @Override
    public void contain(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        IamClient iam = ctx.session().iam();
        IamPrincipal user = IamPrincipal.of(ctx.entity(), iam);
        if (!EntityLookup.found(report, "find-user", "iam:GetUser", user::requireExists, "The IAM user " + user.name())) {
            return;
        }
        PrincipalDenial denial = new PrincipalDenial(user, ctx.entity().partition());
        Instant cutOff = DenyPolicies.cutOff(ctx.now());
        ContainmentRecord.Plan[] plan = new ContainmentRecord.Plan[1];
        report.step("record-state", user.tagCall(), () -> {
            plan[0] = ContainmentRecord.plan(user, () -> {
                ObjectNode state = denial.observe();
                ArrayNode keys = state.putArray(DEACTIVATED_KEYS);
                activeKeys(iam, user.name()).forEach(keys::add);
                return state;
            }, cutOff);
            return ContainmentRecord.write(user, plan[0], ctx.dryRun());
        });
        if (plan[0] == null) {
            report.note("The prior state of " + user.describe() + " could not be recorded; containment went ahead. "
                    + "Release will not know what to undo: use this report to undo it by hand.");
        }
        Instant revokeBefore = plan[0] == null ? cutOff : plan[0].containedAt();
        denial.denyAll(report, "deny-all", ctx.dryRun());
        report.step("deactivate-access-keys", "iam:UpdateAccessKey", () -> deactivateKeys(iam, user.name(), ctx.dryRun()));
        denial.revokeOlderSessions(report, "revoke-older-sessions", revokeBefore, ctx.dryRun());
        if (!ctx.dryRun()) {
            denial.verify(report, revokeBefore);
            checkKeys(report, iam, user.name(), null, StatusType.INACTIVE);
        }
    }

    @Override
    public void release(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        IamClient iam = ctx.session().iam();
        IamPrincipal user = IamPrincipal.of(ctx.entity(), iam);
        if (!EntityLookup.found(report, "find-user", "iam:GetUser", user::requireExists, "The IAM user " + user.name())) {
            return;
        }
        Optional<StateTags.Recorded> recorded = readRecord(report, user);
        if (recorded == null) {
            return;
        }
        if (recorded.isEmpty()) {
            report.record("release", "", StepOutcome.skipped(notContained(user)), 0);
            report.note("Nothing to release: " + notContained(user) + ".");
            return;
        }
        ObjectNode state = recorded.get().state();
        PrincipalDenial denial = new PrincipalDenial(user, ctx.entity().partition());
        denial.release(report, "", state, ctx.dryRun());
        List<String> keys = new ArrayList<>();
        state.path(DEACTIVATED_KEYS).forEach(n -> keys.add(n.asText()));
        if (ctx.options().reactivateKeys()) {
            report.step("reactivate-access-keys", "iam:UpdateAccessKey", () -> reactivateKeys(iam, user.name(), keys, ctx.dryRun()));
        } else if (!keys.isEmpty()) {
            report.record("reactivate-access-keys", "", StepOutcome.skipped("left " + keys.size()
                    + " access key(s) inactive " + keys + ": they may be stolen. Rotate them, or release again "
                    + "asking to reactivate keys"), 0);
        }
        report.step("remove-marker", user.untagCall(), () -> {
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("remove the lockdown: tags from " + user.describe());
            }
            return StepOutcome.done("removed " + ContainmentRecord.remove(user) + " lockdown: tags from " + user.describe());
        });
        if (!ctx.dryRun()) {
            denial.verifyReleased(report, state);
            if (ctx.options().reactivateKeys() && !keys.isEmpty()) {
                checkKeys(report, iam, user.name(), keys, StatusType.ACTIVE);
            }
            ContainmentRecord.checkRemoved(report, user);
        }
    }

    @Override
    public void status(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        IamClient iam = ctx.session().iam();
        IamPrincipal user = IamPrincipal.of(ctx.entity(), iam);
        if (!EntityLookup.found(report, "find-user", "iam:GetUser", user::requireExists, "The IAM user " + user.name())) {
            return;
        }
        report.step("read-status", "iam:ListUserTags", () -> {
            Optional<StateTags.Recorded> recorded = StateTags.decode(user.tags());
            ObjectNode observed = new PrincipalDenial(user, ctx.entity().partition()).observed();
            ArrayNode active = observed.putArray("activeAccessKeys");
            activeKeys(iam, user.name()).forEach(active::add);
            return describeStatus(report, recorded, observed);
        });
    }

    /** Records status into the report; shared with roles. */
    static StepOutcome describeStatus(ReportBuilder report, Optional<StateTags.Recorded> recorded,
            ObjectNode observed) {
        report.state("contained", recorded.isPresent());
        recorded.ifPresent(r -> {
            report.state("containedAt", r.containedAt().toString());
            report.state("recorded", r.state());
        });
        report.state("observed", observed);
        return StepOutcome.done(recorded.map(r -> "contained since " + r.containedAt())
                .orElse("not contained (no " + StateTags.CONTAINED_AT + " tag)"));
    }

    /** Reads the record; null (after a failed step) when the tags cannot be read. */
    static Optional<StateTags.Recorded> readRecord(ReportBuilder report, IamPrincipal principal) {
        try {
            return StateTags.decode(principal.tags());
        } catch (RuntimeException e) {
            report.record("read-state", principal.call("List", "Tags"), StepOutcome.failed(
                    AwsErrors.describe(e, principal.call("List", "Tags")) + "; nothing was changed"), 0);
            return null;
        }
    }

    static String notContained(IamPrincipal principal) {
        return principal.describe() + " carries no " + StateTags.CONTAINED_AT
                + " tag: it is not contained by Entity Lockdown; nothing was changed";
    }

    private static List<String> activeKeys(IamClient iam, String userName) {
        List<String> ids = new ArrayList<>();
        for (AccessKeyMetadata key : iam.listAccessKeysPaginator(b -> b.userName(userName)).accessKeyMetadata()) {
            if (key.status() == StatusType.ACTIVE) {
                ids.add(key.accessKeyId());
            }
        }
        return ids;
    }

    private static StepOutcome deactivateKeys(IamClient iam, String userName, boolean dryRun) {
        List<String> active = activeKeys(iam, userName);
        if (active.isEmpty()) {
            return StepOutcome.already("user " + userName + " has no active access key");
        }
        if (dryRun) {
            return StepOutcome.wouldDo("deactivate access key(s) " + active);
        }
        for (String id : active) {
            iam.updateAccessKey(b -> b.userName(userName).accessKeyId(id).status(StatusType.INACTIVE));
        }
        return StepOutcome.done("deactivated access key(s) " + active);
    }

    private static StepOutcome reactivateKeys(IamClient iam, String userName, List<String> recorded, boolean dryRun) {
        if (recorded.isEmpty()) {
            return StepOutcome.skipped("containment deactivated no access key");
        }
        Set<String> inactive = new TreeSet<>();
        Set<String> existing = new TreeSet<>();
        for (AccessKeyMetadata key : iam.listAccessKeysPaginator(b -> b.userName(userName)).accessKeyMetadata()) {
            existing.add(key.accessKeyId());
            if (key.status() == StatusType.INACTIVE && recorded.contains(key.accessKeyId())) {
                inactive.add(key.accessKeyId());
            }
        }
        List<String> gone = recorded.stream().filter(id -> !existing.contains(id)).toList();
        String goneNote = gone.isEmpty() ? "" : "; deleted since containment: " + gone;
        if (inactive.isEmpty()) {
            return StepOutcome.already("the recorded access key(s) are active" + goneNote);
        }
        if (dryRun) {
            return StepOutcome.wouldDo("reactivate access key(s) " + inactive + goneNote);
        }
        for (String id : inactive) {
            iam.updateAccessKey(b -> b.userName(userName).accessKeyId(id).status(StatusType.ACTIVE));
        }
        return StepOutcome.done("reactivated access key(s) " + inactive + goneNote);
    }

    /** Checks that every key (or those listed) has the wanted status. */
    private static void checkKeys(ReportBuilder report, IamClient iam, String userName, List<String> only, StatusType wanted) {
        String what = (only == null ? "every access key " : "access key(s) " + only + " ") + wanted.toString().toLowerCase(Locale.ROOT);
        try {
            List<String> wrong = new ArrayList<>();
            int seen = 0;
            for (AccessKeyMetadata key : iam.listAccessKeysPaginator(b -> b.userName(userName)).accessKeyMetadata()) {
                if (only != null && !only.contains(key.accessKeyId())) {
                    continue;
                }
                seen++;
                if (key.status() != wanted) {
                    wrong.add(key.accessKeyId());
                }
            }
            report.check(what, wrong.isEmpty(), wrong.isEmpty() ? seen + " key(s) " + wanted : "not " + wanted + ": " + wrong);
        } catch (RuntimeException e) {
            report.check(what, false, "could not read back: " + AwsErrors.describe(e, "iam:ListAccessKeys"));
        }
    }
}
