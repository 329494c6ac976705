package io.entitylockdown.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.report.Operation;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A lockdown request read from one SNS record, not yet authenticated.
 *
 * <p>Two formats: the original solution's message attributes {@code Arn} and {@code ExternalId}
 * (String), whatever the body; or, without those attributes, a JSON body
 * {@code {"arn": "...", "externalId": "..."}}. Either may ask for another operation than containment:
 * the String attribute {@code Operation}, or {@code "operation"} in the JSON body, one of
 * {@code contain} (the default), {@code status} and {@code release}.
 *
 * <p>Nothing a sender wrote is ever repeated in a rejection except the ARN: not the ExternalId, not
 * the value of any other attribute (a rejection reaches the audit e-mail and the log).
 *
 * @param arn        the entity ARN as given (not yet validated)
 * @param externalId what the publisher presented; never log it
 * @param operation  what the sender asks for: {@link Operation#CONTAIN}, {@link Operation#STATUS} or
 *                   {@link Operation#RELEASE}
 */
record LockdownMessage(String arn, String externalId, Operation operation) {
    /** An ARN is at most 2048 characters and an ExternalId 1224: anything far larger is not a request. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024;
    static final String ARN_ATTRIBUTE = "Arn";
    static final String EXTERNAL_ID_ATTRIBUTE = "ExternalId";
    static final String OPERATION_ATTRIBUTE = "Operation";

    @Override
    public String toString() {
        return "LockdownMessage[arn=" + arn + ", externalId=(hidden), operation=" + operation.json() + "]";
    }

    /** Reads the {@code Sns} object of a Lambda SNS event record. */
    static LockdownMessage fromSns(JsonNode sns) throws RejectedMessage {
        String body = sns.path("Message").isTextual() ? sns.path("Message").asText() : "";
        JsonNode attributes = sns.path("MessageAttributes");
        String shownArn = attributes.path(ARN_ATTRIBUTE).path("Value").asText("");
        int size = body.getBytes(StandardCharsets.UTF_8).length + attributesSize(attributes);
        if (size > MAX_MESSAGE_BYTES) {
            throw new RejectedMessage("The message is " + size + " bytes; a lockdown request is at most "
                    + MAX_MESSAGE_BYTES + " bytes (an ARN and an ExternalId)", shownArn);
        }
        Operation fromAttribute = attributes.has(OPERATION_ATTRIBUTE)
                ? operation(stringAttribute(attributes, OPERATION_ATTRIBUTE, shownArn), "message attribute Operation", shownArn)
                : null;
        if (attributes.has(ARN_ATTRIBUTE) || attributes.has(EXTERNAL_ID_ATTRIBUTE)) {
            String arn = stringAttribute(attributes, ARN_ATTRIBUTE, shownArn);
            String externalId = stringAttribute(attributes, EXTERNAL_ID_ATTRIBUTE, shownArn);
            return new LockdownMessage(arn, externalId, fromAttribute == null ? Operation.CONTAIN : fromAttribute);
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(body);
        } catch (java.io.IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new RejectedMessage("The message has no Arn and ExternalId attributes and its body is not a JSON "
                    + "object like {\"arn\": \"...\", \"externalId\": \"...\"}", "");
        }
        String arn = json.path("arn").isTextual() ? json.path("arn").asText() : null;
        if (arn == null || arn.isBlank()) {
            throw new RejectedMessage("The JSON body has no \"arn\" string", "");
        }
        String externalId = json.path("externalId").isTextual() ? json.path("externalId").asText() : null;
        if (externalId == null || externalId.isEmpty()) {
            throw new RejectedMessage("The JSON body has no \"externalId\" string", arn);
        }
        Operation fromBody = null;
        if (json.has("operation")) {
            if (!json.path("operation").isTextual()) {
                throw new RejectedMessage("\"operation\" in the JSON body must be a string: contain, status or release", arn);
            }
            fromBody = operation(json.path("operation").asText(), "\"operation\" in the JSON body", arn);
        }
        if (fromAttribute != null && fromBody != null && fromAttribute != fromBody) {
            throw new RejectedMessage("The Operation attribute and \"operation\" in the JSON body ask for different "
                    + "operations; send one of them", arn);
        }
        Operation operation = fromAttribute != null ? fromAttribute : fromBody != null ? fromBody : Operation.CONTAIN;
        return new LockdownMessage(arn, externalId, operation);
    }

    /** contain, status or release, in any case; the sender's text is not repeated when it is none of them. */
    private static Operation operation(String text, String where, String shownArn) throws RejectedMessage {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "contain" -> Operation.CONTAIN;
            case "status" -> Operation.STATUS;
            case "release" -> Operation.RELEASE;
            default -> throw new RejectedMessage("The " + where + " must be contain, status or release", shownArn);
        };
    }

    private static String stringAttribute(JsonNode attributes, String name, String shownArn) throws RejectedMessage {
        JsonNode attribute = attributes.path(name);
        if (attribute.isMissingNode() || attribute.isNull()) {
            throw new RejectedMessage("The message attribute " + name + " is missing (the original format needs both "
                    + ARN_ATTRIBUTE + " and " + EXTERNAL_ID_ATTRIBUTE + ")", shownArn);
        }
        if (!"String".equals(attribute.path("Type").asText())) {
            throw new RejectedMessage("The message attribute " + name + " must be of type String", shownArn);
        }
        String value = attribute.path("Value").asText("");
        if (value.isEmpty()) {
            throw new RejectedMessage("The message attribute " + name + " is empty", shownArn);
        }
        return value;
    }

    private static int attributesSize(JsonNode attributes) {
        int size = 0;
        for (var entry : attributes.properties()) {
            size += entry.getKey().length() + entry.getValue().path("Value").asText("").getBytes(StandardCharsets.UTF_8).length;
        }
        return size;
    }
}
