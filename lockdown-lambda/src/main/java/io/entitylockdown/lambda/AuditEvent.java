package io.entitylockdown.lambda;

import java.util.Locale;

/** What an audit message reports; also its {@code event} message attribute, for subscription filters. */
enum AuditEvent {
    STARTED, SUCCEEDED, FAILED, REJECTED, REFUSED,
    /** A dry run for a finding that is not contained automatically: what containment would change. */
    WOULD_CONTAIN;

    String attribute() {
        return name().toLowerCase(Locale.ROOT);
    }
}
