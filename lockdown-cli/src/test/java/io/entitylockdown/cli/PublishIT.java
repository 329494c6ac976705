package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.TopicReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(MotoExtension.class)
class PublishIT {
    private static final String USER = "arn:aws:iam::111111111111:user/mallory";
    private static final String FUNCTION = "arn:aws:lambda:us-west-2:111111111111:function:billing-export";
    private static final String EXTERNAL_ID = "publish-test-external-id";

    @Test
    void publish_sendsOneMessagePerArnWithArnAndExternalIdAttributes(MotoEstate estate) throws Exception {
        TopicReader topic = estate.security().topicWithReader("entity-lockdown", "lockdown-requests");

        Cli.Result result = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("publish", "--topic-arn", topic.topicArn(), "--output", "json", USER, FUNCTION);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode printed = Json.mapper().readTree(result.out());
        assertThat(printed).hasSize(2);
        assertThat(printed.get(0).get("published").asBoolean()).isTrue();
        List<JsonNode> envelopes = topic.envelopes();
        assertThat(envelopes).extracting(e -> e.at("/MessageAttributes/Arn/Value").asText())
                .containsExactlyInAnyOrder(USER, FUNCTION);
        assertThat(envelopes).allSatisfy(e -> {
            assertThat(e.at("/MessageAttributes/Arn/Type").asText()).isEqualTo("String");
            assertThat(e.at("/MessageAttributes/ExternalId/Value").asText()).isEqualTo(EXTERNAL_ID);
            assertThat(e.get("Message").asText()).doesNotContain(EXTERNAL_ID);
        });
        assertThat(result.out() + result.err()).doesNotContain(EXTERNAL_ID);
    }

    @Test
    void publish_withOneBadArn_publishesTheOthersAndExits1(MotoEstate estate) throws Exception {
        TopicReader topic = estate.security().topicWithReader("entity-lockdown", "lockdown-requests");

        Cli.Result result = Cli.against(estate).run("publish", "--topic-arn", topic.topicArn(), "--external-id",
                EXTERNAL_ID, USER, "arn:aws:iam::111111111111:group/admins");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Rejected argument 2", "Not published");
        assertThat(result.out()).contains("NOT sent", "group/admins");
        assertThat(topic.envelopes()).extracting(e -> e.at("/MessageAttributes/Arn/Value").asText())
                .containsExactly(USER);
    }

    @Test
    void publish_toATopicThatDoesNotExist_exits1AndSaysWhatFailed(MotoEstate estate) {
        Cli.Result result = Cli.against(estate).run("publish", "--topic-arn",
                "arn:aws:sns:us-east-1:123456789012:no-such-topic", "--external-id", EXTERNAL_ID, USER);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Could not publish " + USER);
        assertThat(result.err()).doesNotContain("\tat ");
    }
}
