package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import java.util.Set;

/**
 * Contains an IAM role: deny everything and revoke sessions issued before containment (one inline
 * policy, the first request), so that a later release does not bring stolen sessions back.
 * Service-linked roles never get here: the guardrails refuse them (IAM does not allow changing them).
 */
public final class IamRoleLockdown implements ContainmentStrategy {
    /** Every IAM call a role denial makes; the Lambda strategy denies execution roles with the same calls. */
    public static final Set<String> ROLE_DENIAL_PERMISSIONS = Set.of("iam:GetRole", "iam:TagRole", "iam:UntagRole",
            "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
            "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy");

    @Override
    public EntityType type() {
        return EntityType.IAM_ROLE;
    }

    @Override
    public Set<String> permissions() {
        return ROLE_DENIAL_PERMISSIONS;
    }

    @Override
    public void contain(EntityContext ctx) {
        RoleContainment role = new RoleContainment(ctx, IamPrincipal.of(ctx.entity(), ctx.session().iam()), "");
        role.contain(RoleState.DIRECT).ifPresent(denied -> {
            if (!ctx.dryRun()) {
                role.verify(denied);
            }
        });
    }

    @Override
    public void release(EntityContext ctx) {
        new RoleContainment(ctx, IamPrincipal.of(ctx.entity(), ctx.session().iam()), "").release(RoleState.DIRECT);
    }

    @Override
    public void status(EntityContext ctx) {
        new RoleContainment(ctx, IamPrincipal.of(ctx.entity(), ctx.session().iam()), "").status();
    }
}
