package io.entitylockdown.cli;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "contain", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Contain compromised entities now, with your AWS credentials (no deployed stack needed).",
            "",
            "IAM user: deny everything, deactivate access keys, revoke older sessions. IAM role: deny everything, "
                + "revoke older sessions. Lambda function: reserved concurrency 0, execution role denied. "
                + "EC2 instance: instance-profile credentials denied for this instance, every interface to the "
                + "untracked group then (after --window) the isolation group, protections, out of its Auto Scaling "
                + "group and target groups, EBS snapshots. Role session: that session alone is denied on its role "
                + "(aws:userid), other sessions of the role keep working. Access key id (AKIA...): the IAM user that "
                + "owns it is looked up (printed first) and contained.",
            "",
            "By default the member role is assumed in each entity's account (see --no-assume-role). Every step is "
                + "idempotent: running the same command again changes nothing already done."},
        footer = {"", "Examples:",
            "  lockdown contain arn:aws:iam::111122223333:user/mallory",
            "  LOCKDOWN_EXTERNAL_ID=... lockdown contain --file incident-42.txt --parallel 32 --per-account 8",
            "  lockdown contain --window 30 \\",
            "      arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc1234def567890",
            "  lockdown contain --dry-run --output json \\",
            "      arn:aws:lambda:us-east-1:111122223333:function:billing",
            "  lockdown contain --no-assume-role arn:aws:iam::111122223333:role/ci-deployer",
            "  lockdown contain arn:aws:sts::111122223333:assumed-role/ci-deployer/build-4711",
            "  lockdown contain AKIAIOSFODNN7EXAMPLE --account 111122223333"})
final class ContainCommand extends EntityCommand {
    @Mixin
    ContainOptions containOptions;

    @Option(names = "--dry-run", description = "Show what would change and change nothing (read-only calls only).")
    boolean dryRun;

    private ContainmentOptions options;

    @Override
    Operation operation() {
        return Operation.CONTAIN;
    }

    @Override
    void validateOptions() {
        options = containOptions.options(dryRun);
    }

    @Override
    List<ContainmentReport> act(LockdownEngine engine, List<String> arns, Progress progress) {
        return containAll(engine, arns, options, targets.limits(), progress, err(), Clock.systemUTC());
    }

    /**
     * Phase 1 for every entity; then, when EC2 instances wait for phase 2, one wait for all of them
     * (until the latest instance's time) and phase 2 for each. A stop during the wait isolates them at once.
     */
    static List<ContainmentReport> containAll(LockdownEngine engine, List<String> arns, ContainmentOptions options,
            EntityBatch.Limits limits, Progress progress, PrintWriter err, Clock clock) {
        CliPhase2 phase2 = new CliPhase2(err);
        if (!options.dryRun()) {
            phase2.armShutdownHook(engine, options);
        }
        try {
            List<ContainmentReport> reports = new ArrayList<>(
                    EntityBatch.run(arns, limits, progress, Operation.CONTAIN, arn -> engine.contain(arn, options, phase2)));
            List<ContainmentReport> pending = reports.stream().filter(r -> r.nextPhase() != null).toList();
            if (pending.isEmpty()) {
                return reports;
            }
            List<String> instances = pending.stream().map(ContainmentReport::entity).toList();
            if (options.dryRun()) {
                err.println("Dry run: phase 2 (isolation group) would follow " + options.windowSeconds()
                        + " s after phase 1 for " + instances.size() + " instance(s).");
                return reports;
            }
            Instant notBefore = pending.stream().map(r -> Instant.parse(r.nextPhase().notBefore()))
                    .max(Comparator.naturalOrder()).orElseThrow();
            err.println("Phase 2 for " + instances.size() + " instance(s) at " + notBefore
                    + ": the untracked group lets existing connections expire on the short idle timeouts until then. "
                    + "Ctrl-C isolates them at once.");
            err.flush();
            Countdown.await(notBefore, "phase 2 (isolation group)", err, clock);
            progress.restart(instances.size());
            reports.addAll(EntityBatch.run(instances, limits, progress, Operation.ISOLATE, arn -> phase2.isolate(engine, arn, options)));
            return reports;
        } finally {
            phase2.disarm();
        }
    }
}
