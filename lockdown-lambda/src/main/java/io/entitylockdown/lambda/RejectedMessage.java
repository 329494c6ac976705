package io.entitylockdown.lambda;

/**
 * A message that is not an authenticated request for a supported entity. It is audited as rejected,
 * changes nothing, and is never retried (retrying cannot make it valid).
 */
final class RejectedMessage extends Exception {
    private static final long serialVersionUID = 1L;
    private final String shownEntity;

    /**
     * @param reason      why, for a person; must never contain the presented ExternalId
     * @param shownEntity what the message named as its entity (untrusted text), or empty
     */
    RejectedMessage(String reason, String shownEntity) {
        super(reason, null, false, false);
        this.shownEntity = shownEntity == null ? "" : shownEntity;
    }

    String reason() {
        return getMessage();
    }

    String shownEntity() {
        return shownEntity;
    }
}
