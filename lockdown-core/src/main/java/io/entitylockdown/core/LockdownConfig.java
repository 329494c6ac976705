package io.entitylockdown.core;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.strategy.StrategyRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The engine's configuration, shared by the Lambda function and the CLI so both read the same
 * environment variables:
 *
 * <ul>
 *   <li>{@code LOCKDOWN_MEMBER_ROLE}: member role name (default {@code EntityLockdownMemberRole})</li>
 *   <li>{@code LOCKDOWN_PROTECTED_PRINCIPALS}: ARNs or ARN patterns never to contain (comma separated)</li>
 *   <li>{@code LOCKDOWN_ALLOWED_ACCOUNTS}: when set, the only accounts where anything is contained</li>
 *   <li>{@code LOCKDOWN_EXECUTION_ROLE_ARN}: the lockdown's own execution role (never contained)</li>
 *   <li>{@code LOCKDOWN_FUNCTION_ARN}: the lockdown's own function (never contained, with any version or
 *       alias); the stack sets it</li>
 *   <li>{@code AWS_ENDPOINT_URL}, {@code AWS_REGION} and the default credentials chain</li>
 * </ul>
 *
 * @param aws            how to build AWS clients
 * @param memberRoleName the member role in every covered account
 * @param guardrails     what must never be contained
 */
public record LockdownConfig(AwsSettings aws, String memberRoleName, Guardrails guardrails) {
    public static final String MEMBER_ROLE = "LOCKDOWN_MEMBER_ROLE";
    public static final String PROTECTED_PRINCIPALS = "LOCKDOWN_PROTECTED_PRINCIPALS";
    public static final String ALLOWED_ACCOUNTS = "LOCKDOWN_ALLOWED_ACCOUNTS";
    public static final String EXECUTION_ROLE_ARN = "LOCKDOWN_EXECUTION_ROLE_ARN";
    public static final String FUNCTION_ARN = "LOCKDOWN_FUNCTION_ARN";

    /**
     * Reads the configuration; throws {@link IllegalArgumentException} naming the variable when a
     * value is malformed, so a bad deployment fails loudly at start instead of at 3 a.m.
     */
    public static LockdownConfig fromEnvironment(Map<String, String> env) {
        String role = env.getOrDefault(MEMBER_ROLE, "").isBlank() ? Access.MemberRole.DEFAULT_NAME
                : env.get(MEMBER_ROLE).strip();
        try {
            Access.memberRole(role, null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Configuration error: " + MEMBER_ROLE + ": " + e.getMessage(), e);
        }
        List<String> own = new java.util.ArrayList<>(Guardrails.splitList(env.get(EXECUTION_ROLE_ARN)));
        own.addAll(ownFunction(env.get(FUNCTION_ARN)));
        try {
            Guardrails guardrails = Guardrails.of(
                    Guardrails.splitList(env.get(PROTECTED_PRINCIPALS)),
                    Guardrails.splitList(env.get(ALLOWED_ACCOUNTS)),
                    own,
                    role);
            return new LockdownConfig(AwsSettings.fromEnvironment(env), role, guardrails);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Configuration error: " + e.getMessage(), e);
        }
    }

    /** The lockdown's own function, unqualified (so every version and alias of it is refused), or nothing. */
    private static List<String> ownFunction(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        EntityArn function;
        try {
            function = EntityArn.parse(value);
        } catch (InvalidArnException e) {
            throw new IllegalArgumentException("Configuration error: " + FUNCTION_ARN + ": " + e.getMessage(), e);
        }
        if (function.type() != EntityType.LAMBDA_FUNCTION) {
            throw new IllegalArgumentException("Configuration error: " + FUNCTION_ARN + " must be the lockdown "
                    + "function's ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), not a " + function.type().displayName());
        }
        return List.of(function.unqualifiedArn());
    }

    public LockdownConfig withAws(AwsSettings settings) {
        return new LockdownConfig(settings, memberRoleName, guardrails);
    }

    /** The access mode that assumes this deployment's member role with the given ExternalId. */
    public Access memberRole(String externalId) {
        return Access.memberRole(memberRoleName, externalId);
    }

    /** An engine with the standard strategies and no record key (records are neither written nor trusted). */
    public LockdownEngine newEngine(Access access, StepListener listener) {
        return newEngine(access, listener, () -> null);
    }

    /** An engine with the standard strategies whose records are signed and checked with {@code recordKey}. */
    public LockdownEngine newEngine(Access access, StepListener listener, Supplier<RecordKey> recordKey) {
        return engineBuilder(access).listener(listener).recordKey(recordKey).build();
    }

    public LockdownEngine newEngine(Access access, StepListener listener, StrategyRegistry strategies, Clock clock) {
        return engineBuilder(access).listener(listener).strategies(strategies).clock(clock).build();
    }

    /** An engine builder with this configuration's AWS settings and guardrails. */
    public LockdownEngine.Builder engineBuilder(Access access) {
        return LockdownEngine.builder().sessions(new AccountSessions(aws, access)).guardrails(guardrails);
    }

    /** Member role and guardrail lists for display; contains no secret. */
    public List<String> describe() {
        return List.of("member role: " + memberRoleName, "home region: " + aws.homeRegion().id(),
                "endpoint: " + (aws.endpointOverride() == null ? "AWS" : aws.endpointOverride().toString()));
    }
}
