package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.strategy.Parallel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Runs one operation over many entities with a bounded pool, reporting each as it finishes. At most
 * {@link Limits#parallel()} entities are in flight at once, and at most {@link Limits#perAccount()} of
 * one account: AWS limits IAM's request rate per account, so piling a whole batch onto one account only
 * buys throttling, while another account's entities can use the free slots. Entities start in input
 * order, skipping over those whose account is at its limit; results come back in input order.
 *
 * <p>The engine never throws for an entity's problems, so an exception here is a bug: it becomes that
 * entity's failed report (an {@code internal-error} step), and the rest of the batch goes on.
 */
final class EntityBatch {

    /**
     * How many entities at once.
     *
     * @param parallel   in all
     * @param perAccount of one account (partition and account id)
     */
    record Limits(int parallel, int perAccount) {
        Limits {
            if (parallel < 1 || perAccount < 1) {
                throw new IllegalArgumentException("Limits must be at least 1; got parallel " + parallel
                        + ", per account " + perAccount);
            }
        }

        /** No limit per account beyond the overall one. */
        static Limits of(int parallel) {
            return new Limits(parallel, parallel);
        }
    }

    private final List<String> arns;
    private final Limits limits;
    private final Progress progress;
    private final Operation kind;
    private final Function<String, ContainmentReport> operation;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private final ContainmentReport[] reports;
    private final Map<String, Integer> inFlightPerAccount = new HashMap<>();
    private int inFlight;
    private int done;
    private RuntimeException failure;

    private EntityBatch(List<String> arns, Limits limits, Progress progress, Operation kind,
            Function<String, ContainmentReport> operation) {
        this.kind = kind;
        this.arns = arns;
        this.limits = limits;
        this.progress = progress;
        this.operation = operation;
        this.reports = new ContainmentReport[arns.size()];
    }

    static List<ContainmentReport> run(List<String> arns, Limits limits, Progress progress, Operation kind,
            Function<String, ContainmentReport> operation) {
        if (arns.isEmpty()) {
            return List.of();
        }
        return new EntityBatch(List.copyOf(arns), limits, progress, kind, operation).run();
    }

    /** The key that the per-account limit counts by; an unparsable input counts on its own. */
    static String accountOf(String arn) {
        try {
            EntityArn entity = EntityArn.parse(arn);
            return entity.partition() + ":" + entity.accountId();
        } catch (InvalidArnException e) {
            return arn;
        }
    }

    private List<ContainmentReport> run() {
        int threads = Math.min(limits.parallel(), arns.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "lockdown-worker");
            thread.setDaemon(true);
            return thread;
        });
        List<Integer> pending = new LinkedList<>();
        List<String> accounts = new ArrayList<>(arns.size());
        for (int i = 0; i < arns.size(); i++) {
            pending.add(i);
            accounts.add(accountOf(arns.get(i)));
        }
        lock.lock();
        try {
            while (done < arns.size()) {
                if (failure != null) {
                    throw failure;
                }
                Iterator<Integer> next = pending.iterator();
                while (inFlight < threads && next.hasNext()) {
                    int index = next.next();
                    String account = accounts.get(index);
                    if (inFlightPerAccount.getOrDefault(account, 0) >= limits.perAccount()) {
                        continue;
                    }
                    next.remove();
                    inFlight++;
                    inFlightPerAccount.merge(account, 1, Integer::sum);
                    pool.execute(() -> handle(index, account));
                }
                if (done < arns.size()) {
                    finished.await();
                }
            }
            if (failure != null) {
                throw failure;
            }
            return List.of(reports);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "Interrupted: some entities may be half done. Run the same "
                    + "command again (every step is idempotent), then check with lockdown status");
        } finally {
            lock.unlock();
            pool.shutdownNow();
        }
    }

    private void handle(int index, String account) {
        ContainmentReport report = null;
        RuntimeException problem = null;
        try {
            try {
                report = operation.apply(arns.get(index));
            } catch (RuntimeException | LinkageError e) {
                // a bug, not the entity's problem: this entity fails with it, the others go on
                report = internalError(arns.get(index), e);
            }
            progress.entityFinished(report);
        } catch (RuntimeException e) {
            problem = e;
        } catch (Error e) {
            // counted as finished below, so the batch ends instead of waiting for it forever
            problem = new IllegalStateException(e);
        }
        lock.lock();
        try {
            reports[index] = report;
            if (problem != null && failure == null) {
                failure = problem;
            }
            inFlight--;
            inFlightPerAccount.merge(account, -1, Integer::sum);
            done++;
            finished.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private ContainmentReport internalError(String arn, Throwable e) {
        ReportBuilder report = new ReportBuilder(EntityArn.parse(arn), kind, false, Clock.systemUTC(), null);
        Parallel.internalError(report, e);
        return report.build();
    }
}
