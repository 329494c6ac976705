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
import io.entitylockdown.testkit.MotoServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * A stolen role session works before its containment and is denied after it, on a moto that enforces
 * IAM (trust policy and permissions). moto does not evaluate the {@code aws:userid} condition, so it
 * would deny every session of the role: that other sessions keep working is shown on the document
 * ({@link RoleSessionLockdownIT}), never here. moto enforces from request {@link #SET_UP_CALLS} + 1 on.
 */
class SessionDeniedAfterContainmentIT {
    private static final int SET_UP_CALLS = 8;
    private static final String ACCOUNT = "123456789012";
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
    void stolenSession_worksBefore_andIsDeniedAfterItsContainment() {
        AccessKey responder;
        AccessKey developer;
        try (IamClient anonymous = iam(AwsBasicCredentials.create("testing", "testing"))) {
            anonymous.createUser(b -> b.userName("responder"));
            anonymous.attachUserPolicy(b -> b.userName("responder").policyArn("arn:aws:iam::aws:policy/AdministratorAccess"));
            responder = anonymous.createAccessKey(b -> b.userName("responder")).accessKey();
            anonymous.createRole(b -> b.roleName("ci-deployer").assumeRolePolicyDocument("{\"Version\":\"2012-10-17\","
                    + "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" + ACCOUNT
                    + ":user/developer\"},\"Action\":\"sts:AssumeRole\"}]}"));
            anonymous.attachRolePolicy(b -> b.roleName("ci-deployer").policyArn("arn:aws:iam::aws:policy/IAMReadOnlyAccess"));
            anonymous.createUser(b -> b.userName("developer"));
            anonymous.putUserPolicy(b -> b.userName("developer").policyName("assume").policyDocument(
                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
                            + "\"Resource\":\"*\"}]}"));
            developer = anonymous.createAccessKey(b -> b.userName("developer")).accessKey();
            // enforcement is on from here: the placeholder credentials of the set-up are now rejected
            assertThatThrownBy(anonymous::listUsers).isInstanceOf(IamException.class);
        }
        Credentials stolen;
        try (StsClient sts = StsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(developer.accessKeyId(),
                        developer.secretAccessKey())))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            stolen = sts.assumeRole(b -> b.roleArn("arn:aws:iam::" + ACCOUNT + ":role/ci-deployer")
                    .roleSessionName("build-4711")).credentials();
        }
        try (IamClient attacker = iam(AwsSessionCredentials.create(stolen.accessKeyId(), stolen.secretAccessKey(),
                stolen.sessionToken()))) {
            assertThat(attacker.listRoles().roles()).extracting(r -> r.roleName()).contains("ci-deployer");

            AwsSettings settings = new AwsSettings(moto.endpoint(), Region.US_EAST_1, StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(responder.accessKeyId(), responder.secretAccessKey())),
                    List.of(TestAws.ENGINE_CALLS), Duration.ofSeconds(10), Duration.ofSeconds(30), 2);
            try (LockdownEngine engine = LockdownEngine.builder()
                    .sessions(new AccountSessions(settings, Access.callerCredentials()))
                    .guardrails(Guardrails.minimal(TestAws.MEMBER_ROLE)).build()) {
                ContainmentReport report = engine.contain("arn:aws:sts::" + ACCOUNT + ":assumed-role/ci-deployer/build-4711",
                        OPTIONS);
                assertThat(report.outcome()).as(report.summary() + report.steps()).isEqualTo(Outcome.SUCCEEDED);
                assertThat(report.verified()).isTrue();
            }

            assertThatThrownBy(attacker::listRoles).isInstanceOfSatisfying(IamException.class, e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                // moto wraps the error in <Errors>, which the SDK's IAM parser does not read; check the body
                assertThat(e.awsErrorDetails().rawResponse().asUtf8String()).contains("<Code>AccessDenied</Code>")
                        .contains("assumed-role/ci-deployer/build-4711");
            });
        }
    }

    private static IamClient iam(AwsCredentials credentials) {
        return IamClient.builder().endpointOverride(moto.endpoint()).region(Region.AWS_GLOBAL)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(software.amazon.awssdk.core.retry.RetryMode.STANDARD))
                .build();
    }
}
