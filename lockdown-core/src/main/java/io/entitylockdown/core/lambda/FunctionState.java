package io.entitylockdown.core.lambda;

/**
 * What a function's containment changed, as recorded on the function.
 *
 * @param reservedConcurrency the reserved concurrency before containment; null when there was none
 * @param executionRole       the execution role containment denied for this function; null when it did not
 */
public record FunctionState(Integer reservedConcurrency, String executionRole) {
    public FunctionState {
        if (reservedConcurrency != null && reservedConcurrency < 0) {
            throw new IllegalArgumentException("reserved concurrency cannot be negative");
        }
        if (executionRole != null && !executionRole.matches("arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\x21-\\x7E]{1,575}")) {
            throw new IllegalArgumentException("'" + executionRole + "' is not a role ARN");
        }
    }
}
