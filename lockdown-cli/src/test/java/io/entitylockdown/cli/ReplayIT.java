package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * {@code lockdown replay} against a real kept-events queue on moto holding every shape the stack puts
 * there: Lambda's on-failure record, SNS's dead letter (envelope and raw), a phase-2 dead letter and
 * something unrecognisable.
 */
@ExtendWith(MotoExtension.class)
class ReplayIT {
    private static final String EXTERNAL_ID = "replay-test-external-id-0123456789";
    private static final String MALLORY = "arn:aws:iam::111111111111:user/mallory";
    private static final String BUILD_BOT = "arn:aws:iam::111111111111:user/build-bot";
    private static final String DEPLOYER = "arn:aws:iam::111111111111:user/deployer";
    private MotoEstate estate;
    private SqsClient sqs;
    private String topicArn;
    private String subscriptionQueue;
    private String keptQueue;

    @BeforeEach
    void deployed(MotoEstate estate) {
        this.estate = estate;
        EstateAccount security = estate.security();
        sqs = security.sqs();
        TopicReader topic = security.topicWithReader("entity-lockdown", "function-subscription");
        topicArn = topic.topicArn();
        subscriptionQueue = topic.queueUrl();
        keptQueue = security.queue("kept-events");
    }

    @Test
    void replay_republishesBothShapes_deletesThem_andLeavesWhatItCannotReplay() throws Exception {
        keepEveryShape();

        Cli.Result result = cli().run("replay", "--queue", keptQueue, "--output", "json");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.FAILED);
        JsonNode rows = Json.mapper().readTree(result.out());
        assertThat(rows).hasSize(5);
        assertThat(actions(rows)).containsEntry("Lambda on-failure record", "replayed")
                .containsEntry("SNS delivery to the dead-letter queue", "replayed")
                .containsEntry("SNS raw delivery to the dead-letter queue", "replayed")
                .containsEntry("EC2 phase-2 message", "left")
                .containsEntry("unrecognised message", "left");
        assertThat(result.out() + result.err()).doesNotContain(EXTERNAL_ID);
        assertThat(result.err()).contains("2 message(s) left on the queue");

        List<JsonNode> republished = envelopes(subscriptionQueue);
        assertThat(republished).extracting(e -> e.at("/MessageAttributes/Arn/Value").asText())
                .containsExactlyInAnyOrder(MALLORY, BUILD_BOT, DEPLOYER);
        assertThat(republished).allSatisfy(e ->
                assertThat(e.at("/MessageAttributes/ExternalId/Value").asText()).isEqualTo(EXTERNAL_ID));
        assertThat(republished).filteredOn(e -> e.at("/MessageAttributes/Arn/Value").asText().equals(BUILD_BOT))
                .singleElement().satisfies(e -> {
                    assertThat(e.at("/MessageAttributes/Operation/Value").asText()).isEqualTo("release");
                    assertThat(e.path("Message").asText()).isEqualTo("Release " + BUILD_BOT);
                });
        List<String> left = bodies(keptQueue);
        assertThat(left).hasSize(2).anySatisfy(body -> assertThat(body).contains("\"operation\":\"isolate\""))
                .anySatisfy(body -> assertThat(body).isEqualTo("not a lockdown event"));
    }

    @Test
    void replay_dryRun_publishesNothing_deletesNothing_andLeavesEverythingVisible() throws Exception {
        keepEveryShape();

        Cli.Result result = cli().run("replay", "--dry-run", "--queue", keptQueue);

        assertThat(result.out()).contains("WOULD REPLAY", "(Lambda on-failure record): contain " + MALLORY,
                "release " + BUILD_BOT, "LEFT", "lockdown contain --window 0");
        assertThat(envelopes(subscriptionQueue)).isEmpty();
        assertThat(bodies(keptQueue)).hasSize(5);
    }

    @Test
    void replay_whenTheTopicRefuses_leavesTheMessage_andExits1() throws Exception {
        keep(lambdaFailureRecord(MALLORY), Map.of());

        Cli.Result result = cli().run("replay", "--queue", keptQueue, "--topic-arn",
                "arn:aws:sns:us-east-1:123456789012:no-such-topic");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.FAILED);
        assertThat(result.out()).contains("LEFT", "could not publish to arn:aws:sns:us-east-1:123456789012:no-such-topic");
        assertThat(bodies(keptQueue)).hasSize(1);
    }

    @Test
    void replayedRequest_isOneTheFunctionAccepts() throws Exception {
        IamClient iam = estate.account().iam();
        estate.account().user("mallory").create();
        keep(lambdaFailureRecord(MALLORY), Map.of());

        assertThat(cli().run("replay", "--queue", keptQueue).exitCode()).isZero();
        JsonNode envelope = envelopes(subscriptionQueue).get(0);
        LockdownHandler handler = new LockdownHandler(Map.of("AWS_ENDPOINT_URL", estate.endpoint().toString(),
                "AWS_REGION", "us-east-1", "LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID), MotoEstate.testingCredentials(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(Json.write(DemoFunction.snsEvent(envelope, topicArn))
                .getBytes(StandardCharsets.UTF_8)), response, new LocalContext(new PrintWriter(new StringWriter())));

        assertThat(Json.mapper().readTree(response.toByteArray()).at("/results/0/event").asText()).isEqualTo("succeeded");
        assertThat(Denial.userDenied(iam, "mallory")).isTrue();
        assertThat(bodies(keptQueue)).isEmpty();
    }

    private Cli cli() {
        return Cli.against(estate);
    }

    private void keepEveryShape() {
        keep(lambdaFailureRecord(MALLORY), Map.of());
        ObjectNode release = snsEnvelope(BUILD_BOT, "release");
        keep(Json.write(release), Map.of());
        keep("Contain " + DEPLOYER, Map.of(
                "Arn", MessageAttributeValue.builder().dataType("String").stringValue(DEPLOYER).build(),
                "ExternalId", MessageAttributeValue.builder().dataType("String").stringValue(EXTERNAL_ID).build(),
                "TopicArn", MessageAttributeValue.builder().dataType("String").stringValue(topicArn).build()));
        keep("{\"operation\":\"isolate\",\"arn\":\"arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0\","
                + "\"scheduledAt\":\"" + Instant.now() + "\",\"windowSeconds\":60,\"signature\":\"AAAA\"}", Map.of());
        keep("not a lockdown event", Map.of());
    }

    /** The SNS envelope of a request as the topic delivered it; {@code operation} null for a containment. */
    private ObjectNode snsEnvelope(String arn, String operation) {
        ObjectNode envelope = Json.mapper().createObjectNode();
        envelope.put("Type", "Notification");
        envelope.put("MessageId", "5b0b4a2e-0f3f-5d0e-9d1c-1d8c1b1f0e11");
        envelope.put("TopicArn", topicArn);
        envelope.put("Subject", "Entity Lockdown request");
        envelope.put("Message", (operation == null ? "Contain " : "Release ") + arn);
        envelope.put("Timestamp", "2026-11-28T21:00:00.000Z");
        ObjectNode attributes = envelope.putObject("MessageAttributes");
        attributes.putObject("Arn").put("Type", "String").put("Value", arn);
        attributes.putObject("ExternalId").put("Type", "String").put("Value", EXTERNAL_ID);
        if (operation != null) {
            attributes.putObject("Operation").put("Type", "String").put("Value", operation);
        }
        return envelope;
    }

    /** What Lambda sends to an on-failure destination after the last retry of an SNS event. */
    private String lambdaFailureRecord(String arn) {
        ObjectNode record = Json.mapper().createObjectNode();
        record.put("version", "1.0");
        record.put("timestamp", "2026-11-28T21:05:00.000Z");
        ObjectNode context = record.putObject("requestContext");
        context.put("requestId", "c0f1a2b3-1111-2222-3333-444455556666");
        context.put("functionArn", "arn:aws:lambda:us-east-1:123456789012:function:entity-lockdown-function:live");
        context.put("condition", "RetriesExhausted");
        context.put("approximateInvokeCount", 3);
        ObjectNode snsRecord = record.putObject("requestPayload").putArray("Records").addObject();
        snsRecord.put("EventSource", "aws:sns");
        snsRecord.put("EventVersion", "1.0");
        snsRecord.put("EventSubscriptionArn", topicArn + ":1b2c3d4e");
        snsRecord.set("Sns", snsEnvelope(arn, null));
        record.putObject("responseContext").put("statusCode", 200).put("executedVersion", "7")
                .put("functionError", "Unhandled");
        record.putObject("responsePayload").put("errorType", "io.entitylockdown.lambda.ContainmentFailedException")
                .put("errorMessage", "1 lockdown request(s) failed and were audited");
        return Json.write(record);
    }

    private void keep(String body, Map<String, MessageAttributeValue> attributes) {
        sqs.sendMessage(b -> b.queueUrl(keptQueue).messageBody(body).messageAttributes(attributes));
    }

    private static Map<String, String> actions(JsonNode rows) {
        Map<String, String> actions = new java.util.HashMap<>();
        rows.forEach(row -> actions.put(row.path("shape").asText(), row.path("action").asText()));
        return actions;
    }

    /** Every message on the queue (received and deleted). */
    private List<JsonNode> envelopes(String queueUrl) throws Exception {
        List<JsonNode> envelopes = new ArrayList<>();
        for (String body : bodies(queueUrl)) {
            envelopes.add(Json.mapper().readTree(body));
        }
        return envelopes;
    }

    private List<String> bodies(String queueUrl) {
        List<String> bodies = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).messages();
            if (batch.isEmpty()) {
                return bodies;
            }
            for (Message message : batch) {
                bodies.add(message.body());
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }
}
