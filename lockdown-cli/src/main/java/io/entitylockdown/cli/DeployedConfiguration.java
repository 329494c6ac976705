package io.entitylockdown.cli;

import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.AwsErrors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/**
 * What the deployed lockdown stack enforces, read from the stack itself (one
 * {@code cloudformation:DescribeStacks}): its parameters ProtectedPrincipals, AllowedAccounts and
 * MemberRoleName, and its outputs ExecutionRoleArn, FunctionArn and ExternalIdSecretArn. A terminal that
 * names the stack ({@code --stack} or {@code LOCKDOWN_STACK}) refuses what the function refuses.
 *
 * @param stack               the stack's name or ARN, as given
 * @param protectedPrincipals the function's protected principals
 * @param allowedAccounts     the function's account allowlist (empty: every account)
 * @param memberRoleName      the member role's name
 * @param executionRoleArn    the function's execution role (never contained)
 * @param functionArn         the function (never contained), or empty
 * @param externalIdSecretArn the secret holding the ExternalId, or empty
 */
public record DeployedConfiguration(String stack, List<String> protectedPrincipals, List<String> allowedAccounts,
        String memberRoleName, String executionRoleArn, String functionArn, String externalIdSecretArn) {
    private static final Pattern STACK_ARN =
            Pattern.compile("arn:aws[a-z-]*:cloudformation:([a-z0-9-]+):[0-9]{12}:stack/[^/]+/.+");

    /** The region named by a stack ARN; empty for a bare name (then the home region is meant). */
    static Optional<String> regionOf(String stack) {
        Matcher arn = STACK_ARN.matcher(stack);
        return arn.matches() ? Optional.of(arn.group(1)) : Optional.empty();
    }

    /**
     * Reads the stack.
     *
     * @throws CliException (exit 2) when it cannot be read or is not a lockdown stack: acting without the
     *     deployment's guardrails could contain what the deployment protects, so nothing is done
     */
    static DeployedConfiguration read(CloudFormationClient cloudFormation, String stack) {
        Stack found;
        try {
            List<Stack> stacks = cloudFormation.describeStacks(b -> b.stackName(stack)).stacks();
            if (stacks.isEmpty()) {
                throw unreadable(stack, "no such stack");
            }
            found = stacks.get(0);
        } catch (CliException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unreadable(stack, AwsErrors.describe(e, "cloudformation:DescribeStacks"));
        }
        Map<String, String> parameters = new HashMap<>();
        found.parameters().forEach(p -> parameters.put(p.parameterKey(), p.parameterValue()));
        Map<String, String> outputs = new HashMap<>();
        found.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
        if (!parameters.containsKey("ProtectedPrincipals") || !parameters.containsKey("MemberRoleName")
                || !outputs.containsKey("ExecutionRoleArn")) {
            throw unreadable(stack, "it is not an Entity Lockdown stack (deploy/lockdown.yaml), or it is still being "
                    + "created (status " + found.stackStatusAsString() + ")");
        }
        return new DeployedConfiguration(stack,
                Guardrails.splitList(parameters.get("ProtectedPrincipals")),
                Guardrails.splitList(parameters.getOrDefault("AllowedAccounts", "")),
                parameters.get("MemberRoleName"),
                outputs.get("ExecutionRoleArn"),
                outputs.getOrDefault("FunctionArn", ""),
                outputs.getOrDefault("ExternalIdSecretArn", ""));
    }

    private static CliException unreadable(String stack, String why) {
        return CliException.badInput("Cannot read the deployed configuration from stack " + stack + " (" + why
                + "). Nothing was done: without it this terminal might contain what the deployment protects. Fix the "
                + "name (--stack or LOCKDOWN_STACK; a stack ARN names its region) or allow yourself "
                + "cloudformation:DescribeStacks on it; or drop --stack and unset LOCKDOWN_STACK to rely on this "
                + "shell's LOCKDOWN_* variables alone");
    }

    /**
     * The configuration variables with the deployment's merged in, the stricter way: protected principals and
     * the lockdown's own principals are the union; allowed accounts are the deployment's, narrowed by this
     * shell's list when it has one; the member role name is the deployment's unless {@code --member-role}.
     */
    Map<String, String> mergedInto(Map<String, String> variables) {
        Map<String, String> merged = new HashMap<>(variables);
        LinkedHashSet<String> protectedAll = new LinkedHashSet<>(protectedPrincipals);
        protectedAll.addAll(Guardrails.splitList(variables.get(LockdownConfig.PROTECTED_PRINCIPALS)));
        merged.put(LockdownConfig.PROTECTED_PRINCIPALS, String.join(",", protectedAll));
        List<String> localAccounts = Guardrails.splitList(variables.get(LockdownConfig.ALLOWED_ACCOUNTS));
        if (!allowedAccounts.isEmpty()) {
            List<String> accounts = new ArrayList<>(allowedAccounts);
            if (!localAccounts.isEmpty()) {
                accounts.retainAll(new TreeSet<>(localAccounts));
                if (accounts.isEmpty()) {
                    throw CliException.badInput("LOCKDOWN_ALLOWED_ACCOUNTS and the allowed accounts of stack " + stack
                            + " have no account in common, so nothing could be contained; unset the variable");
                }
            }
            merged.put(LockdownConfig.ALLOWED_ACCOUNTS, String.join(",", accounts));
        }
        LinkedHashSet<String> own = new LinkedHashSet<>(List.of(executionRoleArn));
        own.addAll(Guardrails.splitList(variables.get(LockdownConfig.EXECUTION_ROLE_ARN)));
        merged.put(LockdownConfig.EXECUTION_ROLE_ARN, String.join(",", own));
        if (!functionArn.isEmpty()) {
            merged.put(LockdownConfig.FUNCTION_ARN, functionArn);
        }
        merged.put(LockdownConfig.MEMBER_ROLE, memberRoleName);
        return merged;
    }

    /** One line for people: where the guardrails come from. */
    String describe() {
        return "guardrails of stack " + stack + " (" + protectedPrincipals.size() + " protected pattern(s), "
                + (allowedAccounts.isEmpty() ? "every account" : allowedAccounts.size() + " allowed account(s)")
                + ") and this shell's";
    }
}
