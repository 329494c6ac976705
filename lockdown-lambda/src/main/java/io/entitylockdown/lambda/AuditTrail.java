package io.entitylockdown.lambda;

import io.entitylockdown.core.report.AwsErrors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/** Publishes audit messages to the audit topic; without a topic, they go to the log only. */
final class AuditTrail {
    private final SnsClient sns;
    private final String topicArn;
    private final StructuredLog log;

    AuditTrail(SnsClient sns, String topicArn, StructuredLog log) {
        this.sns = sns;
        this.topicArn = topicArn;
        this.log = log;
    }

    /**
     * Publishes on another thread, so that a "started" message costs the containment no round trip: the
     * first deny goes out while it is on its way. Join the result before publishing what follows it.
     */
    CompletableFuture<Boolean> publishAsync(AuditMessage message) {
        return CompletableFuture.supplyAsync(() -> publish(message), background());
    }

    /** Daemon threads made on first use (never in a SnapStart snapshot's constructor), idle ones end. */
    private static synchronized Executor background() {
        if (background == null) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(0, 4, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    runnable -> {
                        Thread thread = new Thread(runnable, "lockdown-audit");
                        thread.setDaemon(true);
                        return thread;
                    }, new ThreadPoolExecutor.CallerRunsPolicy());
            background = pool;
        }
        return background;
    }

    private static Executor background;

    /** Publishes; returns false (and logs why) when the message could not be published. Never throws. */
    boolean publish(AuditMessage message) {
        String entity = message.attributes().getOrDefault("entity", "");
        if (topicArn.isEmpty()) {
            log.event("INFO", "audit", "audit", message.event().attribute(), "subject", message.subject(),
                    "entity", entity, "topic", "(none: LOCKDOWN_AUDIT_TOPIC_ARN is not set)");
            return true;
        }
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        message.attributes().forEach((key, value) -> attributes.put(key,
                MessageAttributeValue.builder().dataType("String").stringValue(value).build()));
        try {
            String id = sns.publish(b -> b.topicArn(topicArn).subject(message.subject()).message(message.body())
                    .messageAttributes(attributes)).messageId();
            log.event("INFO", "audit", "audit", message.event().attribute(), "subject", message.subject(),
                    "entity", entity, "messageId", id);
            return true;
        } catch (RuntimeException e) {
            log.event("ERROR", "audit-failed", "audit", message.event().attribute(), "subject", message.subject(),
                    "entity", entity, "error", AwsErrors.describe(e, "sns:Publish"));
            return false;
        }
    }
}
