package io.entitylockdown.lambda;

import io.entitylockdown.core.strategy.Strategies;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every AWS operation the function calls, as IAM actions: what its containment strategies declare (called
 * with the member role) and what the handler itself calls with the function's execution role.
 *
 * <p>The function jar keeps the AWS SDK classes of exactly these operations (lockdown-lambda's pom runs
 * {@code FunctionJarPruner} after shade, which calls {@link #iamActions()}), so an operation missing here
 * is missing from the deployed function: {@code ExecutionRoleLeastPrivilegeTest} fails when the handler's
 * integration tests see it call one that {@link #HANDLER} lacks, and {@code FunctionJarIT} runs the
 * handler from the pruned jar.
 */
public final class FunctionOperations {
    /** The handler's own calls, with the execution role. Add an operation here when the handler starts calling it. */
    static final Set<String> HANDLER = Set.of("sts:AssumeRole", "sns:Publish", "sqs:SendMessage",
            "secretsmanager:GetSecretValue", "securityhub:BatchUpdateFindings");

    private FunctionOperations() {
    }

    /** The strategies' permissions and the handler's own operations, sorted. */
    public static Set<String> iamActions() {
        Set<String> all = new TreeSet<>(Strategies.standard().permissions());
        all.addAll(HANDLER);
        return Collections.unmodifiableSet(all);
    }
}
