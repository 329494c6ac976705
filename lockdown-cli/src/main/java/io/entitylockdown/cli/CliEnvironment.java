package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.aws.AwsSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What the commands read from outside: the environment variables (the same ones the deployed
 * function reads) and an optional adjustment of the AWS settings. Tests and the demo pass their own
 * instead of mutating the process environment.
 *
 * @param variables environment variables
 * @param aws       applied to the AWS settings read from {@code variables} (endpoint, credentials, timeouts)
 */
public record CliEnvironment(Map<String, String> variables, UnaryOperator<AwsSettings> aws) {
    public static final String EXTERNAL_ID = "LOCKDOWN_EXTERNAL_ID";

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
        Map<String, String> env = new HashMap<>(variables);
        if (memberRoleOverride != null) {
            env.put(LockdownConfig.MEMBER_ROLE, memberRoleOverride);
        }
        LockdownConfig config = LockdownConfig.fromEnvironment(env);
        return config.withAws(aws.apply(config.aws()));
    }

    public AwsSettings awsSettings() {
        return config(null).aws();
    }
}
