package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainmentRecordTest {
    private static final Instant FIRST = Instant.parse("2026-11-28T21:00:00Z");
    private static final Instant LATER = Instant.parse("2026-11-28T21:00:05Z");

    /** Tags in memory; {@code onSecondRead} simulates another run writing between this run's two reads. */
    static final class MemoryTags implements TaggedEntity {
        final Map<String, String> tags = new LinkedHashMap<>();
        Map<String, String> onSecondRead;
        int reads;
        final List<String> calls = new ArrayList<>();

        @Override
        public Map<String, String> tags() {
            if (++reads == 2 && onSecondRead != null) {
                tags.putAll(onSecondRead);
            }
            return new LinkedHashMap<>(tags);
        }

        @Override
        public void tag(Map<String, String> more) {
            calls.add("tag");
            tags.putAll(more);
        }

        @Override
        public void untag(Collection<String> keys) {
            calls.add("untag");
            keys.forEach(tags::remove);
        }

        @Override
        public String tagCall() {
            return "test:Tag";
        }

        @Override
        public String untagCall() {
            return "test:Untag";
        }
    }

    private static ObjectNode state(boolean attached, String... keys) {
        ObjectNode state = Json.mapper().createObjectNode();
        state.put("attachedDenyAll", attached);
        var array = state.putArray("deactivatedKeys");
        for (String key : keys) {
            array.add(key);
        }
        return state;
    }

    @Test
    void plan_withoutRecord_usesTheObservedStateAndThisRunsCutOff() {
        MemoryTags entity = new MemoryTags();
        entity.tags.put("team", "payments");

        ContainmentRecord.Plan plan = ContainmentRecord.plan(entity, () -> state(true, "AKIA1"), LATER);

        assertThat(plan.containedAt()).isEqualTo(LATER);
        assertThat(plan.state()).isEqualTo(state(true, "AKIA1"));
        assertThat(plan.existing()).isFalse();
    }

    @Test
    void plan_whenAnotherRunRecordedBetweenTheTwoReads_itsRecordWins_andListsAreUnited() {
        MemoryTags entity = new MemoryTags();
        // The other run observed the user untouched; this run observes it after the other run acted.
        entity.onSecondRead = StateTags.encode(FIRST, state(true, "AKIA1"));

        ContainmentRecord.Plan plan = ContainmentRecord.plan(entity, () -> state(false, "AKIA2"), LATER);

        assertThat(plan.containedAt()).isEqualTo(FIRST);
        assertThat(plan.state().path("attachedDenyAll").asBoolean()).isTrue();
        assertThat(plan.state().path("deactivatedKeys")).extracting(n -> n.asText()).containsExactly("AKIA1", "AKIA2");
    }

    @Test
    void write_isAlreadyWhenTheTagsHoldThePlan_andDryRunWritesNothing() {
        MemoryTags entity = new MemoryTags();
        ContainmentRecord.Plan plan = ContainmentRecord.plan(entity, () -> state(true), LATER);

        assertThat(ContainmentRecord.write(entity, plan, true).status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(entity.calls).isEmpty();
        assertThat(ContainmentRecord.write(entity, plan, false).status()).isEqualTo(StepStatus.DONE);

        ContainmentRecord.Plan again = ContainmentRecord.plan(entity, () -> state(false), LATER.plusSeconds(60));
        assertThat(again.containedAt()).isEqualTo(LATER);
        assertThat(ContainmentRecord.write(entity, again, false).status()).isEqualTo(StepStatus.ALREADY);
    }

    @Test
    void rewrite_removesStateChunksLeftFromALongerState_andRemoveTakesEveryLockdownTag() {
        MemoryTags entity = new MemoryTags();
        entity.tags.put("team", "payments");
        String[] many = new String[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = "AKIAEXAMPLEKEY" + i;
        }
        ContainmentRecord.rewrite(entity, FIRST, state(true, many));
        assertThat(entity.tags).containsKeys(StateTags.STATE + "0", StateTags.STATE + "1");

        ContainmentRecord.rewrite(entity, FIRST, state(true));
        assertThat(entity.tags).doesNotContainKey(StateTags.STATE + "1");
        assertThat(StateTags.decode(entity.tags).orElseThrow().state()).isEqualTo(state(true));

        assertThat(ContainmentRecord.remove(entity)).isEqualTo(2);
        assertThat(entity.tags).containsOnlyKeys("team");
    }
}
