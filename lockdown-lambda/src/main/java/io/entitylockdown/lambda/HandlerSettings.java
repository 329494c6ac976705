package io.entitylockdown.lambda;

import io.entitylockdown.core.ContainmentOptions;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The function's own environment variables (the engine's are read by
 * {@link io.entitylockdown.core.LockdownConfig}).
 *
 * <p>The deployment's ExternalId comes from one of two places: the deployed function names a Secrets
 * Manager secret ({@code LOCKDOWN_EXTERNAL_ID_SECRET_ARN}) and reads it at its first invocation; the CLI,
 * {@code lockdown invoke} and the demo may give the value itself ({@code LOCKDOWN_EXTERNAL_ID}). Inside the
 * Lambda runtime a plain value is refused: anyone allowed {@code lambda:GetFunctionConfiguration} could read it.
 *
 * @param externalId          {@code LOCKDOWN_EXTERNAL_ID}; null when unset
 * @param externalIdSecretArn {@code LOCKDOWN_EXTERNAL_ID_SECRET_ARN}; empty when unset. With neither, every
 *                            message is rejected
 * @param auditTopicArn       {@code LOCKDOWN_AUDIT_TOPIC_ARN}; empty: audit messages go to the log only
 * @param phase2QueueUrl      {@code LOCKDOWN_PHASE2_QUEUE_URL}; empty: EC2 phase 2 cannot be scheduled
 * @param options             {@code LOCKDOWN_WINDOW_SECONDS} (default 60, 0..900) and {@code LOCKDOWN_SNAPSHOT}
 *                            (default true)
 */
record HandlerSettings(DeploymentSecret externalId, String externalIdSecretArn, String auditTopicArn,
        String phase2QueueUrl, ContainmentOptions options) {
    static final String EXTERNAL_ID = "LOCKDOWN_EXTERNAL_ID";
    static final String EXTERNAL_ID_SECRET_ARN = "LOCKDOWN_EXTERNAL_ID_SECRET_ARN";
    static final String AUDIT_TOPIC_ARN = "LOCKDOWN_AUDIT_TOPIC_ARN";
    static final String PHASE2_QUEUE_URL = "LOCKDOWN_PHASE2_QUEUE_URL";
    static final String WINDOW_SECONDS = "LOCKDOWN_WINDOW_SECONDS";
    static final String SNAPSHOT = "LOCKDOWN_SNAPSHOT";
    /** Set by the Lambda runtime only: the code runs as the deployed function. */
    static final String LAMBDA_RUNTIME_API = "AWS_LAMBDA_RUNTIME_API";
    private static final Pattern SECRET_ARN =
            Pattern.compile("arn:aws[a-z-]*:secretsmanager:[a-z]{2,4}(-[a-z]{2,10}){1,3}-[0-9]{1,2}:[0-9]{12}:secret:.+");

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
        DeploymentSecret value = DeploymentSecret.ofNullable(env.get(EXTERNAL_ID));
        String secretArn = env.getOrDefault(EXTERNAL_ID_SECRET_ARN, "").strip();
        if (!secretArn.isEmpty() && !SECRET_ARN.matcher(secretArn).matches()) {
            throw new IllegalArgumentException("Configuration error: " + EXTERNAL_ID_SECRET_ARN + "='" + secretArn
                    + "' is not a Secrets Manager secret ARN like arn:aws:secretsmanager:us-east-1:999999999999:secret:"
                    + "entity-lockdown-external-id-AbCdEf");
        }
        if (value != null && !secretArn.isEmpty()) {
            throw new IllegalArgumentException("Configuration error: both " + EXTERNAL_ID + " and " + EXTERNAL_ID_SECRET_ARN
                    + " are set; set only one, so that there is no doubt which ExternalId is in force");
        }
        if (value != null && !env.getOrDefault(LAMBDA_RUNTIME_API, "").isBlank()) {
            throw new IllegalArgumentException("Configuration error: " + EXTERNAL_ID + " is set in the function's "
                    + "environment, where anyone allowed lambda:GetFunctionConfiguration can read it. Keep the ExternalId in "
                    + "Secrets Manager and set " + EXTERNAL_ID_SECRET_ARN + " instead (deploy/lockdown.yaml does)");
        }
        return new HandlerSettings(value, secretArn, env.getOrDefault(AUDIT_TOPIC_ARN, "").strip(),
                env.getOrDefault(PHASE2_QUEUE_URL, "").strip(), options);
    }

    /** The region of the secret, from its ARN; empty without a secret. */
    String secretRegion() {
        return externalIdSecretArn.isEmpty() ? "" : externalIdSecretArn.split(":")[3];
    }
}
