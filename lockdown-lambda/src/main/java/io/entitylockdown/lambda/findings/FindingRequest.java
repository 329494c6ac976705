package io.entitylockdown.lambda.findings;

import java.util.Objects;

/**
 * One resource of one finding: what to contain (or why not), the finding it came from, and whether
 * to act or only report.
 */
public record FindingRequest(FindingRef finding, FindingTarget target, Decision decision) {
    public FindingRequest {
        Objects.requireNonNull(finding, "finding");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(decision, "decision");
    }
}
