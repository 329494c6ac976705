package io.entitylockdown.lambda.findings;

import java.util.Objects;

/**
 * An audit message about a finding that is not a containment report: a refusal with what a person
 * must do, a resource that is not supported, a rejected event, a Security Hub update that failed.
 *
 * @param kind    what the audit's {@code event} attribute says
 * @param title   one line: the subject of the message and the first line of its body
 * @param entity  what the finding named (ARN or description), shown as the entity
 * @param account the account, or empty
 * @param region  the region, or empty
 * @param source  where the request came from (finding and event)
 * @param text    the rest of the body: reason and what to do
 */
public record FindingNotice(Kind kind, String title, String entity, String account, String region, String source,
        String text) {

    public FindingNotice {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(title, "title");
        entity = entity == null ? "" : entity;
        account = account == null ? "" : account;
        region = region == null ? "" : region;
        source = source == null ? "" : source;
        text = text == null ? "" : text;
    }

    /** The audit events a notice can be. */
    public enum Kind {
        /** Nothing was done on purpose; a person must act. */
        REFUSED,
        /** Not a request this build can act on; never retried. */
        REJECTED,
        /** Something after the containment failed (the Security Hub update). */
        FAILED
    }
}
