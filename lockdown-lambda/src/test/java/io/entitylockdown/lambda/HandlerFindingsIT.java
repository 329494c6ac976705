package io.entitylockdown.lambda;

import static io.entitylockdown.lambda.findings.FindingEvents.load;
import static io.entitylockdown.lambda.findings.FindingEvents.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * GuardDuty and Security Hub events, in the format AWS sends them (the sample events of the findings
 * package, pointed at resources made in moto), through the function's handler: what it contained,
 * what it only reported, what it refused, what it audited and what it told Security Hub.
 */
@ExtendWith(MotoExtension.class)
class HandlerFindingsIT {
    private static final String ACCOUNT = "111111111111";
    private static final String EC2_REGION = "us-east-1";
    private static final String LAMBDA_REGION = "us-west-2";

    private MotoServer moto;
    private HandlerFixture fixture;
    private AccountSessions setup;
    /** Calls of this test's handlers; every call also goes to HandlerFixture.HANDLER_CALLS for the least-privilege test. */
    private final CallRecorder calls = new CallRecorder();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();

    @BeforeEach
    void deploy(MotoServer moto) {
        this.moto = moto;
        fixture = new HandlerFixture(moto);
        setup = new AccountSessions(new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")), List.of(),
                Duration.ofSeconds(10), Duration.ofSeconds(30), 2), Access.memberRole("SetupRole", null));
    }

    @AfterEach
    void close() {
        setup.close();
        fixture.close();
    }

    private Map<String, String> environment(String autoContainTypes) {
        Map<String, String> env = new HashMap<>(fixture.environment());
        env.put("LOCKDOWN_SNAPSHOT", "false");
        if (autoContainTypes != null) {
            env.put("LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES", autoContainTypes);
            env.put("LOCKDOWN_GUARDDUTY_MIN_SEVERITY", "7");
        }
        return env;
    }

    private LockdownHandler handler(Map<String, String> env, ExecutionInterceptor... extra) {
        List<ExecutionInterceptor> interceptors = new ArrayList<>(List.of(HandlerFixture.HANDLER_CALLS, calls));
        interceptors.addAll(List.of(extra));
        AwsSettings aws = new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")), interceptors,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 2);
        return new LockdownHandler(env, aws, Clock.systemUTC(), new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    }

    // --- GuardDuty ---------------------------------------------------------------------------------

    @Test
    void guardDutyInstance_matchingTheAutoContainTypes_isContained_andPhase2IsScheduled() throws Exception {
        String instanceId = instance();
        JsonNode event = with(load("guardduty-ec2-instance.json"), "/detail/resource/instanceDetails/instanceId", instanceId);

        JsonNode response = HandlerFixture.invoke(handler(environment("CryptoCurrency:EC2/*")), Json.write(event));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(result.path("decision").asText()).isEqualTo("act");
        assertThat(result.path("entity").asText()).isEqualTo("arn:aws:ec2:us-east-1:111111111111:instance/" + instanceId);
        assertThat(result.at("/finding/id").asText()).isEqualTo("16afba5c5c43e07c9e3e5e2e544e95df");
        assertThat(result.at("/report/nextPhase/phase").asText()).isEqualTo("isolate");
        assertThat(fixture.phase2Waiting()).isEqualTo(1);
        assertThat(groupsOfEveryInterface(instanceId)).allSatisfy(groups -> assertThat(groups).singleElement()
                .satisfies(g -> assertThat(g.groupName()).isEqualTo("entity-lockdown-untracked")));
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(1).body()).contains("Acting on this finding because GuardDuty finding type "
                + "CryptoCurrency:EC2/BitcoinTool.B!DNS matches 'CryptoCurrency:EC2/*'",
                "Source:   GuardDuty finding 16afba5c5c43e07c9e3e5e2e544e95df", "schedule-phase-2: scheduled on the delay queue");
    }

    @Test
    void guardDutyInstance_notMatching_isOnlyADryRun_auditedAsWouldContain_andNothingChanges() throws Exception {
        String instanceId = instance();
        List<List<GroupIdentifier>> before = groupsOfEveryInterface(instanceId);
        JsonNode event = with(load("guardduty-ec2-instance.json"), "/detail/resource/instanceDetails/instanceId", instanceId);

        JsonNode response = HandlerFixture.invoke(handler(environment("Backdoor:EC2/*")), Json.write(event));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("would_contain");
        assertThat(result.path("decision").asText()).isEqualTo("report");
        assertThat(result.at("/report/dryRun").asBoolean()).isTrue();
        assertThat(result.at("/report/steps")).isNotEmpty();
        assertThat(groupsOfEveryInterface(instanceId)).isEqualTo(before);
        assertThat(ec2().describeInstanceAttribute(b -> b.instanceId(instanceId).attribute("disableApiTermination"))
                .disableApiTermination().value()).isFalse();
        assertThat(fixture.phase2Waiting()).isZero();
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("would_contain");
        assertThat(audits.get(0).subject()).startsWith("WOULD CONTAIN (dry run): EC2 instance " + instanceId);
        assertThat(audits.get(0).body()).contains("nothing was changed",
                "finding type CryptoCurrency:EC2/BitcoinTool.B!DNS matches none of LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES",
                "lockdown contain arn:aws:ec2:us-east-1:111111111111:instance/" + instanceId);
    }

    @Test
    void guardDutyLambda_isContained_reservedConcurrencyZero() throws Exception {
        String functionArn = function("billing-export");
        JsonNode event = with(load("guardduty-lambda.json"), "/detail/resource/lambdaDetails/functionArn", functionArn);

        JsonNode response = HandlerFixture.invoke(handler(environment("CryptoCurrency:Lambda/*")), Json.write(event));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(lambda().getFunctionConcurrency(b -> b.functionName("billing-export")).reservedConcurrentExecutions())
                .isZero();
        assertThat(fixture.audits()).extracting(HandlerFixture.Audit::event).containsExactly("started", "succeeded");
    }

    @Test
    void guardDutyRoot_isRefused_withWhatAPersonMustDo_andNothingIsCalledButTheAudit() throws Exception {
        JsonNode response = HandlerFixture.invoke(handler(environment("*")), Json.write(load("guardduty-root.json")));

        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("refused");
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("refused");
        assertThat(audits.get(0).subject()).isEqualTo("Finding needs a person: the root user of account 111111111111");
        assertThat(audits.get(0).body()).contains("Account:  111111111111", "What a person must do now:", "MFA", "SCP",
                "Policy:IAMUser/RootCredentialUsage", "will not be retried");
        assertThat(calls.actions()).containsExactly("sns:Publish");
    }

    @Test
    void guardDutyUnsupportedResourceType_isAuditedOnce_neverRetried() throws Exception {
        JsonNode response = HandlerFixture.invoke(handler(environment("*")), Json.write(load("guardduty-s3-bucket.json")));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(response.at("/results/0/summary").asText()).contains("Entity Lockdown contains EC2 instances");
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("rejected");
        assertThat(audits.get(0).subject()).startsWith("Finding not supported: GuardDuty resource of type 'S3Bucket'");
        assertThat(calls.actions()).containsExactly("sns:Publish");
    }

    /** The seams of issue 11.3: audited with the exact target, nothing changed, not retried. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "guardduty-iam-user.json | IAM user named 'mallory' in 111111111111 (path not given by the finding)",
        "guardduty-assumed-role.json | session 'build-4711' of IAM role ci-deployer in 111111111111 "
                + "(arn:aws:sts::111111111111:assumed-role/ci-deployer/build-4711)",
        "guardduty-instance-credential-exfiltration.json | the instance-profile credentials of EC2 instance "
                + "i-0f1e2d3c4b5a69788 in 111111111111/us-east-1 (role app-server-role)"})
    void guardDutyCredentialFindings_areAuditedAsNotYetSupported_withTheExactTarget(String file, String target)
            throws Exception {
        JsonNode response = HandlerFixture.invoke(handler(environment("*")), Json.write(load(file)));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(response.at("/results/0/entity").asText()).isEqualTo(target);
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("rejected");
        assertThat(audits.get(0).body()).contains("not yet supported by this build", target);
        assertThat(calls.actions()).containsExactly("sns:Publish");
    }

    @Test
    void eventOfAnotherSource_isRejectedAndAudited() throws Exception {
        JsonNode response = HandlerFixture.invoke(handler(environment(null)),
                Json.write(load("eventbridge-ec2-state-change.json")));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("rejected");
        assertThat(audits.get(0).body()).contains("'aws.ec2'", "lambda:InvokeFunction");
        assertThat(calls.actions()).containsExactly("sns:Publish");
    }

    @Test
    void badAutoContainConfiguration_failsTheFunctionAtStart_namingTheVariable() {
        Map<String, String> env = environment("CryptoCurrency");

        assertThatThrownBy(() -> handler(env)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Configuration error: 'CryptoCurrency' in LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES");
    }

    // --- Security Hub custom action ----------------------------------------------------------------

    @Test
    void customAction_containsTheSupportedResources_andMarksEachFindingNotified() throws Exception {
        user("alice");
        function("billing-export");
        SecurityHubStandIn securityHub = new SecurityHubStandIn(SecurityHubStandIn.Answer.PROCESSED);

        JsonNode response = HandlerFixture.invoke(handler(environment(null), securityHub),
                Json.write(load("securityhub-custom-action.json")));

        assertThat(response.path("results")).extracting(r -> r.path("event").asText())
                .as(response.toString()).containsExactly("succeeded", "succeeded", "rejected");
        assertThat(iam().listUserPolicies(b -> b.userName("alice")).policyNames())
                .as("the containment policy denies everything").contains("EntityLockdownContainment");
        assertThat(iam().listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.INACTIVE));
        assertThat(lambda().getFunctionConcurrency(b -> b.functionName("billing-export")).reservedConcurrentExecutions())
                .isZero();
        assertThat(fixture.audits()).extracting(HandlerFixture.Audit::event)
                .containsExactly("started", "succeeded", "started", "succeeded", "rejected");

        assertThat(securityHub.sent()).hasSize(2).allSatisfy(sent -> {
            assertThat(sent.method()).isEqualTo("PATCH");
            assertThat(sent.path()).isEqualTo("/findings/batchupdate");
            assertThat(sent.signingScope()).contains("/us-east-1/securityhub/");
        });
        assertThat(securityHub.sent().get(0).body()).isEqualTo(Json.mapper().readTree("""
                {"FindingIdentifiers":[{"Id":"arn:aws:securityhub:us-east-1:111111111111:security-control/IAM.3/finding/\
                5b1f2e7a-0c4d-4b8e-9a6f-3d2c1b0a9e8f","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/securityhub"}],
                 "Note":{"Text":"Entity Lockdown: contained: IAM user alice in 111111111111 (full reports: audit topic, \
                request local)","UpdatedBy":"entity-lockdown"},
                 "Workflow":{"Status":"NOTIFIED"}}"""));
        assertThat(securityHub.sent().get(1).body()).isEqualTo(Json.mapper().readTree("""
                {"FindingIdentifiers":[{"Id":"soar-correlation/2026-11-28/billing-export-exfiltration",
                  "ProductArn":"arn:aws:securityhub:us-west-2:111111111111:product/111111111111/default"}],
                 "Note":{"Text":"Entity Lockdown: contained: Lambda function billing-export in 111111111111/us-west-2; \
                not supported: AwsS3Bucket arn:aws:s3:::finance-exports-111111111111 (full reports: audit topic, request \
                local)","UpdatedBy":"entity-lockdown"},
                 "Workflow":{"Status":"NOTIFIED"}}"""));
        assertThat(response.path("results")).allSatisfy(r -> {
            assertThat(r.at("/securityHubUpdate/updated").asBoolean()).isTrue();
            assertThat(r.at("/securityHubUpdate/workflowStatus").asText()).isEqualTo("NOTIFIED");
        });
        assertThat(calls.actions()).contains("securityhub:BatchUpdateFindings");
    }

    @Test
    void customAction_whenSecurityHubCannotBeUpdated_theContainmentStands_andTheFailureIsAuditedNotRetried()
            throws Exception {
        user("alice");
        function("billing-export");
        SecurityHubStandIn motoAnswers = new SecurityHubStandIn(SecurityHubStandIn.Answer.MOTO);

        JsonNode response = HandlerFixture.invoke(handler(environment(null), motoAnswers),
                Json.write(load("securityhub-custom-action.json")));

        assertThat(motoAnswers.sent()).isNotEmpty();
        assertThat(response.path("results")).extracting(r -> r.path("event").asText())
                .containsExactly("succeeded", "succeeded", "rejected");
        assertThat(response.path("results")).allSatisfy(r -> {
            assertThat(r.at("/securityHubUpdate/updated").asBoolean()).isFalse();
            assertThat(r.at("/securityHubUpdate/problem").asText()).isNotEmpty();
        });
        assertThat(iam().listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.INACTIVE));
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event)
                .containsExactly("started", "succeeded", "started", "succeeded", "rejected", "failed", "failed");
        assertThat(audits.get(5).subject()).startsWith("Security Hub finding NOT updated: arn:aws:securityhub:us-east-1");
        assertThat(audits.get(5).body()).contains("The containment stands", "securityhub:BatchUpdateFindings",
                "contained: IAM user alice in 111111111111");
        assertThat(logLines("securityhub-update-failed")).hasSize(2);
    }

    @Test
    void customAction_whenSecurityHubLeavesAFindingUnprocessed_thatIsAuditedWithItsErrorCode() throws Exception {
        user("alice");
        SecurityHubStandIn unprocessed = new SecurityHubStandIn(SecurityHubStandIn.Answer.UNPROCESSED);
        ObjectNode event = load("securityhub-custom-action.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) event.at("/detail/findings")).remove(1);

        JsonNode response = HandlerFixture.invoke(handler(environment(null), unprocessed), Json.write(event));

        assertThat(response.at("/results/0/securityHubUpdate/problem").asText())
                .isEqualTo("securityhub:BatchUpdateFindings did not process the finding: FindingNotFound Finding not found");
        assertThat(fixture.audits()).extracting(HandlerFixture.Audit::event).containsExactly("started", "succeeded",
                "failed");
    }

    @Test
    void customAction_whenAContainmentFails_theInvocationFailsForRetry_andTheNoteSaysSo() throws Exception {
        user("alice");
        SecurityHubStandIn securityHub = new SecurityHubStandIn(SecurityHubStandIn.Answer.PROCESSED);
        ObjectNode event = load("securityhub-custom-action.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) event.at("/detail/findings")).remove(1);
        LockdownHandler handler = handler(environment(null), new StsAccessDenied(), securityHub);

        assertThatThrownBy(() -> HandlerFixture.invoke(handler, Json.write(event)))
                .isInstanceOf(ContainmentFailedException.class).hasMessageContaining("IAM user alice in 111111111111");

        assertThat(iam().listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.ACTIVE));
        assertThat(fixture.audits()).extracting(HandlerFixture.Audit::event).containsExactly("started", "failed");
        assertThat(securityHub.sent()).singleElement().satisfies(sent -> assertThat(sent.body().at("/Note/Text").asText())
                .startsWith("Entity Lockdown: NOT contained (failed; Lambda retries): IAM user alice in 111111111111"));
    }

    // --- estate ------------------------------------------------------------------------------------

    private Ec2Client ec2() {
        return setup.session("aws", ACCOUNT, EC2_REGION, "setup").ec2();
    }

    private IamClient iam() {
        return setup.session("aws", ACCOUNT, EC2_REGION, "setup").iam();
    }

    private LambdaClient lambda() {
        return setup.session("aws", ACCOUNT, LAMBDA_REGION, "setup").lambda();
    }

    private String instance() {
        String vpcId = ec2().createVpc(b -> b.cidrBlock("10.20.0.0/16")).vpc().vpcId();
        String subnetId = ec2().createSubnet(b -> b.vpcId(vpcId).cidrBlock("10.20.1.0/24")).subnet().subnetId();
        String imageId = ec2().describeImages(b -> b.owners("amazon")).images().get(0).imageId();
        return ec2().runInstances(b -> b.imageId(imageId).instanceType(InstanceType.T3_MICRO).subnetId(subnetId)
                .minCount(1).maxCount(1)).instances().get(0).instanceId();
    }

    private void user(String name) {
        iam().createUser(b -> b.userName(name));
        iam().createAccessKey(b -> b.userName(name));
    }

    private String function(String name) {
        String roleArn = iam().createRole(b -> b.roleName(name + "-role").assumeRolePolicyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                        + "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}")).role().arn();
        return lambda().createFunction(b -> b.functionName(name).runtime(Runtime.PYTHON3_12).role(roleArn)
                .handler("index.handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip())))).functionArn();
    }

    private List<List<GroupIdentifier>> groupsOfEveryInterface(String instanceId) {
        return ec2().describeNetworkInterfaces(b -> b.filters(f -> f.name("attachment.instance-id").values(instanceId)))
                .networkInterfaces().stream().map(eni -> eni.groups()).toList();
    }

    private List<JsonNode> logLines(String event) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : logBytes.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                JsonNode parsed = Json.mapper().readTree(line);
                if (parsed.path("event").asText().equals(event)) {
                    lines.add(parsed);
                }
            }
        }
        return lines;
    }

    private static byte[] zip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("index.py"));
            zip.write("def handler(event, context):\n    return 'ok'\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
