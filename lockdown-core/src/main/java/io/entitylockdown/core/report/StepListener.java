package io.entitylockdown.core.report;

import io.entitylockdown.core.EntityArn;

/** Told about every step as it ends; the Lambda adapter turns this into one JSON log line per step. */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = (entity, operation, step) -> { };

    void stepEnded(EntityArn entity, Operation operation, StepResult step);
}
