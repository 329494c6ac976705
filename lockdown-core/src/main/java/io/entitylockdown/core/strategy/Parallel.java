package io.entitylockdown.core.strategy;

import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs independent steps of one entity at the same time: on AWS every request costs a round trip,
 * so steps that do not need each other's results go out together. Every task records its own steps;
 * a task that throws anyway (a bug) is recorded as a failed step, never lost and never propagated.
 *
 * <p>One instance per engine; its threads are daemons, created when first needed (not during a
 * SnapStart snapshot) and reused.
 */
public final class Parallel implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String name = "lockdown-step-" + POOLS.incrementAndGet() + "-";
    private final AtomicInteger threads = new AtomicInteger();
    private volatile ExecutorService executor;

    /** A task that records its own steps. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    /** Runs every task, at once, and returns when all have ended. */
    public void all(ReportBuilder report, Task... tasks) {
        all(report, List.of(tasks));
    }

    public void all(ReportBuilder report, List<Task> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        if (tasks.size() == 1) {
            runRecorded(report, tasks.get(0));
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (Task task : tasks) {
            futures.add(executor().submit(() -> runRecorded(report, task)));
        }
        join(report, futures);
    }

    /**
     * Runs the calls of one step at once and throws the first failure, so the step fails with it (the
     * other calls still ran). For calls that are one action, such as deactivating two access keys.
     */
    public void calls(List<Task> calls) throws Exception {
        if (calls.size() == 1) {
            calls.get(0).run();
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (Task call : calls) {
            futures.add(executor().submit(() -> {
                call.run();
                return null;
            }));
        }
        Exception first = null;
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof Exception cause ? cause : new IllegalStateException(e.getCause());
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Starts a task now; {@link #join} it later. */
    public Future<?> start(ReportBuilder report, Task task) {
        return executor().submit(() -> runRecorded(report, task));
    }

    /** Waits for tasks started with {@link #start}. */
    public void join(ReportBuilder report, List<Future<?>> futures) {
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                report.record("interrupted", "", StepOutcome.failed("interrupted while steps were running; "
                        + "some may be half done: run the same command again (every step is idempotent)"), 0);
                return;
            } catch (ExecutionException e) {
                internalError(report, e.getCause());
            }
        }
    }

    private static void runRecorded(ReportBuilder report, Task task) {
        try {
            task.run();
        } catch (Exception | LinkageError | StackOverflowError e) {
            internalError(report, e);
        }
    }

    /** Records an unexpected exception as a failed step, so nothing is lost and nothing propagates. */
    public static void internalError(ReportBuilder report, Throwable e) {
        report.record("internal-error", "", StepOutcome.failed("internal error (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); the steps above say what was done. "
                + "Run the same command again (every step is idempotent) and report this"), 0);
    }

    private ExecutorService executor() {
        ExecutorService current = executor;
        if (current == null) {
            synchronized (this) {
                if (executor == null) {
                    executor = Executors.newCachedThreadPool(runnable -> {
                        Thread thread = new Thread(runnable, name + threads.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
                }
                current = executor;
            }
        }
        return current;
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }
}
