package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;

/** Lockdown requests through the handler that reach the member account and contain the entity. */
@ExtendWith(MotoExtension.class)
class HandlerContainmentIT {
    static final String USER_ARN = "arn:aws:iam::111111111111:user/alice";

    private TestHandler fixture;
    private IamClient memberIam;

    @BeforeEach
    void deployAndSeed(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        memberIam = estate.account().iam();
        memberIam.createUser(b -> b.userName("alice"));
        memberIam.createAccessKey(b -> b.userName("alice"));
    }


    @Test
    void handle_originalFormat_containsUserInSecondAccount_andAuditsStartedThenSucceeded() throws Exception {
        JsonNode response = TestHandler.invoke(fixture.handler(),
                TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        JsonNode steps = response.at("/results/0/report/steps");
        assertThat(steps).isNotEmpty();
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(0).subject()).startsWith("Containment STARTED: IAM user alice in 111111111111");
        TestHandler.Audit succeeded = audits.get(1);
        assertThat(succeeded.subject()).startsWith("Containment SUCCEEDED: IAM user alice in 111111111111")
                .hasSizeLessThanOrEqualTo(100);
        assertThat(succeeded.body()).contains(USER_ARN, "Account:  111111111111", "What was done:",
                "lockdown release " + USER_ARN);
        steps.forEach(step -> assertThat(succeeded.body()).contains(step.path("step").asText()));

        assertThat(memberIam.listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(key -> assertThat(key.status()).isEqualTo(StatusType.INACTIVE));
        assertThat(fixture.calls.actions()).contains("sts:AssumeRole", "sns:Publish");
        assertStepLogs(steps.size());
    }

    @Test
    void handle_jsonBody_containsTheUser() throws Exception {
        String body = "{\"arn\":\"" + USER_ARN + "\",\"externalId\":\"" + TestHandler.EXTERNAL_ID + "\"}";

        JsonNode response = TestHandler.invoke(fixture.handler(), TestHandler.snsEvent(Map.of(), body));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
    }

    @Test
    void handle_whenMemberRoleCannotBeAssumed_auditsFailedAndThrowsForRetry() throws Exception {
        LockdownHandler handler = fixture.handler(new StsAccessDenied());

        assertThatThrownBy(() -> TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID)))
                .isInstanceOf(ContainmentFailedException.class)
                .hasMessageContaining("IAM user alice in 111111111111")
                .hasMessageNotContaining(TestHandler.EXTERNAL_ID);

        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "failed");
        assertThat(audits.get(1).subject()).startsWith("Containment FAILED: IAM user alice in 111111111111");
        assertThat(audits.get(1).body()).contains("What was NOT done:", "assume-member-role", "AccessDenied",
                "Lambda will retry", "lockdown-member-role.yaml");
        assertThat(memberIam.listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(key -> assertThat(key.status()).isEqualTo(StatusType.ACTIVE));
        assertThat(memberIam.listAttachedUserPolicies(b -> b.userName("alice")).attachedPolicies()).isEmpty();
    }

    @Test
    void handle_twoRecords_handlesEveryOne() throws Exception {
        memberIam.createUser(b -> b.userName("bob"));
        String alice = TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID);
        String bob = TestHandler.originalEvent("arn:aws:iam::111111111111:user/bob", TestHandler.EXTERNAL_ID);
        JsonNode first = io.entitylockdown.core.Json.mapper().readTree(alice);
        ((com.fasterxml.jackson.databind.node.ArrayNode) first.get("Records"))
                .add(io.entitylockdown.core.Json.mapper().readTree(bob).at("/Records/0"));

        JsonNode response = TestHandler.invoke(fixture.handler(), io.entitylockdown.core.Json.write(first));

        assertThat(response.path("results")).extracting(r -> r.path("event").asText()).containsExactly("succeeded", "succeeded");
        assertThat(response.path("results")).extracting(r -> r.path("entity").asText())
                .containsExactly(USER_ARN, "arn:aws:iam::111111111111:user/bob");
    }

    @Test
    void handle_whenGuardrailRefuses_auditsRefusedChangesNothingAndDoesNotThrow() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fixture.environment());
        env.put("LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::*:user/ali*");

        JsonNode response = TestHandler.invoke(fixture.handler(env),
                TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("refused");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("refused");
        assertThat(audits.get(0).subject()).startsWith("Containment REFUSED: IAM user alice in 111111111111");
        assertThat(audits.get(0).body()).contains("LOCKDOWN_PROTECTED_PRINCIPALS");
        assertThat(fixture.calls.actions()).containsExactly("sns:Publish");
        assertThat(memberIam.listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(key -> assertThat(key.status()).isEqualTo(StatusType.ACTIVE));
    }

    /** One JSON line per step, with the fields operators query, and never the ExternalId. */
    private void assertStepLogs(int steps) throws Exception {
        List<JsonNode> stepLines = fixture.logLines().stream().filter(l -> l.path("event").asText().equals("step")).toList();
        assertThat(stepLines).hasSize(steps).allSatisfy(line -> {
            assertThat(line.path("entity").asText()).isEqualTo(USER_ARN);
            assertThat(line.path("account").asText()).isEqualTo("111111111111");
            assertThat(line.path("region").asText()).isEqualTo("global");
            assertThat(line.path("operation").asText()).isEqualTo("contain");
            assertThat(line.path("step").asText()).isNotEmpty();
            assertThat(line.path("status").asText()).isIn("done", "already", "skipped");
            assertThat(line.has("durationMs")).isTrue();
            assertThat(line.path("requestId").asText()).isEqualTo("local");
        });
        assertThat(fixture.logs()).doesNotContain(TestHandler.EXTERNAL_ID);
    }
}
