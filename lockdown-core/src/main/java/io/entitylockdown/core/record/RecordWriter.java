package io.entitylockdown.core.record;

import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.EntityContext;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

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
        Set<String> replaced = EntityRecords.replaced(current, reading, wanted);
        boolean removedFirst = false;
        try {
            entity.tag(wanted);
        } catch (AwsServiceException e) {
            if (replaced.isEmpty() || !tagQuota(e)) {
                throw tagQuota(e) ? tooManyTags(entity, current, wanted, e) : e;
            }
            // the new record and the ones it replaces do not fit together; this record holds everything
            // they held, so they go first. If the write then fails, the entity has no record for a
            // moment or for good, and the report holds the state.
            entity.untag(replaced);
            removedFirst = true;
            try {
                entity.tag(wanted);
            } catch (AwsServiceException again) {
                throw tagQuota(again) ? tooManyTags(entity, current, wanted, again) : again;
            }
        }
        if (!replaced.isEmpty() && !removedFirst) {
            entity.untag(replaced);
        }
        return StepOutcome.done("recorded the prior state in " + wanted.size() + " signed lockdown: tags ("
                + EntityRecords.MARKER + "=" + at + ")" + (replaced.isEmpty() ? "" : "; removed " + replaced.size()
                + " earlier lockdown: tag(s)" + (removedFirst ? " first, to stay within the entity's tag quota" : "")));
    }

    /** EC2 answers TagLimitExceeded, IAM LimitExceeded; both are the entity's 50-tag quota here. */
    static boolean tagQuota(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        return code.contains("LimitExceeded");
    }

    private static LockdownException tooManyTags(TaggedEntity entity, Map<String, String> current, Map<String, String> wanted,
            AwsServiceException e) {
        long others = current.keySet().stream().filter(k -> !k.startsWith(EntityRecords.PREFIX)).count();
        return new LockdownException("the record needs " + wanted.size() + " tags and the entity already has " + others
                + " tags of its own (at most 50 in all): " + AwsErrors.describe(e, entity.tagCall()) + ". Remove tags the entity does not "
                + "need and contain it again; until then the prior state is in this report only", e);
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
