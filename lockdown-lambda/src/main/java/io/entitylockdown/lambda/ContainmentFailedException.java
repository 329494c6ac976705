package io.entitylockdown.lambda;

import io.entitylockdown.core.LockdownException;

/**
 * Thrown at the end of an invocation in which a containment failed, so that Lambda retries the
 * asynchronous event and, after the last retry, sends it to the kept-events queue. Everything it
 * says has already been audited.
 */
public final class ContainmentFailedException extends LockdownException {
    private static final long serialVersionUID = 1L;

    ContainmentFailedException(String message) {
        super(message);
    }
}
