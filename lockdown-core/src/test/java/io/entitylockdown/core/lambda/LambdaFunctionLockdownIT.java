package io.entitylockdown.core.lambda;

import static io.entitylockdown.core.iam.IamFixtures.ACCOUNT;
import static io.entitylockdown.core.iam.IamFixtures.OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.iam.IamFixtures;
import io.entitylockdown.core.iam.RoleState;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

@ExtendWith(MotoExtension.class)
class LambdaFunctionLockdownIT {
    private AccountSessions setup;
    private IamClient iam;
    private LambdaClient lambda;

    @BeforeEach
    void setUp(MotoServer moto) {
        setup = IamFixtures.setupSessions(moto);
        iam = IamFixtures.iam(setup, ACCOUNT);
        lambda = LambdaFixtures.lambda(setup, ACCOUNT, "us-east-1");
    }

    @AfterEach
    void tearDown() {
        setup.close();
    }

    private static List<StepResult> entitySteps(ContainmentReport report) {
        return report.steps().stream().filter(s -> !s.step().equals(ReportBuilder.MEMBER_ROLE_STEP)).toList();
    }

    @Test
    void contain_verify_containAgain_release_restoresThePriorStateExactly(MotoServer moto) {
        String role = IamFixtures.createRole(iam, "/service-role/", "exporter-role");
        String arn = LambdaFixtures.createFunction(lambda, "exporter", role, 5);
        String sibling = LambdaFixtures.createFunction(lambda, "importer", role, null);
        LambdaFixtures.createFunction(lambda, "unrelated", IamFixtures.createRole(iam, "/", "other-role"), null);
        LambdaFixtures.Snapshot before = LambdaFixtures.snapshot(lambda, "exporter");
        IamFixtures.Snapshot roleBefore = IamFixtures.role(iam, "exporter-role");

        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport contained = engine.contain(arn, OPTIONS);
            assertThat(contained.outcome()).as(contained.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
            assertThat(contained.affected()).containsExactly(LambdaFunction.unqualified(sibling));
            assertThat(contained.notes()).anySatisfy(n -> assertThat(n).contains("importer"));
            assertThat(LambdaFixtures.snapshot(lambda, "exporter").reserved()).isZero();
            IamFixtures.Snapshot roleDuring = IamFixtures.role(iam, "exporter-role");
            assertThat(roleDuring.attached()).isEqualTo(roleBefore.attached());
            assertThat(ContainmentPolicy.parse(roleDuring.inline().get(ContainmentPolicy.NAME), role).orElseThrow().denyAll())
                    .isTrue();
            assertThat(TestRecords.verified(roleDuring.tags(), role, RoleState.class).state().containedFor())
                    .containsExactly(arn);
            assertThat(TestRecords.verified(LambdaFixtures.snapshot(lambda, "exporter").tags(), arn, FunctionState.class)
                    .state()).isEqualTo(new FunctionState(5, role));

            LambdaFixtures.Snapshot during = LambdaFixtures.snapshot(lambda, "exporter");
            ContainmentReport again = engine.contain(arn, OPTIONS);
            assertThat(again.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(entitySteps(again)).filteredOn(s -> !s.step().equals("role-deny-all"))
                    .extracting(StepResult::status).containsOnly(StepStatus.ALREADY);
            assertThat(LambdaFixtures.snapshot(lambda, "exporter")).isEqualTo(during);
            assertThat(IamFixtures.role(iam, "exporter-role").withoutInline(ContainmentPolicy.NAME))
                    .isEqualTo(roleDuring.withoutInline(ContainmentPolicy.NAME));

            ContainmentReport status = engine.status(arn);
            assertThat(status.state()).containsEntry("contained", true);

            ContainmentReport released = engine.release(arn, OPTIONS);
            assertThat(released.outcome()).as(released.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
        }
        assertThat(LambdaFixtures.snapshot(lambda, "exporter")).isEqualTo(before);
        assertThat(IamFixtures.role(iam, "exporter-role").withoutInline(ContainmentPolicy.NAME)).isEqualTo(roleBefore);
    }

    @Test
    void release_ofAFunctionWithoutReservedConcurrency_deletesTheReservation(MotoServer moto) {
        String role = IamFixtures.createRole(iam, "/", "free-role");
        String arn = LambdaFixtures.createFunction(lambda, "free", role, null);
        LambdaFixtures.Snapshot before = LambdaFixtures.snapshot(lambda, "free");
        assertThat(before.reserved()).isNull();
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            ContainmentReport released = engine.release(arn, OPTIONS);
            assertThat(released.steps()).filteredOn(s -> s.step().equals("restore-concurrency"))
                    .singleElement().satisfies(s -> assertThat(s.call()).isEqualTo("lambda:DeleteFunctionConcurrency"));
        }
        assertThat(LambdaFixtures.snapshot(lambda, "free")).isEqualTo(before);
    }

    @Test
    void contain_inASecondRegion_andASecondAccount(MotoServer moto) {
        IamClient otherIam = IamFixtures.iam(setup, IamFixtures.OTHER_ACCOUNT);
        LambdaClient west = LambdaFixtures.lambda(setup, IamFixtures.OTHER_ACCOUNT, "us-west-2");
        String arn = LambdaFixtures.createFunction(west, "west-fn", IamFixtures.createRole(otherIam, "/", "west-role"), null);
        assertThat(arn).startsWith("arn:aws:lambda:us-west-2:222222222222:function:");
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.region()).isEqualTo("us-west-2");
        }
        assertThat(LambdaFixtures.snapshot(west, "west-fn").reserved()).isZero();
        assertThat(IamFixtures.role(otherIam, "west-role").inline()).containsKey(ContainmentPolicy.NAME);
    }

    @Test
    void contain_aliasArn_stopsTheWholeFunction_andSaysSo(MotoServer moto) {
        String role = IamFixtures.createRole(iam, "/", "alias-role");
        String arn = LambdaFixtures.createFunction(lambda, "aliased", role, null);
        String version = lambda.publishVersion(b -> b.functionName("aliased")).version();
        String aliasArn = lambda.createAlias(b -> b.functionName("aliased").name("live").functionVersion(version)).aliasArn();
        assertThat(aliasArn).isEqualTo(arn + ":live");
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport report = engine.contain(aliasArn, OPTIONS);
            assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("every version and alias of aliased"));
            assertThat(LambdaFixtures.snapshot(lambda, "aliased").reserved()).isZero();
            assertThat(LambdaFixtures.snapshot(lambda, "aliased").tags()).containsKey(EntityRecords.MARKER);
            assertThat(engine.release(aliasArn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(LambdaFixtures.snapshot(lambda, "aliased").reserved()).isNull();
    }

    @Test
    void protectedExecutionRole_isRefusedForThatStep_butConcurrencyStillDrops_andTheOutcomeIsRefused(MotoServer moto) {
        String role = IamFixtures.createRole(iam, "/", "BreakGlassRole");
        String arn = LambdaFixtures.createFunction(lambda, "guarded", role, null);
        IamFixtures.Snapshot roleBefore = IamFixtures.role(iam, "BreakGlassRole");
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/BreakGlass*"), List.of(), List.of(), TestAws.MEMBER_ROLE);
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto, guardrails)) {
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
        assertThat(LambdaFixtures.snapshot(lambda, "guarded").reserved()).isZero();
        assertThat(IamFixtures.role(iam, "BreakGlassRole")).isEqualTo(roleBefore);
    }

    @Test
    void protectedFunction_isRefused_withNothingChanged(MotoServer moto) {
        String arn = LambdaFixtures.createFunction(lambda, "prod-critical", IamFixtures.createRole(iam, "/", "crit-role"), 3);
        LambdaFixtures.Snapshot before = LambdaFixtures.snapshot(lambda, "prod-critical");
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:lambda:*:*:function:prod-*"), List.of(), List.of(),
                TestAws.MEMBER_ROLE);
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto, guardrails)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.REFUSED);
        }
        assertThat(LambdaFixtures.snapshot(lambda, "prod-critical")).isEqualTo(before);
    }

    @Test
    void roleContainedDirectlyAndForAFunction_staysDeniedUntilBothAreReleased(MotoServer moto) {
        String role = IamFixtures.createRole(iam, "/", "shared-role");
        String arn = LambdaFixtures.createFunction(lambda, "worker", role, null);
        IamFixtures.Snapshot roleBefore = IamFixtures.role(iam, "shared-role");
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            assertThat(engine.contain(role, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(TestRecords.verified(IamFixtures.role(iam, "shared-role").tags(), role, RoleState.class).state()
                    .containedFor()).containsExactlyInAnyOrder(RoleState.DIRECT, arn);

            ContainmentReport functionReleased = engine.release(arn, OPTIONS);
            assertThat(functionReleased.outcome()).as(functionReleased.summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(ContainmentPolicy.parse(IamFixtures.role(iam, "shared-role").inline().get(ContainmentPolicy.NAME),
                    role).orElseThrow().denyAll()).isTrue();
            assertThat(TestRecords.verified(IamFixtures.role(iam, "shared-role").tags(), role, RoleState.class).state()
                    .containedFor()).containsExactly(RoleState.DIRECT);

            ContainmentReport roleReleased = engine.release(role, OPTIONS);
            assertThat(roleReleased.outcome()).as(roleReleased.summary()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(IamFixtures.role(iam, "shared-role").withoutInline(ContainmentPolicy.NAME)).isEqualTo(roleBefore);
    }

    @Test
    void unknownFunction_failsClearly_andReleaseOfAnUncontainedFunctionChangesNothing(MotoServer moto) {
        String arn = LambdaFixtures.createFunction(lambda, "clean", IamFixtures.createRole(iam, "/", "clean-role"), 2);
        LambdaFixtures.Snapshot before = LambdaFixtures.snapshot(lambda, "clean");
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport missing = engine.contain("arn:aws:lambda:us-east-1:111111111111:function:ghost", OPTIONS);
            assertThat(missing.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(entitySteps(missing)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.FAILED);
                assertThat(s.detail()).contains("does not exist");
            });
            ContainmentReport release = engine.release(arn, OPTIONS);
            assertThat(release.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(entitySteps(release)).singleElement().satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                assertThat(s.detail()).contains("not contained");
            });
        }
        assertThat(LambdaFixtures.snapshot(lambda, "clean")).isEqualTo(before);
    }

    @Test
    void dryRun_makesOnlyReadCalls_andChangesNothing(MotoServer moto) {
        String role = IamFixtures.createRole(iam, "/", "dry-role");
        String arn = LambdaFixtures.createFunction(lambda, "dry", role, 4);
        LambdaFixtures.Snapshot before = LambdaFixtures.snapshot(lambda, "dry");
        IamFixtures.Snapshot roleBefore = IamFixtures.role(iam, "dry-role");
        CallRecorder calls = new CallRecorder();
        try (LockdownEngine engine = IamFixtures.engineWith(moto, calls)) {
            ContainmentReport report = engine.contain(arn, OPTIONS.withDryRun(true));
            assertThat(entitySteps(report)).extracting(StepResult::status).containsOnly(StepStatus.SKIPPED);
        }
        assertThat(calls.actions()).allMatch(a -> a.matches("(iam|lambda):(Get|List)\\w+|sts:AssumeRole"), "read-only")
                .contains("lambda:GetFunction", "lambda:GetFunctionConcurrency", "iam:GetRole", "iam:GetRolePolicy");
        assertThat(LambdaFixtures.snapshot(lambda, "dry")).isEqualTo(before);
        assertThat(IamFixtures.role(iam, "dry-role")).isEqualTo(roleBefore);
    }

    @Test
    void twoConcurrentContainments_endInTheSameStateAsOne(MotoServer moto) {
        String arn = LambdaFixtures.createFunction(lambda, "raced", IamFixtures.createRole(iam, "/", "raced-role"), 7);
        String single = LambdaFixtures.createFunction(lambda, "calm", IamFixtures.createRole(iam, "/", "calm-role"), 7);
        try (LockdownEngine first = TestAws.memberRoleEngine(moto); LockdownEngine second = TestAws.memberRoleEngine(moto)) {
            CompletableFuture<ContainmentReport> a = CompletableFuture.supplyAsync(() -> first.contain(arn, OPTIONS));
            CompletableFuture<ContainmentReport> b = CompletableFuture.supplyAsync(() -> second.contain(arn, OPTIONS));
            assertThat(a.join().outcome()).as(a.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(b.join().outcome()).as(b.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            first.contain(single, OPTIONS);
            var raced = TestRecords.verified(LambdaFixtures.snapshot(lambda, "raced").tags(), arn, FunctionState.class);
            var calm = TestRecords.verified(LambdaFixtures.snapshot(lambda, "calm").tags(), single, FunctionState.class);
            assertThat(raced.state().reservedConcurrency()).isEqualTo(calm.state().reservedConcurrency()).isEqualTo(7);
            assertThat(first.release(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(LambdaFixtures.snapshot(lambda, "raced").reserved()).isEqualTo(7);
    }
}
