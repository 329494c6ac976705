package io.entitylockdown.lambda;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The EC2 phase-2 message the function sends to its own delay queue after phase 1.
 *
 * <p>It is signed with an HMAC keyed from the deployment's ExternalId, so that the right to send to
 * the queue is not the right to isolate instances, and the secret itself never sits in the queue.
 * A signature binds the ARN and the time phase 1 scheduled it; a message older than
 * {@link #MAX_AGE} is rejected, which bounds a replay.
 *
 * @param operation   always {@code isolate}
 * @param arn         the instance ARN
 * @param scheduledAt ISO-8601 instant at which phase 1 sent the message
 * @param windowSeconds the delay it was sent with
 * @param signature   base64url HMAC-SHA256 of {@link #signedText()}
 */
@JsonPropertyOrder({"operation", "arn", "scheduledAt", "windowSeconds", "signature"})
record Phase2Message(String operation, String arn, String scheduledAt, int windowSeconds, String signature) {
    static final String ISOLATE = "isolate";
    /** Delay (up to 15 min) plus SQS redelivery after failed attempts, with a wide margin. */
    static final Duration MAX_AGE = Duration.ofHours(6);
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    static Phase2Message create(String arn, int windowSeconds, Instant now, DeploymentSecret secret) {
        Phase2Message unsigned = new Phase2Message(ISOLATE, arn, now.toString(), windowSeconds, "");
        return new Phase2Message(ISOLATE, arn, unsigned.scheduledAt, windowSeconds, secret.sign(unsigned.signedText()));
    }

    String signedText() {
        return operation + "\n" + arn + "\n" + scheduledAt + "\n" + windowSeconds;
    }

    String toJson() {
        return Json.write(this);
    }

    /** Parses and authenticates a queue message body; the checks run before anything else is done. */
    static Phase2Message verified(String body, DeploymentSecret secret, Instant now) throws RejectedMessage {
        if (body == null || body.length() > LockdownMessage.MAX_MESSAGE_BYTES) {
            throw new RejectedMessage("The phase-2 message is empty or larger than " + LockdownMessage.MAX_MESSAGE_BYTES
                    + " bytes", "");
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(body);
        } catch (java.io.IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new RejectedMessage("The queue message is not a phase-2 message (its body is not a JSON object)", "");
        }
        String arn = json.path("arn").asText("");
        Phase2Message message = new Phase2Message(json.path("operation").asText(""), arn,
                json.path("scheduledAt").asText(""), json.path("windowSeconds").asInt(-1), json.path("signature").asText(""));
        if (!ISOLATE.equals(message.operation) || arn.isEmpty()) {
            throw new RejectedMessage("The queue message is not a phase-2 message (operation isolate with an arn)", arn);
        }
        if (secret == null || !secret.verify(message.signedText(), message.signature)) {
            throw new RejectedMessage("The phase-2 message's signature does not match this deployment's ExternalId; "
                    + "only the lockdown function can schedule phase 2", arn);
        }
        Instant scheduled;
        try {
            scheduled = Instant.parse(message.scheduledAt);
        } catch (DateTimeParseException e) {
            throw new RejectedMessage("The phase-2 message has no valid scheduledAt time", arn);
        }
        if (scheduled.isAfter(now.plus(CLOCK_SKEW)) || scheduled.plus(MAX_AGE).isBefore(now)) {
            throw new RejectedMessage("The phase-2 message was scheduled at " + scheduled + ", more than "
                    + MAX_AGE.toHours() + " hours ago or in the future; contain the instance again if it is still needed",
                    arn);
        }
        return message;
    }
}
