package io.entitylockdown.testkit;

/** moto server could not be found or started; the message says which interpreter was tried and how to install. */
public final class MotoUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MotoUnavailableException(String message) {
        super(message);
    }

    public MotoUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
