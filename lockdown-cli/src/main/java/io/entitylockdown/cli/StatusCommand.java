package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "status", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Show whether entities are contained, since when, what was changed (the recorded state) and, "
                + "for EC2, the evidence snapshot ids. Read-only."},
        footer = {"", "Examples:",
            "  lockdown status arn:aws:iam::111122223333:user/mallory",
            "  lockdown status --output json \\",
            "      arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc1234def567890"})
final class StatusCommand extends EntityCommand {
    @Override
    Operation operation() {
        return Operation.STATUS;
    }

    @Override
    List<ContainmentReport> act(LockdownEngine engine, List<String> arns, Progress progress) {
        return EntityBatch.run(arns, targets.limits(), progress, Operation.STATUS, engine::status);
    }
}
