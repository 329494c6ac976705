package io.entitylockdown.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.core.strategy.EntityContext;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** The record write against the entity's 50-tag quota, on an entity held in memory. */
class RecordWriterTest {
    private static final EntityArn INSTANCE = EntityArn.parse("arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0");
    private static final RecordKey KEY = RecordKey.fromSecret("deployment-secret-0123456789");
    private static final RecordBinding BINDING = RecordBinding.of(INSTANCE);
    private static final Instant FIRST = Instant.parse("2026-11-28T21:00:00Z");

    record State(List<String> groups) {
    }

    /** Tags in memory, refusing a write that would pass 50 the way EC2 does (TagLimitExceeded). */
    static final class Entity implements TaggedEntity {
        final Map<String, String> tags = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public Map<String, String> tags() {
            return Map.copyOf(tags);
        }

        @Override
        public void tag(Map<String, String> values) {
            calls.add("tag");
            long after = tags.size() + values.keySet().stream().filter(k -> !tags.containsKey(k)).count();
            if (after > 50) {
                throw AwsServiceException.builder().statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("TagLimitExceeded")
                                .errorMessage("The maximum number of Tags for a resource has been reached.").build())
                        .build();
            }
            tags.putAll(values);
        }

        @Override
        public void untag(Collection<String> keys) {
            calls.add("untag");
            keys.forEach(tags::remove);
        }

        @Override
        public String tagCall() {
            return "ec2:CreateTags";
        }

        @Override
        public String untagCall() {
            return "ec2:DeleteTags";
        }
    }

    private static EntityContext context() {
        return new EntityContext(INSTANCE, null, ContainmentOptions.defaults(), null,
                new ReportBuilder(INSTANCE, Operation.CONTAIN, false, Clock.systemUTC(), null), Clock.systemUTC(),
                FIRST, KEY, null, null, null);
    }

    private static Entity withOwnTags(int count) {
        Entity entity = new Entity();
        for (int i = 0; i < count; i++) {
            entity.tags.put("team-" + i, "value");
        }
        return entity;
    }

    @Test
    void aRecordThatFitsOnlyWithoutItsPredecessor_replacesItFirst() {
        Entity entity = withOwnTags(46);
        RecordWriter.write(context(), entity, entity.tags(), BINDING, FIRST, new State(List.of("sg-1")));
        int afterFirst = entity.tags.size();
        assertThat(afterFirst).as("marker, one chunk and the MAC").isEqualTo(49);
        entity.calls.clear();

        StepOutcome outcome = RecordWriter.write(context(), entity, entity.tags(), BINDING, FIRST,
                new State(List.of("sg-1", "sg-2")));

        assertThat(outcome.status()).isEqualTo(StepStatus.DONE);
        assertThat(outcome.detail()).contains("first, to stay within the entity's tag quota");
        assertThat(entity.calls).containsExactly("tag", "untag", "tag");
        assertThat(entity.tags).hasSize(afterFirst);
        RecordReading<State> reading = EntityRecords.read(entity.tags, KEY, BINDING, State.class);
        assertThat(reading.verified().orElseThrow().state().groups()).containsExactly("sg-1", "sg-2");
    }

    @Test
    void anEntityWithoutRoomForAnyRecord_failsWithWhatToDo_andKeepsItsTags() {
        Entity entity = withOwnTags(49);

        assertThatThrownBy(() -> RecordWriter.write(context(), entity, entity.tags(), BINDING, FIRST,
                new State(List.of("sg-1"))))
                .isInstanceOf(LockdownException.class)
                .hasMessageContaining("already has 49 tags of its own")
                .hasMessageContaining("Remove tags the entity does not need");
        assertThat(entity.tags).hasSize(49);
        assertThat(entity.calls).containsExactly("tag");
    }

    @Test
    void aWriteThatFits_writesThenRemovesThePredecessor() {
        Entity entity = withOwnTags(3);
        RecordWriter.write(context(), entity, entity.tags(), BINDING, FIRST, new State(List.of("sg-1")));
        entity.calls.clear();

        RecordWriter.write(context(), entity, entity.tags(), BINDING, FIRST, new State(List.of("sg-1", "sg-2")));

        assertThat(entity.calls).as("the entity is never without a record").containsExactly("tag", "untag");
    }
}
