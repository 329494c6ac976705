package io.entitylockdown.core.strategy;

import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.report.StepOutcome;
import java.util.Set;

/**
 * How one entity type is contained, released and inspected.
 *
 * <p>Every method records its steps in {@code ctx.report()}; a failing step is recorded and the
 * next independent step still runs. Every method is idempotent. With {@code ctx.dryRun()} only
 * read-only calls are made.
 */
public interface ContainmentStrategy {

    EntityType type();

    /**
     * Every IAM action this strategy may call in the entity's account (contain, isolate, release and
     * status together). The member-role template must grant exactly the union of these.
     */
    Set<String> permissions();

    /** Contains the entity, records the prior state on it, and verifies every effect. */
    void contain(EntityContext ctx);

    /** EC2 phase 2. Other types have no second phase. */
    default void isolate(EntityContext ctx) {
        ctx.report().record("isolate", "", StepOutcome.skipped(type().displayName() + "s have no second phase"), 0);
    }

    /** Undoes exactly what containment recorded, and removes the marker. */
    void release(EntityContext ctx);

    /** Reads whether the entity is contained, since when, and what was changed; changes nothing. */
    void status(EntityContext ctx);
}
