package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Contains an IAM role: deny everything and revoke sessions issued before containment, so that a
 * later release does not bring stolen sessions back. Service-linked roles never get here: the
 * guardrails refuse them (IAM does not allow changing them).
 */
public final class IamRoleLockdown implements ContainmentStrategy {
    /** Every IAM call a role denial makes; the Lambda strategy denies execution roles with the same calls. */
    public static final Set<String> ROLE_DENIAL_PERMISSIONS = Set.of("iam:GetRole", "iam:ListRoleTags", "iam:TagRole",
            "iam:UntagRole", "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
            "iam:GetRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy");

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
        IamPrincipal role = IamPrincipal.of(ctx.entity(), ctx.session().iam());
        RoleDenial denial = new RoleDenial(role, ctx.entity().partition());
        Optional<Instant> revokeBefore = denial.contain(ctx.report(), "", RoleDenial.DIRECT,
                DenyPolicies.cutOff(ctx.now()), ctx.dryRun());
        if (revokeBefore.isPresent() && !ctx.dryRun()) {
            denial.verify(ctx.report(), revokeBefore.get());
        }
    }

    @Override
    public void release(EntityContext ctx) {
        IamPrincipal role = IamPrincipal.of(ctx.entity(), ctx.session().iam());
        if (!EntityLookup.found(ctx.report(), "find-role", "iam:GetRole", role::requireExists, "The IAM role " + role.name())) {
            return;
        }
        new RoleDenial(role, ctx.entity().partition()).release(ctx.report(), "", RoleDenial.DIRECT, ctx.dryRun());
    }

    @Override
    public void status(EntityContext ctx) {
        ReportBuilder report = ctx.report();
        IamPrincipal role = IamPrincipal.of(ctx.entity(), ctx.session().iam());
        if (!EntityLookup.found(report, "find-role", "iam:GetRole", role::requireExists, "The IAM role " + role.name())) {
            return;
        }
        report.step("read-status", "iam:ListRoleTags", () -> {
            Optional<StateTags.Recorded> recorded = StateTags.decode(role.tags());
            ObjectNode observed = new RoleDenial(role, ctx.entity().partition()).observed();
            recorded.ifPresent(r -> report.state("containedFor", RoleDenial.reasons(r.state())));
            return IamUserLockdown.describeStatus(report, recorded, observed);
        });
    }
}
