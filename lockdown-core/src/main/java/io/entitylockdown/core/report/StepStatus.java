package io.entitylockdown.core.report;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How one containment step ended. Serialised in lower case, as in the report contract. */
public enum StepStatus {
    /** The step changed something. */
    DONE,
    /** The entity was already in the wanted state; nothing was changed. */
    ALREADY,
    /** The step did not apply (not relevant to this entity, or a dry run). */
    SKIPPED,
    /** The step was attempted and failed. */
    FAILED,
    /** A guardrail forbade the step (or the whole containment). Nothing was changed. */
    REFUSED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
