package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.lambda.LockdownHandler;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.TopicReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Release and status through the deployed path: {@code lockdown publish --release/--status} publishes to
 * the lockdown topic on moto, the message reaches the function's code as SNS delivers it (through an SQS
 * subscription standing in for the Lambda subscription), and the handler acts and audits.
 */
@ExtendWith(MotoExtension.class)
class TopicOperationsIT {
    private static final String USER = "arn:aws:iam::111111111111:user/mallory";
    private static final String EXTERNAL_ID = "topic-operations-external-id-0123";
    private MotoEstate estate;
    private IamClient memberIam;
    private String topicArn;
    private TopicReader function;
    private TopicReader audit;
    private LockdownHandler handler;

    @BeforeEach
    void deployed(MotoEstate estate) {
        this.estate = estate;
        memberIam = estate.account().iam();
        estate.account().user("mallory").activeKey().create();
        EstateAccount security = estate.security();
        function = security.topicWithReader("entity-lockdown", "function-subscription");
        topicArn = function.topicArn();
        audit = security.topicWithReader("entity-lockdown-audit", "audit-reader");
        Map<String, String> env = new HashMap<>(Map.of("AWS_ENDPOINT_URL", estate.endpoint().toString(),
                "AWS_REGION", "us-east-1", "LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID, "LOCKDOWN_AUDIT_TOPIC_ARN",
                audit.topicArn()));
        handler = new LockdownHandler(env, MotoEstate.testingCredentials(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void publishRelease_reachesTheFunction_whichReleasesAndAuditsIt() throws Exception {
        assertThat(publish().exitCode()).isZero();
        deliverToTheFunction();
        assertThat(Denial.userDenied(memberIam, "mallory")).isTrue();
        audits();

        Cli.Result published = publish("--release");
        List<JsonNode> delivered = deliverToTheFunction();

        assertThat(published.exitCode()).as(published.toString()).isZero();
        assertThat(published.err()).contains("Published release of " + USER);
        assertThat(delivered).singleElement().satisfies(response ->
                assertThat(response.at("/results/0/report/operation").asText()).isEqualTo("release"));
        assertThat(Denial.userDenied(memberIam, "mallory")).isFalse();
        assertThat(audits()).containsExactly("started: Release STARTED: IAM user mallory in 111111111111",
                "succeeded: Release SUCCEEDED: IAM user mallory in 111111111111");
    }

    @Test
    void publishStatus_reachesTheFunction_whichReportsOnTheAuditTopic() throws Exception {
        Cli.Result published = publish("--status");
        List<JsonNode> delivered = deliverToTheFunction();

        assertThat(published.exitCode()).as(published.toString()).isZero();
        assertThat(delivered).singleElement().satisfies(response -> {
            assertThat(response.at("/results/0/report/operation").asText()).isEqualTo("status");
            assertThat(response.at("/results/0/event").asText()).isEqualTo("succeeded");
        });
        assertThat(audits()).singleElement().satisfies(a -> assertThat(a).startsWith("succeeded: Status SUCCEEDED"));
        assertThat(attachedToMallory()).isEmpty();
    }

    @Test
    void publish_releaseAndStatusTogether_isBadInput_andSendsNothing() throws Exception {
        Cli.Result result = publish("--release", "--status");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(result.err()).contains("--release and --status");
        assertThat(deliverToTheFunction()).isEmpty();
    }

    private Cli.Result publish(String... options) {
        List<String> args = new ArrayList<>(List.of("publish", "--topic-arn", topicArn));
        args.addAll(List.of(options));
        args.add(USER);
        return Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID)).run(args.toArray(String[]::new));
    }

    /** Hands every message the topic delivered to the handler as a Lambda SNS event; returns its responses. */
    private List<JsonNode> deliverToTheFunction() throws Exception {
        List<JsonNode> responses = new ArrayList<>();
        for (JsonNode envelope : function.envelopes()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(Json.write(DemoFunction.snsEvent(envelope, topicArn))
                    .getBytes(StandardCharsets.UTF_8)), out, new LocalContext(new PrintWriter(new StringWriter())));
            responses.add(Json.mapper().readTree(out.toByteArray()));
        }
        return responses;
    }

    /** "event: subject" of every audit message so far. */
    private List<String> audits() throws Exception {
        List<String> audits = new ArrayList<>();
        for (JsonNode envelope : audit.envelopes()) {
            audits.add(envelope.at("/MessageAttributes/event/Value").asText() + ": " + envelope.path("Subject").asText());
        }
        return audits;
    }

    private List<String> attachedToMallory() {
        return memberIam.listAttachedUserPolicies(b -> b.userName("mallory")).attachedPolicies().stream()
                .map(p -> p.policyName()).toList();
    }
}
