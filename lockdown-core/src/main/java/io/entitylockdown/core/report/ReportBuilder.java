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
import java.util.Set;

/**
 * Collects the steps of one operation on one entity and runs each step so that a failure is
 * recorded and never aborts the steps that follow. Confined to one thread.
 */
public final class ReportBuilder {
    /** The engine's step that assumes the member role in the entity's account. */
    public static final String MEMBER_ROLE_STEP = "assume-member-role";

    /** A step's body; may throw anything, which becomes a failed step. */
    @FunctionalInterface
    public interface StepAction {
        StepOutcome run() throws Exception;
    }

    private final String entity;
    private final EntityArn arn;
    private final Operation operation;
    private final boolean dryRun;
    private final Clock clock;
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
        this(arn.arn(), arn, operation, dryRun, clock, listener);
    }

    private ReportBuilder(String entity, EntityArn arn, Operation operation, boolean dryRun, Clock clock,
            StepListener listener) {
        this.entity = entity;
        this.arn = arn;
        this.operation = operation;
        this.dryRun = dryRun;
        this.clock = clock;
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
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            outcome = StepOutcome.failed(AwsErrors.describe(e, call));
        }
        return record(name, call, outcome, (System.nanoTime() - start) / 1_000_000);
    }

    /** Records a step that was decided without running anything (a refusal, a skip). */
    public StepResult record(String name, String call, StepOutcome outcome, long durationMs) {
        StepResult result = new StepResult(name, call, outcome.status(), outcome.detail(), durationMs);
        steps.add(result);
        try {
            listener.stepEnded(arn, operation, result);
        } catch (RuntimeException e) {
            // A broken log or audit sink must not stop the containment half way.
            notes.add("Step '" + name + "' could not be reported to the listener: " + e.getMessage());
        }
        return result;
    }

    public void check(String check, boolean passed, String detail) {
        checks.add(new Check(check, passed, detail));
    }

    public void affected(String entityArn) {
        affected.add(entityArn);
    }

    public void note(String note) {
        notes.add(note);
    }

    public void state(String key, Object value) {
        state.put(key, value);
    }

    public void releaseCommand(String command) {
        this.releaseCommand = command;
    }

    public void nextPhase(String phase, int windowSeconds, Instant notBefore) {
        this.nextPhase = new ContainmentReport.PendingPhase(phase, windowSeconds, notBefore.toString());
    }

    public List<StepResult> steps() {
        return List.copyOf(steps);
    }

    public ContainmentReport build() {
        Outcome outcome = outcome();
        Boolean verified = checks.isEmpty() ? null : checks.stream().allMatch(Check::passed);
        EntityType type = arn == null ? null : arn.type();
        return new ContainmentReport(entity, type, arn == null ? "" : arn.accountId(), arn == null ? "" : arn.region(),
                operation, outcome, dryRun, summary(outcome, verified), steps, checks, verified,
                List.copyOf(affected), notes, state, startedAt.toString(),
                (System.nanoTime() - startedNanos) / 1_000_000, outcome == Outcome.REFUSED ? null : releaseCommand,
                nextPhase);
    }

    private Outcome outcome() {
        boolean refused = steps.stream().anyMatch(s -> s.status() == StepStatus.REFUSED);
        long failed = steps.stream().filter(s -> s.status() == StepStatus.FAILED).count();
        // Reaching the account is not an effect on the entity: an entity that is not found after the
        // member role was assumed is a failure, not a partial success.
        boolean effective = steps.stream().filter(s -> !s.step().equals(MEMBER_ROLE_STEP))
                .anyMatch(s -> s.status() == StepStatus.DONE || s.status() == StepStatus.ALREADY);
        boolean verificationFailed = checks.stream().anyMatch(c -> !c.passed());
        if (refused && !effective) {
            return Outcome.REFUSED;
        }
        if (failed == 0 && !verificationFailed && !refused) {
            return Outcome.SUCCEEDED;
        }
        return effective ? Outcome.PARTIAL : Outcome.FAILED;
    }

    private String summary(Outcome outcome, Boolean verified) {
        String what = arn == null ? entity : arn.label();
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
            case REFUSED -> "was REFUSED by a guardrail; nothing was changed";
        };
        String tail = "";
        if (outcome == Outcome.PARTIAL || outcome == Outcome.FAILED) {
            long failed = steps.stream().filter(s -> s.status() == StepStatus.FAILED).count();
            tail = " (" + failed + " step(s) failed" + (Boolean.FALSE.equals(verified) ? ", verification failed" : "") + ")";
        } else if (Boolean.TRUE.equals(verified) && operation != Operation.STATUS) {
            tail = ", verified";
        }
        return verb + " " + what + " " + result + tail + ".";
    }
}
