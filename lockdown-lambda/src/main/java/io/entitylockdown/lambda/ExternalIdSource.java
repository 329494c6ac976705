package io.entitylockdown.lambda;

import io.entitylockdown.core.report.AwsErrors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Where the function's ExternalId comes from, read when a request first needs it.
 *
 * <p>The deployed function names a Secrets Manager secret. It is read lazily, at the first request
 * after the container started or its SnapStart snapshot was restored, never in the constructor: so the
 * value is never part of a snapshot, and a restored snapshot never runs with a value it was taken with.
 * It is read again after {@link #MAX_AGE}, so that a rotated secret takes effect in warm containers
 * without a new deployment; if that re-read fails, the value read before stays in force.
 *
 * <p>After a rotation the value read before stays known for {@link Phase2Message#MAX_AGE}: a phase-2
 * message signed just before the rotation must still isolate its instance, not be rejected and leave the
 * instance in the wide-open untracked group.
 *
 * <p>For the CLI, {@code lockdown invoke}, the demo and the tests the value may be given directly
 * ({@code LOCKDOWN_EXTERNAL_ID}); the deployed function refuses that (see {@link HandlerSettings}).
 */
final class ExternalIdSource {
    /** How long a value read from Secrets Manager is used before it is read again. */
    static final Duration MAX_AGE = Duration.ofMinutes(10);
    /** After a failed re-read, how long the value read before is used before the next attempt. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(1);

    private final DeploymentSecret given;
    private final String secretArn;
    private final SecretsManagerClient secretsManager;
    private final Clock clock;
    private DeploymentSecret read;
    private Instant readAt;
    private DeploymentSecret previous;
    private Instant previousUntil;

    /**
     * @param secretsManager the client for the secret's region; not called before {@link #current()}
     */
    ExternalIdSource(HandlerSettings settings, SecretsManagerClient secretsManager, Clock clock) {
        this.given = settings.externalId();
        this.secretArn = settings.externalIdSecretArn();
        this.secretsManager = secretsManager;
        this.clock = clock;
    }

    /** True when an ExternalId is configured (given or in a secret); without one every request is rejected. */
    boolean configured() {
        return given != null || !secretArn.isEmpty();
    }

    /** Where the value comes from, for messages: never the value. */
    String origin() {
        return given != null ? HandlerSettings.EXTERNAL_ID : "the secret " + secretArn;
    }

    /**
     * The deployment's ExternalId, or empty when none is configured.
     *
     * @throws SecretUnavailableException when the secret cannot be read and no earlier value is at hand
     */
    synchronized Optional<DeploymentSecret> current() {
        if (given != null) {
            return Optional.of(given);
        }
        if (secretArn.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (read != null && readAt.plus(MAX_AGE).isAfter(now)) {
            return Optional.of(read);
        }
        try {
            DeploymentSecret fresh = fetch();
            if (read == null || !read.matches(fresh.value())) {
                if (read != null) {
                    previous = read;
                    previousUntil = now.plus(Phase2Message.MAX_AGE);
                }
                read = fresh;
            }
            readAt = now;
            return Optional.of(read);
        } catch (SecretUnavailableException e) {
            if (read != null) {
                // A rotation can wait; a lockdown cannot. Try again in a minute, not at every request: during a
                // Secrets Manager outage each attempt costs the SDK's retries and timeouts before the request.
                readAt = now.minus(MAX_AGE).plus(RETRY_AFTER_FAILURE);
                return Optional.of(read);
            }
            throw e;
        }
    }

    /**
     * The value in force before the last rotation, while phase-2 messages signed with it may still arrive.
     * A container that saw the rotation knows it; any other (started or restored after the rotation) asks
     * Secrets Manager for the version labelled {@code AWSPREVIOUS}, which a rotation or put moves there.
     *
     * @throws SecretUnavailableException when that version exists but cannot be read (the message is then
     *         delivered again rather than rejected)
     */
    synchronized Optional<DeploymentSecret> previous() {
        Instant now = clock.instant();
        if (previous != null && now.isBefore(previousUntil)) {
            return Optional.of(previous);
        }
        if (given != null || secretArn.isEmpty()) {
            return Optional.empty();
        }
        try {
            previous = fetch(PREVIOUS_STAGE);
        } catch (SecretUnavailableException e) {
            if (e.getCause() instanceof ResourceNotFoundException) {
                return Optional.empty(); // never rotated: there is no earlier value
            }
            throw e;
        }
        previousUntil = now.plus(MAX_AGE);
        return Optional.of(previous);
    }

    /** The label Secrets Manager moves the value before the current one to. */
    static final String PREVIOUS_STAGE = "AWSPREVIOUS";

    private DeploymentSecret fetch() {
        return fetch(null);
    }

    private DeploymentSecret fetch(String versionStage) {
        GetSecretValueResponse response;
        try {
            response = secretsManager.getSecretValue(b -> b.secretId(secretArn).versionStage(versionStage));
        } catch (RuntimeException e) {
            throw new SecretUnavailableException("The ExternalId could not be read from " + origin() + " ("
                    + AwsErrors.describe(e, "secretsmanager:GetSecretValue") + "); check that it exists and that the "
                    + "execution role may read it", e);
        }
        DeploymentSecret secret = DeploymentSecret.ofNullable(response.secretString());
        if (secret == null) {
            throw new SecretUnavailableException("The secret " + secretArn + " holds no text value (SecretString); "
                    + "store the ExternalId in it as plain text", null);
        }
        return secret;
    }
}
