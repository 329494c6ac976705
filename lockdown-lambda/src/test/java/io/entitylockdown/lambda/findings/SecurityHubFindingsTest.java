package io.entitylockdown.lambda.findings;

import static io.entitylockdown.lambda.findings.FindingEvents.load;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every resource of every finding of a custom action, mapped by its ASFF type; always acted on. */
class SecurityHubFindingsTest {
    private final FindingEventParser parser = new FindingEventParser(AutoContainPolicy.off());

    @Test
    void customAction_twoFindingsThreeResources_eachResourceOnce_actedOnBecauseAPersonChose() throws Exception {
        FindingEvent event = parser.parse(load("securityhub-custom-action.json"));

        assertThat(event.source()).isEqualTo(FindingRef.FindingSource.SECURITY_HUB);
        assertThat(event.region()).isEqualTo("us-east-1");
        assertThat(event.actionArn()).isEqualTo("arn:aws:securityhub:us-east-1:123456789012:action/custom/ContainEntity");
        assertThat(event.requests()).extracting(FindingRequest::target).containsExactly(
                new FindingTarget.Entity("arn:aws:iam::111111111111:user/alice", "111111111111"),
                new FindingTarget.Entity("arn:aws:lambda:us-west-2:111111111111:function:billing-export", "111111111111"),
                new FindingTarget.Unsupported("AwsS3Bucket arn:aws:s3:::finance-exports-111111111111", "111111111111",
                        "Entity Lockdown contains EC2 instances, IAM users and roles, Lambda functions and IAM access "
                                + "keys (AwsEc2Instance, AwsIamUser, AwsIamRole, AwsLambdaFunction, AwsIamAccessKey); "
                                + "respond to this resource by hand"));
        assertThat(event.requests()).allSatisfy(r -> {
            assertThat(r.decision().act()).isTrue();
            assertThat(r.decision().reason()).contains("a person chose the Security Hub custom action 'Contain entity'");
        });
        assertThat(event.findings()).extracting(FindingRef::id, FindingRef::productArn, FindingRef::region).containsExactly(
                org.assertj.core.groups.Tuple.tuple(
                        "arn:aws:securityhub:us-east-1:111111111111:security-control/IAM.3/finding/"
                                + "5b1f2e7a-0c4d-4b8e-9a6f-3d2c1b0a9e8f",
                        "arn:aws:securityhub:us-east-1::product/aws/securityhub", "us-east-1"),
                org.assertj.core.groups.Tuple.tuple("soar-correlation/2026-11-28/billing-export-exfiltration",
                        "arn:aws:securityhub:us-west-2:111111111111:product/111111111111/default", "us-west-2"));
    }

    @Test
    void credentialsAndOtherEntities_mapLikeGuardDuty_andAForeignAccountIsRefused() throws Exception {
        List<FindingTarget> targets = parser.parse(load("securityhub-credentials.json")).requests().stream()
                .map(FindingRequest::target).toList();

        assertThat(targets).hasSize(9);
        assertThat(targets.get(0)).isEqualTo(new FindingTarget.IamUserByName("aws", "111111111111", "mallory"));
        assertThat(targets.get(1)).isEqualTo(new FindingTarget.InstanceCredentials("aws", "111111111111", "us-east-1",
                "i-0f1e2d3c4b5a69788", "app-server-role"));
        assertThat(targets.get(2)).isEqualTo(new FindingTarget.RoleSession("aws", "111111111111", "ci-deployer",
                "build-4711"));
        assertThat(targets.get(3)).isInstanceOfSatisfying(FindingTarget.Refused.class,
                r -> assertThat(r.named()).isEqualTo("the root user of account 111111111111"));
        assertThat(targets.get(4)).isEqualTo(new FindingTarget.AccessKeyId("aws", "111111111111", "AKIAEXAMPLELEAKED001"));
        assertThat(targets.get(5)).isInstanceOfSatisfying(FindingTarget.Refused.class, r -> {
            assertThat(r.named()).isEqualTo("temporary access key ASIAEXAMPLETEMPKEY01 in 111111111111");
            assertThat(r.whatAHumanMustDo()).contains("CloudTrail", "userIdentity.accessKeyId = ASIAEXAMPLETEMPKEY01");
        });
        assertThat(targets.get(6)).isEqualTo(new FindingTarget.Entity("arn:aws:iam::111111111111:role/ops/ci-deployer",
                "111111111111"));
        assertThat(targets.get(7)).isEqualTo(new FindingTarget.Entity(
                "arn:aws:ec2:us-east-1:111111111111:instance/i-0f1e2d3c4b5a69788", "111111111111"));
        assertThat(targets.get(8)).isInstanceOfSatisfying(FindingTarget.Refused.class, r -> {
            assertThat(r.reason()).contains("belongs to account 111111111111", "account 222222222222",
                    "any account can import findings");
            assertThat(r.whatAHumanMustDo()).contains("lockdown contain arn:aws:iam::222222222222:role/SecurityAudit");
        });
    }

    @Test
    void resourcesWithoutArns_areBuiltFromTheirDetails() throws Exception {
        ObjectNode event = load("securityhub-custom-action.json");
        ArrayNode resources = (ArrayNode) event.at("/detail/findings/0/Resources");
        ObjectNode user = (ObjectNode) resources.get(0);
        user.put("Id", "AIDAEXAMPLEALICE00001");
        ObjectNode userWithoutPath = user.deepCopy();
        ((ObjectNode) userWithoutPath.at("/Details/AwsIamUser")).remove("Path");
        resources.add(userWithoutPath);
        ObjectNode instance = resources.addObject();
        instance.put("Type", "AwsEc2Instance").put("Id", "i-0123456789abcdef0").put("Region", "eu-west-1");
        ObjectNode function = resources.addObject();
        function.put("Type", "AwsLambdaFunction").put("Id", "billing-export").put("Region", "eu-west-1")
                .putObject("Details").putObject("AwsLambdaFunction").put("FunctionName", "billing-export");

        List<FindingTarget> targets = parser.parse(event).requests().stream().map(FindingRequest::target).toList();

        assertThat(targets.subList(0, 4)).containsExactly(
                new FindingTarget.Entity("arn:aws:iam::111111111111:user/alice", "111111111111"),
                new FindingTarget.IamUserByName("aws", "111111111111", "alice"),
                new FindingTarget.Entity("arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0", "111111111111"),
                new FindingTarget.Entity("arn:aws:lambda:eu-west-1:111111111111:function:billing-export", "111111111111"));
    }

    @Test
    void findingWithoutResources_isOneUnsupportedRequest() throws Exception {
        ObjectNode event = load("securityhub-custom-action.json");
        ((ObjectNode) event.at("/detail/findings/0")).remove("Resources");

        FindingRequest first = parser.parse(event).requests().get(0);

        assertThat(first.target()).isInstanceOfSatisfying(FindingTarget.Unsupported.class,
                u -> assertThat(u.reason()).isEqualTo("the finding names no resources"));
    }
}
