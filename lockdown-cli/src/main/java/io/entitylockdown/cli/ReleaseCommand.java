package io.entitylockdown.cli;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "release", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Undo a containment: exactly what containment recorded on the entity is restored, then the "
                + "marker is removed.",
            "Deactivated access keys stay inactive unless --reactivate-keys: stolen keys should be rotated, not revived. "
                + "Sessions issued before the containment stay revoked."},
        footer = {"", "Examples:",
            "  lockdown release arn:aws:iam::111122223333:user/mallory",
            "  lockdown release --reactivate-keys arn:aws:iam::111122223333:user/build-bot",
            "  lockdown release --file incident-42.txt --output json"})
final class ReleaseCommand extends EntityCommand {
    @Option(names = "--reactivate-keys",
            description = "IAM user: reactivate the access keys that containment deactivated.")
    boolean reactivateKeys;

    @Option(names = "--dry-run", description = "Show what would be restored and change nothing.")
    boolean dryRun;

    @Override
    Operation operation() {
        return Operation.RELEASE;
    }

    @Override
    List<ContainmentReport> act(LockdownEngine engine, List<String> arns, Progress progress) {
        ContainmentOptions options = ContainmentOptions.defaults().withReactivateKeys(reactivateKeys).withDryRun(dryRun);
        return EntityBatch.run(arns, targets.limits(), progress, Operation.RELEASE, arn -> engine.release(arn, options));
    }
}
