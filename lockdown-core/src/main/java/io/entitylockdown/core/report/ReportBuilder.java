package io.entitylockdown.core.report;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Collects the steps of one operation on one entity and runs each step so that a failure is
 * recorded and never aborts the steps that follow. Thread-safe: independent steps of one entity run
 * in parallel and record here as they end.
 */
public final class ReportBuilder {
    /** The engine's step that assumes the member role in the entity's account. */
    public static final String MEMBER_ROLE_STEP = "assume-member-role";

    /** A step's body; may throw anything, which becomes a failed step. */
    @FunctionalInterface
    public interface StepAction {
        StepOutcome run() throws Exception;
    }

    /** A step's body that also hands on a value (the roles found, a group id ...). */
    @FunctionalInterface
    public interface ValueAction<T> {
        Produced<T> run() throws Exception;
    }

    /** A read whose failure alone is a step (a re-run must show only the changes, not every read). */
    @FunctionalInterface
    public interface Reader<T> {
        T read() throws Exception;
    }

    /** A read-back after acting; may throw, which fails the check ("could not read back"). */
    @FunctionalInterface
    public interface ReadBack {
        Verdict read() throws Exception;
    }

    private final String entity;
    private final EntityArn arn;
    private final Operation operation;
    private final boolean dryRun;
    private final StepListener listener;
    private final Instant startedAt;
    private final long startedNanos;
    private final List<StepResult> steps = new ArrayList<>();
    private final List<Check> checks = new ArrayList<>();
    private final Set<String> affected = new LinkedHashSet<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> state = new LinkedHashMap<>();
    private String releaseCommand;
    private ContainmentReport.PendingPhase nextPhase;

    public ReportBuilder(EntityArn arn, Operation operation, boolean dryRun, Clock clock, StepListener listener) {
        this.entity = arn.arn();
        this.arn = arn;
        this.operation = operation;
        this.dryRun = dryRun;
        this.listener = listener == null ? StepListener.NONE : listener;
        this.startedAt = clock.instant();
        this.startedNanos = System.nanoTime();
    }

    /** A report for input that never became an entity: nothing was sent to AWS. */
    public static ContainmentReport invalid(String input, Operation operation, String reason, Clock clock) {
        return new ContainmentReport(input == null ? "" : input, null, "", "", operation, Outcome.INVALID, false,
                "Rejected: " + reason, List.of(), List.of(), null, List.of(), List.of(), Map.of(),
                clock.instant().toString(), 0, null, null);
    }

    public EntityArn arn() {
        return arn;
    }

    public Operation operation() {
        return operation;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Runs one step. Exceptions become a failed step with an explanation; they never propagate. */
    public StepResult step(String name, String call, StepAction action) {
        long start = System.nanoTime();
        StepOutcome outcome;
        try {
            outcome = action.run();
            if (outcome == null) {
                outcome = StepOutcome.failed("internal error: step returned no outcome");
            }
        } catch (Exception e) {
            outcome = StepOutcome.failed(describe(e, call));
        }
        return record(name, call, outcome, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Runs one step that hands on a value: the value when the step did not fail, else empty (and the
     * failure is recorded). Steps that need it then know they cannot run, instead of reading a holder.
     */
    public <T> Optional<T> produce(String name, String call, ValueAction<T> action) {
        long start = System.nanoTime();
        Produced<T> produced;
        try {
            produced = action.run();
            if (produced == null) {
                produced = Produced.failed("internal error: step returned no outcome");
            }
        } catch (Exception e) {
            produced = Produced.failed(describe(e, call));
        }
        record(name, call, produced.outcome(), (System.nanoTime() - start) / 1_000_000);
        return produced.outcome().status() == StepStatus.FAILED ? Optional.empty()
                : Optional.ofNullable(produced.value());
    }

    /**
     * Reads what a later step needs. Success records nothing; a failure is a failed step named
     * {@code name} whose detail says what could not be read and what that leaves undone.
     *
     * @param consequence what cannot be done without this read, e.g. "its credentials are not denied"
     */
    public <T> Optional<T> read(String name, String call, String consequence, Reader<T> reader) {
        long start = System.nanoTime();
        try {
            return Optional.ofNullable(reader.read());
        } catch (Exception e) {
            record(name, call, StepOutcome.failed(describe(e, call) + (consequence == null || consequence.isEmpty()
                    ? "" : "; " + consequence)), (System.nanoTime() - start) / 1_000_000);
            return Optional.empty();
        }
    }

    /** Reads back one effect after acting; a read that fails is a failed check, never an exception. */
    public Check verify(String check, ReadBack readBack) {
        Verdict verdict;
        try {
            verdict = readBack.read();
            if (verdict == null) {
                verdict = Verdict.fail("internal error: the read-back returned nothing");
            }
        } catch (Exception e) {
            verdict = Verdict.fail("could not read back: " + describe(e, ""));
        }
        return check(check, verdict.passed(), verdict.detail());
    }

    private static String describe(Exception e, String call) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return AwsErrors.describe(e, call);
    }

    /** Records a step that was decided without running anything (a refusal, a skip). */
    public StepResult record(String name, String call, StepOutcome outcome, long durationMs) {
        StepResult result = new StepResult(name, call, outcome.status(), outcome.detail(), durationMs);
        synchronized (this) {
            steps.add(result);
        }
        try {
            listener.stepEnded(arn, operation, result);
        } catch (RuntimeException e) {
            // A broken log or audit sink must not stop the containment half way.
            note("Step '" + name + "' could not be reported to the listener: " + e.getMessage());
        }
        return result;
    }

    public synchronized Check check(String check, boolean passed, String detail) {
        Check result = new Check(check, passed, detail);
        checks.add(result);
        return result;
    }

    public synchronized void affected(String entityArn) {
        affected.add(entityArn);
    }

    public synchronized void note(String note) {
        if (!notes.contains(note)) {
            notes.add(note);
        }
    }

    public synchronized void state(String key, Object value) {
        state.put(key, value);
    }

    public synchronized void releaseCommand(String command) {
        this.releaseCommand = command;
    }

    public synchronized void nextPhase(String phase, int windowSeconds, Instant notBefore) {
        this.nextPhase = new ContainmentReport.PendingPhase(phase, windowSeconds, notBefore.toString());
    }

    public synchronized void clearNextPhase() {
        this.nextPhase = null;
    }

    public synchronized List<StepResult> steps() {
        return List.copyOf(steps);
    }

    /** True when a step of that name ended as failed. */
    public synchronized boolean failed(String name) {
        return steps.stream().anyMatch(s -> s.step().equals(name) && s.status() == StepStatus.FAILED);
    }

    /** Failed steps and failed checks so far. */
    public synchronized int failures() {
        return (int) (steps.stream().filter(s -> s.status() == StepStatus.FAILED).count()
                + checks.stream().filter(c -> !c.passed()).count());
    }

    /** True when any step so far failed. */
    public synchronized boolean anyFailed() {
        return steps.stream().anyMatch(s -> s.status() == StepStatus.FAILED);
    }

    public synchronized ContainmentReport build() {
        Outcome outcome = outcome();
        Boolean verified = checks.isEmpty() ? null : checks.stream().allMatch(Check::passed);
        EntityType type = arn.type();
        return new ContainmentReport(entity, type, arn.accountId(), arn.region(),
                operation, outcome, dryRun, summary(outcome, verified), steps, checks, verified,
                List.copyOf(affected), notes, state, startedAt.toString(),
                (System.nanoTime() - startedNanos) / 1_000_000,
                effective() ? releaseCommand : null, nextPhase);
    }

    /** A release is offered only when something took effect; reaching the account is not an effect on the entity. */
    private boolean effective() {
        return steps.stream().filter(s -> !s.step().equals(MEMBER_ROLE_STEP))
                .anyMatch(s -> s.status() == StepStatus.DONE || s.status() == StepStatus.ALREADY);
    }

    /**
     * A refusal anywhere is the outcome when nothing failed: a guardrail decision is final, retrying
     * cannot change it, and the parts that were allowed are in force. A failure wins over a refusal:
     * the failed part may succeed when run again.
     */
    private Outcome outcome() {
        boolean refused = steps.stream().anyMatch(s -> s.status() == StepStatus.REFUSED);
        long failed = steps.stream().filter(s -> s.status() == StepStatus.FAILED).count();
        boolean verificationFailed = checks.stream().anyMatch(c -> !c.passed());
        if (failed == 0 && !verificationFailed) {
            return refused ? Outcome.REFUSED : Outcome.SUCCEEDED;
        }
        return effective() ? Outcome.PARTIAL : Outcome.FAILED;
    }

    private String summary(Outcome outcome, Boolean verified) {
        String what = arn.label();
        String verb = switch (operation) {
            case CONTAIN -> dryRun ? "Dry run of containment for" : "Containment of";
            case ISOLATE -> "Isolation (phase 2) of";
            case RELEASE -> dryRun ? "Dry run of release for" : "Release of";
            case STATUS -> "Status of";
        };
        String result = switch (outcome) {
            case SUCCEEDED -> operation == Operation.STATUS ? "read" : "succeeded";
            case PARTIAL -> "PARTIALLY succeeded";
            case FAILED -> "FAILED";
            case INVALID -> "was rejected";
            case REFUSED -> effective()
                    ? "was partly REFUSED by a guardrail: the refused part was left unchanged, the rest is done"
                    : "was REFUSED by a guardrail; nothing was changed";
        };
        String tail = "";
        if (outcome == Outcome.PARTIAL || outcome == Outcome.FAILED) {
            long failed = steps.stream().filter(s -> s.status() == StepStatus.FAILED).count();
            tail = " (" + failed + " step(s) failed" + (Boolean.FALSE.equals(verified) ? ", verification failed" : "") + ")";
        } else if (Boolean.TRUE.equals(verified) && operation != Operation.STATUS) {
            tail = outcome == Outcome.REFUSED ? " (verified)" : ", verified";
        }
        return verb + " " + what + " " + result + tail + ".";
    }
}
