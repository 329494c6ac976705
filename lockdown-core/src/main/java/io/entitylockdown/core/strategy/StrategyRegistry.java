package io.entitylockdown.core.strategy;

import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.iam.UserLookup;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The explicit map from entity type to its strategy. */
public final class StrategyRegistry {
    private final Map<EntityType, ContainmentStrategy> strategies;

    private StrategyRegistry(Map<EntityType, ContainmentStrategy> strategies) {
        this.strategies = Map.copyOf(strategies);
    }

    public static StrategyRegistry of(ContainmentStrategy... strategies) {
        Map<EntityType, ContainmentStrategy> map = new EnumMap<>(EntityType.class);
        for (ContainmentStrategy strategy : strategies) {
            if (map.put(strategy.type(), strategy) != null) {
                throw new IllegalArgumentException("Two strategies for " + strategy.type());
            }
        }
        return new StrategyRegistry(map);
    }

    public Optional<ContainmentStrategy> forType(EntityType type) {
        return Optional.ofNullable(strategies.get(type));
    }

    public Collection<ContainmentStrategy> all() {
        return strategies.values();
    }

    /**
     * Every IAM action the engine may call in an entity's account, sorted: the union of every
     * strategy's declared actions and those of the look-ups that turn an access key id or a user name
     * into an entity ({@link UserLookup#PERMISSIONS}).
     */
    public Set<String> permissions() {
        Set<String> all = new TreeSet<>(UserLookup.PERMISSIONS);
        strategies.values().forEach(s -> all.addAll(s.permissions()));
        return all;
    }
}
