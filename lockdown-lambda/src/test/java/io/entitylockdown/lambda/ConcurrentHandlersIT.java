package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.ec2.CredentialDenyPolicy;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
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
    private static final String ACCOUNT = MotoEstate.ACCOUNT;
    private static final String REGION = "eu-west-1";

    private TestHandler fixture;
    private Ec2Client ec2;
    private IamClient iam;
    private String vpc;
    private final List<String> arns = new ArrayList<>();

    @BeforeEach
    void estate(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        Network network = estate.account(ACCOUNT).network(REGION);
        ec2 = network.ec2();
        iam = network.account().iam();
        vpc = network.vpcId();
        String profile = network.instanceProfile("shared-web");
        for (int i = 0; i < INSTANCES; i++) {
            // launched the usual way, one at a time (moto associates the profile with a launch's first instance)
            arns.add(network.arn(network.instance().securityGroupIds(network.appGroupId()).profile(profile).launch()));
        }
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
                return TestHandler.invoke(handler, TestHandler.originalEvent(arn, TestHandler.EXTERNAL_ID));
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
            JsonNode response = TestHandler.invoke(phase2, TestHandler.sqsEvent(message.messageId(), message.body()));
            assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
            fixture.sqs().deleteMessage(b -> b.queueUrl(fixture.phase2QueueUrl).receiptHandle(message.receiptHandle()));
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
            List<Message> messages = fixture.sqs().receiveMessage(b -> b.queueUrl(fixture.phase2QueueUrl)
                    .maxNumberOfMessages(1).waitTimeSeconds(1).visibilityTimeout(60)).messages();
            if (!messages.isEmpty()) {
                return messages.get(0);
            }
        }
        throw new AssertionError("a phase-2 message never became visible");
    }
}
