package io.entitylockdown.cli.deploy;

import io.entitylockdown.core.LockdownException;

/** A deployment that cannot go on; {@link #exitCode()} is 2 for bad input, 1 for a failed deployment. */
public final class DeployException extends LockdownException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    private DeployException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static DeployException badInput(String message) {
        return new DeployException(message, 2, null);
    }

    public static DeployException failed(String message, Throwable cause) {
        return new DeployException(message, 1, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
