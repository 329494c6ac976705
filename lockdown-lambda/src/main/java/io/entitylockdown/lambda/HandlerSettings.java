package io.entitylockdown.lambda;

import io.entitylockdown.core.ContainmentOptions;
import java.util.Locale;
import java.util.Map;

/**
 * The function's own environment variables (the engine's are read by
 * {@link io.entitylockdown.core.LockdownConfig}).
 *
 * @param secret         {@code LOCKDOWN_EXTERNAL_ID}; null when unset, and then every message is rejected
 * @param auditTopicArn  {@code LOCKDOWN_AUDIT_TOPIC_ARN}; empty: audit messages go to the log only
 * @param phase2QueueUrl {@code LOCKDOWN_PHASE2_QUEUE_URL}; empty: EC2 phase 2 cannot be scheduled
 * @param options        {@code LOCKDOWN_WINDOW_SECONDS} (default 60, 0..900) and {@code LOCKDOWN_SNAPSHOT} (default true)
 */
record HandlerSettings(DeploymentSecret secret, String auditTopicArn, String phase2QueueUrl,
        ContainmentOptions options) {
    static final String EXTERNAL_ID = "LOCKDOWN_EXTERNAL_ID";
    static final String AUDIT_TOPIC_ARN = "LOCKDOWN_AUDIT_TOPIC_ARN";
    static final String PHASE2_QUEUE_URL = "LOCKDOWN_PHASE2_QUEUE_URL";
    static final String WINDOW_SECONDS = "LOCKDOWN_WINDOW_SECONDS";
    static final String SNAPSHOT = "LOCKDOWN_SNAPSHOT";

    static HandlerSettings fromEnvironment(Map<String, String> env) {
        String window = env.getOrDefault(WINDOW_SECONDS, "").strip();
        int windowSeconds;
        try {
            windowSeconds = window.isEmpty() ? ContainmentOptions.DEFAULT_WINDOW_SECONDS : Integer.parseInt(window);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration error: " + WINDOW_SECONDS + "='" + window
                    + "' is not a number of seconds (0.." + ContainmentOptions.MAX_WINDOW_SECONDS + ")", e);
        }
        if (windowSeconds < 0 || windowSeconds > ContainmentOptions.MAX_WINDOW_SECONDS) {
            throw new IllegalArgumentException("Configuration error: " + WINDOW_SECONDS + "=" + windowSeconds
                    + " is outside 0.." + ContainmentOptions.MAX_WINDOW_SECONDS
                    + " (SQS cannot delay a message longer than 900 seconds)");
        }
        String snapshot = env.getOrDefault(SNAPSHOT, "").strip().toLowerCase(Locale.ROOT);
        if (!snapshot.isEmpty() && !snapshot.equals("true") && !snapshot.equals("false")) {
            throw new IllegalArgumentException("Configuration error: " + SNAPSHOT + "='" + snapshot
                    + "' must be true or false");
        }
        ContainmentOptions options = ContainmentOptions.defaults()
                .withWindowSeconds(windowSeconds)
                .withSnapshot(!snapshot.equals("false"));
        return new HandlerSettings(DeploymentSecret.ofNullable(env.get(EXTERNAL_ID)),
                env.getOrDefault(AUDIT_TOPIC_ARN, "").strip(), env.getOrDefault(PHASE2_QUEUE_URL, "").strip(),
                options);
    }
}
