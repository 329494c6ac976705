package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The deployed function's handler, run by the CLI on event files, configured by the environment only. */
@ExtendWith(MotoExtension.class)
class InvokeIT {
    private static final String EXTERNAL_ID = "invoke-test-external-id";

    /** The handler writes its structured log to the process's stderr, as on Lambda: kept here to check it. */
    private final ByteArrayOutputStream functionLog = new ByteArrayOutputStream();
    private PrintStream processErr;

    @BeforeEach
    void captureFunctionLog() {
        processErr = System.err;
        System.setErr(new PrintStream(functionLog, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(processErr);
    }

    private String functionLog() {
        return functionLog.toString(StandardCharsets.UTF_8);
    }

    @Test
    void invoke_authenticatedSnsEvent_containsTheEntityAndPrintsTheResponse(MotoServer moto, @TempDir Path dir)
            throws Exception {
        String user;
        try (Estate estate = new Estate(moto)) {
            user = estate.user("mallory");
        }
        Path event = Files.writeString(dir.resolve("event.json"), snsEvent(user, EXTERNAL_ID));

        Cli.Result result = Cli.against(moto, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("invoke", "--event", event.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode response = Json.mapper().readTree(result.out());
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("succeeded");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo(user);
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.denyInForce("mallory")).isTrue();
        }
        assertThat(result.out() + result.err()).doesNotContain(EXTERNAL_ID);
        assertThat(functionLog()).contains("\"audit\":\"succeeded\"").doesNotContain(EXTERNAL_ID);
    }

    @Test
    void invoke_wrongExternalId_isRejectedChangesNothingAndExits2(MotoServer moto, @TempDir Path dir) throws Exception {
        String user;
        try (Estate estate = new Estate(moto)) {
            user = estate.user("mallory");
        }
        Path event = Files.writeString(dir.resolve("event.json"), snsEvent(user, "not-the-deployment-id"));

        Cli.Result result = Cli.against(moto, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("invoke", "--event", event.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(Json.mapper().readTree(result.out()).at("/results/0/outcome").asText()).isEqualTo("rejected");
        assertThat(functionLog()).contains("\"event\":\"rejected\"").doesNotContain("not-the-deployment-id");
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.attachedUserPolicies("mallory")).isEmpty();
            assertThat(estate.denyInForce("mallory")).isFalse();
        }
    }

    @Test
    void invoke_eventThatIsNotJson_exits2AndSaysSo(MotoServer moto, @TempDir Path dir) throws Exception {
        Path event = Files.writeString(dir.resolve("event.json"), "Arn=arn:aws:iam::111111111111:user/mallory");

        Cli.Result result = Cli.against(moto).run("invoke", "--event", event.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("is not JSON");
    }

    private static String snsEvent(String arn, String externalId) {
        return Json.write(Map.of("Records", java.util.List.of(Map.of(
                "EventSource", "aws:sns",
                "EventVersion", "1.0",
                "Sns", Map.of(
                        "MessageId", "11111111-2222-3333-4444-555555555555",
                        "TopicArn", "arn:aws:sns:us-east-1:123456789012:entity-lockdown",
                        "Subject", "Entity Lockdown request",
                        "Message", "Contain " + arn,
                        "MessageAttributes", Map.of(
                                "Arn", Map.of("Type", "String", "Value", arn),
                                "ExternalId", Map.of("Type", "String", "Value", externalId)))))));
    }
}
