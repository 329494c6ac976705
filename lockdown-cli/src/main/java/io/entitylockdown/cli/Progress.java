package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress display on stderr (never stdout, which carries the reports). Safe to call from the
 * worker threads.
 *
 * <ul>
 *   <li>Up to {@value #STEP_LINES_UP_TO} entities: each step as it ends, and one line per entity.</li>
 *   <li>Up to {@value #ENTITY_LINES_UP_TO}: one line per finished entity ({@code [12/20] ...}).</li>
 *   <li>More: on a terminal, one line that keeps updating (bar, done, failed, rate, time left); otherwise a
 *       plain status line at most every {@value #PLAIN_EVERY_SECONDS} s and at the end. An entity that did
 *       not succeed is always printed on its own line, so nobody has to dig for it.</li>
 * </ul>
 */
final class Progress implements StepListener {
    static final int STEP_LINES_UP_TO = 3;
    static final int ENTITY_LINES_UP_TO = 20;
    static final int PLAIN_EVERY_SECONDS = 5;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private int total;
    private long startedNanos;
    private long lastShownNanos;
    private int finished;
    private int succeeded;
    private int notSucceeded;
    private int barWidthShown;

    /** For people: a terminal when the JVM has a console and TERM is not {@code dumb}. */
    Progress(PrintWriter err, int total) {
        this(err, total, isTerminal(), System::nanoTime);
    }

    Progress(PrintWriter err, int total, boolean terminal, LongSupplier nanoTime) {
        this.err = err;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
        restart(total);
    }

    /**
     * The JVM has a console only when both stdin and stdout are terminals; with stdout redirected
     * ({@code > reports.json}) the display falls back to plain lines, which is always safe.
     */
    static boolean isTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    @Override
    public void stepEnded(EntityArn entity, Operation operation, StepResult step) {
        int count;
        synchronized (this) {
            count = total;
        }
        if (count > STEP_LINES_UP_TO) {
            return;
        }
        String who = count > 1 ? entity.name() + ": " : "";
        line("  " + mark(step.status()) + " " + who + step.step() + " " + step.status().json()
                + (step.detail().isEmpty() ? "" : " - " + step.detail()));
    }

    /** Starts counting again, for a second phase over {@code count} entities. */
    synchronized void restart(int count) {
        total = count;
        finished = 0;
        succeeded = 0;
        notSucceeded = 0;
        startedNanos = nanoTime.getAsLong();
        lastShownNanos = startedNanos;
    }

    synchronized void entityFinished(ContainmentReport report) {
        finished++;
        if (report.outcome() == Outcome.SUCCEEDED) {
            succeeded++;
        } else {
            notSucceeded++;
        }
        String entityLine = "[" + finished + "/" + total + "] " + report.summary();
        if (total <= ENTITY_LINES_UP_TO) {
            line(entityLine);
            return;
        }
        long now = nanoTime.getAsLong();
        boolean last = finished == total;
        if (report.outcome() != Outcome.SUCCEEDED) {
            line(entityLine);
        }
        if (terminal) {
            if (last || now - lastShownNanos >= REDRAW_NANOS || report.outcome() != Outcome.SUCCEEDED) {
                drawBar(now, last);
            }
        } else if (last || now - lastShownNanos >= PLAIN_EVERY_SECONDS * 1_000_000_000L) {
            lastShownNanos = now;
            line(status(now));
        }
    }

    /** {@code [412/1000] done: 400 succeeded, 12 not; 8.1/s, about 1m12s left}. */
    synchronized String status(long now) {
        double seconds = Math.max(1e-3, (now - startedNanos) / 1e9);
        double rate = finished / seconds;
        String left = finished == total ? "done in " + duration(seconds)
                : rate > 0 ? "about " + duration((total - finished) / rate) + " left" : "starting";
        return String.format(Locale.ROOT, "[%d/%d] done: %d succeeded, %d not; %.1f/s, %s", finished, total, succeeded,
                notSucceeded, rate, left);
    }

    private void drawBar(long now, boolean last) {
        lastShownNanos = now;
        int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * finished / total);
        String bar = "|" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "| " + status(now);
        String padded = bar + " ".repeat(Math.max(0, barWidthShown - bar.length()));
        synchronized (err) {
            err.print("\r" + padded);
            if (last) {
                err.println();
                barWidthShown = 0;
            } else {
                barWidthShown = bar.length();
            }
            err.flush();
        }
    }

    static String duration(double seconds) {
        long whole = Math.round(seconds);
        return whole >= 60 ? whole / 60 + "m" + String.format(Locale.ROOT, "%02d", whole % 60) + "s" : whole + "s";
    }

    void line(String text) {
        synchronized (err) {
            if (barWidthShown > 0) {
                // wipe the bar, print the line, and let the next update draw the bar below it
                err.print("\r" + " ".repeat(barWidthShown) + "\r");
                barWidthShown = 0;
            }
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
