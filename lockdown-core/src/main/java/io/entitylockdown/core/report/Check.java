package io.entitylockdown.core.report;

import java.util.Objects;

/**
 * One read-back verification of an effect.
 *
 * @param check  what was verified, e.g. {@code AWSDenyAll attached}
 * @param passed whether the read-back showed the wanted state
 * @param detail what was observed
 */
public record Check(String check, boolean passed, String detail) {
    public Check {
        Objects.requireNonNull(check, "check");
        detail = detail == null ? "" : detail;
    }
}
