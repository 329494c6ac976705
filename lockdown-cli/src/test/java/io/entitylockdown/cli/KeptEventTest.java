package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/** The kept-events queue's message shapes that cannot be published again, read without moto. */
class KeptEventTest {
    private static final String GUARDDUTY_EVENT = "{\"version\":\"0\",\"id\":\"e-1\",\"detail-type\":\"GuardDuty "
            + "Finding\",\"source\":\"aws.guardduty\",\"account\":\"111111111111\",\"region\":\"us-east-1\","
            + "\"detail\":{\"type\":\"UnauthorizedAccess:EC2/SSHBruteForce\"}}";

    @Test
    void anEventBridgeEventKeptByItsRule_isLeft_withTheCommandThatRunsItAgain() {
        KeptEvent kept = KeptEvent.of(Message.builder().messageId("m-1").body(GUARDDUTY_EVENT).build());

        assertThat(kept.shape()).isEqualTo(KeptEvent.Shape.EVENTBRIDGE_DEAD_LETTER);
        assertThat(kept.requests()).isEmpty();
        assertThat(kept.problem()).contains("aws.guardduty", "GuardDuty Finding", "lockdown invoke --event FILE");
    }

    @Test
    void aLambdaFailureRecordOfAnEventBridgeEvent_isLeft_withTheCommandThatRunsItAgain() {
        String record = "{\"version\":\"1.0\",\"requestContext\":{\"condition\":\"RetriesExhausted\"},"
                + "\"requestPayload\":" + GUARDDUTY_EVENT + "}";

        KeptEvent kept = KeptEvent.of(Message.builder().messageId("m-2").body(record).build());

        assertThat(kept.shape()).isEqualTo(KeptEvent.Shape.LAMBDA_FAILURE_RECORD);
        assertThat(kept.requests()).isEmpty();
        assertThat(kept.problem()).contains("requestPayload", "lockdown invoke --event FILE");
    }
}
