package io.entitylockdown.core;

/** Base of the engine's unchecked exceptions; every message says what to do about the problem. */
public class LockdownException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LockdownException(String message) {
        super(message);
    }

    public LockdownException(String message, Throwable cause) {
        super(message, cause);
    }
}
