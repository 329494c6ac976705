package io.entitylockdown.core.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One step of a containment, release or status run.
 *
 * @param step       stable step name, e.g. {@code attach-deny-all}
 * @param call       the AWS API call behind it, e.g. {@code iam:AttachUserPolicy}
 * @param status     how it ended
 * @param detail     what happened, in the responder's words
 * @param durationMs how long it took
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record StepResult(String step, String call, StepStatus status, String detail, long durationMs) {
    public StepResult {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(status, "status");
        call = call == null ? "" : call;
        detail = detail == null ? "" : detail;
    }
}
