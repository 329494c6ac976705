package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.TestRecords;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

@ExtendWith(MotoExtension.class)
class IamRoleLockdownIT {
    private static final String DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";
    private static final String NAME = ContainmentPolicy.NAME;
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();
    private MotoEstate estate;
    private EstateAccount account;
    private IamClient iam;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        this.account = estate.account();
        this.iam = account.iam();
    }

    private String deployer() {
        String arn = account.role("deployer").path("/service-role/deploy/").typical().create();
        assertThat(arn).isEqualTo("arn:aws:iam::111111111111:role/service-role/deploy/deployer");
        return arn;
    }

    @Test
    void contain_deniesTheRole_keepsItsPolicies_andSignsTheRecord() {
        String arn = deployer();
        IamSnapshot before = account.roleSnapshot("deployer");

        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport contained = engine.contain(arn, OPTIONS);

            assertThat(contained.outcome()).as(contained.summary() + contained.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
        }
        IamSnapshot during = account.roleSnapshot("deployer");
        assertThat(during.attached()).isEqualTo(before.attached());
        assertThat(IamUserLockdownIT.form(during, arn).denyAll()).isTrue();
        var record = TestRecords.verified(during.tags(), arn, RoleState.class);
        assertThat(record.state().containedFor()).containsExactly(RoleState.DIRECT);
    }

    @Test
    void containAgain_changesNothingButTheCutOff() {
        String arn = deployer();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);
            IamSnapshot during = account.roleSnapshot("deployer");

            ContainmentReport again = engine.contain(arn, OPTIONS);

            assertThat(IamUserLockdownIT.entitySteps(again)).filteredOn(s -> !s.step().equals("deny-all"))
                    .extracting(StepResult::status).containsOnly(StepStatus.ALREADY);
            assertThat(account.roleSnapshot("deployer").withoutInline(NAME)).isEqualTo(during.withoutInline(NAME));
        }
    }

    @Test
    void release_restoresThePriorState_andKeepsTheRevocation() {
        String arn = deployer();
        IamSnapshot before = account.roleSnapshot("deployer");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);

            ContainmentReport released = engine.release(arn, OPTIONS);

            assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
            assertThat(released.notes()).anySatisfy(n -> assertThat(n).contains("Kept the session revocation"));
        }
        IamSnapshot after = account.roleSnapshot("deployer");
        assertThat(IamUserLockdownIT.form(after, arn).denyAll()).isFalse();
        assertThat(after.withoutInline(NAME)).isEqualTo(before);
    }


    /** A second containment moves the session cut-off; release still finds the first prior state. */
    @Test
    void releaseAfterASecondContainment_restoresThePriorStateOfTheFirst() {
        String arn = deployer();
        IamSnapshot before = account.roleSnapshot("deployer");
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);

            ContainmentReport released = engine.release(arn, OPTIONS);

            assertThat(released.outcome()).as(released.summary() + released.steps()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(released.verified()).isTrue();
        }
        IamSnapshot after = account.roleSnapshot("deployer");
        assertThat(IamUserLockdownIT.form(after, arn).denyAll()).isFalse();
        assertThat(after.withoutInline(NAME)).isEqualTo(before);
    }

    @Test
    void release_leavesAnAWSDenyAllThatWasAttachedBeforeContainment() {
        String arn = account.role("already-denied").typical().managedPolicy(DENY_ALL).create();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);
            ContainmentReport released = engine.release(arn, OPTIONS);
            assertThat(released.outcome()).as(released.summary()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(account.roleSnapshot("already-denied").attached()).contains(DENY_ALL);
    }

    @Test
    void contain_inASecondAccount_throughItsMemberRole() {
        EstateAccount other = estate.account(MotoEstate.OTHER_ACCOUNT);
        String arn = other.role("worker").typical().create();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
        }
        assertThat(IamUserLockdownIT.form(other.roleSnapshot("worker"), arn).denyAll()).isTrue();
        assertThat(other.roleSnapshot("worker").tags()).containsKey(EntityRecords.MARKER);
    }

    @Test
    void serviceLinkedRole_isRefused_withNothingChanged() {
        iam.createServiceLinkedRole(b -> b.awsServiceName("autoscaling.amazonaws.com"));
        String name = "AWSServiceRoleForAutoScaling";
        String arn = iam.getRole(b -> b.roleName(name)).role().arn();
        assertThat(arn).contains(":role/aws-service-role/");
        IamSnapshot before = account.roleSnapshot(name);
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport report = engine.contain(arn, OPTIONS);
            assertThat(report.outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(report.outcome().exitCode()).isEqualTo(3);
            assertThat(report.steps()).singleElement().satisfies(s -> assertThat(s.detail()).contains("service-linked role"));
        }
        assertThat(account.roleSnapshot(name)).isEqualTo(before);
    }

    @Test
    void protectedRole_isRefused_withNothingChanged() {
        String arn = account.role("SecurityAudit").typical().create();
        IamSnapshot before = account.roleSnapshot("SecurityAudit");
        Guardrails guardrails = Guardrails.of(List.of(arn), List.of(), List.of(), MotoEstate.MEMBER_ROLE);
        try (LockdownEngine engine = TestEngine.builder(estate).guardrails(guardrails).build()) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.REFUSED);
        }
        assertThat(account.roleSnapshot("SecurityAudit")).isEqualTo(before);
    }

    @Test
    void twoConcurrentContainments_endInTheSameStateAsOne() {
        String arn = account.role("twice").typical().create();
        String single = account.role("once").typical().create();
        try (LockdownEngine first = TestEngine.on(estate); LockdownEngine second = TestEngine.on(estate)) {
            CompletableFuture<ContainmentReport> a = CompletableFuture.supplyAsync(() -> first.contain(arn, OPTIONS));
            CompletableFuture<ContainmentReport> b = CompletableFuture.supplyAsync(() -> second.contain(arn, OPTIONS));
            assertThat(a.join().outcome()).as(a.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(b.join().outcome()).as(b.join().summary()).isEqualTo(Outcome.SUCCEEDED);
            first.contain(single, OPTIONS);
        }
        IamSnapshot twice = account.roleSnapshot("twice");
        IamSnapshot once = account.roleSnapshot("once");
        assertThat(twice.attached()).isEqualTo(once.attached());
        assertThat(twice.inline().keySet()).isEqualTo(once.inline().keySet());
        assertThat(TestRecords.verified(twice.tags(), arn, RoleState.class).state())
                .isEqualTo(TestRecords.verified(once.tags(), single, RoleState.class).state());
    }
}
