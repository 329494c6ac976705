package io.entitylockdown.core.record;

import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.EntityContext;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Writes an entity's record: the signed tags, and nothing else of the lockdown's (chunks of a longer
 * record, the old unsigned format and planted look-alikes are removed with it).
 */
public final class RecordWriter {
    private RecordWriter() {
    }

    /**
     * The record-state step.
     *
     * @param current the entity's tags as last read
     * @param at      the containment time the record carries
     * @param state   the typed state to record
     */
    public static StepOutcome write(EntityContext ctx, TaggedEntity entity, Map<String, String> current,
            RecordBinding binding, Instant at, Object state) {
        if (!ctx.canRecord()) {
            return StepOutcome.skipped("not recorded: this run has no deployment secret (LOCKDOWN_EXTERNAL_ID) to "
                    + "sign a record with, and an unsigned record would not be trusted. Keep this report: release "
                    + "cannot restore the prior state by itself");
        }
        @SuppressWarnings("unchecked")
        Class<Object> type = (Class<Object>) state.getClass();
        RecordReading<Object> reading = EntityRecords.read(current, ctx.recordKey(), binding, type);
        boolean single = reading instanceof RecordReading.Verified<Object> verified
                && EntityRecords.keys(current).stream().filter(k -> k.startsWith(EntityRecords.RECORD)).count()
                        == verified.tagKeys().size();
        if (single && reading instanceof RecordReading.Verified<Object> verified && verified.at().equals(at)
                && verified.state().equals(state)) {
            return StepOutcome.already("the signed record on the entity already holds this state");
        }
        Map<String, String> wanted = EntityRecords.encode(ctx.recordKey(), binding, at, state);
        if (ctx.dryRun()) {
            return StepOutcome.wouldDo("record the prior state in " + wanted.size() + " signed lockdown: tags");
        }
        entity.tag(wanted);
        Set<String> replaced = EntityRecords.replaced(current, reading, wanted);
        if (!replaced.isEmpty()) {
            entity.untag(replaced);
        }
        return StepOutcome.done("recorded the prior state in " + wanted.size() + " signed lockdown: tags ("
                + EntityRecords.MARKER + "=" + at + ")" + (replaced.isEmpty() ? "" : "; removed " + replaced.size()
                + " earlier lockdown: tag(s)"));
    }

    /** Removes every lockdown tag; returns how many there were. */
    public static int remove(TaggedEntity entity, Map<String, String> current) {
        Set<String> keys = EntityRecords.keys(current);
        if (!keys.isEmpty()) {
            entity.untag(keys);
        }
        return keys.size();
    }

    /** A sentence for notes and status about tags that did not count. */
    public static String unverifiedNote(String what, RecordReading.Unverified<?> unverified) {
        return unverified.tags() + " lockdown: tag(s) on " + what + " could not be authenticated ("
                + unverified.reason() + "); nothing is taken from them";
    }
}
