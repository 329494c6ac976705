package io.entitylockdown.cli;

import io.entitylockdown.cli.deploy.ArtifactBucket;
import io.entitylockdown.cli.deploy.ArtifactUpload;
import io.entitylockdown.cli.deploy.DeployException;
import io.entitylockdown.cli.deploy.DeployTemplates;
import io.entitylockdown.cli.deploy.FunctionJar;
import io.entitylockdown.cli.deploy.StackDeployment;
import io.entitylockdown.cli.deploy.StackParameters;
import io.entitylockdown.cli.deploy.StackSetDeployment;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.report.AwsErrors;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CallAs;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Deploys Entity Lockdown in one command: finds (or builds) the function jar, uploads it (creating the
 * bucket with {@code --create-bucket}), creates or updates the stack, waits with visible progress and prints
 * the outputs. With {@code --member-role-stack} it deploys the member role of the current account instead,
 * and with {@code --member-role-stack-set} the member role of every account of an organisation.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Deploy Entity Lockdown: upload the function jar to S3, create or update the CloudFormation "
                + "stack (deploy/lockdown.yaml), wait for it and print its outputs, among them the topic ARN to publish "
                + "lockdown requests to. Running it again with the same jar and settings changes nothing.",
            "With --member-role-stack, deploy the member role (deploy/lockdown-member-role.yaml) in the current account "
                + "instead; with --member-role-stack-set, in every account of the given organisational units, as a "
                + "service-managed StackSet with automatic deployment (new accounts get it when they join).",
            "The templates come from --template, else deploy/ next to the launcher, else the lockdown jar; never from "
                + "the working directory."},
        footer = {"", "Examples:",
            "  export LOCKDOWN_EXTERNAL_ID=$(openssl rand -hex 24)   # keep it; member roles need it too",
            "  lockdown deploy --create-bucket --bucket lockdown-artifacts-999999999999 \\",
            "      --publisher arn:aws:iam::999999999999:role/soar \\",
            "      --responder arn:aws:iam::999999999999:role/incident-responder \\",
            "      --audit-email secops@example.com",
            "  lockdown deploy --member-role-stack-set --organizational-unit r-ab12 \\",
            "      --execution-role-arn arn:aws:iam::999999999999:role/EntityLockdownExecutionRole \\",
            "      --responder arn:aws:iam::999999999999:role/incident-responder",
            "  lockdown deploy --member-role-stack \\",
            "      --execution-role-arn arn:aws:iam::999999999999:role/EntityLockdownExecutionRole",
            "",
            "Progress goes to stderr; the outputs (KEY<TAB>VALUE, or JSON with --output json) go to stdout.",
            "Exit codes: 0 deployed or already up to date, 1 the deployment failed, 2 bad input."})
public final class DeployCommand implements Callable<Integer> {
    static final String MEMBER_ROLE_TEMPLATE = "lockdown-member-role.yaml";
    static final String LOCKDOWN_TEMPLATE = "lockdown.yaml";

    @Spec
    CommandSpec spec;

    @Option(names = "--stack-name", paramLabel = "NAME",
            description = "Stack (or stack set) name (default: entity-lockdown, or entity-lockdown-member-role for the "
                    + "member role).")
    String stackName;

    @Option(names = "--bucket", paramLabel = "BUCKET", description = "S3 bucket for the function jar (same region).")
    String bucket;

    @Option(names = "--create-bucket",
            description = "Create the bucket when it does not exist (private: all public access blocked).")
    boolean createBucket;

    @Option(names = "--key-prefix", paramLabel = "PREFIX", defaultValue = "entity-lockdown/",
            description = "Key prefix in the bucket (default: ${DEFAULT-VALUE}).")
    String keyPrefix;

    @Option(names = "--jar", paramLabel = "PATH",
            description = "The function jar (default: lockdown-lambda/target/lockdown-lambda-*-function.jar of the "
                    + "checkout next to the launcher, built when missing).")
    Path jar;

    @Option(names = "--publisher", paramLabel = "ARN", split = ",",
            description = "IAM role, user or account root that may publish lockdown requests (repeatable).")
    List<String> publishers = new ArrayList<>();

    @Option(names = "--external-id", paramLabel = "ID",
            description = "The deployment's ExternalId (default: env LOCKDOWN_EXTERNAL_ID). The stack keeps it in a "
                    + "Secrets Manager secret that only the function reads. Never printed.")
    String externalId;

    @Option(names = "--external-id-secret-arn", paramLabel = "ARN",
            description = "Instead of --external-id: an existing Secrets Manager secret (full ARN) that holds the "
                    + "ExternalId as plain text. Member-role stacks still need the value itself.")
    String externalIdSecretArn;

    @Option(names = "--organization-id", paramLabel = "o-ID",
            description = "Let the function assume member roles only in accounts of this AWS Organization.")
    String organizationId;

    @Option(names = "--audit-email", paramLabel = "ADDRESS", description = "Who is told about every lockdown.")
    String auditEmail;

    @Option(names = "--failure-email", paramLabel = "ADDRESS",
            description = "Who is told when a lockdown failed after every retry (default: the audit address).")
    String failureEmail;

    @Option(names = "--window", paramLabel = "SECONDS", defaultValue = "60",
            description = "EC2: seconds between phase 1 and phase 2, 0..900 (default: ${DEFAULT-VALUE}).")
    int windowSeconds;

    @Option(names = "--no-snapshot", description = "EC2: do not snapshot the volumes.")
    boolean noSnapshot;

    @Option(names = "--protect", paramLabel = "ARN", split = ",",
            description = "ARN or pattern (* ?) never to contain, e.g. break-glass roles (repeatable). The member role "
                    + "is denied every change to it as well; give the same list to every member-role stack.")
    List<String> protectedPrincipals = new ArrayList<>();

    @Option(names = "--allowed-account", paramLabel = "ID", split = ",",
            description = "When given, the only accounts in which anything is contained (repeatable).")
    List<String> allowedAccounts = new ArrayList<>();

    @Option(names = "--responder", paramLabel = "ARN", split = ",",
            description = "IAM role or user (an incident responder) that may assume the member role from a terminal, "
                    + "with the ExternalId (repeatable). Give the same list to every member-role stack.")
    List<String> responders = new ArrayList<>();

    @Option(names = "--require-responder-mfa",
            description = "Responders may assume the member role only from a session signed in with MFA.")
    boolean requireResponderMfa;

    @Option(names = "--member-role", paramLabel = "NAME", defaultValue = Access.MemberRole.DEFAULT_NAME,
            description = "Member role name in every account (default: ${DEFAULT-VALUE}).")
    String memberRoleName;

    @Option(names = "--execution-role-name", paramLabel = "NAME", defaultValue = "EntityLockdownExecutionRole",
            description = "The function's execution role name (default: ${DEFAULT-VALUE}).")
    String executionRoleName;

    @Option(names = "--member-role-stack", description = "Deploy the member role of this account instead of the lockdown.")
    boolean memberRoleStack;

    @Option(names = "--member-role-stack-set",
            description = "Deploy the member role to every account of --organizational-unit as a service-managed "
                    + "StackSet with automatic deployment, except --exclude-account (default: this account, whose "
                    + "lockdown stack has its own member role).")
    boolean memberRoleStackSet;

    @Option(names = "--organizational-unit", paramLabel = "ID", split = ",",
            description = "With --member-role-stack-set: r-... (the whole organisation: aws organizations list-roots) "
                    + "or ou-... (repeatable).")
    List<String> organizationalUnits = new ArrayList<>();

    @Option(names = "--exclude-account", paramLabel = "ID", split = ",",
            description = "With --member-role-stack-set: accounts to leave out (default: the account you deploy from; "
                    + "required with --call-as SELF: name the security account).")
    List<String> excludedAccounts = new ArrayList<>();

    @Option(names = "--call-as", paramLabel = "WHO", defaultValue = "DELEGATED_ADMIN",
            description = "With --member-role-stack-set: DELEGATED_ADMIN from a delegated administrator account "
                    + "(default), SELF from the management account.")
    String callAs;

    @Option(names = "--stack-set-region", paramLabel = "REGION", defaultValue = "us-east-1",
            description = "With --member-role-stack-set: the one region of the instances (default: ${DEFAULT-VALUE}: "
                    + "IAM is global, and its CloudTrail events, which the policy-write alert needs, arrive there).")
    String stackSetRegion;

    @Option(names = "--execution-role-arn", paramLabel = "ARN",
            description = "For the member role: the lockdown stack's ExecutionRoleArn output.")
    String executionRoleArn;

    @Option(names = "--alert-email", paramLabel = "ADDRESS",
            description = "For the member role: told when it writes an inline policy the lockdown never writes.")
    String alertEmail;

    @Option(names = "--alert-topic-arn", paramLabel = "ARN",
            description = "For a member-role stack: an SNS topic of that account to tell instead of a new one.")
    String alertTopicArn;

    @Option(names = "--template", paramLabel = "PATH",
            description = "Template to deploy (default: deploy/lockdown.yaml or deploy/lockdown-member-role.yaml next to "
                    + "the launcher, else the copy in the lockdown jar).")
    Path template;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region (default: the AWS environment or profile).")
    String region;

    @Option(names = "--endpoint-url", paramLabel = "URL", description = "Send every AWS request here (a local emulator).")
    URI endpointUrl;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--timeout-minutes", paramLabel = "MINUTES", defaultValue = "30",
            description = "How long to wait for the stack (default: ${DEFAULT-VALUE}).")
    int timeoutMinutes;

    @Option(names = "--poll-seconds", paramLabel = "SECONDS", defaultValue = "5", hidden = true)
    double pollSeconds;

    /** The process environment; tests replace it. */
    Map<String, String> environment = System.getenv();

    /** See every AWS call the command makes; tests add a recorder. */
    List<ExecutionInterceptor> interceptors = List.of();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (!output.equals("text") && !output.equals("json")) {
                throw DeployException.badInput("--output must be text or json");
            }
            if (memberRoleStack && memberRoleStackSet) {
                throw DeployException.badInput("--member-role-stack deploys this account's member role and "
                        + "--member-role-stack-set an organisation's; choose one");
            }
            if (memberRoleStackSet) {
                printStackSet(out, deployStackSet(err));
            } else {
                print(out, deploy(err));
            }
            return 0;
        } catch (DeployException e) {
            err.println((e.exitCode() == 2 ? "Error: " : "Deployment failed: ") + e.getMessage());
            err.flush();
            return e.exitCode();
        } catch (RuntimeException e) {
            // expired credentials, a network error, an AWS error outside the steps that explain their own
            err.println("Deployment failed: " + AwsErrors.describe(e, "the deployment")
                    + ". Fix the cause and run the same command again: it creates or updates what is there.");
            err.flush();
            return ExitCodes.FAILED;
        }
    }

    private String externalId() {
        return externalId != null ? externalId : environment.get("LOCKDOWN_EXTERNAL_ID");
    }

    private AwsSettings settings() {
        Map<String, String> env = new HashMap<>(environment);
        if (endpointUrl != null) {
            env.put("AWS_ENDPOINT_URL", endpointUrl.toString());
        }
        if (region != null) {
            env.put("AWS_REGION", region);
        }
        try {
            return AwsSettings.fromEnvironment(env).withInterceptors(interceptors);
        } catch (IllegalArgumentException e) {
            throw DeployException.badInput(e.getMessage());
        }
    }

    private StackParameters.MemberRole memberRole(String alertTopic) {
        return new StackParameters.MemberRole(executionRoleArn, externalId(), memberRoleName, responders,
                requireResponderMfa, protectedPrincipals, alertTopic, alertEmail);
    }

    private StackDeployment.Result deploy(PrintWriter err) {
        Path checkout = DeployTemplates.checkoutOfThisTool().orElse(null);
        DeployTemplates.Template body = DeployTemplates.load(template, memberRoleStack ? MEMBER_ROLE_TEMPLATE
                : LOCKDOWN_TEMPLATE, checkout);
        String name = stackName != null ? stackName : memberRoleStack ? "entity-lockdown-member-role" : "entity-lockdown";
        AwsSettings settings = settings();
        try (AccountSessions sessions = new AccountSessions(settings, Access.callerCredentials());
                CloudFormationClient cloudFormation = sessions.caller()
                        .configure(CloudFormationClient.builder(), settings.homeRegion()).build()) {
            Map<String, String> parameters;
            if (memberRoleStack) {
                parameters = StackParameters.memberRole(memberRole(alertTopicArn));
            } else {
                String id = externalId();
                StackParameters.Lockdown lockdown = new StackParameters.Lockdown(publishers,
                        externalIdSecretArn != null && externalId == null ? null : id, externalIdSecretArn, auditEmail,
                        failureEmail != null ? failureEmail : auditEmail, windowSeconds, !noSnapshot, protectedPrincipals,
                        allowedAccounts, memberRoleName, executionRoleName, organizationId, responders,
                        requireResponderMfa);
                // Validate everything before the slow part (building, uploading).
                StackParameters.lockdown(lockdown, bucket, "key", "0".repeat(64));
                Path functionJar = FunctionJar.locate(jar, checkout, err);
                String sha256 = FunctionJar.sha256(functionJar);
                String key;
                // the jar goes only into a bucket of the deploying account, never one someone else owns
                String owner = callerAccount(sessions, settings);
                try (S3Client s3 = s3(sessions, settings.homeRegion())) {
                    if (createBucket) {
                        new ArtifactBucket(s3, err).ensure(bucket, settings.homeRegion(), owner);
                    }
                    key = new ArtifactUpload(s3, err).upload(functionJar, bucket, keyPrefix, sha256, owner);
                }
                parameters = StackParameters.lockdown(lockdown, bucket, key, sha256);
            }
            err.println("Deploying " + body.origin() + " as stack " + name + " in "
                    + settings.homeRegion().id() + (settings.endpointOverride() == null ? "" : " at "
                    + settings.endpointOverride()));
            err.flush();
            StackDeployment deployment = new StackDeployment(cloudFormation, err,
                    Duration.ofMillis((long) (pollSeconds * 1000)), Duration.ofMinutes(timeoutMinutes));
            return deployment.deploy(name, body.body(), parameters);
        }
    }

    private StackSetDeployment.Result deployStackSet(PrintWriter err) {
        if (alertTopicArn != null) {
            throw DeployException.badInput("--alert-topic-arn names one account's topic; a stack set reaches many "
                    + "accounts, each of which gets its own alert topic (use --alert-email)");
        }
        Map<String, String> parameters = StackParameters.memberRole(memberRole(null));
        CallAs who;
        try {
            who = CallAs.valueOf(callAs.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw DeployException.badInput("--call-as must be DELEGATED_ADMIN or SELF");
        }
        List<String> units = StackParameters.organizationalUnits(organizationalUnits);
        DeployTemplates.Template body = DeployTemplates.load(template, MEMBER_ROLE_TEMPLATE,
                DeployTemplates.checkoutOfThisTool().orElse(null));
        AwsSettings settings = settings();
        try (AccountSessions sessions = new AccountSessions(settings, Access.callerCredentials());
                CloudFormationClient cloudFormation = sessions.caller()
                        .configure(CloudFormationClient.builder(), settings.homeRegion()).build()) {
            List<String> excluded = StackParameters.accounts(excludedAccounts, "--exclude-account");
            if (excluded.isEmpty()) {
                if (who == CallAs.SELF) {
                    // from the management account the caller is not the security account, whose own stack
                    // already made the member role: the stack set must be told which account to leave out
                    throw DeployException.badInput("--call-as SELF runs from the management account: name the "
                            + "security account, whose stack already holds the member role, with --exclude-account");
                }
                excluded = List.of(callerAccount(sessions, settings));
            }
            String name = stackName != null ? stackName : "entity-lockdown-member-role";
            err.println("Deploying " + body.origin() + " as stack set " + name + " from " + settings.homeRegion().id()
                    + " (call as " + who + ")" + (settings.endpointOverride() == null ? "" : " at "
                    + settings.endpointOverride()));
            err.flush();
            return new StackSetDeployment(cloudFormation, err, Duration.ofMillis((long) (pollSeconds * 1000)),
                    Duration.ofMinutes(timeoutMinutes)).deploy(new StackSetDeployment.Target(name, units, excluded,
                    stackSetRegion, who), body.body(), parameters);
        }
    }

    /** The account the command deploys from: the security account, which its own stack already covers. */
    private static String callerAccount(AccountSessions sessions, AwsSettings settings) {
        try (StsClient sts = sessions.caller().configure(StsClient.builder(), settings.homeRegion()).build()) {
            return sts.getCallerIdentity().account();
        } catch (RuntimeException e) {
            throw DeployException.failed("Cannot tell which account you deploy from ("
                    + AwsErrors.describe(e, "sts:GetCallerIdentity") + "); check your credentials", e);
        }
    }

    private static S3Client s3(AccountSessions sessions, Region region) {
        software.amazon.awssdk.services.s3.S3ClientBuilder builder = sessions.caller().configure(S3Client.builder(), region);
        // Emulators and custom endpoints rarely resolve bucket sub-domains.
        return builder.forcePathStyle(sessions.settings().endpointOverride() != null).build();
    }

    private void print(PrintWriter out, StackDeployment.Result result) {
        if (output.equals("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("stack", result.stackName());
            json.put("status", result.status());
            json.put("changed", result.changed());
            json.put("outputs", result.outputs());
            out.println(Json.writePretty(json));
        } else {
            result.outputs().forEach((key, value) -> out.println(key + "\t" + value));
        }
        out.flush();
    }

    private void printStackSet(PrintWriter out, StackSetDeployment.Result result) {
        if (output.equals("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("stackSet", result.stackSetName());
            json.put("created", result.created());
            json.put("operations", result.operations());
            json.put("instances", result.instances());
            out.println(Json.writePretty(json));
        } else {
            out.println("StackSet\t" + result.stackSetName());
            result.instances().forEach(instance -> out.println("Instance\t" + instance));
        }
        out.flush();
    }
}
