package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.ec2.CredentialDenyPolicy;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Ten lockdown functions at once (ten handlers, as ten SNS messages run ten containers), one instance
 * each, every instance on one instance profile; then every phase-2 message. All succeed in that one
 * run, with no retry: every instance's credentials denied, one untracked and one isolation group.
 */
@ExtendWith(MotoExtension.class)
class ConcurrentHandlersIT {
    private static final int INSTANCES = 10;
    private static final String ACCOUNT = "111111111111";
    private static final String REGION = "eu-west-1";

    private HandlerFixture fixture;
    private AccountSessions setup;
    private Ec2Client ec2;
    private IamClient iam;
    private String vpc;
    private final List<String> arns = new ArrayList<>();

    @BeforeEach
    void estate(MotoServer moto) {
        fixture = new HandlerFixture(moto);
        setup = new AccountSessions(AwsSettings.builder().endpoint(moto.endpoint()).homeRegion(Region.US_EAST_1)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build(), Access.memberRole("SetupRole", null));
        var account = setup.session("aws", ACCOUNT, REGION, "setup");
        ec2 = account.ec2();
        iam = account.iam();
        iam.createRole(b -> b.roleName("shared-web").assumeRolePolicyDocument("{\"Version\":\"2012-10-17\","
                + "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
                + "\"Action\":\"sts:AssumeRole\"}]}"));
        iam.createInstanceProfile(b -> b.instanceProfileName("shared-web"));
        iam.addRoleToInstanceProfile(b -> b.instanceProfileName("shared-web").roleName("shared-web"));
        vpc = ec2.createVpc(b -> b.cidrBlock("10.50.0.0/16")).vpc().vpcId();
        String subnet = ec2.createSubnet(b -> b.vpcId(vpc).cidrBlock("10.50.1.0/24")).subnet().subnetId();
        String web = ec2.createSecurityGroup(b -> b.vpcId(vpc).groupName("web").description("web")).groupId();
        String image = ec2.describeImages(b -> b.owners("amazon")).images().get(0).imageId();
        for (int i = 0; i < INSTANCES; i++) {
            // one launch each: moto associates the instance profile with the first instance of a launch only
            String id = ec2.runInstances(b -> b.imageId(image).instanceType(InstanceType.T3_MICRO).minCount(1).maxCount(1)
                    .subnetId(subnet).securityGroupIds(web).iamInstanceProfile(p -> p.name("shared-web")))
                    .instances().get(0).instanceId();
            arns.add("arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":instance/" + id);
        }
    }

    @AfterEach
    void close() {
        setup.close();
        fixture.close();
    }

    @Test
    void tenFunctionsAtOnce_onInstancesOfOneRole_allSucceedInOneRun_andConverge() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fixture.environment());
        env.put("LOCKDOWN_WINDOW_SECONDS", "1");
        env.put("LOCKDOWN_SNAPSHOT", "false");
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<JsonNode>> functions = new ArrayList<>();
        for (String arn : arns) {
            LockdownHandler handler = fixture.handler(env);
            functions.add(() -> {
                start.await();
                return HandlerFixture.invoke(handler, HandlerFixture.originalEvent(arn, HandlerFixture.EXTERNAL_ID));
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(INSTANCES);
        List<Future<JsonNode>> running = new ArrayList<>();
        try {
            functions.forEach(f -> running.add(pool.submit(f)));
            start.countDown();
            for (Future<JsonNode> result : running) {
                JsonNode response = result.get();
                assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
            }
        } finally {
            pool.shutdownNow();
        }

        LockdownHandler phase2 = fixture.handler(env);
        for (int handled = 0; handled < INSTANCES; handled++) {
            Message message = nextPhase2();
            JsonNode response = HandlerFixture.invoke(phase2, HandlerFixture.sqsEvent(message.messageId(), message.body()));
            assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
            fixture.sqs.deleteMessage(b -> b.queueUrl(fixture.phase2QueueUrl).receiptHandle(message.receiptHandle()));
        }

        List<String> policies = iam.listRolePolicies(b -> b.roleName("shared-web")).policyNames();
        assertThat(policies).hasSize(INSTANCES);
        for (String arn : arns) {
            String name = CredentialDenyPolicy.perInstanceName(arn.substring(arn.lastIndexOf('/') + 1));
            assertThat(CredentialDenyPolicy.instanceArns(iam.getRolePolicy(b -> b.roleName("shared-web")
                    .policyName(name)).policyDocument())).hasValue(Set.of(arn));
        }
        String isolation = null;
        for (String group : List.of("entity-lockdown-untracked", "entity-lockdown-isolation")) {
            var found = ec2.describeSecurityGroups(b -> b.filters(Filter.builder().name("vpc-id").values(vpc).build(),
                    Filter.builder().name("group-name").values(group).build())).securityGroups();
            assertThat(found).as("exactly one %s in the VPC", group).hasSize(1);
            isolation = found.get(0).groupId();
        }
        String isolated = isolation;
        assertThat(ec2.describeNetworkInterfaces(b -> b.filters(Filter.builder().name("vpc-id").values(vpc).build()))
                .networkInterfaces()).hasSize(INSTANCES).allSatisfy(eni -> assertThat(new TreeSet<>(eni.groups().stream()
                        .map(g -> g.groupId()).toList())).containsExactly(isolated));
    }

    private Message nextPhase2() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = fixture.sqs.receiveMessage(b -> b.queueUrl(fixture.phase2QueueUrl)
                    .maxNumberOfMessages(1).waitTimeSeconds(1).visibilityTimeout(60)).messages();
            if (!messages.isEmpty()) {
                return messages.get(0);
            }
        }
        throw new AssertionError("a phase-2 message never became visible");
    }
}
