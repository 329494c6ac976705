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
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;

/**
 * A stolen access key that worked before containment is denied after it, on a moto that enforces IAM
 * policies. moto counts every request it serves (the readiness probe on /moto-api does not count) and
 * enforces from request number {@link #SET_UP_CALLS} + 1 on; the set-up below makes exactly that many.
 */
class AccessDeniedAfterContainmentIT {
    private static final int SET_UP_CALLS = 6;
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
    void stolenKey_worksBefore_andIsDeniedAfterContainment() {
        try (MotoEstate estate = MotoEstate.on(moto)) {
            EstateAccount anonymous = estate.security();
            SeededUser responder = anonymous.user("responder").managedPolicy("arn:aws:iam::aws:policy/AdministratorAccess")
                    .activeKey().create();
            SeededUser victim = anonymous.user("victim").managedPolicy("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
                    .activeKey().create();
            // Enforcement is on from here: the placeholder credentials that did the set-up are now rejected.
            assertThatThrownBy(anonymous.iam()::listUsers).isInstanceOf(IamException.class);
            IamClient attacker = estate.as(MotoEstate.SECURITY_ACCOUNT, victim.activeKey().credentials()).iam();
            assertThat(attacker.listUsers().users()).extracting(u -> u.userName()).contains("victim");

            try (LockdownEngine engine = TestEngine.builder(estate).credentials(responder.activeKey().credentials())
                    .callerCredentials().noRecordKey().timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), 2)
                    .build()) {
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
}
