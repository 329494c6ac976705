package io.entitylockdown.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.StateTags;
import io.entitylockdown.core.strategy.StrategyRegistry;
import io.entitylockdown.testkit.Fault;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;

/**
 * Faults injected between the SDK and moto by {@link FaultProxy}: what the SDK retries ends in a
 * containment that succeeds; what outlasts the retries is one failed step that does not stop the
 * others; a member role that cannot be assumed changes nothing. Written against a test-only
 * strategy so that each fault hits a known call.
 */
@ExtendWith(MotoExtension.class)
class FaultInjectionIT {
    private static final String ACCOUNT = "111111111111";
    private static final String USER_ARN = "arn:aws:iam::" + ACCOUNT + ":user/mallory";
    private static final String DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";
    /**
     * Short, to keep the timeout test fast, yet above what moto needs for one call on a loaded build
     * machine. Tests without a held request use {@link #PATIENT}, so a slow moto cannot add retries.
     */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration PATIENT = Duration.ofSeconds(15);
    private static final Duration HOLD = Duration.ofSeconds(12);

    private FaultProxy proxy;
    private AccountSessions setup;
    private IamClient setupIam;
    private String accessKeyId;

    @BeforeEach
    void start(MotoServer moto) {
        proxy = FaultProxy.start(moto.endpoint());
        setup = TestAws.setupSessions(moto);
        setupIam = setup.forEntity(EntityArn.parse(USER_ARN)).iam();
        setupIam.createUser(b -> b.userName("mallory"));
        accessKeyId = setupIam.createAccessKey(b -> b.userName("mallory")).accessKey().accessKeyId();
    }

    @AfterEach
    void stop() {
        proxy.close();
        setup.close();
    }

    private LockdownEngine engine(MotoServer moto, int attempts, Duration attemptTimeout) {
        AwsSettings settings = TestAws.setupSettings(moto).withEndpoint(proxy.endpoint())
                .withTimeouts(attemptTimeout, Duration.ofSeconds(60), attempts);
        return new LockdownEngine(new AccountSessions(settings, Access.memberRole(TestAws.MEMBER_ROLE, TestAws.EXTERNAL_ID)),
                Guardrails.minimal(TestAws.MEMBER_ROLE), StrategyRegistry.of(new TestOnlyUserLockdown()),
                Clock.systemUTC(), null);
    }

    private ContainmentReport contain(MotoServer moto, int attempts, Duration attemptTimeout) {
        try (LockdownEngine engine = engine(moto, attempts, attemptTimeout)) {
            return engine.contain(USER_ARN, ContainmentOptions.defaults());
        }
    }

    private StepResult step(ContainmentReport report, String name) {
        return report.step(name).orElseThrow(() -> new AssertionError("no step " + name + " in " + report.steps()));
    }

    private boolean denyAllAttached() {
        return setupIam.listAttachedUserPolicies(b -> b.userName("mallory")).attachedPolicies().stream()
                .anyMatch(p -> p.policyArn().equals(DENY_ALL));
    }

    private StatusType keyStatus() {
        return setupIam.listAccessKeys(b -> b.userName("mallory")).accessKeyMetadata().stream()
                .filter(k -> k.accessKeyId().equals(accessKeyId)).findFirst().orElseThrow().status();
    }

    @Test
    void contain_whenStsAndIamThrottle_isRetriedBySdk_andSucceeds(MotoServer moto) {
        FaultProxy.Rule assume = proxy.inject("sts:AssumeRole", Fault.throttling(), 1);
        FaultProxy.Rule attach = proxy.inject("iam:AttachUserPolicy", Fault.throttling(), 2);

        ContainmentReport report = contain(moto, 3, PATIENT);

        assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.verified()).isTrue();
        assertThat(step(report, "assume-member-role").status()).isEqualTo(StepStatus.DONE);
        assertThat(assume.applied()).isEqualTo(1);
        assertThat(attach.applied()).isEqualTo(2);
        assertThat(proxy.requests("sts:AssumeRole")).isEqualTo(2);
        assertThat(proxy.requests("iam:AttachUserPolicy")).isEqualTo(3);
        assertThat(denyAllAttached()).isTrue();
        assertThat(keyStatus()).isEqualTo(StatusType.INACTIVE);
    }

    @Test
    void contain_whenA5xxBurstAndASlowAnswerHitSeveralCalls_isRetried_andSucceeds(MotoServer moto) {
        proxy.inject("iam:TagUser", Fault.serverError(503), 2);
        proxy.inject("iam:ListAccessKeys", Fault.serverError(500), 1);
        proxy.inject("iam:ListAccessKeys", Fault.slowResponse(Duration.ofMillis(300)), 1);
        proxy.inject("iam:UpdateAccessKey", Fault.serverError(502), 2);

        ContainmentReport report = contain(moto, 3, PATIENT);

        assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.steps()).extracting(StepResult::status).containsOnly(StepStatus.DONE);
        assertThat(proxy.requests("iam:TagUser")).isEqualTo(3);
        assertThat(proxy.requests("iam:ListAccessKeys")).isEqualTo(2);
        assertThat(proxy.requests("iam:UpdateAccessKey")).isEqualTo(3);
        assertThat(setupIam.listUserTags(b -> b.userName("mallory")).tags())
                .anySatisfy(t -> assertThat(t.key()).isEqualTo(StateTags.CONTAINED_AT));
        assertThat(keyStatus()).isEqualTo(StatusType.INACTIVE);
    }

    @Test
    void contain_whenFaultsOutlastTheRetries_failsThoseStepsClearly_andTheNextStepsRun(MotoServer moto) {
        proxy.inject("iam:TagUser", Fault.serverError(503));
        proxy.inject("iam:AttachUserPolicy", Fault.noResponse(HOLD));

        ContainmentReport report = contain(moto, 2, ATTEMPT_TIMEOUT);

        assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
        assertThat(step(report, "tag-marker").status()).isEqualTo(StepStatus.FAILED);
        assertThat(step(report, "tag-marker").detail())
                .startsWith("ServiceUnavailable: Injected server error 503 (AWS failed iam:TagUser after 2 attempts");
        StepResult attach = step(report, "attach-deny-all");
        assertThat(attach.status()).isEqualTo(StepStatus.FAILED);
        assertThat(attach.detail())
                .startsWith("timed out: AWS did not answer iam:AttachUserPolicy in time")
                .contains("may or may not have been made", "run the command again")
                .doesNotContain("Exception", "\tat ");
        assertThat(step(report, "deactivate-keys").status()).isEqualTo(StepStatus.DONE);
        assertThat(report.verified()).isFalse();
        assertThat(proxy.requests("iam:TagUser")).isEqualTo(2);
        assertThat(proxy.requests("iam:AttachUserPolicy")).isEqualTo(2);
        assertThat(keyStatus()).isEqualTo(StatusType.INACTIVE);
        assertThat(denyAllAttached()).isFalse();
        assertThat(attach.durationMs()).as("two attempts of %s, not the hold of %s", ATTEMPT_TIMEOUT, HOLD)
                .isBetween(2 * ATTEMPT_TIMEOUT.toMillis() - 100, HOLD.toMillis() - 1000);
    }

    @Test
    void contain_whenTheMemberRoleCannotBeAssumed_failsAndChangesNothing(MotoServer moto) {
        // moto's AssumeRole does not check that the role exists; AWS answers a missing role (or a
        // trust policy without this caller, or a wrong ExternalId) with this 403.
        proxy.inject("sts:AssumeRole", Fault.awsError(403, "AccessDenied", "User: arn:aws:iam::123456789012:user/responder "
                + "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + ACCOUNT
                + ":role/EntityLockdownMemberRole"));

        ContainmentReport report = contain(moto, 3, PATIENT);

        assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.steps()).singleElement().satisfies(step -> {
            assertThat(step.step()).isEqualTo("assume-member-role");
            assertThat(step.status()).isEqualTo(StepStatus.FAILED);
            assertThat(step.detail()).startsWith("AccessDenied: User: arn:aws:iam::123456789012:user/responder")
                    .contains("the acting role needs sts:AssumeRole");
        });
        assertThat(report.notes()).singleElement().asString()
                .contains("Nothing was changed", "account " + ACCOUNT, "ExternalId matches");
        assertThat(report.releaseCommand()).isNull();
        assertThat(proxy.requests("sts:AssumeRole")).as("AccessDenied is not retried").isEqualTo(1);
        assertThat(proxy.requests("iam:*")).isZero();
        assertThat(denyAllAttached()).isFalse();
        assertThat(keyStatus()).isEqualTo(StatusType.ACTIVE);
        assertThat(setupIam.listUserTags(b -> b.userName("mallory")).tags()).isEmpty();
    }
}
