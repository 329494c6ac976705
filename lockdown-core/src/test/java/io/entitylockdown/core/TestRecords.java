package io.entitylockdown.core;

import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordReading;
import java.util.Map;

/** Reads the signed records the engine wrote, with the test deployment's key, for assertions. */
public final class TestRecords {
    private TestRecords() {
    }

    public static <T> RecordReading<T> read(Map<String, String> tags, String arn, Class<T> type) {
        return EntityRecords.read(tags, TestEngine.RECORD_KEY, RecordBinding.of(EntityArn.parse(arn)), type);
    }

    /** The verified record, or an assertion error naming why it is not there. */
    public static <T> RecordReading.Verified<T> verified(Map<String, String> tags, String arn, Class<T> type) {
        RecordReading<T> reading = read(tags, arn, type);
        if (reading instanceof RecordReading.Verified<T> verified) {
            return verified;
        }
        throw new AssertionError("no verified record on " + arn + ": " + reading + " in " + tags);
    }
}
