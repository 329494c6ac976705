package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.report.AwsErrors;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * What the commands read from outside: the environment variables (the same ones the deployed
 * function reads), an optional adjustment of the AWS settings, and, when a command names it, the deployed
 * lockdown stack. Tests and the demo pass their own instead of mutating the process environment.
 *
 * @param variables environment variables
 * @param aws       applied to the AWS settings read from {@code variables} (endpoint, credentials, timeouts)
 */
public record CliEnvironment(Map<String, String> variables, UnaryOperator<AwsSettings> aws) {
    public static final String EXTERNAL_ID = "LOCKDOWN_EXTERNAL_ID";
    /** The deployed lockdown stack (name or ARN) whose guardrails a terminal enforces too. */
    public static final String STACK = "LOCKDOWN_STACK";

    public CliEnvironment {
        variables = Map.copyOf(Objects.requireNonNull(variables, "variables"));
        aws = aws == null ? UnaryOperator.identity() : aws;
    }

    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), UnaryOperator.identity());
    }

    public String get(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The engine configuration, with the member role name of {@code --member-role} when given. */
    public LockdownConfig config(String memberRoleOverride) {
        return config(memberRoleOverride, null);
    }

    /**
     * The engine configuration: this environment's variables with the deployed stack's guardrails merged in
     * (when {@code deployed} is not null), and the member role name of {@code --member-role} when given.
     */
    public LockdownConfig config(String memberRoleOverride, DeployedConfiguration deployed) {
        Map<String, String> env = deployed == null ? new HashMap<>(variables) : deployed.mergedInto(variables);
        if (memberRoleOverride != null) {
            env.put(LockdownConfig.MEMBER_ROLE, memberRoleOverride);
        }
        LockdownConfig config = LockdownConfig.fromEnvironment(env);
        return config.withAws(aws.apply(config.aws()));
    }

    public AwsSettings awsSettings() {
        return config(null).aws();
    }

    /** Reads the deployed stack's guardrails with the caller's credentials; see {@link DeployedConfiguration#read}. */
    DeployedConfiguration deployed(String stack) {
        AwsSettings settings = awsSettings();
        Region region = DeployedConfiguration.regionOf(stack).map(Region::of).orElse(settings.homeRegion());
        try (AccountSessions own = new AccountSessions(settings, Access.callerCredentials());
                CloudFormationClient cloudFormation = own.caller().configure(CloudFormationClient.builder(), region)
                        .build()) {
            return DeployedConfiguration.read(cloudFormation, stack);
        }
    }

    /**
     * The ExternalId from the deployment's secret, read with the caller's credentials.
     *
     * @throws CliException (exit 2) when it cannot be read, saying how to give it instead
     */
    String externalIdFromSecret(String secretArn) {
        String[] parts = secretArn.split(":");
        AwsSettings settings = awsSettings();
        Region region = parts.length > 3 && !parts[3].isEmpty() ? Region.of(parts[3]) : settings.homeRegion();
        try (AccountSessions own = new AccountSessions(settings, Access.callerCredentials());
                SecretsManagerClient secrets = own.caller().configure(SecretsManagerClient.builder(), region).build()) {
            String value = secrets.getSecretValue(b -> b.secretId(secretArn)).secretString();
            if (value == null || value.isBlank()) {
                throw CliException.badInput("The secret " + secretArn + " holds no ExternalId text; set "
                        + EXTERNAL_ID + " instead");
            }
            return value.strip();
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw CliException.badInput("No ExternalId given, and the deployment's secret " + secretArn
                    + " cannot be read (" + AwsErrors.describe(e, "secretsmanager:GetSecretValue") + "). Set "
                    + EXTERNAL_ID + " (the member roles require it), or ask for secretsmanager:GetSecretValue on it");
        }
    }
}
