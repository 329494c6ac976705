package io.entitylockdown.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** A topic and the queue subscribed to it, which a test reads to see what was published. */
public final class TopicReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topicArn;
    private final String queueUrl;
    private final SqsClient sqs;

    TopicReader(String topicArn, String queueUrl, SqsClient sqs) {
        this.topicArn = topicArn;
        this.queueUrl = queueUrl;
        this.sqs = sqs;
    }

    public String topicArn() {
        return topicArn;
    }

    public String queueUrl() {
        return queueUrl;
    }

    /**
     * Every SNS envelope delivered so far (Subject, Message, MessageAttributes ...), in order, removed from
     * the queue. Does not wait: SNS to SQS delivery is synchronous in moto.
     */
    public List<JsonNode> envelopes() {
        List<JsonNode> envelopes = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (batch.isEmpty()) {
                return envelopes;
            }
            for (Message message : batch) {
                try {
                    envelopes.add(JSON.readTree(message.body()));
                } catch (java.io.IOException e) {
                    throw new AssertionError("not an SNS envelope on " + queueUrl + ": " + message.body(), e);
                }
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }
}
