package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.ReportBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;

/**
 * A command that runs the engine on entities: every ARN is validated before any AWS call, bad ones
 * are reported and skipped, the rest are handled in parallel, then the reports are printed.
 */
abstract class EntityCommand extends Subcommand {
    @Mixin
    TargetOptions targets;

    @Mixin
    AccessOptions accessOptions;

    @Mixin
    OutputOptions output;

    /** The operation named in reports of rejected input. */
    abstract Operation operation();

    /** Checks the command's own options; runs before any AWS call. */
    void validateOptions() {
    }

    /** Acts on the valid ARNs; returns their reports (and any follow-up reports, e.g. EC2 phase 2). */
    abstract List<ContainmentReport> act(LockdownEngine engine, List<String> arns, Progress progress);

    @Override
    final int run() {
        validateOptions();
        List<String> valid = new ArrayList<>();
        List<ContainmentReport> rejected = new ArrayList<>();
        for (TargetOptions.Target target : targets.targets()) {
            try {
                EntityArn.parse(target.text());
                valid.add(target.text());
            } catch (InvalidArnException e) {
                String reason = target.source() + ": " + withoutFullStop(e.getMessage());
                err().println("Rejected " + reason + ". Fix or remove it; nothing is sent to AWS for it.");
                rejected.add(ReportBuilder.invalid(target.text(), operation(), reason, Clock.systemUTC()));
            }
        }
        List<ContainmentReport> reports = new ArrayList<>();
        if (!valid.isEmpty()) {
            LockdownConfig config = accessOptions.config(environment());
            Access access = accessOptions.access(environment(), config);
            err().println(intro(valid.size(), access));
            Progress progress = new Progress(err(), valid.size());
            try (LockdownEngine engine = config.newEngine(access, progress)) {
                reports.addAll(act(engine, valid, progress));
            }
        }
        reports.addAll(rejected);
        if (output.json()) {
            ReportPrinter.json(out(), reports);
        } else {
            ReportPrinter.text(out(), reports);
        }
        int code = ExitCodes.of(reports);
        if (code != ExitCodes.OK) {
            err().println(closing(code));
        }
        err().flush();
        return code;
    }

    static String withoutFullStop(String message) {
        return message != null && message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    private String intro(int count, Access access) {
        return operation().json().substring(0, 1).toUpperCase(java.util.Locale.ROOT) + operation().json().substring(1)
                + ": " + count + (count == 1 ? " entity" : " entities") + ", acting as "
                + (access instanceof Access.MemberRole ? access + " in each entity's account" : "your own credentials")
                + ", up to " + Math.min(count, targets.parallel()) + " at once"
                + (count > 1 ? " (at most " + targets.limits().perAccount() + " per account)" : "");
    }

    private static String closing(int code) {
        return switch (code) {
            case ExitCodes.REFUSED -> "Exit 3: a guardrail refused at least one entity and nothing was changed on it; "
                    + "see the refused steps above. Contain it by other means if it really must be contained.";
            case ExitCodes.BAD_INPUT -> "Exit 2: no valid entity ARN was given; fix the input and run again.";
            default -> "Exit 1: not everything succeeded; fix what the failed steps name and run the same command "
                    + "again (every step is idempotent).";
        };
    }
}
