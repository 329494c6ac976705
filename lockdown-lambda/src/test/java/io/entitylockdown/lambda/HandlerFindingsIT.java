package io.entitylockdown.lambda;

import static io.entitylockdown.lambda.findings.FindingEvents.load;
import static io.entitylockdown.lambda.findings.FindingEvents.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;

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

    private TestHandler fixture;
    private EstateAccount account;

    @BeforeEach
    void deploy(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        account = estate.account();
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
        return fixture.handler(env, extra);
    }

    // --- GuardDuty ---------------------------------------------------------------------------------

    @Test
    void guardDutyInstance_matchingTheAutoContainTypes_isContained_andPhase2IsScheduled() throws Exception {
        String instanceId = instance();
        JsonNode event = with(load("guardduty-ec2-instance.json"), "/detail/resource/instanceDetails/instanceId", instanceId);

        JsonNode response = TestHandler.invoke(handler(environment("CryptoCurrency:EC2/*")), Json.write(event));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(result.path("decision").asText()).isEqualTo("act");
        assertThat(result.path("entity").asText()).isEqualTo("arn:aws:ec2:us-east-1:111111111111:instance/" + instanceId);
        assertThat(result.at("/finding/id").asText()).isEqualTo("16afba5c5c43e07c9e3e5e2e544e95df");
        assertThat(result.at("/report/nextPhase/phase").asText()).isEqualTo("isolate");
        assertThat(fixture.phase2Waiting()).isEqualTo(1);
        assertThat(groupsOfEveryInterface(instanceId)).allSatisfy(groups -> assertThat(groups).singleElement()
                .satisfies(g -> assertThat(g.groupName()).isEqualTo("entity-lockdown-untracked")));
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(1).body()).contains("Acting on this finding because GuardDuty finding type "
                + "CryptoCurrency:EC2/BitcoinTool.B!DNS matches 'CryptoCurrency:EC2/*'",
                "Source:   GuardDuty finding 16afba5c5c43e07c9e3e5e2e544e95df", "schedule-phase-2: scheduled on the delay queue");
    }

    @Test
    void guardDutyInstance_notMatching_isOnlyADryRun_auditedAsWouldContain_andNothingChanges() throws Exception {
        String instanceId = instance();
        List<List<GroupIdentifier>> before = groupsOfEveryInterface(instanceId);
        JsonNode event = with(load("guardduty-ec2-instance.json"), "/detail/resource/instanceDetails/instanceId", instanceId);

        JsonNode response = TestHandler.invoke(handler(environment("Backdoor:EC2/*")), Json.write(event));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("would_contain");
        assertThat(result.path("decision").asText()).isEqualTo("report");
        assertThat(result.at("/report/dryRun").asBoolean()).isTrue();
        assertThat(result.at("/report/steps")).isNotEmpty();
        assertThat(groupsOfEveryInterface(instanceId)).isEqualTo(before);
        assertThat(ec2().describeInstanceAttribute(b -> b.instanceId(instanceId).attribute("disableApiTermination"))
                .disableApiTermination().value()).isFalse();
        assertThat(fixture.phase2Waiting()).isZero();
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("would_contain");
        assertThat(audits.get(0).subject()).startsWith("WOULD CONTAIN (dry run): EC2 instance " + instanceId);
        assertThat(audits.get(0).body()).contains("nothing was changed",
                "finding type CryptoCurrency:EC2/BitcoinTool.B!DNS matches none of LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES",
                "lockdown contain arn:aws:ec2:us-east-1:111111111111:instance/" + instanceId);
    }

    @Test
    void guardDutyLambda_isContained_reservedConcurrencyZero() throws Exception {
        String functionArn = function("billing-export");
        JsonNode event = with(load("guardduty-lambda.json"), "/detail/resource/lambdaDetails/functionArn", functionArn);

        JsonNode response = TestHandler.invoke(handler(environment("CryptoCurrency:Lambda/*")), Json.write(event));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(account.lambda(LAMBDA_REGION).getFunctionConcurrency(b -> b.functionName("billing-export")).reservedConcurrentExecutions())
                .isZero();
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
    }

    @Test
    void guardDutyRoot_isRefused_withWhatAPersonMustDo_andNothingIsCalledButTheAudit() throws Exception {
        JsonNode response = TestHandler.invoke(handler(environment("*")), Json.write(load("guardduty-root.json")));

        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("refused");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("refused");
        assertThat(audits.get(0).subject()).isEqualTo("Finding needs a person: the root user of account 111111111111");
        assertThat(audits.get(0).body()).contains("Account:  111111111111", "What a person must do now:", "MFA", "SCP",
                "Policy:IAMUser/RootCredentialUsage", "will not be retried");
        assertThat(fixture.calls.actions()).containsExactly("sns:Publish");
    }

    @Test
    void guardDutyUnsupportedResourceType_isAuditedOnce_neverRetried() throws Exception {
        JsonNode response = TestHandler.invoke(handler(environment("*")), Json.write(load("guardduty-s3-bucket.json")));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(response.at("/results/0/summary").asText()).contains("Entity Lockdown contains EC2 instances");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("rejected");
        assertThat(audits.get(0).subject()).startsWith("Finding not supported: GuardDuty resource of type 'S3Bucket'");
        assertThat(fixture.calls.actions()).containsExactly("sns:Publish");
    }

    @Test
    void guardDutyIamUser_knownOnlyByName_isLookedUpWithItsPath_andContained() throws Exception {
        String arn = iam().createUser(b -> b.path("/contractors/").userName("mallory")).user().arn();
        iam().createAccessKey(b -> b.userName("mallory"));
        ObjectNode event = severity(load("guardduty-iam-user.json"), 8);

        JsonNode response = TestHandler.invoke(handler(environment("UnauthorizedAccess:IAMUser/*")), Json.write(event));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(result.path("entity").asText()).isEqualTo("arn:aws:iam::111111111111:user/contractors/mallory")
                .isEqualTo(arn);
        assertThat(userDenied("mallory")).isTrue();
        assertThat(iam().listAccessKeys(b -> b.userName("mallory")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.INACTIVE));
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(1).body()).contains("The finding names IAM user 'mallory' without its path; IAM says it is "
                + arn);
    }

    @Test
    void guardDutyIamUser_thatDoesNotExist_isAuditedAsNotFound_neverRetried() throws Exception {
        ObjectNode event = severity(load("guardduty-iam-user.json"), 8);

        JsonNode response = TestHandler.invoke(handler(environment("*")), Json.write(event));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("rejected");
        assertThat(response.at("/results/0/summary").asText()).contains("There is no IAM user named mallory in account "
                + ACCOUNT);
        assertThat(fixture.audits()).extracting(TestHandler.Audit::subject).singleElement()
                .satisfies(subject -> assertThat(subject).startsWith("Finding not found: IAM user named 'mallory'"));
        assertThat(fixture.calls.actions()).doesNotContain("iam:PutUserPolicy", "iam:UpdateAccessKey");
    }

    @Test
    void guardDutyIamUser_whenTheLookUpCannotReachTheAccount_failsTheInvocationForRetry_andChangesNothing()
            throws Exception {
        iam().createUser(b -> b.userName("mallory"));
        LockdownHandler handler = handler(environment("*"), new StsAccessDenied());
        String event = Json.write(severity(load("guardduty-iam-user.json"), 8));

        assertThatThrownBy(() -> TestHandler.invoke(handler, event)).isInstanceOf(ContainmentFailedException.class)
                .hasMessageContaining("IAM user named 'mallory'").hasMessageContaining("could not be assumed");

        assertThat(userDenied("mallory")).isFalse();
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("failed");
        assertThat(audits.get(0).body()).contains("Nothing was changed", "Lambda will retry this event");
    }

    @Test
    void guardDutyAssumedRole_deniesThatSessionOnly_onItsRole() throws Exception {
        String roleArn = role("/ops/", "ci-deployer");
        String roleId = iam().getRole(b -> b.roleName("ci-deployer")).role().roleId();
        ObjectNode event = severity(load("guardduty-assumed-role.json"), 8);

        JsonNode response = TestHandler.invoke(handler(environment("Discovery:IAMUser/*")), Json.write(event));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(result.path("entity").asText()).isEqualTo("arn:aws:sts::111111111111:assumed-role/ci-deployer/build-4711");
        assertThat(sessionCondition("ci-deployer", "build-4711")).isEqualTo(roleId + ":build-4711");
        assertThat(iam().listRolePolicies(b -> b.roleName("ci-deployer")).policyNames())
                .as("the role itself is not denied").doesNotContain("EntityLockdownContainment");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(1).body()).contains("Only session 'build-4711' of role ci-deployer is denied",
                "lockdown contain " + roleArn);
    }

    @Test
    void guardDutyAssumedRole_notMatchingTheAutoContainTypes_isOnlyADryRun() throws Exception {
        role("/", "ci-deployer");

        JsonNode response = TestHandler.invoke(handler(environment("Backdoor:EC2/*")),
                Json.write(severity(load("guardduty-assumed-role.json"), 8)));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("would_contain");
        assertThat(iam().listRolePolicies(b -> b.roleName("ci-deployer")).policyNames()).containsExactly("own");
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("would_contain");
    }

    @Test
    void guardDutyInstanceCredentialExfiltration_deniesThatInstancesCredentialsOnly_andLeavesTheNetworkAlone()
            throws Exception {
        role("/", "app-server-role");
        String roleId = iam().getRole(b -> b.roleName("app-server-role")).role().roleId();

        JsonNode response = TestHandler.invoke(handler(environment("UnauthorizedAccess:IAMUser/InstanceCredential*")),
                Json.write(load("guardduty-instance-credential-exfiltration.json")));

        JsonNode result = response.at("/results/0");
        assertThat(result.path("event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(result.path("entity").asText())
                .isEqualTo("arn:aws:sts::111111111111:assumed-role/app-server-role/i-0f1e2d3c4b5a69788");
        assertThat(sessionCondition("app-server-role", "i-0f1e2d3c4b5a69788")).isEqualTo(roleId + ":i-0f1e2d3c4b5a69788");
        assertThat(fixture.calls.actions()).noneMatch(action -> action.startsWith("ec2:"));
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(1).body()).contains("instance-profile credentials of EC2 instance i-0f1e2d3c4b5a69788",
                "The instance and its network are NOT touched",
                "lockdown contain arn:aws:ec2:us-east-1:111111111111:instance/i-0f1e2d3c4b5a69788");
    }

    @Test
    void eventOfAnotherSource_isRejectedAndAudited() throws Exception {
        JsonNode response = TestHandler.invoke(handler(environment(null)),
                Json.write(load("eventbridge-ec2-state-change.json")));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("rejected");
        assertThat(audits.get(0).body()).contains("'aws.ec2'", "lambda:InvokeFunction");
        assertThat(fixture.calls.actions()).containsExactly("sns:Publish");
    }

    /** Whatever an invoker wrote as account and region: an oversized value must not make the audit fail. */
    @Test
    void rejectedEvent_withAHostileAccountAndRegion_isStillAudited_withoutThem() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode event = load("eventbridge-ec2-state-change.json");
        event.put("account", "1".repeat(5000));
        event.put("region", "x".repeat(5000));

        JsonNode response = TestHandler.invoke(handler(environment(null)), Json.write(event));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("rejected");
        assertThat(audits.get(0).body()).doesNotContain("xxxxxxxxxx", "1111111111111");
    }

    @Test
    void badAutoContainConfiguration_failsTheFunctionAtStart_namingTheVariable() {
        Map<String, String> env = environment("CryptoCurrency");

        assertThatThrownBy(() -> handler(env)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Configuration error: 'CryptoCurrency' in LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES");
    }

    // --- Security Hub custom action ----------------------------------------------------------------

    @Test
    void customAction_containsTheSupportedResources_andRejectsTheRest() throws Exception {
        user("alice");
        function("billing-export");
        SecurityHubStandIn securityHub = new SecurityHubStandIn(SecurityHubStandIn.Answer.PROCESSED);

        JsonNode response = TestHandler.invoke(handler(environment(null), securityHub),
                Json.write(load("securityhub-custom-action.json")));

        assertThat(response.path("results")).extracting(r -> r.path("event").asText())
                .as(response.toString()).containsExactly("succeeded", "succeeded", "rejected");
        assertThat(iam().listUserPolicies(b -> b.userName("alice")).policyNames())
                .as("the containment policy denies everything").contains("EntityLockdownContainment");
        assertThat(iam().listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.INACTIVE));
        assertThat(account.lambda(LAMBDA_REGION).getFunctionConcurrency(b -> b.functionName("billing-export"))
                .reservedConcurrentExecutions()).isZero();
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event)
                .containsExactly("started", "succeeded", "started", "succeeded", "rejected");
    }

    @Test
    void customAction_marksEachFindingNotified_withANoteOfWhatWasDone() throws Exception {
        user("alice");
        function("billing-export");
        SecurityHubStandIn securityHub = new SecurityHubStandIn(SecurityHubStandIn.Answer.PROCESSED);

        JsonNode response = TestHandler.invoke(handler(environment(null), securityHub),
                Json.write(load("securityhub-custom-action.json")));

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
        assertThat(fixture.calls.actions()).contains("securityhub:BatchUpdateFindings");
    }

    @Test
    void customAction_whenSecurityHubCannotBeUpdated_theContainmentStands_andTheFailureIsAuditedNotRetried()
            throws Exception {
        user("alice");
        function("billing-export");
        SecurityHubStandIn motoAnswers = new SecurityHubStandIn(SecurityHubStandIn.Answer.MOTO);

        JsonNode response = TestHandler.invoke(handler(environment(null), motoAnswers),
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
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event)
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

        JsonNode response = TestHandler.invoke(handler(environment(null), unprocessed), Json.write(event));

        assertThat(response.at("/results/0/securityHubUpdate/problem").asText())
                .isEqualTo("securityhub:BatchUpdateFindings did not process the finding: FindingNotFound Finding not found");
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded",
                "failed");
    }

    @Test
    void customAction_whenAContainmentFails_theInvocationFailsForRetry_andTheNoteSaysSo() throws Exception {
        user("alice");
        SecurityHubStandIn securityHub = new SecurityHubStandIn(SecurityHubStandIn.Answer.PROCESSED);
        ObjectNode event = load("securityhub-custom-action.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) event.at("/detail/findings")).remove(1);
        LockdownHandler handler = handler(environment(null), new StsAccessDenied(), securityHub);

        assertThatThrownBy(() -> TestHandler.invoke(handler, Json.write(event)))
                .isInstanceOf(ContainmentFailedException.class).hasMessageContaining("IAM user alice in 111111111111");

        assertThat(iam().listAccessKeys(b -> b.userName("alice")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.ACTIVE));
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("started", "failed");
        assertThat(securityHub.sent()).singleElement().satisfies(sent -> assertThat(sent.body().at("/Note/Text").asText())
                .startsWith("Entity Lockdown: NOT contained (failed; Lambda retries): IAM user alice in 111111111111"));
    }

    @Test
    void customAction_onCredentialFindings_containsUserByName_session_andKeyOwner_andRefusesWhatAPersonMustDo()
            throws Exception {
        String mallory = iam().createUser(b -> b.path("/contractors/").userName("mallory")).user().arn();
        iam().createAccessKey(b -> b.userName("mallory"));
        String leaky = iam().createUser(b -> b.path("/build/").userName("leaky-bot")).user().arn();
        String leakedKey = iam().createAccessKey(b -> b.userName("leaky-bot")).accessKey().accessKeyId();
        role("/ops/", "ci-deployer");
        String roleId = iam().getRole(b -> b.roleName("ci-deployer")).role().roleId();
        ObjectNode event = load("securityhub-credentials.json");
        com.fasterxml.jackson.databind.node.ArrayNode findings = (com.fasterxml.jackson.databind.node.ArrayNode)
                event.at("/detail/findings");
        // keep: mallory by name, the ci-deployer session, root, the leaked key and a temporary key
        findings.remove(5);
        findings.remove(1);
        with(event, "/detail/findings/3/Resources/0/Id", "AWS::IAM::AccessKey:" + leakedKey);
        SecurityHubStandIn securityHub = new SecurityHubStandIn(SecurityHubStandIn.Answer.PROCESSED);

        JsonNode response = TestHandler.invoke(handler(environment(null), securityHub), Json.write(event));

        assertThat(response.path("results")).extracting(r -> r.path("entity").asText() + " " + r.path("event").asText())
                .as(response.toString()).containsExactly(
                        mallory + " succeeded",
                        "arn:aws:sts::111111111111:assumed-role/ci-deployer/build-4711 succeeded",
                        "the root user of account 111111111111 refused",
                        leaky + " succeeded",
                        "temporary access key ASIAEXAMPLETEMPKEY01 in 111111111111 refused");
        assertThat(userDenied("mallory")).isTrue();
        assertThat(userDenied("leaky-bot")).isTrue();
        assertThat(iam().listAccessKeys(b -> b.userName("leaky-bot")).accessKeyMetadata())
                .allSatisfy(k -> assertThat(k.status()).isEqualTo(StatusType.INACTIVE));
        assertThat(sessionCondition("ci-deployer", "build-4711")).isEqualTo(roleId + ":build-4711");
        assertThat(securityHub.sent()).hasSize(4);
        assertThat(securityHub.sent().get(3).body().at("/Note/Text").asText()).contains(
                "contained: IAM user build/leaky-bot in 111111111111", "refused, a person must act");
        assertThat(fixture.audits()).filteredOn(a -> a.event().equals("succeeded")).extracting(TestHandler.Audit::body)
                .anySatisfy(body -> assertThat(body).contains("The finding names access key " + leakedKey
                        + "; it belongs to IAM user " + leaky));
    }

    // --- estate ------------------------------------------------------------------------------------

    private Ec2Client ec2() {
        return account.ec2(EC2_REGION);
    }

    private IamClient iam() {
        return account.iam();
    }

    private String instance() {
        return account.network(EC2_REGION).launchInstance().instanceId();
    }

    /** A role with a path and an inline policy of its own; returns its ARN. */
    private String role(String path, String name) {
        return account.role(name).path(path).trustedBy("ec2.amazonaws.com").inlinePolicy("own",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                        + "\"Resource\":\"*\"}]}").create();
    }

    /** The aws:userid the session policy of that session on that role denies (it denies nothing else). */
    private String sessionCondition(String role, String session) throws IOException {
        String document = iam().getRolePolicy(b -> b.roleName(role).policyName("EntityLockdownSession-" + session))
                .policyDocument();
        JsonNode statements = Json.mapper().readTree(java.net.URLDecoder.decode(document, StandardCharsets.UTF_8))
                .path("Statement");
        assertThat(statements).hasSize(1);
        assertThat(statements.get(0).path("Effect").asText()).isEqualTo("Deny");
        assertThat(statements.get(0).path("Action").asText()).isEqualTo("*");
        assertThat(statements.get(0).path("Condition").size()).isEqualTo(1);
        return statements.get(0).at("/Condition/StringEquals/aws:userid").asText();
    }

    /** True when the lockdown's containment policy on the user denies everything. */
    private boolean userDenied(String name) {
        String arn = iam().getUser(b -> b.userName(name)).user().arn();
        try {
            String document = iam().getUserPolicy(b -> b.userName(name).policyName("EntityLockdownContainment"))
                    .policyDocument();
            return io.entitylockdown.core.iam.ContainmentPolicy.parse(document, arn)
                    .map(io.entitylockdown.core.iam.ContainmentPolicy.Form::denyAll).orElse(false);
        } catch (software.amazon.awssdk.services.iam.model.NoSuchEntityException e) {
            return false;
        }
    }

    private static ObjectNode severity(ObjectNode event, double severity) {
        ((ObjectNode) event.path("detail")).put("severity", severity);
        return event;
    }

    private void user(String name) {
        account.user(name).activeKey().create();
    }

    private String function(String name) {
        return account.function(name).region(LAMBDA_REGION).role(account.role(name + "-role").create()).create();
    }

    private List<List<GroupIdentifier>> groupsOfEveryInterface(String instanceId) {
        return ec2().describeNetworkInterfaces(b -> b.filters(software.amazon.awssdk.services.ec2.model.Filter.builder()
                .name("attachment.instance-id").values(instanceId).build()))
                .networkInterfaces().stream().map(eni -> eni.groups()).toList();
    }

    private List<JsonNode> logLines(String event) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : fixture.logs().split("\n")) {
            if (!line.isBlank()) {
                JsonNode parsed = Json.mapper().readTree(line);
                if (parsed.path("event").asText().equals(event)) {
                    lines.add(parsed);
                }
            }
        }
        return lines;
    }
}
