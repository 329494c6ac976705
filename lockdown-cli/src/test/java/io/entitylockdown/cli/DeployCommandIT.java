package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code lockdown deploy} against moto. moto 5.2.1 cannot model every resource of
 * {@code deploy/lockdown.yaml}; {@link #MOTO_GAPS} names each with moto's behaviour. The real template
 * is shown to fail in moto for that reason, and a variant without the alias is deployed and checked
 * resource by resource, leaving out only what moto ignores.
 */
@ExtendWith(MotoExtension.class)
class DeployCommandIT {
    private static final String EXTERNAL_ID = "deploy-test-external-id-0123456789";
    /**
     * A new bucket name per test: the testkit's fast moto reset leaves S3's bucket-name registry behind,
     * and moto then fails with HTTP 500 (RecursionError) when a test creates a bucket an earlier test had.
     */
    private final String bucket = "lockdown-artifacts-" + java.util.UUID.randomUUID().toString().substring(0, 8);

    /** Resources of lockdown.yaml that moto 5.2.1's CloudFormation does not create, and what it does instead. */
    static final Map<String, String> MOTO_GAPS = Map.of(
            "AWS::Lambda::Alias", "'No Moto CloudFormation support for AWS::Lambda::Alias'; the AWS::Lambda::Permission "
                    + "that names the alias then fails with HTTP 500 (KeyError: 'FunctionName'), so CreateStack fails",
            "AWS::Lambda::EventInvokeConfig", "skipped: 'No Moto CloudFormation support' (retries, on-failure destination)",
            "AWS::SNS::TopicPolicy", "skipped: 'No Moto CloudFormation support' (who may publish)",
            "AWS::SQS::QueuePolicy", "skipped: 'No Moto CloudFormation support' (queue policies)",
            "AWS::SNS::Subscription", "skipped: 'No Moto CloudFormation support' (topic to function, e-mail)",
            "AWS::CloudWatch::Alarm", "skipped: 'No Moto CloudFormation support' (kept-events alarm)",
            "AWS::SecurityHub::ActionTarget", "skipped: 'No Moto CloudFormation support' (the custom action "
                    + "'Contain entity'; its rule is created with a pattern that names nothing)",
            "AWS::SecretsManager::Secret", "skipped: 'No Moto CloudFormation support'; every !Ref to it resolves to "
                    + "nothing, so the function's LOCKDOWN_EXTERNAL_ID_SECRET_ARN is left out (the handler's reading of "
                    + "the secret is tested against moto's Secrets Manager in HandlerExternalIdSecretIT)");

    @TempDir
    Path temp;
    private MotoEstate estate;
    private MotoServer moto;
    private S3Client s3;
    private Path jar;

    @BeforeEach
    void bucketAndJar(MotoEstate estate) throws IOException {
        this.estate = estate;
        moto = estate.moto();
        s3 = estate.security().client(S3Client.builder(), MotoEstate.HOME_REGION, b -> b.forcePathStyle(true));
        s3.createBucket(b -> b.bucket(bucket));
        jar = temp.resolve("lockdown-lambda-test-function.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("io/entitylockdown/lambda/Placeholder.txt"));
            zip.write("test artefact".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    /** Exit code, stdout, stderr. */
    record Run(int exitCode, String out, String err) {
    }

    /** The AWS requests the last deploy sent, as the SDK built them. */
    private final List<software.amazon.awssdk.core.SdkRequest> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Run deploy(String... args) {
        DeployCommand command = new DeployCommand();
        command.environment = Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID);
        command.interceptors = List.of(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
            @Override
            public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                    software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                requests.add(context.request());
            }
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--endpoint-url", moto.endpoint().toString(), "--region", "us-east-1",
                "--poll-seconds", "0.2"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
        Run run = new Run(code, out.toString(), err.toString());
        assertThat(run.out() + run.err()).as("the ExternalId is never printed").doesNotContain(EXTERNAL_ID);
        return run;
    }

    private String[] lockdownArgs(String... more) {
        List<String> args = new ArrayList<>(List.of("--bucket", bucket, "--jar", jar.toString(),
                "--publisher", "arn:aws:iam::123456789012:role/soar", "--audit-email", "secops@example.com",
                "--window", "45"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** lockdown.yaml without the alias moto cannot model; everything that named the alias names the function. */
    private Path motoVariant() throws IOException {
        String template = Files.readString(Path.of("..", "deploy", "lockdown.yaml"));
        String withoutAlias = template.replaceAll("(?m)^  FunctionAlias:\\n(^    .*\\n|^      .*\\n|^\\s*\\n)*?(?=^  \\w)", "")
                // an EventBridge target needs an ARN: Ref of an alias is its ARN, Ref of a function only its name
                .replace("Arn: !Ref FunctionAlias", "Arn: !GetAtt Function.Arn")
                .replace("!Ref FunctionAlias", "!Ref Function").replace("DependsOn: FunctionAlias", "DependsOn: Function");
        assertThat(withoutAlias).doesNotContain("AWS::Lambda::Alias").contains("AWS::Lambda::Version");
        Path variant = temp.resolve("lockdown-moto.yaml");
        Files.writeString(variant, withoutAlias);
        return variant;
    }

    @Test
    void deploy_realTemplate_failsInMotoOnlyBecauseOfTheAlias() {
        Run run = deploy(lockdownArgs());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("Deployment failed").contains("entity-lockdown");
        assertThat(MOTO_GAPS).containsKey("AWS::Lambda::Alias");
    }

    /** The moto variant of lockdown.yaml deployed with {@link #lockdownArgs}; asserts that it succeeded. */
    private Run deployed() throws IOException {
        Run run = deploy(lockdownArgs("--template", motoVariant().toString()));
        assertThat(run.exitCode()).as(run.err()).isZero();
        return run;
    }

    @Test
    void deploy_createsTheStack_uploadsTheJar_andPrintsTheTopicArn() throws Exception {
        Run run = deployed();

        assertThat(run.err()).contains("Uploading lockdown-lambda-test-function.jar", "Creating stack entity-lockdown",
                "CREATE_COMPLETE");
        String topicArn = output(run.out(), "LockdownTopicArn");
        assertThat(topicArn).startsWith("arn:aws:sns:us-east-1:123456789012:");
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).singleElement()
                .satisfies(o -> assertThat(o.key()).matches("entity-lockdown/lockdown-lambda-[0-9a-f]{16}\\.jar"));
        assertThat(estate.security().sns().listTopics().topics()).extracting(t -> t.topicArn())
                .contains(topicArn, output(run.out(), "AuditTopicArn"), output(run.out(), "FailureTopicArn"));
    }

    @Test
    void deploy_keepsFailedEventsTwoWeeks_andSendsPhase2ThereAfterThreeReceives() throws Exception {
        Run run = deployed();

        SqsClient sqs = estate.security().sqs();
        Map<QueueAttributeName, String> kept = sqs.getQueueAttributes(b -> b.queueUrl(output(run.out(), "KeptEventsQueueUrl"))
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertThat(kept).containsEntry(QueueAttributeName.MESSAGE_RETENTION_PERIOD, "1209600");
        Map<QueueAttributeName, String> phase2 = sqs.getQueueAttributes(b -> b.queueUrl(output(run.out(), "Phase2QueueUrl"))
                .attributeNames(QueueAttributeName.ALL)).attributes();
        assertThat(phase2).containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "720");
        assertThat(phase2.get(QueueAttributeName.REDRIVE_POLICY)).contains(kept.get(QueueAttributeName.QUEUE_ARN))
                .contains("3");
    }

    @Test
    void deploy_grantsTheExecutionRoleItsCalls_andTheMemberRoleTrustsIt() throws Exception {
        deployed();

        IamClient iam = estate.security().iam();
        String executionPolicy = URLDecoder.decode(iam.getRolePolicy(b -> b.roleName("EntityLockdownExecutionRole")
                .policyName("EntityLockdownFunction")).policyDocument(), StandardCharsets.UTF_8);
        assertThat(executionPolicy).contains("sts:AssumeRole", "arn:aws:iam::*:role/EntityLockdownMemberRole",
                "sns:Publish", "sqs:SendMessage");
        String memberTrust = URLDecoder.decode(iam.getRole(b -> b.roleName("EntityLockdownMemberRole")).role()
                .assumeRolePolicyDocument(), StandardCharsets.UTF_8);
        assertThat(memberTrust).contains("arn:aws:iam::123456789012:role/EntityLockdownExecutionRole", "sts:ExternalId");
    }

    @Test
    void deploy_configuresTheFunction_withoutTheExternalIdInItsEnvironment_andPhase2AsItsSource() throws Exception {
        Run run = deployed();

        LambdaClient lambda = estate.security().lambda();
        var function = lambda.getFunctionConfiguration(b -> b.functionName("entity-lockdown-function"));
        assertThat(function.runtimeAsString()).isEqualTo("java21");
        assertThat(function.handler()).isEqualTo("io.entitylockdown.lambda.LockdownHandler::handleRequest");
        assertThat(function.timeout()).isEqualTo(120);
        assertThat(function.environment().variables()).containsEntry("LOCKDOWN_WINDOW_SECONDS", "45")
                .containsEntry("LOCKDOWN_AUDIT_TOPIC_ARN", output(run.out(), "AuditTopicArn"))
                .containsEntry("LOCKDOWN_PHASE2_QUEUE_URL", output(run.out(), "Phase2QueueUrl"))
                .containsEntry("LOCKDOWN_MEMBER_ROLE", "EntityLockdownMemberRole")
                .doesNotContainKey("LOCKDOWN_EXTERNAL_ID");
        assertThat(function.environment().variables().values()).as("the ExternalId is not in the function's environment")
                .noneMatch(value -> value.contains(EXTERNAL_ID));
        String phase2Arn = estate.security().queueArn(output(run.out(), "Phase2QueueUrl"));
        assertThat(lambda.listEventSourceMappings(b -> b.functionName("entity-lockdown-function")).eventSourceMappings())
                .anySatisfy(m -> assertThat(m.eventSourceArn()).isEqualTo(phase2Arn));
    }

    @Test
    void deployAgain_reusesTheUploadedJar_andPrintsTheSameTopic() throws Exception {
        String topicArn = output(deployed().out(), "LockdownTopicArn");

        Run again = deploy(lockdownArgs("--template", motoVariant().toString(), "--output", "json"));

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("Function jar already in s3://" + bucket);
        assertThat(again.out()).contains("\"LockdownTopicArn\" : \"" + topicArn + "\"");
    }

    @Test
    void terminal_withTheStackNamed_refusesWhatTheDeployedFunctionRefuses() throws Exception {
        Run deployed = deploy(lockdownArgs("--template", motoVariant().toString(),
                "--protect", "arn:aws:iam::*:role/BreakGlass", "--allowed-account", "111111111111,123456789012"));
        assertThat(deployed.exitCode()).as(deployed.err()).isZero();
        Cli shell = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID));
        Cli shellWithStack = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID, "LOCKDOWN_STACK", "entity-lockdown"));

        Cli.Result breakGlass = shell.run("contain", "--stack", "entity-lockdown",
                "arn:aws:iam::111111111111:role/admin/BreakGlass");
        Cli.Result ownFunction = shellWithStack.run("contain",
                "arn:aws:lambda:us-east-1:123456789012:function:entity-lockdown-function:live");
        Cli.Result ownRole = shellWithStack.run("release", "arn:aws:iam::123456789012:role/EntityLockdownExecutionRole");
        Cli.Result otherAccount = shellWithStack.run("plan", "arn:aws:iam::222222222222:user/alice");

        assertThat(breakGlass.exitCode()).as(breakGlass.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(breakGlass.out()).contains("is protected", "arn:aws:iam::*:role/BreakGlass");
        assertThat(breakGlass.err()).contains("guardrails of stack entity-lockdown");
        assertThat(ownFunction.exitCode()).as(ownFunction.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(ownFunction.out()).contains("Entity Lockdown's own principals");
        assertThat(ownRole.exitCode()).as(ownRole.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(ownRole.out()).contains("Entity Lockdown's own principals");
        assertThat(otherAccount.exitCode()).as(otherAccount.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(otherAccount.out()).contains("allowed accounts");
    }

    @Test
    void terminal_whenTheNamedStackCannotBeRead_doesNothingAndSaysWhy() {
        Cli.Result result = Cli.against(estate, Map.of("LOCKDOWN_EXTERNAL_ID", EXTERNAL_ID))
                .run("contain", "--stack", "no-such-stack", "arn:aws:iam::111111111111:user/alice");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(result.err()).contains("Cannot read the deployed configuration from stack no-such-stack",
                "Nothing was done", "LOCKDOWN_STACK").doesNotContain("\tat ");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void deploy_createBucket_makesAPrivateBucket_whenItIsMissing_andTheDeployGoesOn() throws Exception {
        String fresh = "lockdown-new-" + java.util.UUID.randomUUID().toString().substring(0, 8);

        Run run = deploy("--create-bucket", "--bucket", fresh, "--jar", jar.toString(), "--template",
                motoVariant().toString(), "--publisher", "arn:aws:iam::123456789012:role/soar",
                "--audit-email", "secops@example.com");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("Creating bucket s3://" + fresh, "CREATE_COMPLETE");
        assertThat(s3.getPublicAccessBlock(b -> b.bucket(fresh)).publicAccessBlockConfiguration().blockPublicPolicy())
                .isTrue();
        assertThat(s3.listObjectsV2(b -> b.bucket(fresh)).contents()).hasSize(1);
    }

    @Test
    void deploy_memberRoleStackSet_reachesTheOrganisation_exceptThisAccount_withAutomaticDeployment() throws Exception {
        String root = organisationWithTwoAccounts();

        Run run = deploy("--member-role-stack-set", "--organizational-unit", root, "--execution-role-arn",
                "arn:aws:iam::123456789012:role/EntityLockdownExecutionRole",
                "--responder", "arn:aws:iam::123456789012:role/incident-responder", "--alert-email", "secops@example.com");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("lockdown-member-role.yaml as stack set", "call as DELEGATED_ADMIN", "except 123456789012");
        var createSet = only(software.amazon.awssdk.services.cloudformation.model.CreateStackSetRequest.class);
        assertThat(createSet.permissionModel()).isEqualTo(
                software.amazon.awssdk.services.cloudformation.model.PermissionModels.SERVICE_MANAGED);
        assertThat(createSet.autoDeployment().enabled()).isTrue();
        assertThat(createSet.callAsAsString()).isEqualTo("DELEGATED_ADMIN");
        assertThat(createSet.capabilitiesAsStrings()).contains("CAPABILITY_NAMED_IAM");
        assertThat(createSet.parameters()).anySatisfy(p -> {
            assertThat(p.parameterKey()).isEqualTo("ResponderPrincipals");
            assertThat(p.parameterValue()).isEqualTo("arn:aws:iam::123456789012:role/incident-responder");
        });
        var instances = only(software.amazon.awssdk.services.cloudformation.model.CreateStackInstancesRequest.class);
        assertThat(instances.callAsAsString()).isEqualTo("DELEGATED_ADMIN");
        assertThat(instances.regions()).containsExactly("us-east-1");
        assertThat(instances.deploymentTargets().organizationalUnitIds()).containsExactly(root);
        // moto ignores the filter (it deploys to this account too); AWS leaves out what DIFFERENCE lists
        assertThat(instances.deploymentTargets().accountFilterTypeAsString()).isEqualTo("DIFFERENCE");
        assertThat(instances.deploymentTargets().accounts()).containsExactly("123456789012");
        assertThat(run.out()).contains("StackSet\tentity-lockdown-member-role");
        assertThat(run.out().lines().filter(l -> l.startsWith("Instance\t"))).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void deployAgain_memberRoleStackSet_updatesTheStackSet_asDelegatedAdmin() throws Exception {
        String root = organisationWithTwoAccounts();
        Run created = deploy("--member-role-stack-set", "--organizational-unit", root, "--execution-role-arn",
                "arn:aws:iam::123456789012:role/EntityLockdownExecutionRole",
                "--responder", "arn:aws:iam::123456789012:role/incident-responder", "--alert-email", "secops@example.com");
        assertThat(created.exitCode()).as(created.err()).isZero();
        requests.clear();

        Run again = deploy("--member-role-stack-set", "--organizational-unit", root, "--execution-role-arn",
                "arn:aws:iam::123456789012:role/EntityLockdownExecutionRole");

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("Updating stack set entity-lockdown-member-role");
        assertThat(only(software.amazon.awssdk.services.cloudformation.model.UpdateStackSetRequest.class).callAsAsString())
                .isEqualTo("DELEGATED_ADMIN");
    }

    @Test
    void deploy_memberRoleStackSet_withoutUnits_isBadInput_andCreatesNothing() {
        Run run = deploy("--member-role-stack-set", "--execution-role-arn",
                "arn:aws:iam::123456789012:role/EntityLockdownExecutionRole");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--organizational-unit", "list-roots");
        assertThat(requests).isEmpty();
    }

    private <T> T only(Class<T> type) {
        List<T> matching = requests.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).as("%s requests", type.getSimpleName()).hasSize(1);
        return matching.get(0);
    }

    /** An organisation on moto with two member accounts under its root (the AWS CLI: no Organizations SDK here). */
    private String organisationWithTwoAccounts() throws Exception {
        aws("organizations", "create-organization", "--feature-set", "ALL");
        aws("organizations", "create-account", "--email", "prod@example.com", "--account-name", "prod");
        aws("organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev");
        return io.entitylockdown.core.Json.mapper().readTree(aws("organizations", "list-roots")).at("/Roots/0/Id").asText();
    }

    private String aws(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", moto.endpoint().toString(),
                "--region", "us-east-1", "--output", "json"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(moto.awsEnvironment());
        builder.environment().remove("AWS_PROFILE");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            if (io.entitylockdown.testkit.MotoExtension.isCi()) {
                throw new AssertionError("CI=true and the AWS CLI cannot run: " + e.getMessage(), e);
            }
            // a workstation without the AWS CLI skips this test; CI (above) fails instead, so it never passes unrun
            org.junit.jupiter.api.Assumptions.abort("the AWS CLI is not installed (python3 -m pip install awscli)");
            throw e;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("aws %s: %s", String.join(" ", arguments), output).isZero();
        return output;
    }

    @Test
    void deploy_memberRoleStack_createsTheRoleTrustingOnlyTheExecutionRole() {
        Run run = deploy("--member-role-stack", "--execution-role-arn",
                "arn:aws:iam::999999999999:role/EntityLockdownExecutionRole",
                "--responder", "arn:aws:iam::999999999999:role/incident-responder");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(output(run.out(), "MemberRoleArn")).isEqualTo("arn:aws:iam::123456789012:role/EntityLockdownMemberRole");
        IamClient iam = estate.security().iam();
        String trust = URLDecoder.decode(iam.getRole(b -> b.roleName("EntityLockdownMemberRole")).role()
                .assumeRolePolicyDocument(), StandardCharsets.UTF_8);
        assertThat(trust).contains("arn:aws:iam::999999999999:role/EntityLockdownExecutionRole",
                "arn:aws:iam::999999999999:role/incident-responder", "sts:ExternalId");
        String policy = URLDecoder.decode(iam.getRolePolicy(b -> b.roleName("EntityLockdownMemberRole")
                .policyName("EntityLockdownContainment")).policyDocument(), StandardCharsets.UTF_8);
        assertThat(policy).contains("iam:AttachUserPolicy", "iam:PolicyARN", "arn:aws:iam::aws:policy/AWSDenyAll");
    }

    @Test
    void deploy_withBadInput_exits2AndCreatesNothing() {
        Run noPublisher = deploy("--bucket", bucket, "--jar", jar.toString(), "--audit-email", "secops@example.com");
        Run badEmail = deploy("--bucket", bucket, "--jar", jar.toString(),
                "--publisher", "arn:aws:iam::123456789012:role/soar", "--audit-email", "secops");
        Run missingJar = deploy("--bucket", bucket, "--jar", temp.resolve("nope.jar").toString(),
                "--publisher", "arn:aws:iam::123456789012:role/soar", "--audit-email", "secops@example.com");

        assertThat(noPublisher.exitCode()).isEqualTo(2);
        assertThat(noPublisher.err()).contains("--publisher");
        assertThat(badEmail.exitCode()).isEqualTo(2);
        assertThat(badEmail.err()).contains("not an e-mail address");
        assertThat(missingJar.exitCode()).isEqualTo(2);
        assertThat(missingJar.err()).contains("does not exist");
        assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
    }

    private static String output(String stdout, String key) {
        for (String line : stdout.split("\n")) {
            if (line.startsWith(key + "\t")) {
                return line.substring(key.length() + 1).strip();
            }
        }
        throw new AssertionError("No output " + key + " in:\n" + stdout);
    }
}
