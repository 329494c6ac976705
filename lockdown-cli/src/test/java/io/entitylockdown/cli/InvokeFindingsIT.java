package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Instance;

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
    void invoke_securityHubCustomAction_containsTheUser(MotoEstate estate, @TempDir Path dir) throws Exception {
        estate.account().user("mallory").activeKey().create();
        ObjectNode event = sample("securityhub-custom-action.json");
        ArrayNode findings = (ArrayNode) event.at("/detail/findings");
        findings.remove(1);
        ((ObjectNode) findings.get(0).at("/Resources/0")).put("Id", "arn:aws:iam::111111111111:user/mallory");
        Path file = Files.writeString(dir.resolve("custom-action.json"), Json.write(event));

        Cli.Result result = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID)).run("invoke", "--event",
                file.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode response = Json.mapper().readTree(result.out());
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("succeeded");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo("arn:aws:iam::111111111111:user/mallory");
        // moto has no BatchUpdateFindings: the update fails, is reported, and does not fail the containment
        assertThat(response.at("/results/0/securityHubUpdate/updated").asBoolean()).isFalse();
        assertThat(Denial.userDenied(estate.account().iam(), "mallory")).isTrue();
        assertThat(estate.account().userSnapshot("mallory").keys().values()).containsOnly("Inactive");
    }

    @Test
    void invoke_guardDutyFindingNotSetToContainAutomatically_isADryRunThatChangesNothing(MotoEstate estate,
            @TempDir Path dir) throws Exception {
        Network network = estate.account().network("us-east-1");
        Instance instance = network.instance().interfaces(2).launch();
        String instanceArn = network.arn(instance);
        List<List<String>> before = network.groupsOfInterfaces(instance.instanceId());
        ObjectNode event = sample("guardduty-ec2-instance.json");
        ((ObjectNode) event.at("/detail/resource/instanceDetails")).put("instanceId", instance.instanceId());
        Path file = Files.writeString(dir.resolve("guardduty.json"), Json.write(event));

        Cli.Result result = Cli.against(estate, Map.of("LOCKDOWN_SNAPSHOT", "false", "LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("invoke", "--event", file.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode response = Json.mapper().readTree(result.out());
        assertThat(response.at("/results/0/event").asText()).isEqualTo("would_contain");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo(instanceArn);
        assertThat(network.groupNames(instance.instanceId())).containsOnly("app", "admin");
        assertThat(network.groupsOfInterfaces(instance.instanceId())).isEqualTo(before);
    }

    @Test
    void invoke_eventOfAnotherSource_isRejected_exit2(MotoEstate estate, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ec2.json"), Json.write(sample("eventbridge-ec2-state-change.json")));

        Cli.Result result = Cli.against(estate).run("invoke", "--event", file.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(Json.mapper().readTree(result.out()).at("/results/0/summary").asText())
                .contains("are not lockdown requests");
    }

    private static ObjectNode sample(String name) throws Exception {
        return (ObjectNode) Json.mapper().readTree(SAMPLES.resolve(name).toFile());
    }
}
