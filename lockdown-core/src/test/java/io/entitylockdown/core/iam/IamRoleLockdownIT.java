package io.entitylockdown.core.iam;

import static io.entitylockdown.core.iam.IamFixtures.ACCOUNT;
import static io.entitylockdown.core.iam.IamFixtures.OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

@ExtendWith(MotoExtension.class)
class IamRoleLockdownIT {
    private static final String DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";
    private static final String NAME = ContainmentPolicy.NAME;
    private AccountSessions setup;
    private IamClient iam;

    @BeforeEach
    void setUp(MotoServer moto) {
        setup = IamFixtures.setupSessions(moto);
        iam = IamFixtures.iam(setup, ACCOUNT);
    }

    @AfterEach
    void tearDown() {
        setup.close();
    }

    @Test
    void contain_verify_containAgain_release_restoresThePriorState(MotoServer moto) {
        String arn = IamFixtures.createRole(iam, "/service-role/deploy/", "deployer");
        assertThat(arn).isEqualTo("arn:aws:iam::111111111111:role/service-role/deploy/deployer");
        IamFixtures.Snapshot before = IamFixtures.role(iam, "deployer");

        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport contained = engine.contain(arn, OPTIONS);
            assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
            IamFixtures.Snapshot during = IamFixtures.role(iam, "deployer");
            assertThat(during.attached()).isEqualTo(before.attached());
            assertThat(IamUserLockdownIT.form(during, arn).denyAll()).isTrue();
            var record = TestRecords.verified(during.tags(), arn, RoleState.class);
            assertThat(record.state().containedFor()).containsExactly(RoleState.DIRECT);

            ContainmentReport again = engine.contain(arn, OPTIONS);
            assertThat(IamUserLockdownIT.entitySteps(again)).filteredOn(s -> !s.step().equals("deny-all"))
                    .extracting(StepResult::status).containsOnly(StepStatus.ALREADY);
            assertThat(IamFixtures.role(iam, "deployer").withoutInline(NAME)).isEqualTo(during.withoutInline(NAME));

            ContainmentReport released = engine.release(arn, OPTIONS);
            assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
            assertThat(released.notes()).anySatisfy(n -> assertThat(n).contains("Kept the session revocation"));
        }
        IamFixtures.Snapshot after = IamFixtures.role(iam, "deployer");
        assertThat(IamUserLockdownIT.form(after, arn).denyAll()).isFalse();
        assertThat(after.withoutInline(NAME)).isEqualTo(before);
    }

    @Test
    void release_leavesAnAWSDenyAllThatWasAttachedBeforeContainment(MotoServer moto) {
        String arn = IamFixtures.createRole(iam, "/", "already-denied");
        iam.attachRolePolicy(b -> b.roleName("already-denied").policyArn(DENY_ALL));
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            engine.contain(arn, OPTIONS);
            ContainmentReport released = engine.release(arn, OPTIONS);
            assertThat(released.outcome()).as(released.summary()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(IamFixtures.role(iam, "already-denied").attached()).contains(DENY_ALL);
    }

    @Test
    void contain_inASecondAccount_throughItsMemberRole(MotoServer moto) {
        IamClient other = IamFixtures.iam(setup, IamFixtures.OTHER_ACCOUNT);
        String arn = IamFixtures.createRole(other, "/", "worker");
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(IamUserLockdownIT.form(IamFixtures.role(other, "worker"), arn).denyAll()).isTrue();
        assertThat(IamFixtures.role(other, "worker").tags()).containsKey(EntityRecords.MARKER);
    }

    @Test
    void serviceLinkedRole_isRefused_withNothingChanged(MotoServer moto) {
        iam.createServiceLinkedRole(b -> b.awsServiceName("autoscaling.amazonaws.com"));
        String name = "AWSServiceRoleForAutoScaling";
        String arn = iam.getRole(b -> b.roleName(name)).role().arn();
        assertThat(arn).contains(":role/aws-service-role/");
        IamFixtures.Snapshot before = IamFixtures.role(iam, name);
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto)) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(report.outcome().exitCode()).isEqualTo(3);
            assertThat(report.steps()).singleElement().satisfies(s -> assertThat(s.detail()).contains("service-linked role"));
        }
        assertThat(IamFixtures.role(iam, name)).isEqualTo(before);
    }

    @Test
    void protectedRole_isRefused_withNothingChanged(MotoServer moto) {
        String arn = IamFixtures.createRole(iam, "/", "SecurityAudit");
        IamFixtures.Snapshot before = IamFixtures.role(iam, "SecurityAudit");
        Guardrails guardrails = Guardrails.of(List.of(arn), List.of(), List.of(), TestAws.MEMBER_ROLE);
        try (LockdownEngine engine = TestAws.memberRoleEngine(moto, guardrails)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.REFUSED);
        }
        assertThat(IamFixtures.role(iam, "SecurityAudit")).isEqualTo(before);
    }

    @Test
    void twoConcurrentContainments_endInTheSameStateAsOne(MotoServer moto) {
        String arn = IamFixtures.createRole(iam, "/", "twice");
        String single = IamFixtures.createRole(iam, "/", "once");
        try (LockdownEngine first = TestAws.memberRoleEngine(moto); LockdownEngine second = TestAws.memberRoleEngine(moto)) {
            CompletableFuture<ContainmentReport> a = CompletableFuture.supplyAsync(() -> first.contain(arn, OPTIONS));
            CompletableFuture<ContainmentReport> b = CompletableFuture.supplyAsync(() -> second.contain(arn, OPTIONS));
            assertThat(a.join().outcome()).as(a.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(b.join().outcome()).as(b.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            first.contain(single, OPTIONS);
        }
        IamFixtures.Snapshot twice = IamFixtures.role(iam, "twice");
        IamFixtures.Snapshot once = IamFixtures.role(iam, "once");
        assertThat(twice.attached()).isEqualTo(once.attached());
        assertThat(twice.inline().keySet()).isEqualTo(once.inline().keySet());
        assertThat(TestRecords.verified(twice.tags(), arn, RoleState.class).state())
                .isEqualTo(TestRecords.verified(once.tags(), single, RoleState.class).state());
    }
}
