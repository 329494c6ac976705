package io.entitylockdown.cli;

import io.entitylockdown.cli.deploy.ArtifactUpload;
import io.entitylockdown.cli.deploy.DeployException;
import io.entitylockdown.cli.deploy.FunctionJar;
import io.entitylockdown.cli.deploy.StackDeployment;
import io.entitylockdown.cli.deploy.StackParameters;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
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
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Deploys Entity Lockdown in one command: finds (or builds) the function jar, uploads it, creates or
 * updates the stack, waits with visible progress and prints the outputs. With
 * {@code --member-role-stack} it deploys the member role of the current account instead.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Deploy Entity Lockdown: upload the function jar to S3, create or update the CloudFormation "
                + "stack (deploy/lockdown.yaml), wait for it and print its outputs, among them the topic ARN to publish "
                + "lockdown requests to. Running it again with the same jar and settings changes nothing.",
            "With --member-role-stack, deploy the member role (deploy/lockdown-member-role.yaml) in the current account "
                + "instead; for a whole organization use a StackSet (docs/deploy.md)."},
        footer = {"", "Examples:",
            "  export LOCKDOWN_EXTERNAL_ID=$(openssl rand -hex 24)   # keep it; member roles need it too",
            "  lockdown deploy --bucket my-artifacts-999999999999 \\",
            "      --publisher arn:aws:iam::999999999999:role/soar \\",
            "      --audit-email secops@example.com",
            "  lockdown deploy --member-role-stack \\",
            "      --execution-role-arn arn:aws:iam::999999999999:role/EntityLockdownExecutionRole",
            "",
            "Progress goes to stderr; the outputs (KEY<TAB>VALUE, or JSON with --output json) go to stdout.",
            "Exit codes: 0 deployed or already up to date, 1 the deployment failed, 2 bad input."})
public final class DeployCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--stack-name", paramLabel = "NAME",
            description = "Stack name (default: entity-lockdown, or entity-lockdown-member-role with --member-role-stack).")
    String stackName;

    @Option(names = "--bucket", paramLabel = "BUCKET", description = "S3 bucket for the function jar (same region).")
    String bucket;

    @Option(names = "--key-prefix", paramLabel = "PREFIX", defaultValue = "entity-lockdown/",
            description = "Key prefix in the bucket (default: ${DEFAULT-VALUE}).")
    String keyPrefix;

    @Option(names = "--jar", paramLabel = "PATH",
            description = "The function jar (default: lockdown-lambda/target/lockdown-lambda-*-function.jar, built when missing).")
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

    @Option(names = "--execution-role-arn", paramLabel = "ARN",
            description = "With --member-role-stack: the lockdown stack's ExecutionRoleArn output.")
    String executionRoleArn;

    @Option(names = "--template", paramLabel = "PATH",
            description = "Template to deploy (default: deploy/lockdown.yaml or deploy/lockdown-member-role.yaml of the checkout).")
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

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (!output.equals("text") && !output.equals("json")) {
                throw DeployException.badInput("--output must be text or json");
            }
            StackDeployment.Result result = deploy(err);
            print(out, result);
            return 0;
        } catch (DeployException e) {
            err.println((e.exitCode() == 2 ? "Error: " : "Deployment failed: ") + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    private StackDeployment.Result deploy(PrintWriter err) {
        String id = externalId != null ? externalId : environment.get("LOCKDOWN_EXTERNAL_ID");
        Path checkout = FunctionJar.checkoutAbove(Path.of("")).orElse(null);
        Path templatePath = template != null ? template : defaultTemplate(checkout);
        String templateBody = readTemplate(templatePath);
        String name = stackName != null ? stackName : memberRoleStack ? "entity-lockdown-member-role" : "entity-lockdown";

        Map<String, String> env = new HashMap<>(environment);
        if (endpointUrl != null) {
            env.put("AWS_ENDPOINT_URL", endpointUrl.toString());
        }
        if (region != null) {
            env.put("AWS_REGION", region);
        }
        AwsSettings settings;
        try {
            settings = AwsSettings.fromEnvironment(env);
        } catch (IllegalArgumentException e) {
            throw DeployException.badInput(e.getMessage());
        }
        try (AccountSessions sessions = new AccountSessions(settings, Access.callerCredentials());
                CloudFormationClient cloudFormation = sessions.caller()
                        .configure(CloudFormationClient.builder(), settings.homeRegion()).build()) {
            Map<String, String> parameters;
            if (memberRoleStack) {
                parameters = StackParameters.memberRole(new StackParameters.MemberRole(executionRoleArn, id,
                        memberRoleName, responders, requireResponderMfa, protectedPrincipals));
            } else {
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
                try (S3Client s3 = s3(sessions, settings.homeRegion())) {
                    key = new ArtifactUpload(s3, err).upload(functionJar, bucket, keyPrefix, sha256);
                }
                parameters = StackParameters.lockdown(lockdown, bucket, key, sha256);
            }
            err.println("Deploying " + templatePath.getFileName() + " as stack " + name + " in "
                    + settings.homeRegion().id() + (settings.endpointOverride() == null ? "" : " at "
                    + settings.endpointOverride()));
            err.flush();
            StackDeployment deployment = new StackDeployment(cloudFormation, err,
                    Duration.ofMillis((long) (pollSeconds * 1000)), Duration.ofMinutes(timeoutMinutes));
            return deployment.deploy(name, templateBody, parameters);
        }
    }

    private static S3Client s3(AccountSessions sessions, Region region) {
        software.amazon.awssdk.services.s3.S3ClientBuilder builder = sessions.caller().configure(S3Client.builder(), region);
        // Emulators and custom endpoints rarely resolve bucket sub-domains.
        return builder.forcePathStyle(sessions.settings().endpointOverride() != null).build();
    }

    private Path defaultTemplate(Path checkout) {
        if (checkout == null) {
            throw DeployException.badInput("Cannot find deploy/" + (memberRoleStack ? "lockdown-member-role.yaml" : "lockdown.yaml")
                    + ": run from the repository checkout or pass --template PATH");
        }
        return checkout.resolve("deploy").resolve(memberRoleStack ? "lockdown-member-role.yaml" : "lockdown.yaml");
    }

    private static String readTemplate(Path path) {
        try {
            String body = Files.readString(path);
            if (body.length() > 51_200) {
                throw DeployException.badInput("The template " + path + " is larger than CloudFormation's 51,200-byte "
                        + "limit for inline templates");
            }
            return body;
        } catch (IOException e) {
            throw DeployException.badInput("Cannot read the template " + path + ": " + e.getMessage());
        }
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
}
