package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

@ExtendWith(MotoExtension.class)
class PublishIT {
    private static final String USER = "arn:aws:iam::111111111111:user/mallory";
    private static final String FUNCTION = "arn:aws:lambda:us-west-2:111111111111:function:billing-export";
    private static final String EXTERNAL_ID = "publish-test-external-id";

    @Test
    void publish_sendsOneMessagePerArnWithArnAndExternalIdAttributes(MotoServer moto) throws Exception {
        Subscribed topic = subscribedTopic(moto);

        Cli.Result result = Cli.against(moto, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("publish", "--topic-arn", topic.topicArn, "--output", "json", USER, FUNCTION);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode printed = Json.mapper().readTree(result.out());
        assertThat(printed).hasSize(2);
        assertThat(printed.get(0).get("published").asBoolean()).isTrue();
        List<JsonNode> envelopes = receive(moto, topic.queueUrl, 2);
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
    void publish_withOneBadArn_publishesTheOthersAndExits1(MotoServer moto) throws Exception {
        Subscribed topic = subscribedTopic(moto);

        Cli.Result result = Cli.against(moto).run("publish", "--topic-arn", topic.topicArn, "--external-id",
                EXTERNAL_ID, USER, "arn:aws:iam::111111111111:group/admins");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Rejected argument 2", "Not published");
        assertThat(result.out()).contains("NOT sent", "group/admins");
        assertThat(receive(moto, topic.queueUrl, 1)).extracting(e -> e.at("/MessageAttributes/Arn/Value").asText())
                .containsExactly(USER);
    }

    @Test
    void publish_toATopicThatDoesNotExist_exits1AndSaysWhatFailed(MotoServer moto) {
        Cli.Result result = Cli.against(moto).run("publish", "--topic-arn",
                "arn:aws:sns:us-east-1:123456789012:no-such-topic", "--external-id", EXTERNAL_ID, USER);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Could not publish " + USER);
        assertThat(result.err()).doesNotContain("\tat ");
    }

    private record Subscribed(String topicArn, String queueUrl) {
    }

    private static Subscribed subscribedTopic(MotoServer moto) {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
        try (SnsClient sns = SnsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials).build();
                SqsClient sqs = sqs(moto)) {
            String topicArn = sns.createTopic(b -> b.name("entity-lockdown")).topicArn();
            String queueUrl = sqs.createQueue(b -> b.queueName("lockdown-requests")).queueUrl();
            String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            sns.subscribe(b -> b.topicArn(topicArn).protocol("sqs").endpoint(queueArn));
            return new Subscribed(topicArn, queueUrl);
        }
    }

    private static SqsClient sqs(MotoServer moto) {
        return SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build();
    }

    private static List<JsonNode> receive(MotoServer moto, String queueUrl, int expected) throws Exception {
        List<JsonNode> envelopes = new ArrayList<>();
        try (SqsClient sqs = sqs(moto)) {
            for (int attempt = 0; attempt < 10 && envelopes.size() < expected; attempt++) {
                for (Message message : sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1)).messages()) {
                    envelopes.add(Json.mapper().readTree(message.body()));
                }
            }
        }
        return envelopes;
    }
}
