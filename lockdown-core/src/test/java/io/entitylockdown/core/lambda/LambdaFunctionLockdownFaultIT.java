package io.entitylockdown.core.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.Fault;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The product's LambdaFunctionLockdown with Lambda's REST API throttled (429 TooManyRequestsException)
 * by {@link FaultProxy}: retried throttling ends in a verified containment; throttling that outlasts
 * the retries fails the concurrency step alone, and the execution role is still denied.
 */
@ExtendWith(MotoExtension.class)
class LambdaFunctionLockdownFaultIT {
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
        arn = account.function("exporter").role(account.role("exporter-role").typical().create()).reservedConcurrency(5)
                .create();
    }

    @AfterEach
    void tearDown() {
        proxy.close();
    }

    private ContainmentReport contain(int attempts) {
        try (LockdownEngine engine = TestEngine.builder(estate).endpoint(proxy.endpoint())
                .timeouts(Duration.ofSeconds(30), Duration.ofSeconds(120), attempts).build()) {
            return engine.contain(arn, OPTIONS);
        }
    }

    private static StepResult step(ContainmentReport report, String name) {
        return report.step(name).orElseThrow(() -> new AssertionError("no step " + name + " in " + report.steps()));
    }

    @Test
    void contain_whenLambdaThrottles_isRetried_andSucceedsVerified() {
        FaultProxy.Rule put = proxy.inject("lambda:PutFunctionConcurrency", Fault.throttling(), 2);
        FaultProxy.Rule tag = proxy.inject("lambda:TagResource", Fault.serverError(500), 1);

        ContainmentReport report = contain(3);

        assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(report.verified()).isTrue();
        assertThat(step(report, "reserved-concurrency-zero").status()).isEqualTo(StepStatus.DONE);
        assertThat(put.applied()).isEqualTo(2);
        assertThat(tag.applied()).isEqualTo(1);
        assertThat(proxy.requests("lambda:PutFunctionConcurrency")).isEqualTo(3);
        assertThat(account.functionSnapshot("exporter").reserved()).isZero();
    }

    @Test
    void contain_whenLambdaThrottlingOutlastsTheRetries_theRoleIsStillDenied() {
        proxy.inject("lambda:PutFunctionConcurrency", Fault.throttling());

        ContainmentReport report = contain(2);

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
        assertThat(account.functionSnapshot("exporter").reserved()).isEqualTo(5);
        assertThat(account.roleSnapshot("exporter-role").inline()).containsKey(ContainmentPolicy.NAME);
    }
}
