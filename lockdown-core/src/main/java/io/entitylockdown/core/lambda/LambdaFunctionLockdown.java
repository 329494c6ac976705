package io.entitylockdown.core.lambda;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.iam.IamPrincipal;
import io.entitylockdown.core.iam.IamRoleLockdown;
import io.entitylockdown.core.iam.PrincipalDenial;
import io.entitylockdown.core.iam.PrincipalRelease;
import io.entitylockdown.core.iam.RoleContainment;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordReading;
import io.entitylockdown.core.record.RecordWriter;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.report.Verdict;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;

/**
 * Contains a Lambda function: reserved concurrency 0 (no new invocation starts) and its execution role
 * denied with older sessions revoked (the credentials of running or frozen environments stop working).
 * Other functions running as the same role are affected by the role denial; the report names them.
 *
 * <p>One read comes before the first containing write, on purpose: setting the concurrency to 0
 * destroys the only copy of the value release must restore, and Lambda offers no way to read the old
 * value afterwards; and the role to deny is only known from the function's configuration.
 * GetFunction (the execution role, the tags with the record) and GetFunctionConcurrency go out
 * together; then the role's deny (the first containing write) and the record; then the concurrency,
 * which waits for the record so that a concurrent containment never records the 0 as the prior value.
 */
public final class LambdaFunctionLockdown implements ContainmentStrategy {

    @Override
    public EntityType type() {
        return EntityType.LAMBDA_FUNCTION;
    }

    @Override
    public Set<String> permissions() {
        Set<String> all = new TreeSet<>(IamRoleLockdown.ROLE_DENIAL_PERMISSIONS);
        all.addAll(Set.of("lambda:GetFunction", "lambda:GetFunctionConcurrency",
                "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:ListFunctions",
                "lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"));
        return Set.copyOf(all);
    }

    /** What the first read found. */
    private record Found(GetFunctionResponse function, Integer reserved, RecordReading<FunctionState> record) {
        Map<String, String> tags() {
            return function.hasTags() ? function.tags() : Map.of();
        }
    }

    private static Optional<Found> find(EntityContext ctx, LambdaFunction function) {
        ReportBuilder report = ctx.report();
        AtomicReference<GetFunctionResponse> got = new AtomicReference<>();
        AtomicReference<Integer> reserved = new AtomicReference<>();
        AtomicReference<Exception> error = new AtomicReference<>();
        ctx.parallel().all(report,
                () -> {
                    try {
                        got.set(function.get());
                    } catch (Exception e) {
                        error.set(e);
                    }
                },
                () -> {
                    try {
                        reserved.set(function.reservedConcurrency());
                    } catch (Exception e) {
                        error.compareAndSet(null, e);
                    }
                });
        if (error.get() != null) {
            report.record("find-function", "lambda:GetFunction", StepOutcome.failed(AwsErrors.isNotFound(error.get())
                    ? "The Lambda function " + describe(ctx.entity()) + " does not exist; check the ARN (account, region "
                            + "and name). Nothing was changed"
                    : AwsErrors.describe(error.get(), "lambda:GetFunction") + "; nothing was changed"), 0);
            return Optional.empty();
        }
        Map<String, String> tags = got.get().hasTags() ? got.get().tags() : Map.of();
        RecordReading<FunctionState> record = EntityRecords.read(tags, ctx.recordKey(), RecordBinding.of(ctx.entity()),
                FunctionState.class);
        return Optional.of(new Found(got.get(), reserved.get(), record));
    }

    @Override
    public void contain(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        LambdaFunction function = new LambdaFunction(ctx.session().lambda(), ctx.entity());
        Optional<Found> found = find(ctx, function);
        if (found.isEmpty()) {
            return;
        }
        Found fn = found.get();
        RecordBinding binding = RecordBinding.of(ctx.entity());
        RecordReading<FunctionState> record = fn.record();
        Map<String, String> tags = fn.tags();
        if (!record.isVerified() && ctx.canRecord() && Objects.equals(fn.reserved(), 0)) {
            // Concurrency 0 may be a concurrent containment's; it wrote its record (with the true prior
            // value) before setting it, so reading the tags again now finds that record.
            Optional<Map<String, String>> again = report.read("record-state", "lambda:ListTags", "", function::tags);
            if (again.isPresent()) {
                tags = again.get();
                record = EntityRecords.read(tags, ctx.recordKey(), binding, FunctionState.class);
            }
        }
        if (record instanceof RecordReading.Unverified<FunctionState> unverified) {
            report.note(RecordWriter.unverifiedNote("function " + function.name(), unverified)
                    + "; containment recorded the function as it is now.");
        }
        String roleArn = fn.function().configuration().role();
        Optional<EntityArn> role = parseRole(report, roleArn);
        Optional<String> refusal = role.flatMap(r -> ctx.guardrails().refusal(r));
        boolean denyRole = role.isPresent() && refusal.isEmpty();
        FunctionState observed = new FunctionState(fn.reserved(), denyRole ? roleArn : null);
        FunctionState state = record.verified()
                .map(v -> EntityRecords.parse(EntityRecords.merge(v.json(), EntityRecords.toJson(observed)),
                        FunctionState.class))
                .orElse(observed);
        var at = record.verified().map(RecordReading.Verified::at).orElse(ctx.now());
        if (!ctx.entity().qualifier().isEmpty()) {
            report.note("The ARN names " + ctx.entity().qualifier() + " of function " + function.name()
                    + ", but reserved concurrency belongs to the whole function: every version and alias of "
                    + function.name() + " is stopped, not only " + ctx.entity().qualifier() + ".");
        }
        AtomicReference<PrincipalDenial.Denied> roleDenied = new AtomicReference<>();
        RoleContainment roleContainment = denyRole
                ? new RoleContainment(ctx, IamPrincipal.of(role.get(), ctx.session().iam()), "role-") : null;
        if (refusal.isPresent()) {
            report.record("deny-execution-role", "iam:PutRolePolicy", StepOutcome.refused("the execution role "
                    + roleArn + " was left unchanged: " + refusal.get()), 0);
        }
        Map<String, String> current = tags;
        List<Parallel.Task> wave = new ArrayList<>();
        if (roleContainment != null) {
            wave.add(() -> roleContainment.contain(function.unqualifiedArn()).ifPresent(roleDenied::set));
        }
        // The record first, then the concurrency: a concurrent run that sees 0 finds this record.
        wave.add(() -> {
            var written = report.step("record-state", function.tagCall(),
                    () -> RecordWriter.write(ctx, function, current, binding, at, state));
            if (written.status() != StepStatus.DONE && written.status() != StepStatus.ALREADY) {
                report.note("What containment changed on function " + function.name() + " is in this report only: "
                        + "reserved concurrency before was " + describeConcurrency(state.reservedConcurrency())
                        + ". Release cannot restore it by itself.");
            }
            report.step("reserved-concurrency-zero", "lambda:PutFunctionConcurrency", () -> {
                Integer reserved = fn.reserved();
                if (reserved != null && reserved == 0) {
                    return StepOutcome.already("reserved concurrency of " + function.name() + " is 0: no invocation runs");
                }
                String before = reserved == null ? "none reserved" : "was " + reserved;
                if (ctx.dryRun()) {
                    return StepOutcome.wouldDo("set the reserved concurrency of " + function.name() + " to 0 (" + before + ")");
                }
                function.reserveConcurrency(0, o -> { });
                return StepOutcome.done("set the reserved concurrency of " + function.name() + " to 0 (" + before
                        + "): new invocations are throttled");
            });
        });
        ctx.parallel().all(report, wave);
        report.state("recorded", EntityRecords.toJson(state));
        // Naming the functions that share the role informs; it waits until the containing writes are done.
        List<Parallel.Task> after = new ArrayList<>();
        if (role.isPresent()) {
            after.add(() -> nameSharingFunctions(report, function, roleArn, refusal.isEmpty()));
        }
        if (!ctx.dryRun()) {
            after.add(() -> checkConcurrency(report, function, 0));
            if (roleDenied.get() != null) {
                after.add(() -> roleContainment.verify(roleDenied.get()));
            }
        }
        ctx.parallel().all(report, after);
    }

    @Override
    public void release(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        LambdaFunction function = new LambdaFunction(ctx.session().lambda(), ctx.entity());
        Optional<Found> found = find(ctx, function);
        if (found.isEmpty()) {
            return;
        }
        Found fn = found.get();
        if (fn.record().verified().isEmpty()) {
            cannotRestore(ctx, function, fn);
            return;
        }
        FunctionState state = fn.record().verified().get().state();
        Integer prior = state.reservedConcurrency();
        List<Parallel.Task> restores = new ArrayList<>();
        restores.add(() -> report.step("restore-concurrency", prior == null ? "lambda:DeleteFunctionConcurrency"
                : "lambda:PutFunctionConcurrency", () -> restoreConcurrency(function, fn.reserved(), prior, ctx.dryRun())));
        if (state.executionRole() != null) {
            restores.add(() -> {
                try {
                    EntityArn role = EntityArn.parse(state.executionRole());
                    new RoleContainment(ctx, IamPrincipal.of(role, ctx.session().iam()), "role-")
                            .release(function.unqualifiedArn());
                } catch (InvalidArnException e) {
                    report.record("role-release", "", StepOutcome.failed("the recorded execution role '"
                            + state.executionRole() + "' is not a role ARN (" + e.getMessage() + "); release it by hand"), 0);
                }
            });
        }
        ctx.parallel().all(report, restores);
        report.step("remove-record", function.untagCall(), () -> {
            if (ctx.dryRun()) {
                return StepOutcome.wouldDo("remove the lockdown: tags from function " + function.name());
            }
            if (report.anyFailed()) {
                return StepOutcome.skipped("kept, because a step above failed: the record is still needed; run the "
                        + "release again once the cause is fixed");
            }
            return StepOutcome.done("removed " + RecordWriter.remove(function, fn.tags()) + " lockdown: tags from function "
                    + function.name());
        });
        if (!ctx.dryRun()) {
            ctx.parallel().all(report,
                    () -> checkConcurrency(report, function, prior),
                    () -> {
                        if (!report.anyFailed()) {
                            report.verify("lockdown: tags removed from function " + function.name(), () -> {
                                var left = EntityRecords.keys(function.tags());
                                return Verdict.of(left.isEmpty(), left.isEmpty() ? "none left" : "left: " + left);
                            });
                        }
                    });
        }
    }

    @Override
    public void status(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        LambdaFunction function = new LambdaFunction(ctx.session().lambda(), ctx.entity());
        Optional<Found> found = find(ctx, function);
        if (found.isEmpty()) {
            return;
        }
        report.step("read-status", "lambda:GetFunction", () -> {
            ObjectNode observed = Json.mapper().createObjectNode();
            Integer reserved = found.get().reserved();
            if (reserved == null) {
                observed.putNull("reservedConcurrency");
            } else {
                observed.put("reservedConcurrency", reserved.intValue());
            }
            observed.put("executionRole", found.get().function().configuration().role());
            return PrincipalRelease.describe(report, found.get().record(), observed, "function " + function.name());
        });
    }

    private static void cannotRestore(EntityContext ctx, LambdaFunction function, Found fn) {
        ReportBuilder report = ctx.report();
        if (fn.record() instanceof RecordReading.Missing<FunctionState> && !Objects.equals(fn.reserved(), 0)) {
            String notContained = "function " + function.name() + " is not contained by Entity Lockdown (no record, "
                    + "and its reserved concurrency is not 0); nothing was changed";
            report.record("release", "", StepOutcome.skipped(notContained), 0);
            report.note("Nothing to release: " + notContained + ".");
            return;
        }
        String why = fn.record() instanceof RecordReading.Unverified<FunctionState> unverified
                ? RecordWriter.unverifiedNote("function " + function.name(), unverified)
                : "function " + function.name() + " carries no lockdown record";
        report.record("release", "", StepOutcome.failed(why + ". Nothing was restored: without an authenticated record "
                + "the prior reserved concurrency is unknown. Follow the manual steps in the notes"), 0);
        String region = ctx.entity().region();
        report.note("Manual release of function " + function.name() + ": set the reserved concurrency it had before "
                + "(aws lambda put-function-concurrency --function-name " + Shell.quote(function.name())
                + " --reserved-concurrent-executions N --region " + region + ", or, if it had none, aws lambda "
                + "delete-function-concurrency --function-name " + Shell.quote(function.name()) + " --region " + region
                + "); release its execution role " + Shell.quote(fn.function().configuration().role())
                + " if it was denied for this function" + (EntityRecords.keys(fn.tags()).isEmpty() ? "."
                        : "; then remove the lockdown tags (aws lambda untag-resource --resource "
                                + Shell.quote(function.unqualifiedArn()) + " --tag-keys " + String.join(" ",
                                        EntityRecords.keys(fn.tags()).stream().map(Shell::quote).toList()) + ")."));
    }

    private static StepOutcome restoreConcurrency(LambdaFunction function, Integer now, Integer prior, boolean dryRun) {
        if (prior == null) {
            if (now == null) {
                return StepOutcome.already("function " + function.name() + " has no reserved concurrency, as before containment");
            }
            if (dryRun) {
                return StepOutcome.wouldDo("remove the reserved concurrency of " + function.name() + " (there was none before)");
            }
            function.removeReservedConcurrency();
            return StepOutcome.done("removed the reserved concurrency of " + function.name() + " (there was none before)");
        }
        if (Objects.equals(now, prior)) {
            return StepOutcome.already("reserved concurrency of " + function.name() + " is " + prior + ", as before containment");
        }
        if (dryRun) {
            return StepOutcome.wouldDo("set the reserved concurrency of " + function.name() + " back to " + prior);
        }
        function.reserveConcurrency(prior, o -> { });
        return StepOutcome.done("set the reserved concurrency of " + function.name() + " back to " + prior);
    }

    private static void checkConcurrency(ReportBuilder report, LambdaFunction function, Integer wanted) {
        report.verify("reserved concurrency of " + function.name() + (wanted == null ? " removed" : " is " + wanted), () -> {
            Integer now = function.reservedConcurrency();
            return Verdict.of(Objects.equals(now, wanted), now == null ? "none reserved" : "reserved " + now);
        });
    }

    private static String describeConcurrency(Integer value) {
        return value == null ? "none" : value.toString();
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
