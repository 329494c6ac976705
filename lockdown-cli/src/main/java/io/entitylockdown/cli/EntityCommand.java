package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.UnknownEntityException;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.iam.UserLookup;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.ReportBuilder;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command that runs the engine on entities: every ARN is validated before any AWS call, bad ones
 * are reported and skipped, the rest are handled in parallel, then the reports are printed. Access key
 * ids ({@code AKIA...}) are looked up first and stand for the IAM user that owns them; temporary keys
 * ({@code ASIA...}) are refused with where to find their session, before any call.
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

    @Option(names = "--account", paramLabel = "ACCOUNT",
            description = "Access key ids (AKIA...) may be given instead of ARNs: each stands for the IAM user that "
                    + "owns it, looked up in ACCOUNT (default: sts:GetAccessKeyInfo, called with your own credentials, "
                    + "says whose key it is). Temporary keys (ASIA...) are refused: find their session in CloudTrail "
                    + "and give the session's ARN.")
    String keyAccount;

    @Override
    final int run() {
        validateOptions();
        if (keyAccount != null && !keyAccount.matches("[0-9]{12}")) {
            throw CliException.badInput("--account must be a twelve-digit AWS account id; got '" + keyAccount + "'");
        }
        List<String> valid = new ArrayList<>();
        List<TargetOptions.Target> keys = new ArrayList<>();
        List<ContainmentReport> rejected = new ArrayList<>();
        for (TargetOptions.Target target : targets.targets()) {
            try {
                if (isAccessKeyId(target.text())) {
                    UserLookup.requireLongTermKey(target.text());
                    keys.add(target);
                } else {
                    EntityArn.parse(target.text());
                    valid.add(target.text());
                }
            } catch (InvalidArnException | UnknownEntityException e) {
                rejected.add(reject(target, e.getMessage()));
            }
        }
        if (keyAccount != null && keys.isEmpty()) {
            throw CliException.badInput("--account applies to access key ids (AKIA...), and none was given; drop it");
        }
        List<ContainmentReport> reports = new ArrayList<>();
        if (!valid.isEmpty() || !keys.isEmpty()) {
            LockdownConfig config = accessOptions.config(environment());
            Access access = accessOptions.access(environment(), config);
            Progress progress = new Progress(err(), valid.size() + keys.size());
            RecordKey recordKey = accessOptions.recordKey(environment());
            if (recordKey == null && operation() != Operation.STATUS) {
                err().println("No deployment secret (LOCKDOWN_EXTERNAL_ID or --external-id): records on entities are "
                        + "neither written nor trusted in this run" + (operation() == Operation.CONTAIN
                        ? "; keep the report to release by hand" : "") + ".");
            }
            try (LockdownEngine engine = config.newEngine(access, progress, () -> recordKey)) {
                for (TargetOptions.Target key : keys) {
                    ownerOf(engine, key, valid, rejected).ifPresent(reports::add);
                }
                if (!valid.isEmpty()) {
                    err().println(intro(valid.size(), access) + "; " + accessOptions.guardrailSource());
                    progress.restart(valid.size());
                    reports.addAll(act(engine, valid, progress));
                }
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

    /** AKIA... or ASIA...: what a leak report gives. Anything else is read as an ARN. */
    private static boolean isAccessKeyId(String text) {
        return text.matches("(AKIA|ASIA)[A-Za-z0-9]*");
    }

    private ContainmentReport reject(TargetOptions.Target target, String message) {
        String reason = target.source() + ": " + withoutFullStop(message);
        err().println("Rejected " + reason + ". Fix or remove it; nothing is sent to AWS for it.");
        return ReportBuilder.invalid(target.text(), operation(), reason, Clock.systemUTC());
    }

    /**
     * Finds the IAM user that owns an access key and adds its ARN to {@code valid}, saying so before anything
     * is done to it. A key that leads to no user is rejected input; when AWS cannot answer, the returned
     * report says so (a failure: running again may succeed).
     */
    private Optional<ContainmentReport> ownerOf(LockdownEngine engine, TargetOptions.Target key, List<String> valid,
            List<ContainmentReport> rejected) {
        try {
            EntityArn user = engine.resolveAccessKey(key.text(), keyAccount);
            err().println("Access key " + key.text() + " belongs to IAM user " + user.arn() + " (account "
                    + user.accountId() + "); " + switch (operation()) {
                        case CONTAIN -> "containing that user.";
                        case RELEASE -> "releasing that user.";
                        default -> "showing that user.";
                    });
            if (!valid.contains(user.arn())) {
                valid.add(user.arn());
            }
            return Optional.empty();
        } catch (UnknownEntityException e) {
            rejected.add(reject(key, e.getMessage()));
            return Optional.empty();
        } catch (LockdownException e) {
            String reason = key.source() + ": " + withoutFullStop(e.getMessage());
            err().println("Failed " + reason + ".");
            return Optional.of(new ContainmentReport(key.text(), null, keyAccount, "", operation(), Outcome.FAILED, false,
                    "The owner of access key " + key.text() + " could not be looked up; nothing was done to it: "
                            + withoutFullStop(e.getMessage()) + ".", List.of(), List.of(), null, List.of(), List.of(),
                    Map.of(), Instant.now().toString(), 0, null, null));
        }
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
            case ExitCodes.BAD_INPUT -> "Exit 2: no valid entity ARN or access key id was given; fix the input and run again.";
            default -> "Exit 1: not everything succeeded; fix what the failed steps name and run the same command "
                    + "again (every step is idempotent).";
        };
    }
}
