package io.entitylockdown.core.report;

import java.util.Objects;

/**
 * What a step that produces a value returns: how the step ended, and the value the following steps
 * need (the roles found, the group id ensured ...). The value is handed on only when the step did not
 * fail.
 *
 * @param outcome status and detail for the report
 * @param value   the product; may be null when there is nothing to hand on
 */
public record Produced<T>(StepOutcome outcome, T value) {
    public Produced {
        Objects.requireNonNull(outcome, "outcome");
    }

    public static <T> Produced<T> done(T value, String detail) {
        return new Produced<>(StepOutcome.done(detail), value);
    }

    public static <T> Produced<T> already(T value, String detail) {
        return new Produced<>(StepOutcome.already(detail), value);
    }

    public static <T> Produced<T> skipped(T value, String detail) {
        return new Produced<>(StepOutcome.skipped(detail), value);
    }

    public static <T> Produced<T> failed(String detail) {
        return new Produced<>(StepOutcome.failed(detail), null);
    }

    public static <T> Produced<T> of(StepOutcome outcome, T value) {
        return new Produced<>(outcome, value);
    }
}
