package io.entitylockdown.cli.deploy;

import io.entitylockdown.core.report.AwsErrors;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.Tag;

/**
 * Creates or updates one stack and waits for it, printing each resource event as it happens.
 * An update with nothing to change is a success.
 */
public final class StackDeployment {
    private final CloudFormationClient cloudFormation;
    private final PrintWriter progress;
    private final Duration pollInterval;
    private final Duration timeout;

    /**
     * What happened.
     *
     * @param stackName the stack
     * @param status    its final status
     * @param changed   false when CloudFormation had nothing to update
     * @param outputs   the stack's outputs
     */
    public record Result(String stackName, String status, boolean changed, Map<String, String> outputs) {
    }

    public StackDeployment(CloudFormationClient cloudFormation, PrintWriter progress, Duration pollInterval,
            Duration timeout) {
        this.cloudFormation = cloudFormation;
        this.progress = progress;
        this.pollInterval = pollInterval;
        this.timeout = timeout;
    }

    public Result deploy(String stackName, String templateBody, Map<String, String> parameters) {
        List<Parameter> params = new ArrayList<>();
        parameters.forEach((key, value) -> params.add(Parameter.builder().parameterKey(key).parameterValue(value).build()));
        Optional<Stack> existing = describe(stackName);
        Instant started = Instant.now().minusSeconds(5);
        try {
            if (existing.isEmpty()) {
                progress.println("Creating stack " + stackName + " ...");
                progress.flush();
                cloudFormation.createStack(b -> b.stackName(stackName).templateBody(templateBody).parameters(params)
                        .capabilities(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM)
                        .tags(Tag.builder().key("EntityLockdown").value("deploy").build()));
            } else {
                String status = existing.get().stackStatusAsString();
                if (status.equals("ROLLBACK_COMPLETE") || status.equals("ROLLBACK_FAILED")
                        || status.equals("DELETE_FAILED")) {
                    throw DeployException.failed("Stack " + stackName + " is " + status + " from an earlier failed "
                            + "creation and cannot be updated; delete it (aws cloudformation delete-stack --stack-name "
                            + stackName + ") and deploy again", null);
                }
                if (status.endsWith("_IN_PROGRESS")) {
                    throw DeployException.failed("Stack " + stackName + " is " + status + "; wait until it finishes and "
                            + "deploy again", null);
                }
                progress.println("Updating stack " + stackName + " (" + status + ") ...");
                progress.flush();
                cloudFormation.updateStack(b -> b.stackName(stackName).templateBody(templateBody).parameters(params)
                        .capabilities(Capability.CAPABILITY_IAM, Capability.CAPABILITY_NAMED_IAM));
            }
        } catch (CloudFormationException e) {
            if (isNoUpdates(e)) {
                progress.println("Stack " + stackName + " is already up to date.");
                Stack stack = describe(stackName).orElseThrow();
                return new Result(stackName, stack.stackStatusAsString(), false, outputs(stack));
            }
            throw DeployException.failed("CloudFormation refused the deployment of " + stackName + ": "
                    + AwsErrors.describe(e, existing.isEmpty() ? "cloudformation:CreateStack" : "cloudformation:UpdateStack"),
                    e);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw DeployException.failed("Deployment of " + stackName + " failed: "
                    + AwsErrors.describe(e, "cloudformation:CreateStack"), e);
        }
        return await(stackName, started);
    }

    /** CloudFormation's way of saying the template and parameters are what is deployed. */
    static boolean isNoUpdates(CloudFormationException e) {
        String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
        return message != null && message.contains("No updates are to be performed");
    }

    private Result await(String stackName, Instant since) {
        Set<String> seen = new HashSet<>();
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            printNewEvents(stackName, since, seen);
            Stack stack = describe(stackName).orElseThrow(() -> DeployException.failed("Stack " + stackName
                    + " disappeared while deploying", null));
            String status = stack.stackStatusAsString();
            if (!status.endsWith("_IN_PROGRESS")) {
                if (status.equals("CREATE_COMPLETE") || status.equals("UPDATE_COMPLETE")) {
                    progress.println("Stack " + stackName + ": " + status);
                    progress.flush();
                    return new Result(stackName, status, true, outputs(stack));
                }
                throw DeployException.failed("Stack " + stackName + " ended " + status
                        + (stack.stackStatusReason() == null ? "" : " (" + stack.stackStatusReason() + ")")
                        + "; the failed resources are listed above. Fix the cause and deploy again", null);
            }
            if (Instant.now().isAfter(deadline)) {
                throw DeployException.failed("Stack " + stackName + " is still " + status + " after "
                        + timeout.toMinutes() + " minutes; follow it in the CloudFormation console", null);
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DeployException.failed("Interrupted while waiting for stack " + stackName
                        + "; it goes on deploying in CloudFormation", e);
            }
        }
    }

    private void printNewEvents(String stackName, Instant since, Set<String> seen) {
        List<StackEvent> fresh = new ArrayList<>();
        try {
            for (StackEvent event : cloudFormation.describeStackEvents(b -> b.stackName(stackName)).stackEvents()) {
                if (event.timestamp() != null && event.timestamp().isBefore(since)) {
                    break;
                }
                if (seen.add(event.eventId())) {
                    fresh.add(0, event);
                }
            }
        } catch (CloudFormationException e) {
            return;
        }
        for (StackEvent event : fresh) {
            progress.printf("  %s  %-28s %-36s %s%s%n", event.timestamp(), event.resourceStatusAsString(),
                    event.resourceType(), event.logicalResourceId(),
                    event.resourceStatusReason() == null ? "" : "  " + event.resourceStatusReason());
        }
        progress.flush();
    }

    private Optional<Stack> describe(String stackName) {
        try {
            List<Stack> stacks = cloudFormation.describeStacks(b -> b.stackName(stackName)).stacks();
            return stacks.isEmpty() ? Optional.empty() : Optional.of(stacks.get(0));
        } catch (CloudFormationException e) {
            String message = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorMessage());
            if (message.contains("does not exist")) {
                return Optional.empty();
            }
            throw DeployException.failed("Cannot read stack " + stackName + ": "
                    + AwsErrors.describe(e, "cloudformation:DescribeStacks"), e);
        }
    }

    private static Map<String, String> outputs(Stack stack) {
        Map<String, String> outputs = new LinkedHashMap<>();
        stack.outputs().forEach(o -> outputs.put(o.outputKey(), o.outputValue()));
        return outputs;
    }
}
