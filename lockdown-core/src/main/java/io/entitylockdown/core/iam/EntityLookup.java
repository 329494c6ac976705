package io.entitylockdown.core.iam;

import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;

/**
 * Looks an entity up before anything is changed. A lookup is not a step of its own (a re-run must
 * report only "already" steps); only a failed lookup is recorded, as a failed step.
 */
public final class EntityLookup {
    private EntityLookup() {
    }

    /** Runs the lookup; on failure records a failed step naming what is missing and returns false. */
    public static boolean found(ReportBuilder report, String step, String call, Runnable lookup, String what) {
        try {
            lookup.run();
            return true;
        } catch (RuntimeException e) {
            String detail = AwsErrors.isNotFound(e)
                    ? what + " does not exist; check the ARN (account, region, path and name). Nothing was changed"
                    : AwsErrors.describe(e, call) + "; nothing was changed";
            report.record(step, call, StepOutcome.failed(detail), 0);
            return false;
        }
    }
}
