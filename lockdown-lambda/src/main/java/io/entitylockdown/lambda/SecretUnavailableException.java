package io.entitylockdown.lambda;

import io.entitylockdown.core.LockdownException;

/**
 * The deployment's ExternalId is configured (a Secrets Manager secret) but could not be read now. A
 * request that arrives meanwhile is not rejected, since nothing is wrong with it: it fails, is audited,
 * and Lambda retries it. The message names the secret and the cause, never a value.
 */
final class SecretUnavailableException extends LockdownException {
    private static final long serialVersionUID = 1L;

    SecretUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
