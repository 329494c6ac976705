package io.entitylockdown.lambda.findings;

import java.util.Objects;

/**
 * Whether a finding's targets are contained now or only reported (a dry run, audited as "would
 * contain"), and why, in words the audit can show.
 *
 * @param act    true: contain; false: dry run only
 * @param reason e.g. "a person chose the Security Hub custom action" or which setting kept it a dry run
 */
public record Decision(boolean act, String reason) {
    public Decision {
        Objects.requireNonNull(reason, "reason");
    }

    public static Decision act(String reason) {
        return new Decision(true, reason);
    }

    public static Decision report(String reason) {
        return new Decision(false, reason);
    }
}
