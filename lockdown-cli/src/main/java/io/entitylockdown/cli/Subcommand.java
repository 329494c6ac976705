package io.entitylockdown.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: its writers, the environment, and one place that turns exceptions
 * into one clear line on stderr and an exit code (a stack trace only with {@code --debug}).
 */
abstract class Subcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    LockdownCommand root;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (CliException e) {
            return fail(e.exitCode(), e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // configuration and option values: the engine's messages name the setting and the fix
            return fail(ExitCodes.BAD_INPUT, e.getMessage(), e);
        } catch (RuntimeException e) {
            return fail(ExitCodes.FAILED, "Unexpected error: " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + ". Run again with --debug for details; every step is idempotent, so running again is safe", e);
        }
    }

    /** The command's work; returns the exit code. */
    abstract int run();

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    CliEnvironment environment() {
        return root == null ? CliEnvironment.system() : root.environment();
    }

    boolean debug() {
        return root != null && root.debug();
    }

    private int fail(int code, String message, Exception e) {
        PrintWriter err = err();
        err.println("lockdown " + spec.name() + ": " + message);
        if (debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }
}
