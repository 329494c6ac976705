package io.entitylockdown.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.TopicReader;
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
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The function as deployed on a {@link MotoEstate}, in its security account: the audit topic with a queue
 * that the test reads, the phase-2 delay queue, and handlers configured like the function (its
 * environment variables, the estate's ExternalId). The one way a lambda test builds a handler.
 *
 * <p>Every AWS call of every handler built here is recorded in {@link #HANDLER_CALLS}, written at JVM
 * exit to {@link #OBSERVED} for {@code ExecutionRoleLeastPrivilegeTest}; {@link #calls} holds this
 * deployment's only.
 */
final class TestHandler {
    static final String EXTERNAL_ID = MotoEstate.EXTERNAL_ID;
    static final String SECURITY_ACCOUNT = MotoEstate.SECURITY_ACCOUNT;
    /** Every call any handler made in this JVM; written at exit for {@code ExecutionRoleLeastPrivilegeTest}. */
    static final CallRecorder HANDLER_CALLS = new CallRecorder();
    static final Path OBSERVED = Path.of("target", "observed-handler-actions.txt");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestHandler::writeObserved, "observed-handler-actions"));
    }

    final MotoEstate estate;
    final String auditTopicArn;
    final String phase2QueueUrl;
    /** Calls of the handlers built by this deployment only. */
    final CallRecorder calls = new CallRecorder();
    private final TopicReader audit;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private SecretsManagerClient secrets;

    private TestHandler(MotoEstate estate) {
        this.estate = estate;
        EstateAccount security = estate.security();
        this.audit = security.topicWithReader("lockdown-audit", "audit-reader");
        this.auditTopicArn = audit.topicArn();
        this.phase2QueueUrl = security.queue("lockdown-phase2");
    }

    /** Deploys the function's topics and queue in the estate's security account. */
    static TestHandler deployOn(MotoEstate estate) {
        return new TestHandler(estate);
    }

    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID);
        env.put("LOCKDOWN_AUDIT_TOPIC_ARN", auditTopicArn);
        env.put("LOCKDOWN_PHASE2_QUEUE_URL", phase2QueueUrl);
        env.put("LOCKDOWN_WINDOW_SECONDS", "30");
        env.put("LOCKDOWN_EXECUTION_ROLE_ARN", "arn:aws:iam::" + SECURITY_ACCOUNT + ":role/EntityLockdownExecutionRole");
        env.put("AWS_ENDPOINT_URL", estate.endpoint().toString());
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

    /** The function's AWS settings: moto's default credentials (the execution role), short timeouts, recorded. */
    private AwsSettings aws(ExecutionInterceptor... faults) {
        List<ExecutionInterceptor> interceptors = new ArrayList<>(List.of(HANDLER_CALLS, calls));
        interceptors.addAll(List.of(faults));
        return AwsSettings.builder().endpoint(estate.endpoint()).homeRegion(Region.US_EAST_1)
                .credentials(MotoEstate.testingCredentials()).interceptors(interceptors)
                .attemptTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30)).maxAttempts(2).build();
    }

    /** A Secrets Manager secret in the security account holding {@code value}; returns its ARN. */
    String createSecret(String name, String value) {
        return secretsManager().createSecret(b -> b.name(name).secretString(value)).arn();
    }

    /** The security account's Secrets Manager (the estate closes it). */
    synchronized SecretsManagerClient secretsManager() {
        if (secrets == null) {
            secrets = estate.security().client(SecretsManagerClient.builder(), MotoEstate.HOME_REGION, b -> b);
        }
        return secrets;
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
    List<Audit> audits() {
        List<Audit> audits = new ArrayList<>();
        for (JsonNode envelope : audit.envelopes()) {
            JsonNode attributes = envelope.path("MessageAttributes");
            audits.add(new Audit(envelope.path("Subject").asText(), envelope.path("Message").asText(),
                    attributes.path("event").path("Value").asText(), attributes.path("entity").path("Value").asText()));
        }
        return audits;
    }

    /** The phase-2 messages waiting on the queue (visible or delayed), read without the delay. */
    int phase2Waiting() {
        return estate.security().messagesWaiting(phase2QueueUrl);
    }

    /** The phase-2 queue's client, to receive what the handler scheduled. */
    SqsClient sqs() {
        return estate.security().sqs();
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
}
