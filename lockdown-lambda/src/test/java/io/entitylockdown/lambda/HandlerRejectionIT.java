package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Messages that are not authenticated requests for a supported entity: each is audited as rejected,
 * makes no AWS call besides the audit, changes nothing, and returns normally (no retry).
 */
@ExtendWith(MotoExtension.class)
class HandlerRejectionIT {
    private static final String USER_ARN = "arn:aws:iam::111111111111:user/alice";
    private static final String WRONG_ID = "guessed-external-id-9876543210";

    private TestHandler fixture;
    /** The subjects, bodies and entity attributes of the audits the last assertRejected read. */
    private final StringBuilder auditTexts = new StringBuilder();
    private IamClient memberIam;

    @BeforeEach
    void deployAndSeed(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        memberIam = estate.account().iam();
        memberIam.createUser(b -> b.userName("alice"));
    }


    @Test
    void handle_whenExternalIdIsWrong_rejectsAuditsAndChangesNothing() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(), TestHandler.originalEvent(USER_ARN, WRONG_ID));

        assertRejected(response, "does not match this deployment's ExternalId");
        assertThat(fixture.logs()).doesNotContain(WRONG_ID).doesNotContain(TestHandler.EXTERNAL_ID);
    }

    @Test
    void handle_withExtraAttributesAndAWrongExternalId_echoesNoAttributeValueButTheArn() throws Exception {
        String ticket = "INC-4711-do-not-echo-this";
        String requester = "requester-value-never-shown";
        JsonNode response = TestHandler.invoke(fixture.handler(), TestHandler.snsEvent(Map.of("Arn", USER_ARN,
                "ExternalId", WRONG_ID, "Ticket", ticket, "Requester", requester), "Contain " + USER_ARN));

        assertRejected(response, "does not match");
        String everythingShown = fixture.logs() + response + auditTexts;
        assertThat(everythingShown).contains(USER_ARN)
                .doesNotContain(ticket).doesNotContain(requester).doesNotContain(WRONG_ID)
                .doesNotContain(TestHandler.EXTERNAL_ID);
    }

    @Test
    void handle_whenAnAttributeHasTheWrongType_rejectsWithoutEchoingItsValue() throws Exception {
        String event = TestHandler.snsEvent(Map.of("Arn", USER_ARN, "ExternalId", WRONG_ID), "lockdown")
                .replace("\"ExternalId\":{\"Type\":\"String\"", "\"ExternalId\":{\"Type\":\"String.Array\"");

        JsonNode response = TestHandler.invoke(fixture.handler(), event);

        assertRejected(response, "must be of type String");
        assertThat(fixture.logs() + response).doesNotContain(WRONG_ID);
    }

    @Test
    void handle_whenExternalIdAttributeIsMissing_rejects() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(),
                TestHandler.snsEvent(Map.of("Arn", USER_ARN), "lockdown"));

        assertRejected(response, "ExternalId is missing");
    }

    @Test
    void handle_whenArnAttributeIsMissing_rejects() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(),
                TestHandler.snsEvent(Map.of("ExternalId", TestHandler.EXTERNAL_ID), "lockdown"));

        assertRejected(response, "Arn is missing");
    }

    @Test
    void handle_whenArnIsMalformed_rejectsAfterAuthenticating() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(),
                TestHandler.originalEvent("arn:aws:iam::11111111111:user/alice", TestHandler.EXTERNAL_ID));

        assertRejected(response, "account");
    }

    @Test
    void handle_whenEntityIsUnsupported_rejects() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(),
                TestHandler.originalEvent("arn:aws:sqs:us-east-1:111111111111:evidence", TestHandler.EXTERNAL_ID));

        assertRejected(response, "");
        assertThat(response.at("/results/0/summary").asText()).contains("Supported:");
    }

    @Test
    void handle_whenBodyIsNotJson_rejects() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(),
                TestHandler.snsEvent(Map.of(), "please lock down " + USER_ARN));

        assertRejected(response, "not a JSON object");
    }

    @Test
    void handle_whenMessageIsOversized_rejects() throws Exception {
        String body = "{\"arn\":\"" + USER_ARN + "\",\"externalId\":\"" + TestHandler.EXTERNAL_ID + "\",\"pad\":\""
                + "x".repeat(64 * 1024) + "\"}";

        JsonNode response = TestHandler.invoke(fixture.handler(), TestHandler.snsEvent(Map.of(), body));

        assertRejected(response, "a lockdown request is at most");
        assertThat(fixture.logs()).doesNotContain(TestHandler.EXTERNAL_ID);
    }

    @Test
    void handle_whenEventIsNotJsonAtAll_rejects() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(), "Arn=" + USER_ARN);

        assertRejected(response, "not an SNS or SQS event");
    }

    @Test
    void handle_whenPhase2MessageIsForged_rejectsAndDoesNotReportABatchFailure() throws Exception {
        String forged = "{\"operation\":\"isolate\",\"arn\":\"arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0\","
                + "\"scheduledAt\":\"" + Instant.now() + "\",\"windowSeconds\":0,\"signature\":\"AAAA\"}";

        JsonNode response = TestHandler.invoke(fixture.handler(), TestHandler.sqsEvent("msg-1", forged));

        assertRejected(response, "signature does not match");
        assertThat(response.path("batchItemFailures")).isEmpty();
    }

    @Test
    void handle_withoutConfiguredExternalId_rejectsEvenTheRightOne() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fixture.environment());
        env.remove("LOCKDOWN_EXTERNAL_ID");

        JsonNode response = TestHandler.invoke(fixture.handler(env),
                TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertRejected(response, "neither LOCKDOWN_EXTERNAL_ID_SECRET_ARN nor LOCKDOWN_EXTERNAL_ID is set");
    }

    /** Rejected in the response and the audit, nothing but the audit publish sent to AWS, user untouched. */
    private void assertRejected(JsonNode response, String reason) throws Exception {
        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(response.at("/results/0/summary").asText()).contains(reason);
        List<TestHandler.Audit> audits = fixture.audits();
        auditTexts.setLength(0);
        audits.forEach(a -> auditTexts.append(a.subject()).append('\n').append(a.body()).append('\n')
                .append(a.entity()).append('\n'));
        assertThat(audits).hasSize(1);
        assertThat(audits.get(0).event()).isEqualTo("rejected");
        assertThat(audits.get(0).subject()).startsWith("Lockdown request REJECTED").hasSizeLessThanOrEqualTo(100);
        assertThat(audits.get(0).body()).contains("Nothing was changed").doesNotContain(TestHandler.EXTERNAL_ID)
                .doesNotContain(WRONG_ID);
        assertThat(fixture.calls.actions()).containsExactly("sns:Publish");
        assertThat(memberIam.listAttachedUserPolicies(b -> b.userName("alice")).attachedPolicies()).isEmpty();
        assertThat(memberIam.listUserPolicies(b -> b.userName("alice")).policyNames()).isEmpty();
        assertThat(fixture.phase2Waiting()).isZero();
    }
}
