package io.entitylockdown.lambda.findings;

import static io.entitylockdown.lambda.findings.FindingEvents.load;
import static io.entitylockdown.lambda.findings.FindingEvents.with;
import static io.entitylockdown.lambda.findings.FindingEvents.without;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every GuardDuty resource type and principal type of the sample events, mapped to its target. */
class GuardDutyFindingsTest {
    private final FindingEventParser parser = new FindingEventParser(AutoContainPolicy.off());

    private FindingRequest only(JsonNode event) throws RejectedEvent {
        FindingEvent parsed = parser.parse(event);
        assertThat(parsed.source()).isEqualTo(FindingRef.FindingSource.GUARDDUTY);
        assertThat(parsed.requests()).hasSize(1);
        return parsed.requests().get(0);
    }

    @Test
    void instance_isTheInstanceArnInTheFindingsAccountAndRegion() throws Exception {
        FindingRequest request = only(load("guardduty-ec2-instance.json"));

        assertThat(request.target()).isEqualTo(new FindingTarget.Entity(
                "arn:aws:ec2:us-east-1:111111111111:instance/i-0f1e2d3c4b5a69788", "111111111111"));
        assertThat(request.finding()).isEqualTo(new FindingRef(FindingRef.FindingSource.GUARDDUTY,
                "16afba5c5c43e07c9e3e5e2e544e95df", "", "CryptoCurrency:EC2/BitcoinTool.B!DNS", "8.0", "111111111111",
                "us-east-1", "Bitcoin-related domain name queried by EC2 instance i-0f1e2d3c4b5a69788."));
        assertThat(request.finding().describe())
                .isEqualTo("GuardDuty finding 16afba5c5c43e07c9e3e5e2e544e95df (CryptoCurrency:EC2/BitcoinTool.B!DNS, "
                        + "severity 8.0)");
    }

    @Test
    void instance_inGovCloud_usesThePartitionOfTheRegion() throws Exception {
        JsonNode event = with(with(load("guardduty-ec2-instance.json"), "/detail/region", "us-gov-west-1"),
                "/detail/partition", "aws-us-gov");

        assertThat(only(event).target()).isEqualTo(new FindingTarget.Entity(
                "arn:aws-us-gov:ec2:us-gov-west-1:111111111111:instance/i-0f1e2d3c4b5a69788", "111111111111"));
    }

    @Test
    void instance_withoutAValidInstanceId_isUnsupported() throws Exception {
        JsonNode event = with(load("guardduty-ec2-instance.json"), "/detail/resource/instanceDetails/instanceId",
                "i-../../role");

        assertThat(only(event).target()).isInstanceOfSatisfying(FindingTarget.Unsupported.class,
                u -> assertThat(u.reason()).contains("valid instance id"));
    }

    @Test
    void accessKeyOfIamUser_isTheUserByNameInTheFindingsAccount() throws Exception {
        assertThat(only(load("guardduty-iam-user.json")).target())
                .isEqualTo(new FindingTarget.IamUserByName("aws", "111111111111", "mallory"));
    }

    @Test
    void accessKeyOfAssumedRole_isThatSessionOnly() throws Exception {
        FindingTarget target = only(load("guardduty-assumed-role.json")).target();

        assertThat(target).isEqualTo(new FindingTarget.RoleSession("aws", "111111111111", "ci-deployer", "build-4711"));
        assertThat(((FindingTarget.RoleSession) target).sessionArn())
                .isEqualTo("arn:aws:sts::111111111111:assumed-role/ci-deployer/build-4711");
    }

    @Test
    void assumedRoleWithoutSession_isRefusedRatherThanContainingEverySessionOfTheRole() throws Exception {
        JsonNode event = with(load("guardduty-assumed-role.json"), "/detail/resource/accessKeyDetails/principalId",
                "AROAEXAMPLECIDEPLOYER");

        assertThat(only(event).target()).isInstanceOfSatisfying(FindingTarget.Refused.class, r -> {
            assertThat(r.reason()).contains("not the session");
            assertThat(r.whatAHumanMustDo()).contains("ASIAEXAMPLECIDEPLOY1", "assumed-role/ci-deployer/SESSION");
        });
    }

    @Test
    void instanceCredentialExfiltration_deniesThatInstancesCredentials() throws Exception {
        assertThat(only(load("guardduty-instance-credential-exfiltration.json")).target())
                .isEqualTo(new FindingTarget.InstanceCredentials("aws", "111111111111", "us-east-1", "i-0f1e2d3c4b5a69788",
                        "app-server-role"));
    }

    @Test
    void instanceCredentialExfiltration_whenTheSessionIsNoInstanceId_takesTheInstanceFromTheDetails() throws Exception {
        JsonNode event = with(load("guardduty-instance-credential-exfiltration.json"),
                "/detail/resource/accessKeyDetails/principalId", "AROAEXAMPLEAPPSERVER:renamed-session");

        assertThat(only(event).target()).isInstanceOfSatisfying(FindingTarget.InstanceCredentials.class,
                c -> assertThat(c.instanceArn()).isEqualTo("arn:aws:ec2:us-east-1:111111111111:instance/i-0f1e2d3c4b5a69788"));
    }

    @Test
    void instanceCredentialExfiltration_withNoInstanceAnywhere_isTheSession() throws Exception {
        JsonNode event = without(with(load("guardduty-instance-credential-exfiltration.json"),
                "/detail/resource/accessKeyDetails/principalId", "AROAEXAMPLEAPPSERVER:renamed-session"),
                "/detail/resource/instanceDetails");

        assertThat(only(event).target())
                .isEqualTo(new FindingTarget.RoleSession("aws", "111111111111", "app-server-role", "renamed-session"));
    }

    @Test
    void root_isRefusedWithWhatAPersonMustDo() throws Exception {
        assertThat(only(load("guardduty-root.json")).target()).isInstanceOfSatisfying(FindingTarget.Refused.class, r -> {
            assertThat(r.named()).isEqualTo("the root user of account 111111111111");
            assertThat(r.whatAHumanMustDo()).contains("password", "root access keys", "MFA", "SCP", "CloudTrail");
        });
    }

    @Test
    void federatedUser_isRefusedPointingAtTheIssuer() throws Exception {
        assertThat(only(load("guardduty-federated-user.json")).target())
                .isInstanceOfSatisfying(FindingTarget.Refused.class, r -> {
                    assertThat(r.named()).isEqualTo("federated user 'contractor-bob' in 111111111111");
                    assertThat(r.whatAHumanMustDo()).contains("GetFederationToken", "identity provider",
                            "revoke their sessions", "contain that role");
                });
    }

    @Test
    void unknownPrincipalType_isUnsupported() throws Exception {
        JsonNode event = with(load("guardduty-iam-user.json"), "/detail/resource/accessKeyDetails/userType", "AWSService");

        assertThat(only(event).target()).isInstanceOfSatisfying(FindingTarget.Unsupported.class,
                u -> assertThat(u.named()).contains("'AWSService'"));
    }

    @Test
    void lambda_isTheFunctionArn() throws Exception {
        assertThat(only(load("guardduty-lambda.json")).target()).isEqualTo(new FindingTarget.Entity(
                "arn:aws:lambda:us-west-2:111111111111:function:billing-export", "111111111111"));
    }

    @Test
    void lambdaInAnotherAccountThanTheFinding_isRefused() throws Exception {
        JsonNode event = with(load("guardduty-lambda.json"), "/detail/resource/lambdaDetails/functionArn",
                "arn:aws:lambda:us-west-2:222222222222:function:payments");

        assertThat(only(event).target()).isInstanceOfSatisfying(FindingTarget.Refused.class,
                r -> assertThat(r.reason()).contains("belongs to account 111111111111", "account 222222222222"));
    }

    @Test
    void lambdaArnThatIsNoFunction_isUnsupported() throws Exception {
        JsonNode event = with(load("guardduty-lambda.json"), "/detail/resource/lambdaDetails/functionArn",
                "arn:aws:iam::111111111111:role/billing-export-role");

        assertThat(only(event).target()).isInstanceOfSatisfying(FindingTarget.Unsupported.class,
                u -> assertThat(u.reason()).contains("another kind of entity (IAM role)"));
    }

    @Test
    void otherResourceType_isUnsupported() throws Exception {
        assertThat(only(load("guardduty-s3-bucket.json")).target()).isInstanceOfSatisfying(
                FindingTarget.Unsupported.class, u -> assertThat(u.named()).contains("'S3Bucket'"));
    }

    @Test
    void sampleFinding_isNeverActedOnButShowsTheMapping() throws Exception {
        FindingEventParser autoEverything = new FindingEventParser(
                AutoContainPolicy.fromEnvironment(Map.of(AutoContainPolicy.TYPES, "*")));

        FindingRequest request = autoEverything.parse(load("guardduty-sample-finding.json")).requests().get(0);

        assertThat(request.target()).isInstanceOfSatisfying(FindingTarget.Unsupported.class,
                u -> assertThat(u.reason()).contains("sample finding", "arn:aws:ec2:us-east-1:111111111111:instance/i-99999999"));
    }

    @Test
    void decision_followsThePolicy() throws Exception {
        FindingEventParser parser = new FindingEventParser(AutoContainPolicy.fromEnvironment(Map.of(
                AutoContainPolicy.TYPES, "CryptoCurrency:*", AutoContainPolicy.MIN_SEVERITY, "8")));

        assertThat(parser.parse(load("guardduty-ec2-instance.json")).requests().get(0).decision().act()).isTrue();
        assertThat(parser.parse(load("guardduty-iam-user.json")).requests().get(0).decision().act()).isFalse();
        assertThat(this.parser.parse(load("guardduty-ec2-instance.json")).requests().get(0).decision().act()).isFalse();
    }

    @Test
    void findingWithoutAccountOrRegion_isRejected() {
        assertThatThrownBy(() -> parser.parse(without(load("guardduty-ec2-instance.json"), "/detail/accountId")))
                .isInstanceOf(RejectedEvent.class).hasMessageContaining("no valid accountId");
        assertThatThrownBy(() -> parser.parse(with(load("guardduty-ec2-instance.json"), "/detail/region", "moon-1")))
                .isInstanceOf(RejectedEvent.class).hasMessageContaining("no valid region");
        assertThatThrownBy(() -> parser.parse(with(load("guardduty-ec2-instance.json"), "/detail/partition", "aws-cn")))
                .isInstanceOf(RejectedEvent.class).hasMessageContaining("partition 'aws-cn'");
    }
}
