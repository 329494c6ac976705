package io.entitylockdown.cli;

import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import java.util.Collection;

/**
 * The exit code of a run over many entities.
 *
 * <p>Precedence, highest first: 3 when any entity was refused by a guardrail (the responder asked
 * for something the lockdown will never do, and must not mistake that for a failure to retry);
 * 1 when any entity failed or partly failed, or when some input lines were not valid ARNs while
 * others were handled (the batch as a whole did not do everything it was asked); 2 only when
 * there was nothing valid to act on; 0 when every entity succeeded.
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int REFUSED = 3;

    private ExitCodes() {
    }

    public static int of(Collection<ContainmentReport> reports) {
        if (reports.isEmpty()) {
            return BAD_INPUT;
        }
        boolean allInvalid = reports.stream().allMatch(r -> r.outcome() == Outcome.INVALID);
        if (allInvalid) {
            return BAD_INPUT;
        }
        int code = OK;
        for (ContainmentReport report : reports) {
            int entity = report.outcome() == Outcome.INVALID ? FAILED : report.outcome().exitCode();
            code = Math.max(code, entity);
        }
        return code;
    }
}
