package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.record.RecordKey;
import picocli.CommandLine.Option;

/**
 * How the engine reaches each entity's account, and whose guardrails it obeys. The rule: the member
 * role is assumed in the entity's account unless {@code --no-assume-role}; the ExternalId is optional
 * (sent when given, from {@code --external-id}, {@code LOCKDOWN_EXTERNAL_ID} or the deployed stack's
 * secret), and must be given when the member roles were deployed with one, which the standard stack does.
 * With {@code --stack} (or {@code LOCKDOWN_STACK}) the deployed stack's protected principals, allowed
 * accounts, member role and own principals are enforced here as the function enforces them.
 */
public final class AccessOptions {

    @Option(names = "--external-id", paramLabel = "ID",
            description = "The deployment's ExternalId (default: env LOCKDOWN_EXTERNAL_ID, else the secret of --stack): "
                    + "sent to assume the member roles, and the key of the signed records on entities (without it "
                    + "nothing is recorded and release restores nothing by itself). Never printed. Prefer the "
                    + "variable: arguments are visible to other local users.")
    String externalId;

    @Option(names = "--member-role", paramLabel = "NAME",
            description = "Member role to assume in the entity's account (default: the stack's, else env "
                    + "LOCKDOWN_MEMBER_ROLE, else EntityLockdownMemberRole).")
    String memberRole;

    @Option(names = "--no-assume-role",
            description = "Act with your own credentials in whatever account they belong to, instead of assuming "
                    + "the member role.")
    boolean noAssumeRole;

    @Option(names = "--stack", paramLabel = "NAME|ARN",
            description = "The deployed lockdown stack (default: env LOCKDOWN_STACK). Its protected principals, allowed "
                    + "accounts, member role and own principals are enforced here too (read with "
                    + "cloudformation:DescribeStacks); if it cannot be read, nothing is done.")
    String stack;

    private DeployedConfiguration deployed;
    private java.util.Optional<String> resolvedExternalId;

    /** The configuration with this command's member role name (it is protected by the guardrails). */
    public LockdownConfig config(CliEnvironment environment) {
        if (noAssumeRole && memberRole != null) {
            throw CliException.badInput("--no-assume-role acts with your own credentials, so --member-role does not "
                    + "apply; drop one or the other");
        }
        String stackName = stack != null ? stack : environment.get(CliEnvironment.STACK);
        deployed = stackName == null ? null : environment.deployed(stackName);
        return environment.config(memberRole, deployed);
    }

    /**
     * The key that signs and checks the records on entities: derived from the deployment's ExternalId
     * (the same value the function holds), also with {@code --no-assume-role}. Null without one: then
     * containment records nothing and release restores nothing by itself.
     */
    public RecordKey recordKey(CliEnvironment environment) {
        String id = externalId(environment);
        return id == null || id.isBlank() ? null : RecordKey.fromSecret(id);
    }

    /** --external-id, else LOCKDOWN_EXTERNAL_ID, else the deployed stack's secret (read once); call after {@link #config}. */
    private String externalId(CliEnvironment environment) {
        if (resolvedExternalId == null) {
            String id = externalId != null ? externalId : environment.get(CliEnvironment.EXTERNAL_ID);
            if (id == null && deployed != null && !deployed.externalIdSecretArn().isEmpty()) {
                id = environment.externalIdFromSecret(deployed.externalIdSecretArn());
            }
            resolvedExternalId = java.util.Optional.ofNullable(id);
        }
        return resolvedExternalId.orElse(null);
    }

    public Access access(CliEnvironment environment, LockdownConfig config) {
        if (noAssumeRole) {
            return Access.callerCredentials();
        }
        return config.memberRole(externalId(environment));
    }

    /** Where this run's guardrails come from, for the command's opening line; call after {@link #config}. */
    public String guardrailSource() {
        return deployed != null ? deployed.describe()
                : "guardrails of this shell's LOCKDOWN_* variables only (name the deployed stack with --stack or "
                        + CliEnvironment.STACK + " to enforce the deployment's)";
    }
}
