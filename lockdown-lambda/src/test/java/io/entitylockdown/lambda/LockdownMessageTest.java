package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.report.Operation;
import org.junit.jupiter.api.Test;

class LockdownMessageTest {
    private static final String ARN = "arn:aws:iam::111111111111:user/alice";

    static ObjectNode sns(String body) {
        ObjectNode sns = Json.mapper().createObjectNode();
        sns.put("MessageId", "m-1");
        sns.put("Message", body);
        sns.putObject("MessageAttributes");
        return sns;
    }

    static ObjectNode attribute(ObjectNode sns, String name, String type, String value) {
        ObjectNode attr = ((ObjectNode) sns.get("MessageAttributes")).putObject(name);
        attr.put("Type", type);
        attr.put("Value", value);
        return sns;
    }

    @Test
    void fromSns_originalFormat_readsAttributesWhateverTheBody() throws Exception {
        JsonNode sns = attribute(attribute(sns("lockdown please"), "Arn", "String", ARN), "ExternalId", "String", "secret-1");

        LockdownMessage message = LockdownMessage.fromSns(sns);

        assertThat(message.arn()).isEqualTo(ARN);
        assertThat(message.externalId()).isEqualTo("secret-1");
        assertThat(message.toString()).doesNotContain("secret-1");
    }

    @Test
    void fromSns_jsonBody_readsArnAndExternalId() throws Exception {
        LockdownMessage message = LockdownMessage.fromSns(sns("{\"arn\":\"" + ARN + "\",\"externalId\":\"secret-1\"}"));

        assertThat(message).isEqualTo(new LockdownMessage(ARN, "secret-1", Operation.CONTAIN));
    }

    @Test
    void fromSns_operation_defaultsToContain_andIsReadFromTheAttributeOrTheBody() throws Exception {
        JsonNode original = attribute(attribute(sns("x"), "Arn", "String", ARN), "ExternalId", "String", "secret-1");
        JsonNode release = attribute(attribute(attribute(sns("x"), "Arn", "String", ARN), "ExternalId", "String",
                "secret-1"), "Operation", "String", "Release");
        JsonNode statusBody = sns("{\"arn\":\"" + ARN + "\",\"externalId\":\"secret-1\",\"operation\":\"status\"}");
        JsonNode bodyWithAttribute = attribute(sns("{\"arn\":\"" + ARN + "\",\"externalId\":\"secret-1\"}"),
                "Operation", "String", "release");

        assertThat(LockdownMessage.fromSns(original).operation()).isEqualTo(Operation.CONTAIN);
        assertThat(LockdownMessage.fromSns(release).operation()).isEqualTo(Operation.RELEASE);
        assertThat(LockdownMessage.fromSns(statusBody).operation()).isEqualTo(Operation.STATUS);
        assertThat(LockdownMessage.fromSns(bodyWithAttribute).operation()).isEqualTo(Operation.RELEASE);
    }

    @Test
    void fromSns_whenOperationIsUnknownOrConflicting_rejectsWithoutRepeatingIt() {
        JsonNode unknown = attribute(attribute(attribute(sns("x"), "Arn", "String", ARN), "ExternalId", "String",
                "secret-1"), "Operation", "String", "drop-database-7731");
        JsonNode isolate = sns("{\"arn\":\"" + ARN + "\",\"externalId\":\"secret-1\",\"operation\":\"isolate\"}");
        JsonNode conflicting = attribute(sns("{\"arn\":\"" + ARN + "\",\"externalId\":\"secret-1\",\"operation\":\"status\"}"),
                "Operation", "String", "release");

        assertThatThrownBy(() -> LockdownMessage.fromSns(unknown)).isInstanceOf(RejectedMessage.class)
                .hasMessageContaining("contain, status or release").hasMessageNotContaining("drop-database-7731");
        assertThatThrownBy(() -> LockdownMessage.fromSns(isolate)).isInstanceOf(RejectedMessage.class)
                .hasMessageContaining("contain, status or release");
        assertThatThrownBy(() -> LockdownMessage.fromSns(conflicting)).isInstanceOf(RejectedMessage.class)
                .hasMessageContaining("different operations");
    }

    @Test
    void fromSns_whenExternalIdAttributeMissing_rejectsNamingTheAttribute() {
        JsonNode sns = attribute(sns(""), "Arn", "String", ARN);

        assertThatThrownBy(() -> LockdownMessage.fromSns(sns)).isInstanceOf(RejectedMessage.class)
                .hasMessageContaining("ExternalId is missing")
                .satisfies(e -> assertThat(((RejectedMessage) e).shownEntity()).isEqualTo(ARN));
    }

    @Test
    void fromSns_whenArnAttributeIsBinary_rejects() {
        JsonNode sns = attribute(attribute(sns(""), "Arn", "Binary", "YWJj"), "ExternalId", "String", "secret-1");

        assertThatThrownBy(() -> LockdownMessage.fromSns(sns)).isInstanceOf(RejectedMessage.class)
                .hasMessageContaining("Arn must be of type String");
    }

    @Test
    void fromSns_whenBodyIsNotJsonAndNoAttributes_rejects() {
        assertThatThrownBy(() -> LockdownMessage.fromSns(sns("please lock down alice")))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("not a JSON object");
    }

    @Test
    void fromSns_whenJsonBodyLacksExternalId_rejects() {
        assertThatThrownBy(() -> LockdownMessage.fromSns(sns("{\"arn\":\"" + ARN + "\"}")))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("no \"externalId\"");
    }

    @Test
    void fromSns_whenJsonBodyIsAnArray_rejects() {
        assertThatThrownBy(() -> LockdownMessage.fromSns(sns("[1,2]")))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("not a JSON object");
    }

    @Test
    void fromSns_whenOversized_rejectsBeforeParsing() {
        String big = "{\"arn\":\"" + ARN + "\",\"externalId\":\"" + "x".repeat(LockdownMessage.MAX_MESSAGE_BYTES) + "\"}";

        assertThatThrownBy(() -> LockdownMessage.fromSns(sns(big)))
                .isInstanceOf(RejectedMessage.class).hasMessageContaining("bytes; a lockdown request is at most");
    }

    @Test
    void fromSns_whenAttributesAreHuge_rejectsAsOversized() {
        JsonNode sns = attribute(attribute(sns(""), "Arn", "String", ARN), "Padding", "String",
                "y".repeat(LockdownMessage.MAX_MESSAGE_BYTES));

        assertThatThrownBy(() -> LockdownMessage.fromSns(sns)).isInstanceOf(RejectedMessage.class)
                .hasMessageContaining("bytes");
    }
}
