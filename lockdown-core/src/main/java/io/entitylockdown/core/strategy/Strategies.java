package io.entitylockdown.core.strategy;

/** The strategies this build ships, one per supported entity type. */
public final class Strategies {
    private Strategies() {
    }

    public static StrategyRegistry standard() {
        return StrategyRegistry.of(
                new io.entitylockdown.core.ec2.Ec2InstanceLockdown()
                // one line per entity type; see docs/ for each type's playbook
                new io.entitylockdown.core.iam.IamUserLockdown(),
                new io.entitylockdown.core.iam.IamRoleLockdown(),
                new io.entitylockdown.core.lambda.LambdaFunctionLockdown()
        );
    }
}
