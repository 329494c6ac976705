package io.entitylockdown.core.report;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The overall result for one entity; maps onto the CLI exit codes. */
public enum Outcome {
    /** Every step done or already done (and, for containment, verified). */
    SUCCEEDED(0),
    /** Some steps failed, others took effect. */
    PARTIAL(1),
    /** Nothing took effect. */
    FAILED(1),
    /** The input was not a supported entity ARN; nothing was sent to AWS. */
    INVALID(2),
    /** A guardrail refused; nothing was changed. */
    REFUSED(3);

    private final int exitCode;

    Outcome(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The CLI exit code: 0 done, 1 failed, 2 bad input, 3 refused by a guardrail. */
    public int exitCode() {
        return exitCode;
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
