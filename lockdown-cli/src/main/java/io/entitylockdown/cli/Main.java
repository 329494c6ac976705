package io.entitylockdown.cli;

/** Entry point of the executable jar; the only place that calls System.exit. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(LockdownCommand.commandLine(CliEnvironment.system()).execute(args));
    }
}
