package io.entitylockdown.core.iam;

import static io.entitylockdown.testkit.MotoEstate.ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.Fault;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The product's IamUserLockdown with faults injected between the SDK and moto by {@link FaultProxy}:
 * what the SDK retries ends in a verified containment; what outlasts the retries fails only its own
 * step, with a sentence that says so, and a rerun completes it; a member role that cannot be assumed
 * changes nothing.
 */
@ExtendWith(MotoExtension.class)
class IamUserLockdownFaultIT {
    /**
     * Short attempts only where a request is held: on a loaded build machine a moto call can take over
     * a second, and an unplanned retry would change the counts these tests assert.
     */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration PATIENT = Duration.ofSeconds(30);
    private static final Duration HOLD = Duration.ofSeconds(12);

    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();

    private FaultProxy proxy;
    private MotoEstate estate;
    private EstateAccount account;
    private String arn;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        this.account = estate.account();
        proxy = FaultProxy.start(estate.endpoint());
        arn = account.user("mallory").path("/ops/").typical().create().arn();
    }

    @AfterEach
    void tearDown() {
        proxy.close();
    }

    private ContainmentReport contain(int attempts, Duration attemptTimeout) {
        try (LockdownEngine engine = TestEngine.builder(estate).endpoint(proxy.endpoint())
                .timeouts(attemptTimeout, Duration.ofSeconds(120), attempts).build()) {
            return engine.contain(arn, OPTIONS);
        }
    }

    private static StepResult step(ContainmentReport report, String name) {
        return report.step(name).orElseThrow(() -> new AssertionError("no step " + name + " in " + report.steps()));
    }

    @Test
    void contain_whenStsAndIamThrottleOrFailWith5xx_isRetried_andSucceedsVerified() {
        FaultProxy.Rule assume = proxy.inject("sts:AssumeRole", Fault.throttling(), 1);
        proxy.inject("iam:ListAccessKeys", Fault.slowResponse(Duration.ofMillis(300)), 1);
        FaultProxy.Rule deny = proxy.inject("iam:PutUserPolicy", Fault.throttling(), 2);
        FaultProxy.Rule keys = proxy.inject("iam:UpdateAccessKey", Fault.throttling(), 1);
        FaultProxy.Rule record = proxy.inject("iam:TagUser", Fault.serverError(503), 2);

        ContainmentReport report = contain(3, PATIENT);

        assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.verified()).isTrue();
        assertThat(IamUserLockdownIT.entitySteps(report)).extracting(StepResult::status).containsOnly(StepStatus.DONE);
        assertThat(step(report, "assume-member-role").status()).isEqualTo(StepStatus.DONE);
        assertThat(assume.applied()).isEqualTo(1);
        assertThat(deny.applied()).isEqualTo(2);
        assertThat(keys.applied()).isEqualTo(1);
        assertThat(record.applied()).isEqualTo(2);
        IamSnapshot after = account.userSnapshot("mallory");
        assertThat(IamUserLockdownIT.form(after, arn).denyAll()).isTrue();
        assertThat(after.keys().values()).containsOnly("Inactive");
    }

    /** The first run of the two tests below: PutUserPolicy never answered, TagUser failing beyond the retries. */
    private ContainmentReport containWhileFaultsOutlastTheRetries() {
        proxy.inject("iam:PutUserPolicy", Fault.noResponse(HOLD));
        proxy.inject("iam:TagUser", Fault.serverError(503));
        return contain(2, ATTEMPT_TIMEOUT);
    }

    @Test
    void contain_whenFaultsOutlastTheRetries_thoseStepsFail_andTheOthersRun() {
        ContainmentReport first = containWhileFaultsOutlastTheRetries();

        assertThat(first.outcome()).isEqualTo(Outcome.PARTIAL);
        assertThat(step(first, "deny-all").status()).isEqualTo(StepStatus.FAILED);
        assertThat(step(first, "deny-all").detail())
                .startsWith("timed out: AWS did not answer iam:PutUserPolicy in time")
                .contains("may or may not have been made", "run the command again")
                .doesNotContain("Exception", "\tat ");
        assertThat(step(first, "record-state").status()).isEqualTo(StepStatus.FAILED);
        assertThat(step(first, "record-state").detail())
                .startsWith("ServiceUnavailable: Injected server error 503 (AWS failed iam:TagUser after 2 attempts");
        assertThat(step(first, "deactivate-access-keys").status()).isEqualTo(StepStatus.DONE);
        assertThat(first.verified()).isFalse();
        assertThat(first.notes()).anySatisfy(n -> assertThat(n).contains("is in this report only"));
        assertThat(proxy.requests("iam:PutUserPolicy")).isEqualTo(2);
        assertThat(proxy.requests("iam:TagUser")).isEqualTo(2);
        IamSnapshot during = account.userSnapshot("mallory");
        assertThat(during.inline()).doesNotContainKey(ContainmentPolicy.NAME);
        assertThat(during.keys().values()).containsOnly("Inactive");
    }

    @Test
    void containAgain_afterFaultsOutlastedTheRetries_completesTheMissingSteps() {
        containWhileFaultsOutlastTheRetries();
        proxy.clearRules();

        ContainmentReport second = contain(3, PATIENT);

        assertThat(second.outcome()).as(second.summary()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(second.verified()).isTrue();
        assertThat(step(second, "deny-all").status()).isEqualTo(StepStatus.DONE);
        assertThat(step(second, "deactivate-access-keys").status()).isEqualTo(StepStatus.ALREADY);
        assertThat(step(second, "record-state").status()).isEqualTo(StepStatus.DONE);
        assertThat(IamUserLockdownIT.form(account.userSnapshot("mallory"), arn).denyAll()).isTrue();
    }

    @Test
    void contain_whenTheMemberRoleCannotBeAssumed_changesNothing() {
        IamSnapshot before = account.userSnapshot("mallory");
        proxy.inject("sts:AssumeRole", Fault.awsError(403, "AccessDenied", "User: arn:aws:iam::123456789012:user/responder "
                + "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + ACCOUNT
                + ":role/EntityLockdownMemberRole"));

        ContainmentReport report = contain(3, PATIENT);

        assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.steps()).singleElement().satisfies(step -> {
            assertThat(step.step()).isEqualTo("assume-member-role");
            assertThat(step.status()).isEqualTo(StepStatus.FAILED);
            assertThat(step.detail()).startsWith("AccessDenied:").contains("needs sts:AssumeRole");
        });
        assertThat(report.notes()).singleElement().asString()
                .contains("Nothing was changed", "account " + ACCOUNT, "ExternalId matches");
        assertThat(report.releaseCommand()).isNull();
        assertThat(proxy.requests("sts:AssumeRole")).as("AccessDenied is not retried").isEqualTo(1);
        assertThat(proxy.requests("iam:*")).isZero();
        assertThat(account.userSnapshot("mallory")).isEqualTo(before);
    }
}
