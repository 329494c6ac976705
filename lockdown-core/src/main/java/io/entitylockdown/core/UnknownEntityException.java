package io.entitylockdown.core;

/**
 * What the responder named (an access key id, a user name) leads to no entity Entity Lockdown can
 * contain: the key is unknown in that account, temporary, or not a user's; the user does not exist.
 * Nothing was changed. It is bad input, not a failure to retry.
 */
public final class UnknownEntityException extends LockdownException {
    private static final long serialVersionUID = 1L;

    public UnknownEntityException(String message) {
        super(message);
    }
}
