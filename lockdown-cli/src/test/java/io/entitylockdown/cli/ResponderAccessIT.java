package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoServer;
import io.entitylockdown.testkit.SeededUser;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Responders act from their own terminal, with their own identity, through the member role of another
 * account, on a moto that enforces IAM for the keys it issued (as AWS does): the member role is created in
 * that account from the real lockdown-member-role.yaml through moto's CloudFormation.
 *
 * <p>moto evaluates a role's trust policy only when the caller is in the role's own account (for a caller
 * in another account it looks the role up in the caller's account, does not find it, and allows), and of
 * the trust conditions only StringEquals. So the cross-account responder shows the whole flow and the
 * member role's permissions under enforcement; the trust policy itself (named principal allowed, other
 * principal refused, wrong ExternalId refused) is shown with callers in the member role's account. moto
 * also authorises IAM user actions against the resource "*", which no resource-scoped policy (the member
 * role's user/* statements) can match, so the target is an IAM role, whose actions moto authorises against
 * the role's ARN.
 */
class ResponderAccessIT {
    private static final String SECURITY = "123456789012";
    private static final String MEMBER = "111111111111";
    private static final String EXTERNAL_ID = "responder-test-external-id-0123456789";
    private static final String TARGET = "arn:aws:iam::" + MEMBER + ":role/ci-deployer";
    private static final String RESPONDER = "arn:aws:iam::" + SECURITY + ":user/ir-responder";
    private static final String LOCAL_RESPONDER = "arn:aws:iam::" + MEMBER + ":user/ir-local";
    private static final String ASSUME_MEMBER_ROLES = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::*:role/EntityLockdownMemberRole\"}]}";

    private static final String EC2_TRUST = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
    private static final String DENY_ALL = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
            + "\"Action\":\"*\",\"Resource\":\"*\"}]}";

    private static MotoServer moto;
    private MotoEstate estate;
    private EstateAccount member;
    private IamClient memberIam;
    private SeededUser.Key responder;
    private SeededUser.Key localResponder;
    private SeededUser.Key intruder;

    @BeforeAll
    static void start() {
        moto = MotoServer.start(MotoServer.Options.standard());
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void estate() throws IOException {
        moto.reset();
        enforceIam(false);
        estate = MotoEstate.on(moto);
        member = estate.account(MEMBER);
        memberIam = member.iam();
        responder = userWithKey(estate.security(), "ir-responder");
        localResponder = userWithKey(member, "ir-local");
        intruder = userWithKey(member, "intruder");
        for (String role : List.of("ci-deployer", "BreakGlass")) {
            member.role(role).trustPolicy(EC2_TRUST).create();
        }
        deployMemberRoleStack(Map.of("ResponderPrincipals", RESPONDER + "," + LOCAL_RESPONDER,
                "ProtectedPrincipals", "arn:aws:iam::*:role/BreakGlass,arn:aws:iam::*:role/*/BreakGlass"));
    }

    @AfterEach
    void close() {
        enforceIam(false);
        estate.close();
    }

    @Test
    void namedResponder_containsAndChecks_inAnotherAccount_withTheirOwnKeys() {
        enforceIam(true);

        Cli.Result contained = as(responder, EXTERNAL_ID).run("contain", TARGET);
        Cli.Result status = as(responder, EXTERNAL_ID).run("status", TARGET);

        assertThat(contained.exitCode()).as(contained.toString()).isZero();
        assertThat(contained.err()).contains("acting as member role EntityLockdownMemberRole");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("ci-deployer");
        enforceIam(false);
        assertThat(Denial.roleDenied(memberIam, "ci-deployer")).isTrue();
    }

    @Test
    void namedResponder_releases_inAnotherAccount_keepingOnlyTheRevocation() {
        enforceIam(true);
        Cli.Result contained = as(responder, EXTERNAL_ID).run("contain", TARGET);
        assertThat(contained.exitCode()).as(contained.toString()).isZero();

        Cli.Result released = as(responder, EXTERNAL_ID).run("release", TARGET);

        assertThat(released.exitCode()).as(released.toString()).isZero();
        enforceIam(false);
        assertThat(Denial.ofRole(memberIam, "ci-deployer")).as("release keeps the sessions issued before the "
                + "containment revoked, and only that").hasValueSatisfying(form -> assertThat(form.denyAll()).isFalse());
        assertThat(memberIam.listRolePolicies(b -> b.roleName("ci-deployer")).policyNames())
                .containsExactly(io.entitylockdown.core.iam.ContainmentPolicy.NAME);
    }

    @Test
    void trustPolicy_letsANamedPrincipalIn_andRefusesOthersAndAWrongExternalId() {
        enforceIam(true);

        Cli.Result named = as(localResponder, EXTERNAL_ID).run("status", TARGET);
        Cli.Result notNamed = as(intruder, EXTERNAL_ID).run("contain", TARGET);
        Cli.Result wrongId = as(localResponder, "a-guessed-external-id-000000").run("contain", TARGET);

        // All three may call sts:AssumeRole on the member role by their own policy; only the trust policy
        // tells them apart. (moto's STS error body carries no code the SDK reads, hence only the status.)
        assertThat(named.exitCode()).as(named.toString()).isZero();
        for (Cli.Result refused : List.of(notNamed, wrongId)) {
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.FAILED);
            assertThat(refused.out()).contains("assume-member-role (sts:AssumeRole) failed: HTTP 403")
                    .contains("Nothing was changed");
        }
        enforceIam(false);
        assertThat(attachedTo("ci-deployer")).isEmpty();
        assertThat(memberIam.listRolePolicies(b -> b.roleName("ci-deployer")).policyNames()).isEmpty();
    }

    @Test
    void memberRole_itselfRefusesToChangeProtectedPrincipalsAndItself_whoeverAsks() {
        enforceIam(true);
        StsClient sts = estate.as(SECURITY, responder.credentials()).client(StsClient.builder(), MotoEstate.HOME_REGION,
                b -> b);
        var session = sts.assumeRole(b -> b.roleArn("arn:aws:iam::" + MEMBER + ":role/EntityLockdownMemberRole")
                .roleSessionName("ir-responder").externalId(EXTERNAL_ID)).credentials();
        IamClient asMemberRole = estate.as(MEMBER, StaticCredentialsProvider.create(AwsSessionCredentials.create(
                session.accessKeyId(), session.secretAccessKey(), session.sessionToken()))).iam();
        for (String role : List.of("BreakGlass", "EntityLockdownMemberRole")) {
            assertThatThrownBy(() -> asMemberRole.putRolePolicy(b -> b.roleName(role)
                    .policyName("EntityLockdownDenyAll").policyDocument(DENY_ALL)))
                    .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertThatThrownBy(() -> asMemberRole.attachRolePolicy(b -> b.roleName(role)
                    .policyArn("arn:aws:iam::aws:policy/AWSDenyAll")))
                    .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
        // the control: the same call on a role nobody protects goes through
        asMemberRole.putRolePolicy(b -> b.roleName("ci-deployer").policyName("EntityLockdownDenyAll")
                .policyDocument(DENY_ALL));
        enforceIam(false);
        assertThat(memberIam.listRolePolicies(b -> b.roleName("BreakGlass")).policyNames()).isEmpty();
        assertThat(attachedTo("BreakGlass")).isEmpty();
        assertThat(memberIam.listRolePolicies(b -> b.roleName("ci-deployer")).policyNames())
                .containsExactly("EntityLockdownDenyAll");
    }

    /**
     * The member stack's EventBridge rule, as CloudFormation made it from the real template, routes a Put*Policy
     * by the member role under a name the lockdown never writes, and nothing else. moto cannot deliver to an
     * SNS target (it fails PutEvents) and has no TestEventPattern, so the rule's target, the stack's alert topic,
     * is checked and then replaced by an SQS queue, and sample CloudTrail events are sent with the AWS CLI (the
     * SDK's EventBridge module is not a dependency of this project).
     */
    @Test
    void unexpectedPolicyWrite_byTheMemberRole_isAlerted_andTheLockdownsOwnWritesAreNot() throws Exception {
        CloudFormationClient cloudFormation = cloudFormation();
        String alertTopic = cloudFormation.describeStacks(b -> b.stackName("entity-lockdown-member-role")).stacks().get(0)
                .outputs().stream().filter(o -> o.outputKey().equals("AlertTopicArn")).findFirst().orElseThrow()
                .outputValue();
        String rule = cloudFormation.listStackResources(b -> b.stackName("entity-lockdown-member-role"))
                .stackResourceSummaries().stream()
                .filter(r -> r.logicalResourceId().equals("UnexpectedPolicyWriteRule")).findFirst().orElseThrow()
                .physicalResourceId();
        SeededUser.Key tester = userWithKey(member, "events-tester");
        String queueUrl = member.queue("alerts");
        String queueArn = member.queueArn(queueUrl);
        String targets = awsCli(tester, "events", "list-targets-by-rule", "--rule", rule);
        assertThat(Json.mapper().readTree(targets).at("/Targets/0/Arn").asText()).isEqualTo(alertTopic);
        awsCli(tester, "events", "remove-targets", "--rule", rule, "--ids", "alert");
        awsCli(tester, "events", "put-targets", "--rule", rule, "--targets",
                "[{\"Id\":\"test-queue\",\"Arn\":\"" + queueArn + "\"}]");
        String memberRole = "arn:aws:iam::" + MEMBER + ":role/EntityLockdownMemberRole";
        String admin = "arn:aws:iam::" + MEMBER + ":role/Admin";
        List<String> entries = List.of(
                cloudTrailEntry(memberRole, "PutRolePolicy", "backdoor"),
                cloudTrailEntry(memberRole, "PutUserPolicy", "EntityLockdownDenyAllButMe"),
                cloudTrailEntry(memberRole, "PutRolePolicy", "EntityLockdownContainment"),
                cloudTrailEntry(memberRole, "PutUserPolicy", "EntityLockdownDenyAll"),
                cloudTrailEntry(memberRole, "PutRolePolicy", "EntityLockdownRevokeOlderSessions"),
                cloudTrailEntry(memberRole, "PutRolePolicy", "EntityLockdownInstanceCredentialsDeny"),
                cloudTrailEntry(memberRole, "PutRolePolicy", "EntityLockdownDenyInstance-i-0123456789abcdef0"),
                cloudTrailEntry(admin, "PutRolePolicy", "backdoor"),
                cloudTrailEntry(memberRole, "AttachRolePolicy", "backdoor"));

        String put = awsCli(tester, "events", "put-events", "--entries", "[" + String.join(",", entries) + "]");

        assertThat(Json.mapper().readTree(put).path("FailedEntryCount").asInt()).as(put).isZero();
        List<String> alerted = new java.util.ArrayList<>();
        for (var message : member.sqs().receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)).messages()) {
            alerted.add(Json.mapper().readTree(message.body()).at("/detail/requestParameters/policyName").asText());
        }
        assertThat(alerted).containsExactlyInAnyOrder("backdoor", "EntityLockdownDenyAllButMe");
    }

    /** A PutEvents entry shaped as CloudTrail delivers an IAM call made by a session of {@code issuer}. */
    private static String cloudTrailEntry(String issuer, String eventName, String policyName) {
        var detail = Json.mapper().createObjectNode();
        detail.put("eventVersion", "1.09");
        var identity = detail.putObject("userIdentity");
        identity.put("type", "AssumedRole");
        identity.put("arn", issuer.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/session");
        identity.put("accountId", MEMBER);
        var issuerNode = identity.putObject("sessionContext").putObject("sessionIssuer");
        issuerNode.put("type", "Role");
        issuerNode.put("arn", issuer);
        issuerNode.put("accountId", MEMBER);
        detail.put("eventSource", "iam.amazonaws.com");
        detail.put("eventName", eventName);
        detail.put("awsRegion", "us-east-1");
        var parameters = detail.putObject("requestParameters");
        parameters.put("roleName", "ci-deployer");
        parameters.put("policyName", policyName);
        var entry = Json.mapper().createObjectNode();
        entry.put("Source", "aws.iam");
        entry.put("DetailType", "AWS API Call via CloudTrail");
        entry.put("Detail", Json.write(detail));
        return Json.write(entry);
    }

    /** Runs the AWS CLI against moto with these keys; returns its output. Missing CLI: skipped, a failure in CI. */
    private static String awsCli(SeededUser.Key key, String... arguments) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("aws", "--endpoint-url", moto.endpoint().toString(),
                "--region", "us-east-1", "--output", "json"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("AWS_ACCESS_KEY_ID", key.id());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", key.secret());
        builder.environment().remove("AWS_SESSION_TOKEN");
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

    /** CloudFormation in the member account (the estate closes it). */
    private CloudFormationClient cloudFormation() {
        return member.client(CloudFormationClient.builder(), MotoEstate.HOME_REGION, b -> b);
    }

    /** The CLI run by this principal, with its own keys and the given ExternalId. */
    private static Cli as(SeededUser.Key key, String externalId) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("LOCKDOWN_EXTERNAL_ID", externalId);
        return new Cli(new CliEnvironment(env, settings -> settings.withCredentials(key.credentials())
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), 2)));
    }

    private void deployMemberRoleStack(Map<String, String> extra) throws IOException {
        String template = Files.readString(Path.of("..", "deploy", "lockdown-member-role.yaml"));
        Map<String, String> parameters = new HashMap<>(Map.of(
                "LockdownExecutionRoleArn", "arn:aws:iam::" + SECURITY + ":role/EntityLockdownExecutionRole",
                "ExternalId", EXTERNAL_ID));
        parameters.putAll(extra);
        CloudFormationClient cloudFormation = cloudFormation();
        cloudFormation.createStack(b -> b.stackName("entity-lockdown-member-role").templateBody(template)
                .capabilitiesWithStrings("CAPABILITY_NAMED_IAM")
                .parameters(parameters.entrySet().stream().map(e -> Parameter.builder().parameterKey(e.getKey())
                        .parameterValue(e.getValue()).build()).toList()));
        StackStatus status = cloudFormation.describeStacks(b -> b.stackName("entity-lockdown-member-role"))
                .stacks().get(0).stackStatus();
        assertThat(status).isEqualTo(StackStatus.CREATE_COMPLETE);
        storeInlinePoliciesAsText("EntityLockdownMemberRole");
        assertThat(memberIam.getRolePolicy(b -> b.roleName("EntityLockdownMemberRole").policyName("EntityLockdownContainment"))
                .policyDocument()).as("CloudFormation resolved AWS::AccountId to the member account").contains(MEMBER)
                .doesNotContain(SECURITY);
    }

    /**
     * moto's CloudFormation keeps a role's inline policies as Python objects where its IAM API keeps JSON text
     * (GetRolePolicy then answers with Python's notation), and its IAM enforcement can only read JSON. Put each
     * document back as JSON, with the content exactly as CloudFormation resolved it from the template. The
     * member policy holds no quote character, so Python's single quotes map one to one onto JSON's.
     */
    private void storeInlinePoliciesAsText(String role) throws IOException {
        for (String name : memberIam.listRolePolicies(b -> b.roleName(role)).policyNames()) {
            String stored = URLDecoder.decode(memberIam.getRolePolicy(b -> b.roleName(role).policyName(name))
                    .policyDocument(), StandardCharsets.UTF_8);
            String json = Json.write(Json.mapper().readTree(stored.startsWith("{'") ? stored.replace('\'', '"') : stored));
            memberIam.putRolePolicy(b -> b.roleName(role).policyName(name).policyDocument(json));
        }
    }

    private List<String> attachedTo(String role) {
        return memberIam.listAttachedRolePolicies(b -> b.roleName(role)).attachedPolicies().stream()
                .map(p -> p.policyName()).toList();
    }

    /** A user allowed to assume the member roles, with an access key of its own. */
    private static SeededUser.Key userWithKey(EstateAccount account, String name) {
        return account.user(name).inlinePolicy("assume-member-roles", ASSUME_MEMBER_ROLES).activeKey().create()
                .activeKey();
    }

    /** moto checks every request against IAM from now on (on), or none (off): its reset-auth switch. */
    static void enforceIam(boolean on) {
        try {
            HttpURLConnection connection = (HttpURLConnection) moto.endpoint().resolve("/moto-api/reset-auth").toURL()
                    .openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", "text/plain");
            try (OutputStream body = connection.getOutputStream()) {
                body.write((on ? "0" : "inf").getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(connection.getResponseCode()).isEqualTo(200);
            connection.getInputStream().readAllBytes();
            connection.disconnect();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
