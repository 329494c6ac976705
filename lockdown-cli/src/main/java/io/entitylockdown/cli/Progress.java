package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The progress display on stderr: each step as it ends when a single entity is handled, one line per
 * finished entity ({@code [12/50]}) for a batch. Safe to call from the worker threads.
 */
final class Progress implements StepListener {
    private static final int STEP_LINES_UP_TO = 3;

    private final PrintWriter err;
    private volatile int total;
    private volatile boolean showSteps;
    private final AtomicInteger finished = new AtomicInteger();

    Progress(PrintWriter err, int total) {
        this.err = err;
        this.total = total;
        this.showSteps = total <= STEP_LINES_UP_TO;
    }

    @Override
    public void stepEnded(EntityArn entity, Operation operation, StepResult step) {
        if (!showSteps) {
            return;
        }
        String who = total > 1 ? entity.name() + ": " : "";
        line("  " + mark(step.status()) + " " + who + step.step() + " " + step.status().json()
                + (step.detail().isEmpty() ? "" : " - " + step.detail()));
    }

    /** Starts counting again, for a second phase over {@code count} entities. */
    void restart(int count) {
        finished.set(0);
        total = count;
        showSteps = count <= STEP_LINES_UP_TO;
    }

    void entityFinished(ContainmentReport report) {
        int n = finished.incrementAndGet();
        line("[" + n + "/" + total + "] " + report.summary());
    }

    void line(String text) {
        synchronized (err) {
            err.println(text);
            err.flush();
        }
    }

    static String mark(StepStatus status) {
        return switch (status) {
            case DONE -> "+";
            case ALREADY -> "=";
            case SKIPPED -> "-";
            case FAILED -> "!";
            case REFUSED -> "x";
        };
    }
}
