package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prints reports: a table for people, or one JSON array for machines. */
final class ReportPrinter {
    private static final int ENTITY_WIDTH = 60;

    private ReportPrinter() {
    }

    static void json(PrintWriter out, List<ContainmentReport> reports) {
        out.println(Json.writePretty(reports));
        out.flush();
    }

    /** The table, then the details a responder acts on: failed steps, rejected input, notes, how to undo. */
    static void text(PrintWriter out, List<ContainmentReport> reports) {
        int width = Math.min(ENTITY_WIDTH, Math.max("ENTITY".length(),
                reports.stream().mapToInt(r -> name(r).length()).max().orElse(0)));
        String row = "%-" + width + "s  %-9s  %-9s  %4s  %7s  %6s  %s%n";
        out.printf(row, "ENTITY", "OPERATION", "OUTCOME", "DONE", "ALREADY", "FAILED", "VERIFIED");
        for (ContainmentReport r : reports) {
            out.printf(row, fit(name(r), width), r.operation().json() + (changedNothingOnPurpose(r) ? "*" : ""),
                    r.outcome().json(),
                    count(r, StepStatus.DONE), count(r, StepStatus.ALREADY), count(r, StepStatus.FAILED),
                    r.verified() == null ? "-" : r.verified() ? "yes" : "NO");
        }
        if (reports.stream().anyMatch(ReportPrinter::changedNothingOnPurpose)) {
            out.println("* dry run: nothing was changed; read-only calls only.");
        }
        section(out, "Failed or refused steps (each line says what to do next):", failures(reports));
        section(out, "Failed verification:", reports.stream().flatMap(r -> r.verification().stream()
                .filter(c -> !c.passed()).map(c -> name(r) + ": " + c.check() + " - " + c.detail())).toList());
        section(out, "Rejected input (nothing was sent to AWS for these):", reports.stream()
                .filter(r -> r.outcome() == Outcome.INVALID).map(r -> r.summary()).toList());
        section(out, "Would change (dry run):", reports.stream().filter(ReportPrinter::changedNothingOnPurpose)
                .flatMap(r -> r.steps().stream().filter(s -> s.detail().startsWith("dry run"))
                        .map(s -> name(r) + ": " + s.step() + " - " + s.detail())).toList());
        section(out, "Also affected:", reports.stream().flatMap(r -> r.affected().stream()
                .map(a -> name(r) + " -> " + a)).distinct().toList());
        section(out, "Notes:", reports.stream().flatMap(r -> r.notes().stream().map(n -> name(r) + ": " + n))
                .toList());
        List<String> state = new ArrayList<>();
        for (ContainmentReport r : reports) {
            if (r.operation() == Operation.STATUS && r.outcome() != Outcome.INVALID) {
                state.add(name(r) + ": " + r.summary());
                for (Map.Entry<String, Object> entry : r.state().entrySet()) {
                    state.add("    " + entry.getKey() + ": " + Json.write(entry.getValue()));
                }
                r.steps().forEach(s -> state.add("    " + s.step() + " " + s.status().json()
                        + (s.detail().isEmpty() ? "" : " - " + s.detail())));
            }
        }
        section(out, "State:", state);
        List<String> releasable = reports.stream()
                .filter(r -> r.operation() == Operation.CONTAIN && !r.dryRun() && r.releaseCommand() != null)
                .map(ContainmentReport::entity).toList();
        if (!releasable.isEmpty()) {
            out.println();
            out.println("To undo: lockdown release " + String.join(" ", releasable.stream().map(Shell::quote).toList()));
        }
        out.flush();
    }

    /** A dry run the responder asked for; status is read-only by nature and needs no mark. */
    private static boolean changedNothingOnPurpose(ContainmentReport report) {
        return report.dryRun() && report.operation() != Operation.STATUS;
    }

    private static List<String> failures(List<ContainmentReport> reports) {
        List<String> lines = new ArrayList<>();
        for (ContainmentReport r : reports) {
            for (StepResult s : r.steps()) {
                if (s.status() == StepStatus.FAILED || s.status() == StepStatus.REFUSED) {
                    lines.add(name(r) + ": " + s.step() + (s.call().isEmpty() ? "" : " (" + s.call() + ")") + " "
                            + s.status().json() + ": " + s.detail());
                }
            }
        }
        return lines;
    }

    private static void section(PrintWriter out, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        out.println();
        out.println(title);
        lines.forEach(line -> out.println("  " + line));
    }

    private static long count(ContainmentReport report, StepStatus status) {
        return report.steps().stream().filter(s -> s.status() == status).count();
    }

    /** The entity's short label when the ARN is valid, else the input as given. */
    static String name(ContainmentReport report) {
        try {
            return EntityArn.parse(report.entity()).label();
        } catch (InvalidArnException e) {
            return report.entity().isEmpty() ? "(empty)" : report.entity();
        }
    }

    private static String fit(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 3) + "...";
    }
}
