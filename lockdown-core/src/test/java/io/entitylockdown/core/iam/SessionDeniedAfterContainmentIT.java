package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoServer;
import io.entitylockdown.testkit.SeededUser;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
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
    private static final String ACCOUNT = MotoEstate.SECURITY_ACCOUNT;
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();
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
        try (MotoEstate estate = MotoEstate.on(moto)) {
            EstateAccount anonymous = estate.security();
            SeededUser responder = anonymous.user("responder").managedPolicy("arn:aws:iam::aws:policy/AdministratorAccess")
                    .activeKey().create();
            anonymous.role("ci-deployer").trustPolicy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                    + "\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" + ACCOUNT + ":user/developer\"},"
                    + "\"Action\":\"sts:AssumeRole\"}]}")
                    .managedPolicy("arn:aws:iam::aws:policy/IAMReadOnlyAccess").create();
            SeededUser developer = anonymous.user("developer").inlinePolicy("assume", "{\"Version\":\"2012-10-17\","
                    + "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}")
                    .activeKey().create();
            // enforcement is on from here: the placeholder credentials of the set-up are now rejected
            assertThatThrownBy(anonymous.iam()::listUsers).isInstanceOf(IamException.class);
            StsClient sts = estate.as(ACCOUNT, developer.activeKey().credentials()).client(StsClient.builder(),
                    MotoEstate.HOME_REGION, b -> b);
            Credentials stolen = sts.assumeRole(b -> b.roleArn("arn:aws:iam::" + ACCOUNT + ":role/ci-deployer")
                    .roleSessionName("build-4711")).credentials();
            IamClient attacker = estate.as(ACCOUNT, StaticCredentialsProvider.create(AwsSessionCredentials.create(
                    stolen.accessKeyId(), stolen.secretAccessKey(), stolen.sessionToken()))).iam();
            assertThat(attacker.listRoles().roles()).extracting(r -> r.roleName()).contains("ci-deployer");

            try (LockdownEngine engine = TestEngine.builder(estate).credentials(responder.activeKey().credentials())
                    .callerCredentials().noRecordKey().timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), 2)
                    .build()) {
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
}
