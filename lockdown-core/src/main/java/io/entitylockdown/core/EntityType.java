package io.entitylockdown.core;

/** The kinds of AWS entity that Entity Lockdown can contain. Anything else is refused. */
public enum EntityType {
    IAM_USER("IAM user"),
    IAM_ROLE("IAM role"),
    LAMBDA_FUNCTION("Lambda function"),
    EC2_INSTANCE("EC2 instance"),
    /**
     * One session of an IAM role ({@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}): only that
     * session is denied, on its role; other sessions of the role keep working.
     */
    ROLE_SESSION("IAM role session");

    private final String displayName;

    EntityType(String displayName) {
        this.displayName = displayName;
    }

    /** The name a responder uses, for messages and reports. */
    public String displayName() {
        return displayName;
    }

    /** IAM entities (and role sessions, denied on their role) are global; the others live in the region named by their ARN. */
    public boolean isGlobal() {
        return this == IAM_USER || this == IAM_ROLE || this == ROLE_SESSION;
    }
}
