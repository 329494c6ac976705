package io.entitylockdown.core.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.iam.RoleState;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.FunctionSnapshot;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.lambda.LambdaClient;

@ExtendWith(MotoExtension.class)
class LambdaFunctionLockdownIT {
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();
    private MotoEstate estate;
    private EstateAccount account;
    private LambdaClient lambda;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        this.account = estate.account();
        this.lambda = account.lambda();
    }

    private static List<StepResult> entitySteps(ContainmentReport report) {
        return report.steps().stream().filter(s -> !s.step().equals(ReportBuilder.MEMBER_ROLE_STEP)).toList();
    }

    private String role(String name) {
        return account.role(name).typical().create();
    }

    private String function(String name, String role, Integer reserved) {
        return account.function(name).role(role).reservedConcurrency(reserved).create();
    }

    /** exporter (reserved 5) and importer share exporter-role; unrelated runs as other-role. */
    private record Exporter(String role, String arn, String sibling) {
    }

    private Exporter exporter() {
        String role = account.role("exporter-role").path("/service-role/").typical().create();
        String arn = function("exporter", role, 5);
        String sibling = function("importer", role, null);
        function("unrelated", role("other-role"), null);
        return new Exporter(role, arn, sibling);
    }

    @Test
    void contain_zeroesConcurrency_deniesTheRole_namesTheSibling_andSignsBothRecords() {
        Exporter exporter = exporter();
        String arn = exporter.arn();
        String role = exporter.role();
        IamSnapshot roleBefore = account.roleSnapshot("exporter-role");

        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport contained = engine.contain(arn, OPTIONS);

            assertThat(contained.outcome()).as(contained.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
            assertThat(contained.affected()).containsExactly(LambdaFunction.unqualified(exporter.sibling()));
            assertThat(contained.notes()).anySatisfy(n -> assertThat(n).contains("importer"));
        }
        assertThat(account.functionSnapshot("exporter").reserved()).isZero();
        IamSnapshot roleDuring = account.roleSnapshot("exporter-role");
        assertThat(roleDuring.attached()).isEqualTo(roleBefore.attached());
        assertThat(ContainmentPolicy.parse(roleDuring.inline().get(ContainmentPolicy.NAME), role).orElseThrow().denyAll())
                .isTrue();
        assertThat(TestRecords.verified(roleDuring.tags(), role, RoleState.class).state().containedFor())
                .containsExactly(arn);
        assertThat(TestRecords.verified(account.functionSnapshot("exporter").tags(), arn, FunctionState.class)
                .state()).isEqualTo(new FunctionState(5, role));
    }

    @Test
    void containAgain_changesNothing() {
        String arn = exporter().arn();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);
            FunctionSnapshot during = account.functionSnapshot("exporter");
            IamSnapshot roleDuring = account.roleSnapshot("exporter-role");

            ContainmentReport again = engine.contain(arn, OPTIONS);

            assertThat(again.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(entitySteps(again)).filteredOn(s -> !s.step().equals("role-deny-all"))
                    .extracting(StepResult::status).containsOnly(StepStatus.ALREADY);
            assertThat(account.functionSnapshot("exporter")).isEqualTo(during);
            assertThat(account.roleSnapshot("exporter-role").withoutInline(ContainmentPolicy.NAME))
                    .isEqualTo(roleDuring.withoutInline(ContainmentPolicy.NAME));
        }
    }

    @Test
    void status_ofAContainedFunction_saysContained() {
        String arn = exporter().arn();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);

            ContainmentReport status = engine.status(arn);

            assertThat(status.state()).containsEntry("contained", true);
        }
    }

    @Test
    void release_restoresThePriorStateExactly() {
        String arn = exporter().arn();
        FunctionSnapshot before = account.functionSnapshot("exporter");
        IamSnapshot roleBefore = account.roleSnapshot("exporter-role");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);

            ContainmentReport released = engine.release(arn, OPTIONS);

            assertThat(released.outcome()).as(released.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
        }
        assertThat(account.functionSnapshot("exporter")).isEqualTo(before);
        assertThat(account.roleSnapshot("exporter-role").withoutInline(ContainmentPolicy.NAME)).isEqualTo(roleBefore);
    }


    /** After two containments the recorded concurrency is still the function's own, not the 0 of the first. */
    @Test
    void releaseAfterASecondContainment_restoresThePriorStateOfTheFirst() {
        String arn = exporter().arn();
        FunctionSnapshot before = account.functionSnapshot("exporter");
        IamSnapshot roleBefore = account.roleSnapshot("exporter-role");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);

            ContainmentReport released = engine.release(arn, OPTIONS);

            assertThat(released.outcome()).as(released.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
        }
        assertThat(account.functionSnapshot("exporter")).isEqualTo(before);
        assertThat(account.roleSnapshot("exporter-role").withoutInline(ContainmentPolicy.NAME)).isEqualTo(roleBefore);
    }

    @Test
    void release_ofAFunctionWithoutReservedConcurrency_deletesTheReservation() {
        String role = account.role("free-role").typical().create();
        String arn = account.function("free").role(role).create();
        FunctionSnapshot before = account.functionSnapshot("free");
        assertThat(before.reserved()).isNull();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            ContainmentReport released = engine.release(arn, OPTIONS);
            assertThat(released.steps()).filteredOn(s -> s.step().equals("restore-concurrency"))
                    .singleElement().satisfies(s -> assertThat(s.call()).isEqualTo("lambda:DeleteFunctionConcurrency"));
        }
        assertThat(account.functionSnapshot("free")).isEqualTo(before);
    }

    @Test
    void contain_inASecondRegion_andASecondAccount() {
        EstateAccount other = estate.account(MotoEstate.OTHER_ACCOUNT);
        String arn = other.function("west-fn").region("us-west-2").role(other.role("west-role").typical().create()).create();
        assertThat(arn).startsWith("arn:aws:lambda:us-west-2:222222222222:function:");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.region()).isEqualTo("us-west-2");
        }
        assertThat(other.functionSnapshot("us-west-2", "west-fn").reserved()).isZero();
        assertThat(other.roleSnapshot("west-role").inline()).containsKey(ContainmentPolicy.NAME);
    }

    @Test
    void contain_aliasArn_stopsTheWholeFunction_andSaysSo() {
        String role = account.role("alias-role").typical().create();
        String arn = account.function("aliased").role(role).create();
        String version = lambda.publishVersion(b -> b.functionName("aliased")).version();
        String aliasArn = lambda.createAlias(b -> b.functionName("aliased").name("live").functionVersion(version)).aliasArn();
        assertThat(aliasArn).isEqualTo(arn + ":live");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport report = engine.contain(aliasArn, OPTIONS);
            assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("every version and alias of aliased"));
            assertThat(account.functionSnapshot("aliased").reserved()).isZero();
            assertThat(account.functionSnapshot("aliased").tags()).containsKey(EntityRecords.MARKER);
            assertThat(engine.release(aliasArn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(account.functionSnapshot("aliased").reserved()).isNull();
    }

    @Test
    void protectedExecutionRole_isRefusedForThatStep_butConcurrencyStillDrops_andTheOutcomeIsRefused() {
        String role = account.role("BreakGlassRole").typical().create();
        String arn = account.function("guarded").role(role).create();
        IamSnapshot roleBefore = account.roleSnapshot("BreakGlassRole");
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/BreakGlass*"), List.of(), List.of(), MotoEstate.MEMBER_ROLE);
        try (LockdownEngine engine = TestEngine.builder(estate).guardrails(guardrails).build()) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.steps()).filteredOn(s -> s.step().equals("deny-execution-role"))
                    .singleElement().satisfies(s -> assertThat(s.status()).isEqualTo(StepStatus.REFUSED));
            assertThat(report.steps()).filteredOn(s -> s.step().equals("reserved-concurrency-zero"))
                    .singleElement().satisfies(s -> assertThat(s.status()).isEqualTo(StepStatus.DONE));
            assertThat(report.outcome()).as("a refusal is final, never retried").isEqualTo(Outcome.REFUSED);
            assertThat(report.outcome().exitCode()).isEqualTo(3);
            assertThat(report.summary()).contains("partly REFUSED");
            assertThat(report.releaseCommand()).as("what was done can be released").isNotNull();
        }
        assertThat(account.functionSnapshot("guarded").reserved()).isZero();
        assertThat(account.roleSnapshot("BreakGlassRole")).isEqualTo(roleBefore);
    }

    @Test
    void protectedFunction_isRefused_withNothingChanged() {
        String arn = account.function("prod-critical").role(account.role("crit-role").typical().create()).reservedConcurrency(3).create();
        FunctionSnapshot before = account.functionSnapshot("prod-critical");
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:lambda:*:*:function:prod-*"), List.of(), List.of(),
                MotoEstate.MEMBER_ROLE);
        try (LockdownEngine engine = TestEngine.builder(estate).guardrails(guardrails).build()) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.REFUSED);
        }
        assertThat(account.functionSnapshot("prod-critical")).isEqualTo(before);
    }

    @Test
    void roleContainedDirectlyAndForAFunction_staysDeniedUntilBothAreReleased() {
        String role = account.role("shared-role").typical().create();
        String arn = account.function("worker").role(role).create();
        IamSnapshot roleBefore = account.roleSnapshot("shared-role");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(role, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(TestRecords.verified(account.roleSnapshot("shared-role").tags(), role, RoleState.class).state()
                    .containedFor()).containsExactlyInAnyOrder(RoleState.DIRECT, arn);

            ContainmentReport functionReleased = engine.release(arn, OPTIONS);
            assertThat(functionReleased.outcome()).as(functionReleased.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(ContainmentPolicy.parse(account.roleSnapshot("shared-role").inline().get(ContainmentPolicy.NAME),
                    role).orElseThrow().denyAll()).isTrue();
            assertThat(TestRecords.verified(account.roleSnapshot("shared-role").tags(), role, RoleState.class).state()
                    .containedFor()).containsExactly(RoleState.DIRECT);

            ContainmentReport roleReleased = engine.release(role, OPTIONS);
            assertThat(roleReleased.outcome()).as(roleReleased.summary()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(account.roleSnapshot("shared-role").withoutInline(ContainmentPolicy.NAME)).isEqualTo(roleBefore);
    }

    @Test
    void contain_unknownFunction_failsClearly_andChangesNothing() {
        String arn = account.function("clean").role(role("clean-role")).reservedConcurrency(2).create();
        FunctionSnapshot before = account.functionSnapshot("clean");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport missing = engine.contain("arn:aws:lambda:us-east-1:111111111111:function:ghost", OPTIONS);

            assertThat(missing.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(entitySteps(missing)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.FAILED);
                assertThat(s.detail()).contains("does not exist");
            });
        }
        assertThat(account.functionSnapshot("clean")).isEqualTo(before);
    }

    @Test
    void release_ofAnUncontainedFunction_changesNothing() {
        String arn = account.function("clean").role(role("clean-role")).reservedConcurrency(2).create();
        FunctionSnapshot before = account.functionSnapshot("clean");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport release = engine.release(arn, OPTIONS);

            assertThat(release.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(entitySteps(release)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                assertThat(s.detail()).contains("not contained");
            });
        }
        assertThat(account.functionSnapshot("clean")).isEqualTo(before);
    }

    @Test
    void dryRun_makesOnlyReadCalls_andChangesNothing() {
        String role = account.role("dry-role").typical().create();
        String arn = account.function("dry").role(role).reservedConcurrency(4).create();
        FunctionSnapshot before = account.functionSnapshot("dry");
        IamSnapshot roleBefore = account.roleSnapshot("dry-role");
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(calls).build()) {
            ContainmentReport report = engine.contain(arn, OPTIONS.withDryRun(true));
            assertThat(entitySteps(report)).extracting(StepResult::status).containsOnly(StepStatus.SKIPPED);
        }
        assertThat(calls.actions()).allMatch(a -> a.matches("(iam|lambda):(Get|List)\\w+|sts:AssumeRole"), "read-only")
                .contains("lambda:GetFunction", "lambda:GetFunctionConcurrency", "iam:GetRole", "iam:GetRolePolicy");
        assertThat(account.functionSnapshot("dry")).isEqualTo(before);
        assertThat(account.roleSnapshot("dry-role")).isEqualTo(roleBefore);
    }

    @Test
    void twoConcurrentContainments_endInTheSameStateAsOne() {
        String arn = account.function("raced").role(account.role("raced-role").typical().create()).reservedConcurrency(7).create();
        String single = account.function("calm").role(account.role("calm-role").typical().create()).reservedConcurrency(7).create();
        try (LockdownEngine first = TestEngine.on(estate); LockdownEngine second = TestEngine.on(estate)) {
            CompletableFuture<ContainmentReport> a = CompletableFuture.supplyAsync(() -> first.contain(arn, OPTIONS));
            CompletableFuture<ContainmentReport> b = CompletableFuture.supplyAsync(() -> second.contain(arn, OPTIONS));
            assertThat(a.join().outcome()).as(a.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(b.join().outcome()).as(b.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            first.contain(single, OPTIONS);
            var raced = TestRecords.verified(account.functionSnapshot("raced").tags(), arn, FunctionState.class);
            var calm = TestRecords.verified(account.functionSnapshot("calm").tags(), single, FunctionState.class);
            assertThat(raced.state().reservedConcurrency()).isEqualTo(calm.state().reservedConcurrency()).isEqualTo(7);
            assertThat(first.release(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(account.functionSnapshot("raced").reserved()).isEqualTo(7);
    }
}
