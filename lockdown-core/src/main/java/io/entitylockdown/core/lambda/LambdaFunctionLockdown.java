package io.entitylockdown.core.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.iam.ContainmentRecord;
import io.entitylockdown.core.iam.DenyPolicies;
import io.entitylockdown.core.iam.EntityLookup;
import io.entitylockdown.core.iam.IamPrincipal;
import io.entitylockdown.core.iam.IamRoleLockdown;
import io.entitylockdown.core.iam.RoleDenial;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Contains a Lambda function: reserved concurrency 0 (no new invocation starts) and its execution role
 * denied with older sessions revoked (the credentials of running or frozen environments stop working).
 * Other functions running as the same role are affected by the role denial; the report names them.
 */
public final class LambdaFunctionLockdown implements ContainmentStrategy {
    /** State key: the reserved concurrency before containment, JSON null when there was none. */
    public static final String RESERVED_CONCURRENCY = "reservedConcurrency";
    /** State key: the execution role containment denied for this function. */
    public static final String EXECUTION_ROLE = "executionRole";

    @Override
    public EntityType type() {
        return EntityType.LAMBDA_FUNCTION;
    }

    @Override
    public Set<String> permissions() {
        Set<String> all = new TreeSet<>(IamRoleLockdown.ROLE_DENIAL_PERMISSIONS);
        all.addAll(Set.of("lambda:GetFunctionConfiguration", "lambda:GetFunctionConcurrency",
                "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:ListFunctions",
                "lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"));
        return Set.copyOf(all);
    }

    @Override
    public void contain(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        LambdaFunction function = new LambdaFunction(ctx.session().lambda(), ctx.entity());
        String[] roleArn = new String[1];
        if (!EntityLookup.found(report, "find-function", "lambda:GetFunctionConfiguration",
                () -> roleArn[0] = function.configuration().role(), "The Lambda function " + describe(ctx.entity()))) {
            return;
        }
        Optional<EntityArn> role = parseRole(report, roleArn[0]);
        Optional<String> refusal = role.flatMap(r -> ctx.guardrails().refusal(r));
        boolean denyRole = role.isPresent() && refusal.isEmpty();
        Instant cutOff = DenyPolicies.cutOff(ctx.now());

        report.step("record-state", function.tagCall(), () -> {
            ContainmentRecord.Plan plan = ContainmentRecord.plan(function, () -> {
                ObjectNode state = Json.mapper().createObjectNode();
                Integer reserved = function.reservedConcurrency();
                if (reserved == null) {
                    state.putNull(RESERVED_CONCURRENCY);
                } else {
                    state.put(RESERVED_CONCURRENCY, reserved.intValue());
                }
                if (denyRole) {
                    state.put(EXECUTION_ROLE, roleArn[0]);
                }
                return state;
            }, cutOff);
            return ContainmentRecord.write(function, plan, ctx.dryRun());
        });
        if (!ctx.entity().qualifier().isEmpty()) {
            report.note("The ARN names " + ctx.entity().qualifier() + " of function " + function.name()
                    + ", but reserved concurrency belongs to the whole function: every version and alias of "
                    + function.name() + " is stopped, not only " + ctx.entity().qualifier() + ".");
        }
        report.step("reserved-concurrency-zero", "lambda:PutFunctionConcurrency", () -> {
            Integer reserved = function.reservedConcurrency();
            if (reserved != null && reserved == 0) {
                return StepOutcome.already("reserved concurrency of " + function.name() + " is 0: no invocation runs");
            }
            String before = reserved == null ? "none reserved" : "was " + reserved;
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("set the reserved concurrency of " + function.name() + " to 0 (" + before + ")");
            }
            function.reserveConcurrency(0);
            return StepOutcome.done("set the reserved concurrency of " + function.name() + " to 0 (" + before
                    + "): new invocations are throttled");
        });

        Optional<Instant> revokeBefore = Optional.empty();
        RoleDenial roleDenial = null;
        if (refusal.isPresent()) {
            report.record("deny-execution-role", "iam:AttachRolePolicy", StepOutcome.refused("the execution role "
                    + roleArn[0] + " was left unchanged: " + refusal.get()), 0);
        } else if (role.isPresent()) {
            roleDenial = new RoleDenial(IamPrincipal.of(role.get(), ctx.session().iam()), role.get().partition());
            revokeBefore = roleDenial.contain(report, "role-", function.unqualifiedArn(), cutOff, ctx.dryRun());
        }
        if (role.isPresent()) {
            nameSharingFunctions(report, function, roleArn[0], refusal.isEmpty());
        }
        if (!ctx.dryRun()) {
            checkConcurrency(report, function, 0);
            if (roleDenial != null && revokeBefore.isPresent()) {
                roleDenial.verify(report, revokeBefore.get());
            }
        }
    }

    @Override
    public void release(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        LambdaFunction function = new LambdaFunction(ctx.session().lambda(), ctx.entity());
        if (!EntityLookup.found(report, "find-function", "lambda:GetFunctionConfiguration", function::configuration,
                "The Lambda function " + describe(ctx.entity()))) {
            return;
        }
        Optional<StateTags.Recorded> recorded;
        try {
            recorded = StateTags.decode(function.tags());
        } catch (RuntimeException e) {
            report.record("read-state", "lambda:ListTags", StepOutcome.failed(AwsErrors.describe(e, "lambda:ListTags")
                    + "; nothing was changed"), 0);
            return;
        }
        if (recorded.isEmpty()) {
            String notContained = "function " + function.name() + " carries no " + StateTags.CONTAINED_AT
                    + " tag: it is not contained by Entity Lockdown; nothing was changed";
            report.record("release", "", StepOutcome.skipped(notContained), 0);
            report.note("Nothing to release: " + notContained + ".");
            return;
        }
        ObjectNode state = recorded.get().state();
        JsonNode prior = state.get(RESERVED_CONCURRENCY);
        report.step("restore-concurrency", prior == null || prior.isNull() ? "lambda:DeleteFunctionConcurrency"
                : "lambda:PutFunctionConcurrency", () -> restoreConcurrency(function, prior, ctx.dryRun()));
        String roleArn = state.path(EXECUTION_ROLE).asText("");
        if (!roleArn.isEmpty()) {
            try {
                EntityArn role = EntityArn.parse(roleArn);
                new RoleDenial(IamPrincipal.of(role, ctx.session().iam()), role.partition())
                        .release(report, "role-", function.unqualifiedArn(), ctx.dryRun());
            } catch (InvalidArnException e) {
                report.record("role-release", "", StepOutcome.failed("the recorded execution role '" + roleArn
                        + "' is not a role ARN (" + e.getMessage() + "); release the role by hand"), 0);
            }
        }
        report.step("remove-marker", function.untagCall(), () -> {
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("remove the lockdown: tags from function " + function.name());
            }
            return StepOutcome.done("removed " + ContainmentRecord.remove(function) + " lockdown: tags from function "
                    + function.name());
        });
        if (!ctx.dryRun()) {
            checkConcurrency(report, function, prior == null || prior.isNull() ? null : prior.asInt());
            ContainmentRecord.checkRemoved(report, function);
        }
    }

    @Override
    public void status(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        LambdaFunction function = new LambdaFunction(ctx.session().lambda(), ctx.entity());
        if (!EntityLookup.found(report, "find-function", "lambda:GetFunctionConfiguration", function::configuration,
                "The Lambda function " + describe(ctx.entity()))) {
            return;
        }
        report.step("read-status", "lambda:ListTags", () -> {
            Optional<StateTags.Recorded> recorded = StateTags.decode(function.tags());
            report.state("contained", recorded.isPresent());
            recorded.ifPresent(r -> {
                report.state("containedAt", r.containedAt().toString());
                report.state("recorded", r.state());
            });
            ObjectNode observed = Json.mapper().createObjectNode();
            Integer reserved = function.reservedConcurrency();
            if (reserved == null) {
                observed.putNull(RESERVED_CONCURRENCY);
            } else {
                observed.put(RESERVED_CONCURRENCY, reserved.intValue());
            }
            report.state("observed", observed);
            return StepOutcome.done(recorded.map(r -> "contained since " + r.containedAt())
                    .orElse("not contained (no " + StateTags.CONTAINED_AT + " tag)"));
        });
    }

    private static StepOutcome restoreConcurrency(LambdaFunction function, JsonNode prior, boolean dryRun) {
        Integer now = function.reservedConcurrency();
        if (prior == null || prior.isNull()) {
            if (now == null) {
                return StepOutcome.already("function " + function.name() + " has no reserved concurrency, as before containment");
            }
            if (dryRun) {
                return StepOutcome.wouldDo("remove the reserved concurrency of " + function.name() + " (there was none before)");
            }
            function.removeReservedConcurrency();
            return StepOutcome.done("removed the reserved concurrency of " + function.name() + " (there was none before)");
        }
        int value = prior.asInt();
        if (now != null && now == value) {
            return StepOutcome.already("reserved concurrency of " + function.name() + " is " + value + ", as before containment");
        }
        if (dryRun) {
            return StepOutcome.wouldDo("set the reserved concurrency of " + function.name() + " back to " + value);
        }
        function.reserveConcurrency(value);
        return StepOutcome.done("set the reserved concurrency of " + function.name() + " back to " + value);
    }

    private static void checkConcurrency(ReportBuilder report, LambdaFunction function, Integer wanted) {
        String what = "reserved concurrency of " + function.name() + (wanted == null ? " removed" : " is " + wanted);
        try {
            Integer now = function.reservedConcurrency();
            report.check(what, Objects.equals(now, wanted), now == null ? "none reserved" : "reserved " + now);
        } catch (RuntimeException e) {
            report.check(what, false, "could not read back: " + AwsErrors.describe(e, "lambda:GetFunctionConcurrency"));
        }
    }

    private static void nameSharingFunctions(ReportBuilder report, LambdaFunction function, String roleArn, boolean denied) {
        try {
            List<String> others = function.othersRunningAs(roleArn);
            others.forEach(report::affected);
            if (!others.isEmpty()) {
                report.note((denied ? "Denying " : "The refused role ") + roleArn + (denied ? " also stops " : " is shared by ")
                        + others.size() + " other function(s) in this region that run as it: " + String.join(", ", others)
                        + (denied ? ". They fail until the function is released or they get their own role." : "."));
            }
        } catch (RuntimeException e) {
            report.note("Could not list the other functions that run as " + roleArn + ": "
                    + AwsErrors.describe(e, "lambda:ListFunctions") + ". They may be affected by the role denial.");
        }
    }

    private static Optional<EntityArn> parseRole(ReportBuilder report, String roleArn) {
        try {
            return Optional.of(EntityArn.parse(roleArn));
        } catch (InvalidArnException e) {
            report.record("deny-execution-role", "", StepOutcome.failed("the function's execution role '" + roleArn
                    + "' could not be read as a role ARN (" + e.getMessage() + "); deny it by hand"), 0);
            return Optional.empty();
        }
    }

    private static String describe(EntityArn entity) {
        return entity.name() + (entity.qualifier().isEmpty() ? "" : ":" + entity.qualifier()) + " in "
                + entity.accountId() + "/" + entity.region();
    }
}
