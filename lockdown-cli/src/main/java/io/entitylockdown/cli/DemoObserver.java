package io.entitylockdown.cli;

import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.iam.RoleSessionPolicy;
import io.entitylockdown.core.report.AwsErrors;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Reads each demo entity's state as an auditor in its account would, independently of the engine,
 * so that "before" and "after" are observed rather than taken from the engine's own report.
 */
final class DemoObserver implements AutoCloseable {
    private final DemoEstate estate;
    private final List<AccountSessions> opened = new ArrayList<>();
    private final AccountSession security;
    private final AccountSession workload;
    private final AccountSession workloadWest;

    DemoObserver(URI endpoint, DemoEstate estate) {
        this.estate = estate;
        this.security = open(endpoint, DemoEstate.SECURITY_ACCOUNT, DemoEstate.EAST);
        this.workload = open(endpoint, DemoEstate.WORKLOAD_ACCOUNT, DemoEstate.EAST);
        this.workloadWest = open(endpoint, DemoEstate.WORKLOAD_ACCOUNT, DemoEstate.WEST);
    }

    private AccountSession open(URI endpoint, String account, String region) {
        AccountSessions sessions = new AccountSessions(
                DemoEstate.settings(endpoint, estate.auditors.get(account)), Access.callerCredentials());
        opened.add(sessions);
        return sessions.session("aws", account, region, "demo-auditor");
    }

    /** One line per fact, per entity. */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("IAM user mallory (" + DemoEstate.WORKLOAD_ACCOUNT + ")");
        IamClient iam = workload.iam();
        lines.add("    policies: " + read(() -> userPolicies(iam, "mallory")));
        lines.add("    access keys: " + read(() -> accessKeys(iam, "mallory")));
        lines.add("IAM role ci-deployer (" + DemoEstate.SECURITY_ACCOUNT + ")");
        lines.add("    policies: " + read(() -> rolePolicies(security.iam(), "ci-deployer")));
        lines.add("Lambda function billing-export (" + DemoEstate.WORKLOAD_ACCOUNT + "/" + DemoEstate.WEST + ")");
        lines.add("    reserved concurrency: " + read(() -> {
            Integer reserved = workloadWest.lambda().getFunctionConcurrency(b -> b.functionName("billing-export"))
                    .reservedConcurrentExecutions();
            return reserved == null ? "none (unlimited)" : reserved.toString();
        }));
        lines.add("    execution role policies: " + read(() -> rolePolicies(iam, "billing-export-role")));
        lines.add("EC2 instance " + estate.instanceId + " (" + DemoEstate.SECURITY_ACCOUNT + "/" + DemoEstate.EAST + ")");
        lines.add("    network interfaces: " + read(() -> {
            Instance instance = security.ec2().describeInstances(b -> b.instanceIds(estate.instanceId))
                    .reservations().get(0).instances().get(0);
            return String.join("; ", instance.networkInterfaces().stream().map(eni -> eni.networkInterfaceId() + " -> "
                    + String.join(",", eni.groups().stream().map(g -> g.groupName()).toList())).toList());
        }));
        lines.add("    termination protection: " + read(() -> String.valueOf(security.ec2().describeInstanceAttribute(b -> b
                .instanceId(estate.instanceId).attribute(InstanceAttributeName.DISABLE_API_TERMINATION))
                .disableApiTermination().value())));
        lines.add("    Auto Scaling group: " + read(() -> {
            var groups = security.autoScaling().describeAutoScalingInstances(b -> b.instanceIds(estate.instanceId))
                    .autoScalingInstances();
            return groups.isEmpty() ? "none" : groups.get(0).autoScalingGroupName();
        }));
        lines.add("    instance role policies: " + read(() -> rolePolicies(security.iam(), "web-instance-role")));
        lines.add("IAM role " + DemoEstate.SESSION_ROLE + " (" + DemoEstate.WORKLOAD_ACCOUNT + "), whose session "
                + DemoEstate.SESSION_NAME + " GuardDuty reports");
        lines.add("    policies: " + read(() -> rolePolicies(iam, DemoEstate.SESSION_ROLE)));
        lines.add("    denied sessions: " + read(() -> deniedSessions(iam)));
        lines.add("IAM user ci/build-bot (" + DemoEstate.WORKLOAD_ACCOUNT + "), whose leaked key Security Hub reports");
        lines.add("    policies: " + read(() -> userPolicies(iam, "build-bot")));
        lines.add("    access keys: " + read(() -> accessKeys(iam, "build-bot")));
        return lines;
    }

    private static String userPolicies(IamClient iam, String user) {
        List<String> names = new ArrayList<>();
        iam.listAttachedUserPolicies(b -> b.userName(user)).attachedPolicies()
                .forEach(p -> names.add(p.policyName() + " (managed)"));
        names.addAll(iam.listUserPolicies(b -> b.userName(user)).policyNames());
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static String accessKeys(IamClient iam, String user) {
        return String.join(", ", iam.listAccessKeys(b -> b.userName(user)).accessKeyMetadata().stream()
                .map(k -> k.accessKeyId() + " " + k.statusAsString()).toList());
    }

    /** The aws:userid values the role's session policies deny, read from the documents. */
    private static String deniedSessions(IamClient iam) {
        List<String> denied = new ArrayList<>();
        for (String name : iam.listRolePolicies(b -> b.roleName(DemoEstate.SESSION_ROLE)).policyNames()) {
            if (name.startsWith(RoleSessionPolicy.PREFIX)) {
                String document = ContainmentPolicy.decode(iam.getRolePolicy(b -> b.roleName(DemoEstate.SESSION_ROLE)
                        .policyName(name)).policyDocument());
                try {
                    denied.add(Json.mapper().readTree(document).at("/Statement/0/Condition/StringEquals/aws:userid")
                            .asText("(not a session deny)"));
                } catch (java.io.IOException e) {
                    denied.add(name + " (unreadable)");
                }
            }
        }
        return denied.isEmpty() ? "none" : "aws:userid " + String.join(", ", denied);
    }

    private static String rolePolicies(IamClient iam, String role) {
        List<String> names = new ArrayList<>();
        iam.listAttachedRolePolicies(b -> b.roleName(role)).attachedPolicies()
                .forEach(p -> names.add(p.policyName() + " (managed)"));
        names.addAll(iam.listRolePolicies(b -> b.roleName(role)).policyNames());
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static String read(Supplier<String> fact) {
        try {
            return fact.get();
        } catch (RuntimeException e) {
            return "(could not read: " + AwsErrors.describe(e, "") + ")";
        }
    }

    @Override
    public void close() {
        opened.forEach(AccountSessions::close);
    }
}
