package io.entitylockdown.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.lambda.LockdownHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the deployed function's handler in-process on an event file, configured by the same
 * environment variables as the function, so a team can try its SOAR payloads without deploying.
 */
@Command(name = "invoke", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Run the lockdown function's handler here, on an SNS or SQS event file, configured like the "
                + "deployed function by the environment (LOCKDOWN_EXTERNAL_ID, LOCKDOWN_AUDIT_TOPIC_ARN, "
                + "LOCKDOWN_PHASE2_QUEUE_URL, LOCKDOWN_WINDOW_SECONDS, LOCKDOWN_MEMBER_ROLE, AWS_REGION, "
                + "AWS_ENDPOINT_URL, ...) and acting with your AWS credentials. Prints the handler's response.",
            "",
            "This acts for real: an authenticated SNS event for a supported entity contains it."},
        footer = {"", "Examples:",
            "  LOCKDOWN_EXTERNAL_ID=... lockdown invoke --event soar-payload.json",
            "  AWS_ENDPOINT_URL=http://127.0.0.1:5000 lockdown invoke --event sns-event.json",
            "",
            "An SNS event: {\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":{\"MessageId\":\"1\",",
            "  \"TopicArn\":\"arn:aws:sns:us-east-1:999999999999:entity-lockdown\",",
            "  \"Message\":\"contain\",\"MessageAttributes\":{",
            "  \"Arn\":{\"Type\":\"String\",\"Value\":\"arn:aws:iam::111122223333:user/mallory\"},",
            "  \"ExternalId\":{\"Type\":\"String\",\"Value\":\"...\"}}}}]}"})
final class InvokeCommand extends Subcommand {
    @Option(names = "--event", paramLabel = "FILE", required = true,
            description = "The event: an SNS event (lockdown requests) or an SQS event (EC2 phase 2), as Lambda "
                    + "would deliver it.")
    Path event;

    @Override
    int run() {
        byte[] payload;
        try {
            payload = Files.readAllBytes(event);
        } catch (IOException e) {
            throw CliException.badInput("Cannot read the event file " + event + " (" + e.getClass().getSimpleName()
                    + "); check the path");
        }
        try {
            Json.mapper().readTree(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw CliException.badInput("The event file " + event + " is not JSON (" + e.getOriginalMessage()
                    + "); save the event exactly as Lambda would receive it");
        } catch (IOException e) {
            throw CliException.badInput("Cannot read the event file " + event + ": " + e.getMessage());
        }
        Map<String, String> variables = environment().variables();
        LockdownHandler handler = new LockdownHandler(variables);
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        RuntimeException failure = null;
        try {
            handler.handleRequest(new ByteArrayInputStream(payload), response, new LocalContext(err()));
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "The handler could not read the event or write its response: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            // the function fails the invocation so that Lambda retries; the response is still worth printing
            failure = e;
        }
        String text = response.toString(StandardCharsets.UTF_8);
        JsonNode parsed = null;
        try {
            parsed = text.isBlank() ? null : Json.mapper().readTree(text);
        } catch (IOException notJson) {
            // print it as it is
        }
        out().println(parsed == null ? text : Json.writePretty(parsed));
        out().flush();
        if (failure != null) {
            err().println("lockdown invoke: the invocation failed, so Lambda would retry it: " + failure.getMessage());
            if (debug()) {
                failure.printStackTrace(err());
            }
        }
        return exitCode(parsed, failure != null);
    }

    /** Same codes as contain: refused 3, a failure 1, only rejected input 2, else 0. */
    static int exitCode(JsonNode response, boolean invocationFailed) {
        int code = invocationFailed ? ExitCodes.FAILED : ExitCodes.OK;
        if (response == null) {
            return Math.max(code, ExitCodes.FAILED);
        }
        if (response.path("batchItemFailures").size() > 0) {
            code = Math.max(code, ExitCodes.FAILED);
        }
        JsonNode results = response.path("results");
        int rejected = 0;
        for (JsonNode result : results) {
            switch (result.path("outcome").asText()) {
                case "succeeded" -> { }
                case "refused" -> code = Math.max(code, ExitCodes.REFUSED);
                case "rejected", "invalid" -> rejected++;
                default -> code = Math.max(code, ExitCodes.FAILED);
            }
        }
        if (rejected > 0) {
            code = Math.max(code, rejected == results.size() ? ExitCodes.BAD_INPUT : ExitCodes.FAILED);
        }
        return code;
    }
}
