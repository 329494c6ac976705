package io.entitylockdown.cli;

import io.entitylockdown.core.ContainmentOptions;
import picocli.CommandLine.Option;

/** Options of a containment (shared by contain and plan). */
public final class ContainOptions {
    @Option(names = "--window", paramLabel = "SECONDS", defaultValue = "60",
            description = "EC2: seconds between phase 1 (untracked security group, short connection-tracking "
                    + "timeouts) and phase 2 (isolation group); 0-900, default ${DEFAULT-VALUE}. The command waits "
                    + "in-process, once for all instances.")
    int windowSeconds;

    @Option(names = "--no-snapshot", description = "EC2: do not snapshot the attached EBS volumes for evidence.")
    boolean noSnapshot;

    ContainmentOptions options(boolean dryRun) {
        if (windowSeconds < 0 || windowSeconds > ContainmentOptions.MAX_WINDOW_SECONDS) {
            throw CliException.badInput("--window must be between 0 and " + ContainmentOptions.MAX_WINDOW_SECONDS
                    + " seconds; got " + windowSeconds);
        }
        return new ContainmentOptions(dryRun, windowSeconds, !noSnapshot, false);
    }
}
