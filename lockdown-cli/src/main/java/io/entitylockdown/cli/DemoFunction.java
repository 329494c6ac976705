package io.entitylockdown.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.lambda.LockdownHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The deployed function's code ({@link LockdownHandler}) run in-process on the events Lambda would
 * deliver: SNS records built from the messages that reached the lockdown topic, SQS records from its
 * phase-2 delay queue.
 *
 * <p>The deployed function takes its credentials from its execution role; here the handler acts with
 * the demo's lockdown identity instead, and nothing global (system properties, System.err) is touched.
 * {@code observers} see the function's AWS calls (the demo shows the BatchUpdateFindings request moto lacks).
 */
final class DemoFunction {
    private final LockdownHandler handler;
    private final PrintWriter log;
    private final ByteArrayOutputStream functionLog = new ByteArrayOutputStream();

    /**
     * @param showLog when false, the function's structured log (one JSON line per step, as it writes to
     *     CloudWatch Logs) is kept aside so that it does not drown the story; {@link #logLines()} counts it
     */
    DemoFunction(URI endpoint, DemoEstate estate, int windowSeconds, PrintWriter log, boolean showLog,
            ExecutionInterceptor... observers) {
        this.log = log;
        PrintStream functionLogStream = showLog ? System.err : new PrintStream(functionLog, true, StandardCharsets.UTF_8);
        Map<String, String> env = environment(endpoint, estate, windowSeconds);
        AwsSettings aws = LockdownConfig.fromEnvironment(env).aws().withCredentials(estate.lockdownIdentity)
                .withInterceptors(List.of(observers));
        this.handler = new LockdownHandler(env, aws, Clock.systemUTC(), functionLogStream);
    }

    /** How many log lines the function wrote while its log was kept aside. */
    long logLines() {
        return functionLog.toString(StandardCharsets.UTF_8).lines().count();
    }

    /** The function's variables, as the stack sets them. */
    static Map<String, String> environment(URI endpoint, DemoEstate estate, int windowSeconds) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL", endpoint.toString());
        env.put("AWS_REGION", DemoEstate.EAST);
        env.put(CliEnvironment.EXTERNAL_ID, estate.externalId);
        env.put("LOCKDOWN_AUDIT_TOPIC_ARN", estate.auditTopicArn);
        env.put("LOCKDOWN_PHASE2_QUEUE_URL", estate.phase2QueueUrl);
        env.put("LOCKDOWN_WINDOW_SECONDS", Integer.toString(windowSeconds));
        env.put("LOCKDOWN_EXECUTION_ROLE_ARN", estate.lockdownIdentityArn());
        env.put("LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES", DemoFindings.AUTO_CONTAIN_TYPES);
        env.put("LOCKDOWN_GUARDDUTY_MIN_SEVERITY", DemoFindings.MIN_SEVERITY);
        return env;
    }

    /** An SNS event with one record, as Lambda delivers a message of the topic. */
    static ObjectNode snsEvent(JsonNode envelope, String topicArn) {
        ObjectNode event = Json.mapper().createObjectNode();
        ObjectNode record = event.putArray("Records").addObject();
        record.put("EventSource", "aws:sns");
        record.put("EventVersion", "1.0");
        record.put("EventSubscriptionArn", topicArn + ":demo-subscription");
        record.set("Sns", envelope.deepCopy());
        return event;
    }

    /** An SQS event with one record, as Lambda delivers a message of the phase-2 queue. */
    static ObjectNode sqsEvent(Message message, String queueArn) {
        ObjectNode event = Json.mapper().createObjectNode();
        ArrayNode records = event.putArray("Records");
        ObjectNode record = records.addObject();
        record.put("messageId", message.messageId());
        record.put("receiptHandle", message.receiptHandle());
        record.put("body", message.body());
        record.putObject("attributes");
        record.putObject("messageAttributes");
        record.put("md5OfBody", message.md5OfBody());
        record.put("eventSource", "aws:sqs");
        record.put("eventSourceARN", queueArn);
        record.put("awsRegion", DemoEstate.EAST);
        return event;
    }

    /** The event with the ExternalId's value hidden, to show people the format. */
    static String shown(JsonNode event) {
        JsonNode copy = event.deepCopy();
        for (JsonNode record : copy.path("Records")) {
            JsonNode id = record.path("Sns").path("MessageAttributes").path("ExternalId");
            if (id instanceof ObjectNode node) {
                node.put("Value", "(the deployment's ExternalId, not shown)");
            }
        }
        return Json.writePretty(copy);
    }

    /** Invokes the handler; a failed invocation (Lambda would retry it) comes back as {@code failed}. */
    Invocation invoke(JsonNode event) {
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        String failure = null;
        try {
            handler.handleRequest(new ByteArrayInputStream(Json.write(event).getBytes(StandardCharsets.UTF_8)),
                    response, new LocalContext(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            failure = e.getMessage();
        }
        try {
            String text = response.toString(StandardCharsets.UTF_8);
            return new Invocation(text.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(text),
                    failure);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the handler answered, and why the invocation failed when it did. */
    record Invocation(JsonNode response, String failure) {
    }

}
