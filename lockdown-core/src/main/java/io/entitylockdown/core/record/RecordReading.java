package io.entitylockdown.core.record;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;

/**
 * What the lockdown tags on an entity amount to. Only a {@link Verified} record may steer anything;
 * an {@link Unverified} one is treated exactly like a {@link Missing} one, and only reported.
 */
public sealed interface RecordReading<T> {

    /**
     * A record this deployment wrote for this very entity (several, merged, when containments wrote at
     * the same time).
     *
     * @param at      the earliest containment time among them
     * @param tagKeys the tags they are made of
     */
    record Verified<T>(Instant at, T state, ObjectNode json, java.util.Set<String> tagKeys) implements RecordReading<T> {
    }

    /** No lockdown tag at all (besides, perhaps, the informational marker). */
    record Missing<T>() implements RecordReading<T> {
    }

    /**
     * Lockdown tags that could not be authenticated: forged, edited, copied from another entity,
     * written by an older version or with another secret, or unreadable.
     *
     * @param tags   how many lockdown tags the entity carries
     * @param reason why they do not count, for the report
     */
    record Unverified<T>(int tags, String reason) implements RecordReading<T> {
    }

    default Optional<Verified<T>> verified() {
        return this instanceof Verified<T> v ? Optional.of(v) : Optional.empty();
    }

    default boolean isVerified() {
        return this instanceof Verified<T>;
    }
}
