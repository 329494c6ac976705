package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;

/**
 * The deployed function's ExternalId lives in Secrets Manager (moto's): it is read at the first request
 * that needs it, never while the handler is built (the SnapStart snapshot), then reused, and read again
 * after {@link ExternalIdSource#MAX_AGE} so that a rotation takes effect without a deployment.
 */
@ExtendWith(MotoExtension.class)
class HandlerExternalIdSecretIT {
    private static final String USER_ARN = "arn:aws:iam::111111111111:user/alice";
    private static final String ROTATED = "rotated-external-id-0123456789";

    private TestHandler fixture;
    private IamClient memberIam;
    private final SteppingClock clock = new SteppingClock(Instant.parse("2026-11-28T21:00:00Z"));

    @BeforeEach
    void deployAndSeed(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        memberIam = estate.account().iam();
        memberIam.createUser(b -> b.userName("alice"));
        memberIam.createAccessKey(b -> b.userName("alice"));
    }


    @Test
    void secret_isReadAtTheFirstRequest_notWhenTheHandlerIsBuilt_andThenReused() throws Exception {
        String arn = fixture.createSecret("entity-lockdown-external-id", TestHandler.EXTERNAL_ID);

        LockdownHandler handler = fixture.handler(fixture.environmentWithSecret(arn), clock);

        assertThat(fixture.calls.actions()).as("nothing is read while the handler is built (the snapshot)").isEmpty();

        JsonNode first = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(first.at("/results/0/event").asText()).as(first.toString()).isEqualTo("succeeded");
        assertThat(fixture.calls.actions()).contains("secretsmanager:GetSecretValue", "sts:AssumeRole");
        assertThat(memberIam.listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(key -> assertThat(key.status()).isEqualTo(StatusType.INACTIVE));

        fixture.calls.clear();
        JsonNode second = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(second.at("/results/0/event").asText()).isEqualTo("succeeded");
        assertThat(fixture.calls.actions()).as("the value read before is reused").doesNotContain("secretsmanager:GetSecretValue");
        assertThat(fixture.logs()).doesNotContain(TestHandler.EXTERNAL_ID);
    }

    @Test
    void secret_whenUnreadable_failsTheRequestForRetry_andChangesNothing() throws Exception {
        String missing = "arn:aws:secretsmanager:us-east-1:" + TestHandler.SECURITY_ACCOUNT
                + ":secret:entity-lockdown-external-id-AbCdEf";
        LockdownHandler handler = fixture.handler(fixture.environmentWithSecret(missing), clock);

        assertThatThrownBy(() -> TestHandler.invoke(handler,
                TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID)))
                .isInstanceOf(ContainmentFailedException.class)
                .hasMessageContaining("could not be read from the secret " + missing);

        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("failed");
        assertThat(audits.get(0).body()).contains("Nothing was changed", "ResourceNotFoundException", "Lambda retries")
                .doesNotContain(TestHandler.EXTERNAL_ID);
        assertThat(fixture.calls.actions()).doesNotContain("sts:AssumeRole");
        assertThat(memberIam.listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(key -> assertThat(key.status()).isEqualTo(StatusType.ACTIVE));
    }

    @Test
    void secret_rotated_takesEffectAfterMaxAge_withoutANewHandler() throws Exception {
        String arn = fixture.createSecret("entity-lockdown-external-id", TestHandler.EXTERNAL_ID);
        LockdownHandler handler = fixture.handler(fixture.environmentWithSecret(arn), clock);
        TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));
        fixture.secretsManager().putSecretValue(b -> b.secretId(arn).secretString(ROTATED));
        fixture.audits();

        clock.advance(ExternalIdSource.MAX_AGE.minusMinutes(1));
        JsonNode beforeMaxAge = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, ROTATED));
        clock.advance(Duration.ofMinutes(2));
        JsonNode afterMaxAge = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, ROTATED));
        JsonNode oldValue = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(beforeMaxAge.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(afterMaxAge.at("/results/0/event").asText()).as(afterMaxAge.toString()).isEqualTo("succeeded");
        assertThat(oldValue.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(fixture.logs()).doesNotContain(ROTATED).doesNotContain(TestHandler.EXTERNAL_ID);
    }

    @Test
    void phase2MessageSignedBeforeARotation_isStillTheFunctionsOwn_whileAForgedOneIsRejected() throws Exception {
        String arn = fixture.createSecret("entity-lockdown-external-id", TestHandler.EXTERNAL_ID);
        LockdownHandler handler = fixture.handler(fixture.environmentWithSecret(arn), clock);
        TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));
        String instance = "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0";
        String signedBefore = Phase2Message.create(instance, 60, clock.instant(),
                DeploymentSecret.ofNullable(TestHandler.EXTERNAL_ID)).toJson();
        String forged = Phase2Message.create(instance, 60, clock.instant(),
                DeploymentSecret.ofNullable("never-this-deployments-secret-000")).toJson();
        fixture.secretsManager().putSecretValue(b -> b.secretId(arn).secretString(ROTATED));
        clock.advance(ExternalIdSource.MAX_AGE.plusMinutes(1));
        TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, ROTATED));
        fixture.audits();

        JsonNode own = TestHandler.invoke(handler, TestHandler.sqsEvent("p2-own", signedBefore));
        JsonNode foreign = TestHandler.invoke(handler, TestHandler.sqsEvent("p2-forged", forged));

        assertThat(own.at("/results/0/event").asText()).as(own.toString()).isNotEqualTo("rejected");
        assertThat(own.at("/results/0/report/operation").asText()).isEqualTo("isolate");
        assertThat(foreign.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(foreign.at("/results/0/summary").asText()).contains("signature does not match");
    }

    /** A container started after the rotation never saw the old value: it asks Secrets Manager for AWSPREVIOUS. */
    @Test
    void phase2MessageSignedBeforeARotation_isTheFunctionsOwn_inAContainerStartedAfterIt() throws Exception {
        String arn = fixture.createSecret("entity-lockdown-external-id", TestHandler.EXTERNAL_ID);
        String instance = "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0";
        String signedBefore = Phase2Message.create(instance, 60, clock.instant(),
                DeploymentSecret.ofNullable(TestHandler.EXTERNAL_ID)).toJson();
        fixture.secretsManager().putSecretValue(b -> b.secretId(arn).secretString(ROTATED));
        LockdownHandler startedAfter = fixture.handler(fixture.environmentWithSecret(arn), clock);

        JsonNode own = TestHandler.invoke(startedAfter, TestHandler.sqsEvent("p2-own", signedBefore));

        assertThat(own.at("/results/0/event").asText()).as(own.toString()).isNotEqualTo("rejected");
        assertThat(own.at("/results/0/report/operation").asText()).isEqualTo("isolate");
        assertThat(fixture.logs()).doesNotContain(ROTATED).doesNotContain(TestHandler.EXTERNAL_ID);
    }

    /** Never rotated: there is no AWSPREVIOUS, and a message signed with another value is rejected as forged. */
    @Test
    void phase2MessageSignedWithAnotherValue_isRejected_whenTheSecretWasNeverRotated() throws Exception {
        String arn = fixture.createSecret("entity-lockdown-external-id", TestHandler.EXTERNAL_ID);
        String forged = Phase2Message.create("arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0", 60,
                clock.instant(), DeploymentSecret.ofNullable("never-this-deployments-secret-000")).toJson();
        LockdownHandler handler = fixture.handler(fixture.environmentWithSecret(arn), clock);

        JsonNode foreign = TestHandler.invoke(handler, TestHandler.sqsEvent("p2-forged", forged));

        assertThat(foreign.at("/results/0/event").asText()).as(foreign.toString()).isEqualTo("rejected");
        assertThat(foreign.at("/results/0/summary").asText()).contains("signature does not match");
    }

    @Test
    void secret_whenItCannotBeReadAgain_theValueReadBeforeStaysInForce() throws Exception {
        String arn = fixture.createSecret("entity-lockdown-external-id", TestHandler.EXTERNAL_ID);
        LockdownHandler handler = fixture.handler(fixture.environmentWithSecret(arn), clock);
        TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));
        fixture.secretsManager().deleteSecret(b -> b.secretId(arn).forceDeleteWithoutRecovery(true));

        clock.advance(ExternalIdSource.MAX_AGE.plusMinutes(1));
        fixture.calls.clear();
        JsonNode response = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(fixture.calls.actions()).as("it did try again").contains("secretsmanager:GetSecretValue");
        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
    }

    /** A clock the test moves forward. */
    private static final class SteppingClock extends Clock {
        private Instant now;

        SteppingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
