package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.aws.Access;
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
            description = "ExternalId of the member roles (default: env LOCKDOWN_EXTERNAL_ID, else the secret of "
                    + "--stack). Never printed. Prefer the variable: arguments are visible to other local users.")
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

    /** The configuration with this command's member role name (it is protected by the guardrails). */
    public LockdownConfig config(CliEnvironment environment) {
        if (noAssumeRole && (externalId != null || memberRole != null)) {
            throw CliException.badInput("--no-assume-role acts with your own credentials, so --external-id and "
                    + "--member-role do not apply; drop one or the other");
        }
        String stackName = stack != null ? stack : environment.get(CliEnvironment.STACK);
        deployed = stackName == null ? null : environment.deployed(stackName);
        return environment.config(memberRole, deployed);
    }

    public Access access(CliEnvironment environment, LockdownConfig config) {
        if (noAssumeRole) {
            return Access.callerCredentials();
        }
        String id = externalId != null ? externalId : environment.get(CliEnvironment.EXTERNAL_ID);
        if (id == null && deployed != null && !deployed.externalIdSecretArn().isEmpty()) {
            id = environment.externalIdFromSecret(deployed.externalIdSecretArn());
        }
        return config.memberRole(id);
    }

    /** Where this run's guardrails come from, for the command's opening line; call after {@link #config}. */
    public String guardrailSource() {
        return deployed != null ? deployed.describe()
                : "guardrails of this shell's LOCKDOWN_* variables only (name the deployed stack with --stack or "
                        + CliEnvironment.STACK + " to enforce the deployment's)";
    }
}
