package io.entitylockdown.core;

/**
 * What the responder asked for.
 *
 * @param dryRun         read-only: report what would change and change nothing
 * @param windowSeconds  EC2: seconds between phase 1 (untracked group) and phase 2 (isolation group); 0..900
 * @param snapshot       EC2: snapshot every attached EBS volume for evidence
 * @param reactivateKeys release of an IAM user: reactivate the access keys that containment deactivated
 */
public record ContainmentOptions(boolean dryRun, int windowSeconds, boolean snapshot, boolean reactivateKeys) {
    public static final int DEFAULT_WINDOW_SECONDS = 60;
    /** SQS DelaySeconds cannot exceed 900, and the Lambda schedules phase 2 with it. */
    public static final int MAX_WINDOW_SECONDS = 900;

    public ContainmentOptions {
        if (windowSeconds < 0 || windowSeconds > MAX_WINDOW_SECONDS) {
            throw new IllegalArgumentException("The window must be between 0 and " + MAX_WINDOW_SECONDS
                    + " seconds; got " + windowSeconds);
        }
    }

    public static ContainmentOptions defaults() {
        return new ContainmentOptions(false, DEFAULT_WINDOW_SECONDS, true, false);
    }

    public ContainmentOptions withDryRun(boolean value) {
        return new ContainmentOptions(value, windowSeconds, snapshot, reactivateKeys);
    }

    public ContainmentOptions withWindowSeconds(int value) {
        return new ContainmentOptions(dryRun, value, snapshot, reactivateKeys);
    }

    public ContainmentOptions withSnapshot(boolean value) {
        return new ContainmentOptions(dryRun, windowSeconds, value, reactivateKeys);
    }

    public ContainmentOptions withReactivateKeys(boolean value) {
        return new ContainmentOptions(dryRun, windowSeconds, snapshot, value);
    }
}
