package io.entitylockdown.cli.deploy;

import io.entitylockdown.core.report.AwsErrors;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.AccountFilterType;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.DeploymentTargets;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.PermissionModels;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationPreferences;
import software.amazon.awssdk.services.cloudformation.model.StackSetOperationStatus;

/**
 * The member role in every account of an organisation: a service-managed StackSet of
 * lockdown-member-role.yaml with automatic deployment (accounts that join the organisational units later
 * get it too), deployed to the given units except the excluded accounts (the security account, whose own
 * stack already has the member role), in one region (IAM is global).
 */
public final class StackSetDeployment {
    private final CloudFormationClient cloudFormation;
    private final PrintWriter progress;
    private final Duration pollInterval;
    private final Duration timeout;

    /**
     * What to deploy and where.
     *
     * @param name                 the stack set's name
     * @param organizationalUnits  {@code r-...} (the root: the whole organisation) or {@code ou-...}
     * @param excludedAccounts     accounts of those units that get no instance
     * @param region               the one region of the instances
     * @param callAs               {@code DELEGATED_ADMIN} from a delegated administrator account, {@code SELF} from
     *                             the management account
     */
    public record Target(String name, List<String> organizationalUnits, List<String> excludedAccounts, String region,
            CallAs callAs) {
    }

    /** What happened. */
    public record Result(String stackSetName, boolean created, List<String> operations, List<String> instances) {
    }

    public StackSetDeployment(CloudFormationClient cloudFormation, PrintWriter progress, Duration pollInterval,
            Duration timeout) {
        this.cloudFormation = cloudFormation;
        this.progress = progress;
        this.pollInterval = pollInterval;
        this.timeout = timeout;
    }

    public Result deploy(Target target, String templateBody, Map<String, String> parameters) {
        List<Parameter> params = new ArrayList<>();
        parameters.forEach((key, value) -> params.add(Parameter.builder().parameterKey(key).parameterValue(value).build()));
        DeploymentTargets targets = DeploymentTargets.builder()
                .organizationalUnitIds(target.organizationalUnits())
                .accounts(target.excludedAccounts().isEmpty() ? null : target.excludedAccounts())
                .accountFilterType(target.excludedAccounts().isEmpty() ? null : AccountFilterType.DIFFERENCE)
                .build();
        StackSetOperationPreferences preferences = StackSetOperationPreferences.builder()
                .maxConcurrentPercentage(25).failureTolerancePercentage(10).build();
        List<String> operations = new ArrayList<>();
        boolean exists = exists(target);
        try {
            if (!exists) {
                progress.println("Creating stack set " + target.name() + " (service-managed, automatic deployment) ...");
                progress.flush();
                cloudFormation.createStackSet(b -> b.stackSetName(target.name()).templateBody(templateBody)
                        .parameters(params).capabilities(Capability.CAPABILITY_NAMED_IAM)
                        .permissionModel(PermissionModels.SERVICE_MANAGED)
                        .autoDeployment(a -> a.enabled(true).retainStacksOnAccountRemoval(false))
                        .callAs(target.callAs())
                        .description("Entity Lockdown member role in every account of the organisation"));
            } else {
                progress.println("Updating stack set " + target.name() + " and every instance of it ...");
                progress.flush();
                String update = cloudFormation.updateStackSet(b -> b.stackSetName(target.name()).templateBody(templateBody)
                        .parameters(params).capabilities(Capability.CAPABILITY_NAMED_IAM)
                        .permissionModel(PermissionModels.SERVICE_MANAGED)
                        .autoDeployment(a -> a.enabled(true).retainStacksOnAccountRemoval(false))
                        .operationPreferences(preferences).callAs(target.callAs())).operationId();
                operations.add(await(target, update));
            }
            progress.println("Adding stack instances in " + String.join(", ", target.organizationalUnits())
                    + (target.excludedAccounts().isEmpty() ? "" : " except " + String.join(", ", target.excludedAccounts()))
                    + ", region " + target.region() + " ...");
            progress.flush();
            String add;
            try {
                add = cloudFormation.createStackInstances(b -> b.stackSetName(target.name()).deploymentTargets(targets)
                        .regions(target.region()).operationPreferences(preferences).callAs(target.callAs())).operationId();
            } catch (CloudFormationException e) {
                if (exists && String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("already exist")) {
                    progress.println("Every account of those units already has an instance.");
                    add = null;
                } else {
                    throw e;
                }
            }
            if (add != null) {
                operations.add(await(target, add));
            }
        } catch (CloudFormationException e) {
            throw DeployException.failed("CloudFormation refused the stack set " + target.name() + ": "
                    + AwsErrors.describe(e, exists ? "cloudformation:UpdateStackSet" : "cloudformation:CreateStackSet")
                    + (target.callAs() == CallAs.DELEGATED_ADMIN ? ". From the management account use --call-as SELF; from "
                    + "another, register it as delegated administrator for CloudFormation StackSets first" : ""), e);
        }
        List<String> instances = new ArrayList<>();
        cloudFormation.listStackInstancesPaginator(b -> b.stackSetName(target.name()).callAs(target.callAs()))
                .summaries().forEach(s -> instances.add(s.account() + "/" + s.region() + " " + s.statusAsString()));
        return new Result(target.name(), !exists, operations, instances);
    }

    private boolean exists(Target target) {
        try {
            cloudFormation.describeStackSet(b -> b.stackSetName(target.name()).callAs(target.callAs()));
            return true;
        } catch (CloudFormationException e) {
            if ("StackSetNotFoundException".equals(AwsErrors.code(e)) || e.statusCode() == 404
                    || String.valueOf(e.getMessage()).contains("not found")) {
                return false;
            }
            throw DeployException.failed("Cannot read the stack set " + target.name() + ": "
                    + AwsErrors.describe(e, "cloudformation:DescribeStackSet"), e);
        }
    }

    /** Waits for a stack set operation; returns "operation-id STATUS". */
    private String await(Target target, String operationId) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            StackSetOperationStatus status = cloudFormation.describeStackSetOperation(b -> b.stackSetName(target.name())
                    .operationId(operationId).callAs(target.callAs())).stackSetOperation().status();
            if (status == StackSetOperationStatus.SUCCEEDED) {
                progress.println("  operation " + operationId + ": SUCCEEDED");
                progress.flush();
                return operationId + " SUCCEEDED";
            }
            if (status == StackSetOperationStatus.FAILED || status == StackSetOperationStatus.STOPPED) {
                throw DeployException.failed("Stack set operation " + operationId + " ended " + status + "; see "
                        + "aws cloudformation list-stack-set-operation-results --stack-set-name " + target.name()
                        + " --operation-id " + operationId + " --call-as " + target.callAs(), null);
            }
            if (Instant.now().isAfter(deadline)) {
                throw DeployException.failed("Stack set operation " + operationId + " is still " + status + " after "
                        + timeout.toMinutes() + " minutes; it goes on in CloudFormation", null);
            }
            try {
                // CloudFormation has no waiter for stack set operations: the CLI polls, with visible progress
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DeployException.failed("Interrupted while waiting for operation " + operationId
                        + "; it goes on in CloudFormation", e);
            }
        }
    }
}
