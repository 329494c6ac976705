package io.entitylockdown.core.strategy;

/** The strategies this build ships, one per supported entity type. */
public final class Strategies {
    private Strategies() {
    }

    public static StrategyRegistry standard() {
        return StrategyRegistry.of(
                // one line per entity type; see docs/ for each type's playbook
                new io.entitylockdown.core.iam.IamUserLockdown(),
                new io.entitylockdown.core.iam.IamRoleLockdown(),
                new io.entitylockdown.core.lambda.LambdaFunctionLockdown()
        );
    }
}
