package io.entitylockdown.core.report;

/** What a step's action returns: its status and a sentence for the report. */
public record StepOutcome(StepStatus status, String detail) {

    public static StepOutcome done(String detail) {
        return new StepOutcome(StepStatus.DONE, detail);
    }

    public static StepOutcome already(String detail) {
        return new StepOutcome(StepStatus.ALREADY, detail);
    }

    public static StepOutcome skipped(String detail) {
        return new StepOutcome(StepStatus.SKIPPED, detail);
    }

    /** A dry run: the step would have changed something, and did not. */
    public static StepOutcome wouldDo(String action) {
        return new StepOutcome(StepStatus.SKIPPED, "dry run: would " + action);
    }

    public static StepOutcome failed(String detail) {
        return new StepOutcome(StepStatus.FAILED, detail);
    }

    public static StepOutcome refused(String detail) {
        return new StepOutcome(StepStatus.REFUSED, detail);
    }
}
