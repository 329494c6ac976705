package io.entitylockdown.cli;

import io.entitylockdown.core.report.ContainmentReport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs one operation over many entities with a bounded pool, reporting each as it finishes. Results
 * come back in input order. The engine never throws for an entity's problems, so a failure here is a
 * bug or an interruption, reported as such.
 */
final class EntityBatch {
    private EntityBatch() {
    }

    static List<ContainmentReport> run(List<String> arns, int parallel, Progress progress,
            Function<String, ContainmentReport> operation) {
        if (arns.isEmpty()) {
            return List.of();
        }
        int threads = Math.min(parallel, arns.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "lockdown-worker");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<ContainmentReport>> futures = new ArrayList<>();
            for (String arn : arns) {
                futures.add(pool.submit(() -> {
                    ContainmentReport report = operation.apply(arn);
                    progress.entityFinished(report);
                    return report;
                }));
            }
            List<ContainmentReport> reports = new ArrayList<>();
            for (Future<ContainmentReport> future : futures) {
                reports.add(future.get());
            }
            return reports;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "Interrupted: some entities may be half done. Run the same "
                    + "command again (every step is idempotent), then check with lockdown status");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
