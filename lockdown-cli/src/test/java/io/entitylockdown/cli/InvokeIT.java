package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void invoke_authenticatedSnsEvent_containsTheEntityAndPrintsTheResponse(MotoEstate estate, @TempDir Path dir)
            throws Exception {
        String user = estate.account().user("mallory").activeKey().create().arn();
        Path event = Files.writeString(dir.resolve("event.json"), snsEvent(user, EXTERNAL_ID));

        Cli.Result result = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("invoke", "--event", event.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode response = Json.mapper().readTree(result.out());
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("succeeded");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo(user);
        assertThat(Denial.userDenied(estate.account().iam(), "mallory")).isTrue();
        assertThat(result.out() + result.err()).doesNotContain(EXTERNAL_ID);
        assertThat(functionLog()).contains("\"audit\":\"succeeded\"").doesNotContain(EXTERNAL_ID);
    }

    @Test
    void invoke_wrongExternalId_isRejectedChangesNothingAndExits2(MotoEstate estate, @TempDir Path dir) throws Exception {
        String user = estate.account().user("mallory").activeKey().create().arn();
        Path event = Files.writeString(dir.resolve("event.json"), snsEvent(user, "not-the-deployment-id"));

        Cli.Result result = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("invoke", "--event", event.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(Json.mapper().readTree(result.out()).at("/results/0/outcome").asText()).isEqualTo("rejected");
        assertThat(functionLog()).contains("\"event\":\"rejected\"").doesNotContain("not-the-deployment-id");
        assertThat(estate.account().userSnapshot("mallory").attached()).isEmpty();
        assertThat(Denial.userDenied(estate.account().iam(), "mallory")).isFalse();
    }

    @Test
    void invoke_eventThatIsNotJson_exits2AndSaysSo(MotoEstate estate, @TempDir Path dir) throws Exception {
        Path event = Files.writeString(dir.resolve("event.json"), "Arn=arn:aws:iam::111111111111:user/mallory");

        Cli.Result result = Cli.against(estate).run("invoke", "--event", event.toString());

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
