package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.record.RecordKey;
import picocli.CommandLine.Option;

/**
 * How the engine reaches each entity's account. The rule: the member role is assumed in the
 * entity's account unless {@code --no-assume-role}; the ExternalId is optional (sent when given,
 * from {@code --external-id} or {@code LOCKDOWN_EXTERNAL_ID}), and must be given when the member
 * roles were deployed with one, which the standard stack does.
 */
public final class AccessOptions {

    @Option(names = "--external-id", paramLabel = "ID",
            description = "The deployment's ExternalId (default: env LOCKDOWN_EXTERNAL_ID): sent to assume the member "
                    + "roles, and the key of the signed records on entities (without it nothing is recorded and release "
                    + "restores nothing by itself). Never printed. Prefer the variable: arguments are visible to other "
                    + "local users.")
    String externalId;

    @Option(names = "--member-role", paramLabel = "NAME",
            description = "Member role to assume in the entity's account (default: env LOCKDOWN_MEMBER_ROLE, "
                    + "else EntityLockdownMemberRole).")
    String memberRole;

    @Option(names = "--no-assume-role",
            description = "Act with your own credentials in whatever account they belong to, instead of assuming "
                    + "the member role.")
    boolean noAssumeRole;

    /** The configuration with this command's member role name (it is protected by the guardrails). */
    public LockdownConfig config(CliEnvironment environment) {
        if (noAssumeRole && memberRole != null) {
            throw CliException.badInput("--no-assume-role acts with your own credentials, so --member-role does not "
                    + "apply; drop one or the other");
        }
        return environment.config(memberRole);
    }

    /**
     * The key that signs and checks the records on entities: derived from the deployment's ExternalId
     * (the same value the function holds), also with {@code --no-assume-role}. Null without one: then
     * containment records nothing and release restores nothing by itself.
     */
    public RecordKey recordKey(CliEnvironment environment) {
        String id = externalId != null ? externalId : environment.get(CliEnvironment.EXTERNAL_ID);
        return id == null || id.isBlank() ? null : RecordKey.fromSecret(id);
    }

    public Access access(CliEnvironment environment, LockdownConfig config) {
        if (noAssumeRole) {
            return Access.callerCredentials();
        }
        String id = externalId != null ? externalId : environment.get(CliEnvironment.EXTERNAL_ID);
        return config.memberRole(id);
    }
}
