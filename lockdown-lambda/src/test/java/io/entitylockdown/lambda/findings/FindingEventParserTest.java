package io.entitylockdown.lambda.findings;

import static io.entitylockdown.lambda.findings.FindingEvents.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import org.junit.jupiter.api.Test;

/** Only GuardDuty findings and the Security Hub custom action are accepted; everything else says why not. */
class FindingEventParserTest {
    private final FindingEventParser parser = new FindingEventParser(AutoContainPolicy.off());

    @Test
    void eventOfAnotherSource_isRejectedNamingWhatIsAccepted() {
        assertThatThrownBy(() -> parser.parse(load("eventbridge-ec2-state-change.json")))
                .isInstanceOf(RejectedEvent.class)
                .hasMessageContaining("'aws.ec2' ('EC2 Instance State-change Notification') are not lockdown requests")
                .hasMessageContaining("GuardDuty Finding").hasMessageContaining("Security Hub Findings - Custom Action");
    }

    @Test
    void importedSecurityHubFindings_areRejected_becauseOnlyThePersonsActionContains() {
        assertThatThrownBy(() -> parser.parse(load("securityhub-findings-imported.json")))
                .isInstanceOf(RejectedEvent.class)
                .hasMessageContaining("'Security Hub Findings - Imported' events are not acted on")
                .hasMessageContaining(AutoContainPolicy.TYPES);
    }

    @Test
    void guardDutyEventThatIsNoFinding_isRejected() {
        ObjectNode event = load("guardduty-ec2-instance.json");
        event.put("detail-type", "GuardDuty Runtime Protection Unhealthy");

        assertThatThrownBy(() -> parser.parse(event)).isInstanceOf(RejectedEvent.class)
                .hasMessageContaining("are not findings");
    }

    @Test
    void customActionWithoutFindings_isRejected() {
        ObjectNode event = load("securityhub-custom-action.json");
        ((ObjectNode) event.get("detail")).putArray("findings");

        assertThatThrownBy(() -> parser.parse(event)).isInstanceOf(RejectedEvent.class)
                .hasMessageContaining("carries no findings");
    }

    @Test
    void findingWithoutIdOrProductArn_isRejected() {
        ObjectNode event = load("securityhub-custom-action.json");
        ((ObjectNode) event.at("/detail/findings/1")).remove("ProductArn");

        assertThatThrownBy(() -> parser.parse(event)).isInstanceOf(RejectedEvent.class)
                .hasMessageContaining("no Id or no ProductArn");
    }

    @Test
    void untrustedTextInTheReason_isBoundedAndHasNoControlCharacters() {
        ObjectNode event = load("eventbridge-ec2-state-change.json");
        event.put("source", "evil\n\u0007" + "x".repeat(500));

        assertThatThrownBy(() -> parser.parse(event)).isInstanceOf(RejectedEvent.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\u0007")
                        .hasSizeLessThan(600));
    }

    @Test
    void isEventBridgeEvent_onlyForEventsWithSourceAndDetailType() throws Exception {
        assertThat(FindingEventParser.isEventBridgeEvent(load("guardduty-root.json"))).isTrue();
        assertThat(FindingEventParser.isEventBridgeEvent(Json.mapper().readTree("{\"Records\":[]}"))).isFalse();
        assertThat(FindingEventParser.isEventBridgeEvent(Json.mapper().readTree("[1,2]"))).isFalse();
        assertThat(FindingEventParser.isEventBridgeEvent(null)).isFalse();
    }
}
