package io.entitylockdown.core;

import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StrategyRegistry;
import java.util.Arrays;
import java.util.Set;

/**
 * TEST ONLY: a strategy for any entity type that makes one harmless read call, so that an engine
 * test can tell from a {@link io.entitylockdown.core.aws.CallRecorder} whether the engine got as far
 * as acting on an entity.
 */
final class ProbeStrategy implements ContainmentStrategy {
    private final EntityType type;

    ProbeStrategy(EntityType type) {
        this.type = type;
    }

    /** One probe per entity type, so every valid ARN reaches a strategy. */
    static StrategyRegistry everyType() {
        return StrategyRegistry.of(Arrays.stream(EntityType.values()).map(ProbeStrategy::new)
                .toArray(ContainmentStrategy[]::new));
    }

    @Override
    public EntityType type() {
        return type;
    }

    @Override
    public Set<String> permissions() {
        return Set.of("iam:ListAccountAliases");
    }

    @Override
    public void contain(EntityContext ctx) {
        probe(ctx);
    }

    @Override
    public void release(EntityContext ctx) {
        probe(ctx);
    }

    @Override
    public void status(EntityContext ctx) {
        probe(ctx);
    }

    private static void probe(EntityContext ctx) {
        ctx.report().step("probe", "iam:ListAccountAliases", () -> {
            ctx.session().iam().listAccountAliases();
            return StepOutcome.done("reached AWS");
        });
    }
}
