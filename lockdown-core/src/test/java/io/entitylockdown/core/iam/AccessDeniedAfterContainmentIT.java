package io.entitylockdown.core.iam;

import static io.entitylockdown.core.iam.IamFixtures.OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestAws;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.strategy.Strategies;
import io.entitylockdown.testkit.MotoServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.iam.model.IamException;

/**
 * A stolen access key that worked before containment is denied after it, on a moto that enforces IAM
 * policies. moto counts every request it serves (the readiness probe on /moto-api does not count) and
 * enforces from request number {@link #SET_UP_CALLS} + 1 on; the set-up below makes exactly that many.
 */
class AccessDeniedAfterContainmentIT {
    private static final int SET_UP_CALLS = 6;
    private static MotoServer moto;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(MotoServer.Options.iamEnforcedAfter(SET_UP_CALLS));
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void stolenKey_worksBefore_andIsDeniedAfterContainment() {
        AccessKey admin;
        AccessKey stolen;
        try (IamClient anonymous = iam(AwsBasicCredentials.create("testing", "testing"))) {
            anonymous.createUser(b -> b.userName("responder"));
            anonymous.attachUserPolicy(b -> b.userName("responder").policyArn("arn:aws:iam::aws:policy/AdministratorAccess"));
            admin = anonymous.createAccessKey(b -> b.userName("responder")).accessKey();
            anonymous.createUser(b -> b.userName("victim"));
            anonymous.attachUserPolicy(b -> b.userName("victim").policyArn("arn:aws:iam::aws:policy/IAMReadOnlyAccess"));
            stolen = anonymous.createAccessKey(b -> b.userName("victim")).accessKey();
            // Enforcement is on from here: the placeholder credentials that did the set-up are now rejected.
            assertThatThrownBy(anonymous::listUsers).isInstanceOf(IamException.class);
        }
        try (IamClient attacker = iam(AwsBasicCredentials.create(stolen.accessKeyId(), stolen.secretAccessKey()))) {
            assertThat(attacker.listUsers().users()).extracting(u -> u.userName()).contains("victim");

            AwsSettings settings = new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(admin.accessKeyId(), admin.secretAccessKey())),
                    List.of(TestAws.ENGINE_CALLS), Duration.ofSeconds(10), Duration.ofSeconds(30), 2);
            try (LockdownEngine engine = new LockdownEngine(new AccountSessions(settings, Access.callerCredentials()),
                    Guardrails.minimal(TestAws.MEMBER_ROLE), Strategies.standard(), Clock.systemUTC(), StepListener.NONE)) {
                ContainmentReport report = engine.contain("arn:aws:iam::123456789012:user/victim", OPTIONS);
                assertThat(report.outcome()).as(report.summary()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(report.verified()).isTrue();
            }

            assertThatThrownBy(attacker::listUsers).isInstanceOfSatisfying(IamException.class, e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                // moto wraps the error in <Errors>, which the SDK's IAM parser does not read; check the body.
                assertThat(e.awsErrorDetails().rawResponse().asUtf8String())
                        .contains("<Code>AccessDenied</Code>").contains("user/victim is not authorized");
            });
        }
    }

    private static IamClient iam(AwsBasicCredentials credentials) {
        return IamClient.builder().endpointOverride(moto.endpoint()).region(Region.AWS_GLOBAL)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(software.amazon.awssdk.core.retry.RetryMode.STANDARD))
                .build();
    }
}
