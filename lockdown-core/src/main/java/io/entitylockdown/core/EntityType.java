package io.entitylockdown.core;

/** The kinds of AWS entity that Entity Lockdown can contain. Anything else is refused. */
public enum EntityType {
    IAM_USER("IAM user"),
    IAM_ROLE("IAM role"),
    LAMBDA_FUNCTION("Lambda function"),
    EC2_INSTANCE("EC2 instance");

    private final String displayName;

    EntityType(String displayName) {
        this.displayName = displayName;
    }

    /** The name a responder uses, for messages and reports. */
    public String displayName() {
        return displayName;
    }

    /** IAM entities are global; the others live in the region named by their ARN. */
    public boolean isGlobal() {
        return this == IAM_USER || this == IAM_ROLE;
    }
}
