package io.entitylockdown.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.Shell;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * One message of the kept-events queue, understood: the lockdown requests it holds, as they were
 * published, or why it holds none that can be published again.
 *
 * <p>The queue receives three kinds of messages: Lambda's on-failure destination record (a JSON object
 * whose {@code requestPayload} is the SNS event the function failed on), an SNS delivery that never reached
 * the function (the SNS envelope as the body, or with raw delivery the published body with the attributes
 * as SQS message attributes), and the phase-2 queue's dead letters (the function's signed isolation message).
 *
 * @param messageId the SQS message id
 * @param shape     which of those it is
 * @param requests  the requests to publish again (empty when none)
 * @param problem   why nothing can be published again, or null
 */
record KeptEvent(String messageId, Shape shape, List<Request> requests, String problem) {

    /** What the message is. */
    enum Shape {
        LAMBDA_FAILURE_RECORD("Lambda on-failure record"),
        SNS_DEAD_LETTER("SNS delivery to the dead-letter queue"),
        SNS_RAW_DEAD_LETTER("SNS raw delivery to the dead-letter queue"),
        PHASE2_DEAD_LETTER("EC2 phase-2 message"),
        EVENTBRIDGE_DEAD_LETTER("EventBridge event to the dead-letter queue"),
        UNKNOWN("unrecognised message");

        private final String label;

        Shape(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /**
     * A lockdown request as it was published.
     *
     * @param topicArn   the topic it was published to, or empty when the message does not say
     * @param subject    its subject, or null
     * @param body       its body
     * @param attributes its message attributes, types and values unchanged (the ExternalId among them: never print)
     */
    record Request(String topicArn, String subject, String body, Map<String, MessageAttributeValue> attributes) {
        /** The ARN it names, for people: the Arn attribute, else "arn" of a JSON body, else "(no ARN)". */
        String shownArn() {
            MessageAttributeValue arn = attributes.get("Arn");
            if (arn != null && arn.stringValue() != null) {
                return arn.stringValue();
            }
            JsonNode json = parse(body);
            return json != null && json.path("arn").isTextual() ? json.path("arn").asText() : "(no ARN)";
        }

        /** contain, release or status, as the request asks. */
        String operation() {
            MessageAttributeValue operation = attributes.get("Operation");
            if (operation != null && operation.stringValue() != null) {
                return operation.stringValue().strip().toLowerCase(java.util.Locale.ROOT);
            }
            JsonNode json = parse(body);
            return json != null && json.path("operation").isTextual() ? json.path("operation").asText() : "contain";
        }
    }

    static KeptEvent of(Message message) {
        String id = message.messageId();
        JsonNode json = parse(message.body());
        if (json != null && json.has("requestPayload")) {
            if (json.path("requestPayload").has("detail-type")) {
                return findingEvent(id, Shape.LAMBDA_FAILURE_RECORD, json.path("requestPayload"));
            }
            return fromFailureRecord(id, json);
        }
        if (json != null && json.has("detail-type") && json.has("source")) {
            return findingEvent(id, Shape.EVENTBRIDGE_DEAD_LETTER, json);
        }
        if (json != null && "Notification".equals(json.path("Type").asText()) && json.has("Message")) {
            return new KeptEvent(id, Shape.SNS_DEAD_LETTER, List.of(fromEnvelope(json)), null);
        }
        if (json != null && "isolate".equals(json.path("operation").asText()) && json.has("signature")) {
            String arn = json.path("arn").asText("?");
            return new KeptEvent(id, Shape.PHASE2_DEAD_LETTER, List.of(), "phase 2 (isolation) of " + arn + " failed "
                    + "every attempt; only the function can schedule it (the message is signed and expires), so it is not "
                    + "re-submitted. Finish it now with 'lockdown contain --window 0 " + Shell.quote(arn) + "', then delete this message");
        }
        if (message.messageAttributes().containsKey("Arn") || json != null && json.has("arn")) {
            Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
            message.messageAttributes().forEach((name, value) -> {
                if (!isSnsDeliveryAttribute(name)) {
                    attributes.put(name, MessageAttributeValue.builder().dataType(value.dataType())
                            .stringValue(value.stringValue()).binaryValue(value.binaryValue()).build());
                }
            });
            var topic = message.messageAttributes().get("TopicArn");
            return new KeptEvent(id, Shape.SNS_RAW_DEAD_LETTER, List.of(new Request(
                    topic == null || topic.stringValue() == null ? "" : topic.stringValue(), null, message.body(),
                    attributes)), null);
        }
        return new KeptEvent(id, Shape.UNKNOWN, List.of(), "neither a Lambda failure record, an SNS delivery nor a "
                + "phase-2 message; read it (aws sqs receive-message) and act on it by hand");
    }

    /**
     * A GuardDuty or Security Hub event (from EventBridge, or its Lambda failure record): it is not an SNS
     * request, so it cannot be published again; the function takes it again through lockdown invoke.
     */
    private static KeptEvent findingEvent(String id, Shape shape, JsonNode event) {
        return new KeptEvent(id, shape, List.of(), "an EventBridge event (" + event.path("source").asText("?") + ", "
                + event.path("detail-type").asText("?") + ") that failed every attempt; it is not an SNS request, so it "
                + "is not published again. Save the event (the message body" + (shape == Shape.LAMBDA_FAILURE_RECORD
                        ? "'s requestPayload" : "") + ") to a file and run 'lockdown invoke --event FILE', or choose the "
                + "Security Hub action again; then delete this message");
    }

    private static KeptEvent fromFailureRecord(String id, JsonNode record) {
        List<Request> requests = new ArrayList<>();
        for (JsonNode payloadRecord : record.path("requestPayload").path("Records")) {
            if ("aws:sns".equals(payloadRecord.path("EventSource").asText())) {
                requests.add(fromEnvelope(payloadRecord.path("Sns")));
            }
        }
        if (requests.isEmpty()) {
            return new KeptEvent(id, Shape.LAMBDA_FAILURE_RECORD, List.of(), "its requestPayload holds no SNS record "
                    + "to publish again; read it and act on it by hand");
        }
        return new KeptEvent(id, Shape.LAMBDA_FAILURE_RECORD, requests, null);
    }

    /** The request in an SNS envelope (Lambda's {@code Sns} object or SNS's JSON delivery): same fields. */
    private static Request fromEnvelope(JsonNode sns) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        for (var entry : sns.path("MessageAttributes").properties()) {
            String type = entry.getValue().path("Type").asText("String");
            String value = entry.getValue().path("Value").asText("");
            MessageAttributeValue.Builder attribute = MessageAttributeValue.builder().dataType(type);
            if (type.startsWith("Binary")) {
                attribute.binaryValue(SdkBytes.fromByteArray(Base64.getDecoder().decode(value)));
            } else {
                attribute.stringValue(value);
            }
            attributes.put(entry.getKey(), attribute.build());
        }
        String subject = sns.path("Subject").isTextual() ? sns.path("Subject").asText() : null;
        return new Request(sns.path("TopicArn").asText(""), subject, sns.path("Message").asText(""), attributes);
    }

    /** Attributes SNS adds when it moves a failed delivery, not the publisher's. */
    private static boolean isSnsDeliveryAttribute(String name) {
        return name.equals("ErrorCode") || name.equals("ErrorMessage") || name.equals("RequestID")
                || name.equals("TopicArn");
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank() || text.strip().charAt(0) != '{') {
            return null;
        }
        try {
            JsonNode json = Json.mapper().readTree(text);
            return json != null && json.isObject() ? json : null;
        } catch (IOException e) {
            return null;
        }
    }
}
