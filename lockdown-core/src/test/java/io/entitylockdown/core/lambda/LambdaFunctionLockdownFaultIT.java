package io.entitylockdown.core.lambda;

import static io.entitylockdown.core.iam.IamFixtures.ACCOUNT;
import static io.entitylockdown.core.iam.IamFixtures.OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.iam.IamFixtures;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.Fault;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The product's LambdaFunctionLockdown with Lambda's REST API throttled (429 TooManyRequestsException)
 * by {@link FaultProxy}: retried throttling ends in a verified containment; throttling that outlasts
 * the retries fails the concurrency step alone, and the execution role is still denied.
 */
@ExtendWith(MotoExtension.class)
class LambdaFunctionLockdownFaultIT {

    private FaultProxy proxy;
    private AccountSessions setup;
    private IamClient iam;
    private LambdaClient lambda;
    private String arn;

    @BeforeEach
    void setUp(MotoServer moto) {
        proxy = FaultProxy.start(moto.endpoint());
        setup = TestAws.setupSessions(moto);
        iam = IamFixtures.iam(setup, ACCOUNT);
        lambda = LambdaFixtures.lambda(setup, ACCOUNT, "us-east-1");
        arn = LambdaFixtures.createFunction(lambda, "exporter", IamFixtures.createRole(iam, "/", "exporter-role"), 5);
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        setup.close();
    }

    private ContainmentReport contain(MotoServer moto, int attempts) {
        AwsSettings settings = TestAws.engineSettings(moto).withEndpoint(proxy.endpoint())
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(120), attempts);
        try (LockdownEngine engine = LockdownEngine.builder()
                .sessions(new AccountSessions(settings, Access.memberRole(TestAws.MEMBER_ROLE, TestAws.EXTERNAL_ID)))
                .guardrails(Guardrails.minimal(TestAws.MEMBER_ROLE)).recordKey(TestAws.RECORD_KEY).build()) {
            return engine.contain(arn, OPTIONS);
        }
    }

    private static StepResult step(ContainmentReport report, String name) {
        return report.step(name).orElseThrow(() -> new AssertionError("no step " + name + " in " + report.steps()));
    }

    @Test
    void contain_whenLambdaThrottles_isRetried_andSucceedsVerified(MotoServer moto) {
        FaultProxy.Rule put = proxy.inject("lambda:PutFunctionConcurrency", Fault.throttling(), 2);
        FaultProxy.Rule tag = proxy.inject("lambda:TagResource", Fault.serverError(500), 1);

        ContainmentReport report = contain(moto, 3);

        assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.verified()).isTrue();
        assertThat(step(report, "reserved-concurrency-zero").status()).isEqualTo(StepStatus.DONE);
        assertThat(put.applied()).isEqualTo(2);
        assertThat(tag.applied()).isEqualTo(1);
        assertThat(proxy.requests("lambda:PutFunctionConcurrency")).isEqualTo(3);
        assertThat(LambdaFixtures.snapshot(lambda, "exporter").reserved()).isZero();
    }

    @Test
    void contain_whenLambdaThrottlingOutlastsTheRetries_theRoleIsStillDenied(MotoServer moto) {
        proxy.inject("lambda:PutFunctionConcurrency", Fault.throttling());

        ContainmentReport report = contain(moto, 2);

        assertThat(report.outcome()).isEqualTo(Outcome.PARTIAL);
        assertThat(step(report, "reserved-concurrency-zero").status()).isEqualTo(StepStatus.FAILED);
        assertThat(step(report, "reserved-concurrency-zero").detail())
                .isEqualTo("TooManyRequestsException: Rate exceeded (AWS kept throttling lambda:PutFunctionConcurrency "
                        + "after 2 attempts; wait a minute and run the command again, it is idempotent)");
        assertThat(report.steps()).filteredOn(s -> s.step().startsWith("role-"))
                .isNotEmpty()
                .extracting(StepResult::status).doesNotContain(StepStatus.FAILED);
        assertThat(report.verified()).isFalse();
        assertThat(proxy.requests("lambda:PutFunctionConcurrency")).isEqualTo(2);
        assertThat(LambdaFixtures.snapshot(lambda, "exporter").reserved()).isEqualTo(5);
        assertThat(IamFixtures.role(iam, "exporter-role").inline()).containsKey(ContainmentPolicy.NAME);
    }
}
