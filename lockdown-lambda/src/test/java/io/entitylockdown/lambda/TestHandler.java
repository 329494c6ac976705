package io.entitylockdown.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A deployed lockdown in moto's default account (the security account): audit topic with an SQS
 * subscription that the test reads, phase-2 queue, and the handler configured like the function.
 * Every AWS call the handlers make is recorded for the least-privilege test.
 */
final class HandlerFixture implements AutoCloseable {
    static final String EXTERNAL_ID = "handler-test-external-id-0123456789";
    static final String SECURITY_ACCOUNT = "123456789012";
    /** Every call any handler made in this JVM; written at exit for {@code ExecutionRoleLeastPrivilegeTest}. */
    static final CallRecorder HANDLER_CALLS = new CallRecorder();
    static final Path OBSERVED = Path.of("target", "observed-handler-actions.txt");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(HandlerFixture::writeObserved, "observed-handler-actions"));
    }

    final MotoServer moto;
    final SnsClient sns;
    final SqsClient sqs;
    final String auditTopicArn;
    final String auditQueueUrl;
    final String phase2QueueUrl;
    /** Calls of the handler built by this fixture only. */
    final CallRecorder calls = new CallRecorder();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    HandlerFixture(MotoServer moto) {
        this.moto = moto;
        this.sns = SnsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
        this.sqs = SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
        this.auditTopicArn = sns.createTopic(b -> b.name("lockdown-audit")).topicArn();
        this.auditQueueUrl = sqs.createQueue(b -> b.queueName("audit-reader")).queueUrl();
        String auditQueueArn = sqs.getQueueAttributes(b -> b.queueUrl(auditQueueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(b -> b.topicArn(auditTopicArn).protocol("sqs").endpoint(auditQueueArn));
        this.phase2QueueUrl = sqs.createQueue(b -> b.queueName("lockdown-phase2")).queueUrl();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    }

    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID);
        env.put("LOCKDOWN_AUDIT_TOPIC_ARN", auditTopicArn);
        env.put("LOCKDOWN_PHASE2_QUEUE_URL", phase2QueueUrl);
        env.put("LOCKDOWN_WINDOW_SECONDS", "30");
        env.put("LOCKDOWN_EXECUTION_ROLE_ARN", "arn:aws:iam::" + SECURITY_ACCOUNT + ":role/EntityLockdownExecutionRole");
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_REGION", "us-east-1");
        return env;
    }

    LockdownHandler handler(ExecutionInterceptor... faults) {
        return handler(environment(), faults);
    }

    LockdownHandler handler(Map<String, String> env, ExecutionInterceptor... faults) {
        return handler(env, Clock.systemUTC(), faults);
    }

    LockdownHandler handler(Map<String, String> env, Clock clock, ExecutionInterceptor... faults) {
        return new LockdownHandler(env, aws(faults), clock, new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    }

    /** A handler whose engine runs these strategies instead of the standard ones. */
    LockdownHandler handler(Map<String, String> env, io.entitylockdown.core.strategy.StrategyRegistry strategies) {
        return new LockdownHandler(env, aws(), Clock.systemUTC(), new PrintStream(logBytes, true, StandardCharsets.UTF_8),
                strategies);
    }

    private AwsSettings aws(ExecutionInterceptor... faults) {
        List<ExecutionInterceptor> interceptors = new ArrayList<>(List.of(HANDLER_CALLS, calls));
        interceptors.addAll(List.of(faults));
        return new AwsSettings(moto.endpoint(), Region.US_EAST_1, credentials(), interceptors,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 2);
    }

    /** A Secrets Manager secret in the security account holding {@code value}; returns its ARN. */
    String createSecret(String name, String value) {
        try (SecretsManagerClient secrets = secretsManager()) {
            return secrets.createSecret(b -> b.name(name).secretString(value)).arn();
        }
    }

    SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials()).build();
    }

    /** The deployed function's variables: the ExternalId in a secret, not in the environment. */
    Map<String, String> environmentWithSecret(String secretArn) {
        Map<String, String> env = environment();
        env.remove("LOCKDOWN_EXTERNAL_ID");
        env.put("LOCKDOWN_EXTERNAL_ID_SECRET_ARN", secretArn);
        return env;
    }

    /** Runs the handler; returns its response. Exceptions propagate (the test asserts on them). */
    static JsonNode invoke(LockdownHandler handler, String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
        return Json.mapper().readTree(out.toByteArray());
    }

    String logs() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** The JSON log lines. */
    List<JsonNode> logLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logs().split("\n")) {
            if (!line.isBlank()) {
                lines.add(Json.mapper().readTree(line));
            }
        }
        return lines;
    }

    /** One message the audit topic delivered. */
    record Audit(String subject, String body, String event, String entity) {
    }

    /** Every audit message delivered so far, in order, removed from the reader queue. */
    List<Audit> audits() throws IOException {
        List<Audit> audits = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(auditQueueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).messages();
            if (batch.isEmpty()) {
                return audits;
            }
            for (Message message : batch) {
                JsonNode envelope = Json.mapper().readTree(message.body());
                JsonNode attributes = envelope.path("MessageAttributes");
                audits.add(new Audit(envelope.path("Subject").asText(), envelope.path("Message").asText(),
                        attributes.path("event").path("Value").asText(), attributes.path("entity").path("Value").asText()));
                sqs.deleteMessage(b -> b.queueUrl(auditQueueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }

    /** The phase-2 messages waiting on the queue (visible or delayed), read without the delay. */
    int phase2Waiting() {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(b -> b.queueUrl(phase2QueueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
    }

    /** An SNS event as Lambda delivers it, with the given String message attributes. */
    static String snsEvent(Map<String, String> attributes, String body) {
        ObjectNode event = Json.mapper().createObjectNode();
        ObjectNode record = event.putArray("Records").addObject();
        record.put("EventSource", "aws:sns");
        record.put("EventVersion", "1.0");
        record.put("EventSubscriptionArn", "arn:aws:sns:us-east-1:" + SECURITY_ACCOUNT + ":lockdown:sub-1");
        ObjectNode sns = record.putObject("Sns");
        sns.put("Type", "Notification");
        sns.put("MessageId", "95df01b4-ee98-5cb9-9903-4c221d41eb5e");
        sns.put("TopicArn", "arn:aws:sns:us-east-1:" + SECURITY_ACCOUNT + ":lockdown");
        sns.putNull("Subject");
        sns.put("Message", body);
        sns.put("Timestamp", "2026-11-28T21:00:00.000Z");
        ObjectNode attrs = sns.putObject("MessageAttributes");
        attributes.forEach((name, value) -> {
            ObjectNode attr = attrs.putObject(name);
            attr.put("Type", "String");
            attr.put("Value", value);
        });
        return Json.write(event);
    }

    /** The original solution's format: attributes Arn and ExternalId. */
    static String originalEvent(String arn, String externalId) {
        return snsEvent(Map.of("Arn", arn, "ExternalId", externalId), "Entity Lockdown request");
    }

    /** An SQS event as the event source mapping delivers it. */
    static String sqsEvent(String messageId, String body) {
        ObjectNode event = Json.mapper().createObjectNode();
        ArrayNode records = event.putArray("Records");
        ObjectNode record = records.addObject();
        record.put("messageId", messageId);
        record.put("receiptHandle", "handle-" + messageId);
        record.put("body", body);
        record.putObject("attributes").put(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT.toString(), "1");
        record.putObject("messageAttributes");
        record.put("eventSource", "aws:sqs");
        record.put("eventSourceARN", "arn:aws:sqs:us-east-1:" + SECURITY_ACCOUNT + ":lockdown-phase2");
        record.put("awsRegion", "us-east-1");
        return Json.write(event);
    }

    private static void writeObserved() {
        Set<String> actions = new TreeSet<>(HANDLER_CALLS.actions());
        if (actions.isEmpty()) {
            return;
        }
        try {
            Files.createDirectories(OBSERVED.getParent());
            Files.write(OBSERVED, actions);
        } catch (IOException e) {
            System.err.println("Could not write " + OBSERVED + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        sns.close();
        sqs.close();
    }
}
