package io.entitylockdown.core.report;

/**
 * What a read-back found: whether the effect is in force, and what was seen.
 *
 * @param passed true when the read-back shows the wanted state
 * @param detail what was observed, in the responder's words
 */
public record Verdict(boolean passed, String detail) {
    public static Verdict pass(String detail) {
        return new Verdict(true, detail);
    }

    public static Verdict fail(String detail) {
        return new Verdict(false, detail);
    }

    public static Verdict of(boolean passed, String detail) {
        return new Verdict(passed, detail);
    }
}
