package io.entitylockdown.core;

import io.entitylockdown.core.aws.Partitions;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StateTags;
import java.util.Set;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.StatusType;

/**
 * TEST ONLY, not the product's IAM user strategy: three independent steps (tag, deny-all, keys) and
 * their read-back, small enough that the fault tests can say exactly which call each fault hits.
 */
final class TestOnlyUserLockdown implements ContainmentStrategy {

    @Override
    public EntityType type() {
        return EntityType.IAM_USER;
    }

    @Override
    public Set<String> permissions() {
        return Set.of("iam:TagUser", "iam:AttachUserPolicy", "iam:ListAccessKeys", "iam:UpdateAccessKey",
                "iam:ListAttachedUserPolicies");
    }

    @Override
    public void contain(EntityContext ctx) {
        String user = ctx.entity().name();
        String denyAll = Partitions.denyAllPolicyArn(ctx.entity().partition());
        IamClient iam = ctx.session().iam();
        ctx.report().step("tag-marker", "iam:TagUser", () -> {
            iam.tagUser(b -> b.userName(user).tags(t -> t.key(StateTags.CONTAINED_AT).value(ctx.now().toString())));
            return StepOutcome.done("marked as contained");
        });
        ctx.report().step("attach-deny-all", "iam:AttachUserPolicy", () -> {
            iam.attachUserPolicy(b -> b.userName(user).policyArn(denyAll));
            return StepOutcome.done("attached AWSDenyAll");
        });
        ctx.report().step("deactivate-keys", "iam:UpdateAccessKey", () -> {
            int changed = 0;
            for (AccessKeyMetadata key : iam.listAccessKeys(b -> b.userName(user)).accessKeyMetadata()) {
                if (key.status() == StatusType.ACTIVE) {
                    iam.updateAccessKey(b -> b.userName(user).accessKeyId(key.accessKeyId()).status(StatusType.INACTIVE));
                    changed++;
                }
            }
            return changed == 0 ? StepOutcome.already("no active key") : StepOutcome.done("deactivated " + changed);
        });
        try {
            boolean attached = iam.listAttachedUserPolicies(b -> b.userName(user)).attachedPolicies().stream()
                    .anyMatch(p -> p.policyArn().equals(denyAll));
            ctx.report().check("AWSDenyAll attached", attached, attached ? "attached" : "not attached");
        } catch (RuntimeException e) {
            ctx.report().check("AWSDenyAll attached", false, "could not read back: " + e.getMessage());
        }
    }

    @Override
    public void release(EntityContext ctx) {
        ctx.report().record("release", "", StepOutcome.skipped("the test-only strategy does not release"), 0);
    }

    @Override
    public void status(EntityContext ctx) {
        ctx.report().record("status", "", StepOutcome.skipped("the test-only strategy has no status"), 0);
    }
}
