package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.lambda.LockdownHandler;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Release and status through the deployed path: {@code lockdown publish --release/--status} publishes to
 * the lockdown topic on moto, the message reaches the function's code as SNS delivers it (through an SQS
 * subscription standing in for the Lambda subscription), and the handler acts and audits.
 */
@ExtendWith(MotoExtension.class)
class TopicOperationsIT {
    private static final String USER = "arn:aws:iam::111111111111:user/mallory";
    private static final String EXTERNAL_ID = "topic-operations-external-id-0123";
    private static final StaticCredentialsProvider TESTING =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));

    private MotoServer moto;
    private SnsClient sns;
    private SqsClient sqs;
    private IamClient memberIam;
    private String topicArn;
    private String functionQueue;
    private String auditQueue;
    private LockdownHandler handler;

    @BeforeEach
    void deployed(MotoServer server) {
        moto = server;
        sns = SnsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1).credentialsProvider(TESTING)
                .build();
        sqs = SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1).credentialsProvider(TESTING)
                .build();
        memberIam = IamClient.builder().endpointOverride(moto.endpoint()).region(Region.AWS_GLOBAL)
                .credentialsProvider(TESTING).overrideConfiguration(c -> c.putHeader("x-moto-account-id", "111111111111"))
                .build();
        memberIam.createUser(b -> b.userName("mallory"));
        memberIam.createAccessKey(b -> b.userName("mallory"));
        topicArn = sns.createTopic(b -> b.name("entity-lockdown")).topicArn();
        functionQueue = subscribedQueue(topicArn, "function-subscription");
        String auditTopic = sns.createTopic(b -> b.name("entity-lockdown-audit")).topicArn();
        auditQueue = subscribedQueue(auditTopic, "audit-reader");
        Map<String, String> env = new HashMap<>(Map.of("AWS_ENDPOINT_URL", moto.endpoint().toString(),
                "AWS_REGION", "us-east-1", "LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID, "LOCKDOWN_AUDIT_TOPIC_ARN", auditTopic));
        handler = new LockdownHandler(env, TESTING, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void close() {
        sns.close();
        sqs.close();
        memberIam.close();
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
        return Cli.against(moto, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID)).run(args.toArray(String[]::new));
    }

    /** Hands every message the topic delivered to the handler as a Lambda SNS event; returns its responses. */
    private List<JsonNode> deliverToTheFunction() throws Exception {
        List<JsonNode> responses = new ArrayList<>();
        for (Message message : receiveAll(functionQueue)) {
            JsonNode envelope = Json.mapper().readTree(message.body());
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
        for (Message message : receiveAll(auditQueue)) {
            JsonNode envelope = Json.mapper().readTree(message.body());
            audits.add(envelope.at("/MessageAttributes/event/Value").asText() + ": " + envelope.path("Subject").asText());
        }
        return audits;
    }

    private List<Message> receiveAll(String queueUrl) {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (batch.isEmpty()) {
                return all;
            }
            for (Message message : batch) {
                all.add(message);
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }

    private String subscribedQueue(String topic, String name) {
        String url = sqs.createQueue(b -> b.queueName(name)).queueUrl();
        String arn = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(arn));
        return url;
    }

    private List<String> attachedToMallory() {
        return memberIam.listAttachedUserPolicies(b -> b.userName("mallory")).attachedPolicies().stream()
                .map(p -> p.policyName()).toList();
    }
}
