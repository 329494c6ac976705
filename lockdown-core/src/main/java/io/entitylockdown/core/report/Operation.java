package io.entitylockdown.core.report;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a report is about. */
public enum Operation {
    CONTAIN,
    /** EC2 phase 2: move every interface from the untracked group to the isolation group. */
    ISOLATE,
    RELEASE,
    STATUS;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
