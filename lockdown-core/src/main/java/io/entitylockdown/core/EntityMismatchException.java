package io.entitylockdown.core;

/**
 * The entity that AWS found is not exactly the one the ARN names (another IAM path, another case).
 * Nothing is changed: the guardrails were checked against the ARN as given, so acting on a
 * different ARN could slip past a protected pattern such as {@code role/admin/*}.
 */
public final class EntityMismatchException extends LockdownException {
    private static final long serialVersionUID = 1L;

    public EntityMismatchException(String given, String actual) {
        super("The ARN " + given + " does not match the entity AWS found, " + actual
                + ". IAM looks users and roles up by name only, so the path (or the case) in the ARN is wrong."
                + " Nothing was changed; run again with " + actual);
    }
}
