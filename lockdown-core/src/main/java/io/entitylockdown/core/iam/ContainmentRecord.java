package io.entitylockdown.core.iam;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The protocol by which concurrent containments of one entity converge on one recorded state:
 * read the tags, observe the prior state, merge (what was recorded first wins), read the tags again
 * and merge again (another run may have written meanwhile), write, then act.
 *
 * <p>Observation happens before acting, so a run that observes an entity another run already changed
 * (AWSDenyAll attached, keys inactive) would record the wrong prior state; the second read lets the
 * first run's record win in that case.
 */
public final class ContainmentRecord {
    private ContainmentRecord() {
    }

    /**
     * What to write.
     *
     * @param containedAt the earliest containment time recorded, or this run's cut-off when none
     * @param state       the merged prior state
     * @param current     the tags read last, to tell whether writing changes anything
     * @param existing    whether the entity already carried a marker
     */
    public record Plan(Instant containedAt, ObjectNode state, Map<String, String> current, boolean existing) {
        public Map<String, String> tags() {
            return StateTags.encode(containedAt, state);
        }

        /** True when the entity's tags already hold exactly this marker and state. */
        public boolean unchanged() {
            return tags().entrySet().stream().allMatch(e -> e.getValue().equals(current.get(e.getKey())))
                    && staleChunks().isEmpty();
        }

        /** State chunks left over from a longer state; removed so decoding stays correct. */
        Set<String> staleChunks() {
            Set<String> stale = new TreeSet<>(StateTags.keys(current));
            stale.removeAll(tags().keySet());
            return stale;
        }
    }

    public static Plan plan(TaggedEntity entity, Supplier<ObjectNode> observe, Instant cutOff) {
        Optional<StateTags.Recorded> first = StateTags.decode(entity.tags());
        ObjectNode merged = observe.get();
        if (first.isPresent()) {
            merged = StateTags.merge(first.get().state(), merged);
        }
        Map<String, String> current = entity.tags();
        Optional<StateTags.Recorded> second = StateTags.decode(current);
        if (second.isPresent()) {
            merged = StateTags.merge(second.get().state(), merged);
        }
        Instant containedAt = cutOff;
        for (Optional<StateTags.Recorded> recorded : java.util.List.of(first, second)) {
            if (recorded.isPresent() && recorded.get().containedAt().isBefore(containedAt)) {
                containedAt = recorded.get().containedAt();
            }
        }
        return new Plan(containedAt, merged, current, first.isPresent() || second.isPresent());
    }

    /** The record-state step: writes the plan's tags, or says it would or that they are already there. */
    public static StepOutcome write(TaggedEntity entity, Plan plan, boolean dryRun) {
        if (plan.unchanged()) {
            return StepOutcome.already("the prior state is recorded in the entity's lockdown: tags");
        }
        Map<String, String> tags = plan.tags();
        if (dryRun) {
            return StepOutcome.wouldDo("record the prior state in " + tags.size() + " lockdown: tags");
        }
        replace(entity, plan.current(), tags);
        return StepOutcome.done("recorded the prior state in " + tags.size() + " lockdown: tags (" + StateTags.CONTAINED_AT
                + "=" + plan.containedAt() + ")");
    }

    /** Writes this marker and state, replacing whatever state the entity carries now. */
    public static void rewrite(TaggedEntity entity, Instant containedAt, ObjectNode state) {
        replace(entity, entity.tags(), StateTags.encode(containedAt, state));
    }

    /** Removes every lockdown: tag; returns how many there were. */
    public static int remove(TaggedEntity entity) {
        Set<String> keys = StateTags.keys(entity.tags());
        if (!keys.isEmpty()) {
            entity.untag(keys);
        }
        return keys.size();
    }

    /** Read-back after release: no lockdown: tag is left. */
    public static void checkRemoved(ReportBuilder report, TaggedEntity entity) {
        try {
            Set<String> left = StateTags.keys(entity.tags());
            report.check("lockdown: tags removed", left.isEmpty(), left.isEmpty() ? "none left" : "left: " + left);
        } catch (RuntimeException e) {
            report.check("lockdown: tags removed", false, "could not read back: " + AwsErrors.describe(e, ""));
        }
    }

    private static void replace(TaggedEntity entity, Map<String, String> current, Map<String, String> tags) {
        entity.tag(tags);
        Set<String> stale = new TreeSet<>(StateTags.keys(current));
        stale.removeAll(tags.keySet());
        if (!stale.isEmpty()) {
            entity.untag(stale);
        }
    }
}
