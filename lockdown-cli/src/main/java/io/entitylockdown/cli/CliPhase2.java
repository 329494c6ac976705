package io.entitylockdown.cli;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.strategy.Phase2Scheduler;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * EC2 phase 2 from a terminal, which has no delay queue: before the first interface of an instance is
 * opened, the command says how to finish if it is stopped; while it waits, Ctrl-C (or a kill) isolates
 * every instance still waiting at once, in a shutdown hook, instead of leaving them in the all-open
 * untracked group. A second Ctrl-C or kill -9 cannot be caught: the printed command is for that.
 */
final class CliPhase2 implements Phase2Scheduler {
    /** How long the shutdown hook may take to isolate what is pending. */
    private static final long HOOK_MILLIS = 30_000;

    private final PrintWriter err;
    /** Instance ARN to the time its phase 2 was scheduled (a release after that time makes phase 2 stand down). */
    private final Map<String, Instant> pending = new ConcurrentHashMap<>();
    private Thread hook;

    CliPhase2(PrintWriter err) {
        this.err = err;
    }

    @Override
    public String schedule(EntityArn instance, Instant notBefore, int windowSeconds) {
        pending.putIfAbsent(instance.arn(), Instant.now());
        synchronized (err) {
            err.println("Phase 2 of " + instance.arn() + " is due at " + notBefore + ". If this command is stopped "
                    + "before then, finish it with: lockdown contain --window 0 " + Shell.quote(instance.arn()));
            err.flush();
        }
        return "this command waits and runs it at " + notBefore + "; if it is stopped, it isolates the instance at "
                + "once";
    }

    List<String> pending() {
        return List.copyOf(pending.keySet());
    }

    /** Phase 2 of one instance, as scheduled: it leaves the instance alone when it was released since. */
    ContainmentReport isolate(LockdownEngine engine, String arn, ContainmentOptions options) {
        return engine.isolate(arn, options, pending.get(arn));
    }

    /** While waiting: a stop isolates every pending instance at once (fail closed). */
    void armShutdownHook(LockdownEngine engine, ContainmentOptions options) {
        hook = new Thread(() -> isolateNow(engine, options), "lockdown-isolate-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Phase 2 ran (or there is none): nothing to do at exit any more. */
    void disarm() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already; the hook is running or has run
            }
            hook = null;
        }
        pending.clear();
    }

    private void isolateNow(LockdownEngine engine, ContainmentOptions options) {
        List<String> arns = pending();
        if (arns.isEmpty()) {
            return;
        }
        err.println();
        err.println("Stopped during the window: isolating " + arns.size() + " instance(s) now instead of leaving them "
                + "in the untracked group.");
        err.flush();
        Thread worker = new Thread(() -> {
            for (String arn : arns) {
                ContainmentReport report = isolate(engine, arn, options);
                err.println("  " + report.summary());
                err.flush();
            }
        }, "lockdown-isolate-now");
        worker.setDaemon(true);
        worker.start();
        try {
            worker.join(HOOK_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            err.println("Isolation did not finish in time; finish with: lockdown contain --window 0 "
                    + String.join(" ", arns.stream().map(Shell::quote).toList()));
            err.flush();
        }
    }
}
