package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lockdown invoke --event FILE} runs EventBridge finding events through the function's handler
 * like SNS events. The events are the findings package's samples (lockdown-lambda's test resources,
 * sources named in SOURCES.md there), pointed at resources made in moto.
 */
@ExtendWith(MotoExtension.class)
class InvokeFindingsIT {
    /** Findings carry no ExternalId, but the function needs the deployment's to assume the member roles. */
    private static final String EXTERNAL_ID = "findings-test-external-id-0001";
    private static final Path SAMPLES = Path.of("..", "lockdown-lambda", "src", "test", "resources", "io",
            "entitylockdown", "lambda", "findings");

    @Test
    void invoke_securityHubCustomAction_containsTheUser(MotoServer moto, @TempDir Path dir) throws Exception {
        try (Estate estate = new Estate(moto)) {
            estate.user("mallory");
        }
        ObjectNode event = sample("securityhub-custom-action.json");
        ArrayNode findings = (ArrayNode) event.at("/detail/findings");
        findings.remove(1);
        ((ObjectNode) findings.get(0).at("/Resources/0")).put("Id", "arn:aws:iam::111111111111:user/mallory");
        Path file = Files.writeString(dir.resolve("custom-action.json"), Json.write(event));

        Cli.Result result = Cli.against(moto, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID)).run("invoke", "--event",
                file.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode response = Json.mapper().readTree(result.out());
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("succeeded");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo("arn:aws:iam::111111111111:user/mallory");
        // moto has no BatchUpdateFindings: the update fails, is reported, and does not fail the containment
        assertThat(response.at("/results/0/securityHubUpdate/updated").asBoolean()).isFalse();
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.denyInForce("mallory")).isTrue();
            assertThat(estate.keyStatuses("mallory")).containsOnly("Inactive");
        }
    }

    @Test
    void invoke_guardDutyFindingNotSetToContainAutomatically_isADryRunThatChangesNothing(MotoServer moto,
            @TempDir Path dir) throws Exception {
        String instanceArn;
        try (Estate estate = new Estate(moto)) {
            instanceArn = estate.instance("us-east-1");
        }
        ObjectNode event = sample("guardduty-ec2-instance.json");
        ((ObjectNode) event.at("/detail/resource/instanceDetails"))
                .put("instanceId", instanceArn.substring(instanceArn.lastIndexOf('/') + 1));
        Path file = Files.writeString(dir.resolve("guardduty.json"), Json.write(event));

        Cli.Result result = Cli.against(moto, Map.of("LOCKDOWN_SNAPSHOT", "false", "LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID)).run("invoke", "--event",
                file.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode response = Json.mapper().readTree(result.out());
        assertThat(response.at("/results/0/event").asText()).isEqualTo("would_contain");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo(instanceArn);
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.interfaceGroups("us-east-1", instanceArn)).containsOnly("app");
        }
    }

    @Test
    void invoke_eventOfAnotherSource_isRejected_exit2(MotoServer moto, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ec2.json"), Json.write(sample("eventbridge-ec2-state-change.json")));

        Cli.Result result = Cli.against(moto).run("invoke", "--event", file.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(Json.mapper().readTree(result.out()).at("/results/0/summary").asText())
                .contains("are not lockdown requests");
    }

    private static ObjectNode sample(String name) throws Exception {
        return (ObjectNode) Json.mapper().readTree(SAMPLES.resolve(name).toFile());
    }
}
