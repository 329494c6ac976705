package io.entitylockdown.lambda.findings;

/**
 * An EventBridge event this function does not act on: another source or detail-type, or a findings
 * event without findings. Audited as rejected, changes nothing, never retried.
 */
public final class RejectedEvent extends Exception {
    private static final long serialVersionUID = 1L;

    public RejectedEvent(String reason) {
        super(reason, null, false, false);
    }

    public String reason() {
        return getMessage();
    }
}
