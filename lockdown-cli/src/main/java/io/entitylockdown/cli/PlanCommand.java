package io.entitylockdown.cli;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code contain --dry-run} under the name a responder looks for before acting. */
@Command(name = "plan", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Show what contain would change, and change nothing: the same as contain --dry-run.",
            "Only read-only AWS calls are made, so it is safe to run against production at any time."},
        footer = {"", "Examples:",
            "  lockdown plan arn:aws:iam::111122223333:role/ci-deployer",
            "  lockdown plan --file incident-42.txt --output json > plan.json"})
final class PlanCommand extends EntityCommand {
    @Mixin
    ContainOptions containOptions;

    private ContainmentOptions options;

    @Override
    Operation operation() {
        return Operation.CONTAIN;
    }

    @Override
    void validateOptions() {
        options = containOptions.options(true);
    }

    @Override
    List<ContainmentReport> act(LockdownEngine engine, List<String> arns, Progress progress) {
        return ContainCommand.containAll(engine, arns, options, targets.limits(), progress, err(), Clock.systemUTC());
    }
}
