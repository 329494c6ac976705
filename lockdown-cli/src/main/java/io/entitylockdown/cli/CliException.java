package io.entitylockdown.cli;

/**
 * An expected failure of a command: its message is one sentence saying what to do next, and it is
 * shown without a stack trace (unless {@code --debug}).
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad input: exit code 2. */
    public static CliException badInput(String message) {
        return new CliException(ExitCodes.BAD_INPUT, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
