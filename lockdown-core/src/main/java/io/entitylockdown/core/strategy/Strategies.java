package io.entitylockdown.core.strategy;

import io.entitylockdown.core.ec2.Ec2InstanceLockdown;
import io.entitylockdown.core.iam.IamRoleLockdown;
import io.entitylockdown.core.iam.RoleSessionLockdown;
import io.entitylockdown.core.iam.IamUserLockdown;
import io.entitylockdown.core.lambda.LambdaFunctionLockdown;

/** The strategies this build ships, one per supported entity type; docs/ has each type's playbook. */
public final class Strategies {
    private Strategies() {
    }

    public static StrategyRegistry standard() {
        return StrategyRegistry.of(
                new IamUserLockdown(),
                new IamRoleLockdown(),
                new LambdaFunctionLockdown(),
                new Ec2InstanceLockdown(),
                new RoleSessionLockdown());
    }
}
