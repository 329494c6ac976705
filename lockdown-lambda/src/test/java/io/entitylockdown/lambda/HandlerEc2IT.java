package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.GroupIdentifier;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * EC2 through the handler: phase 1 applied and phase 2 scheduled on the delay queue with the window
 * as DelaySeconds; the queued message, delivered to the handler as the event source mapping would,
 * applies phase 2.
 */
@ExtendWith(MotoExtension.class)
class HandlerEc2IT {
    private static final String ACCOUNT = MotoEstate.ACCOUNT;
    private static final String REGION = "eu-west-1";
    private static final int WINDOW = 2;

    private TestHandler fixture;
    private Ec2Client ec2;
    private String instanceId;

    /** Records the phase-2 requests the handler sends, to check the delay it asks SQS for. */
    private final List<SendMessageRequest> sent = new CopyOnWriteArrayList<>();
    private final ExecutionInterceptor sends = new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof SendMessageRequest request) {
                sent.add(request);
            }
        }
    };

    @BeforeEach
    void instance(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        Network network = estate.account(ACCOUNT).network(REGION);
        ec2 = network.ec2();
        instanceId = network.launchInstance().instanceId();
    }

    /** The handler as deployed, with a window of {@link #WINDOW} seconds and no snapshots. */
    private LockdownHandler handler() {
        Map<String, String> env = new java.util.HashMap<>(fixture.environment());
        env.put("LOCKDOWN_WINDOW_SECONDS", Integer.toString(WINDOW));
        env.put("LOCKDOWN_SNAPSHOT", "false");
        return fixture.handler(env, sends);
    }

    private String arn() {
        return "arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":instance/" + instanceId;
    }

    @Test
    void handle_ec2_appliesPhase1_andSchedulesPhase2OnTheDelayQueueWithTheWindow() throws Exception {
        String arn = arn();

        JsonNode phase1 = TestHandler.invoke(handler(), TestHandler.originalEvent(arn, TestHandler.EXTERNAL_ID));

        assertThat(phase1.at("/results/0/event").asText()).as(phase1.toString()).isEqualTo("succeeded");
        assertThat(phase1.at("/results/0/report/nextPhase/phase").asText()).isEqualTo("isolate");
        assertThat(sent).singleElement().satisfies(request -> {
            assertThat(request.delaySeconds()).isEqualTo(WINDOW);
            assertThat(request.queueUrl()).isEqualTo(fixture.phase2QueueUrl);
            assertThat(request.messageBody()).contains(arn).doesNotContain(TestHandler.EXTERNAL_ID);
        });
        assertThat(fixture.phase2Waiting()).isEqualTo(1);
        assertThat(groupsOfEveryInterface()).allSatisfy(groups -> assertThat(groups).singleElement()
                .satisfies(g -> assertThat(rules(g.groupId())).isNotEmpty()));
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(1).body()).contains("schedule-phase-2: scheduled on the delay queue")
                .contains("delay " + WINDOW + " s");
    }

    @Test
    void handle_theQueuedPhase2Message_isolatesTheInstance_andIsAudited() throws Exception {
        LockdownHandler handler = handler();
        TestHandler.invoke(handler, TestHandler.originalEvent(arn(), TestHandler.EXTERNAL_ID));
        fixture.audits();
        Message queued = receivePhase2();

        JsonNode phase2 = TestHandler.invoke(handler, TestHandler.sqsEvent(queued.messageId(), queued.body()));

        assertThat(phase2.at("/results/0/event").asText()).as(phase2.toString()).isEqualTo("succeeded");
        assertThat(phase2.at("/results/0/report/operation").asText()).isEqualTo("isolate");
        assertThat(phase2.path("batchItemFailures")).isEmpty();
        assertThat(groupsOfEveryInterface()).allSatisfy(groups -> assertThat(groups).singleElement()
                .satisfies(g -> assertThat(rules(g.groupId())).isEmpty()));
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("succeeded");
        assertThat(audits.get(0).subject()).startsWith("Phase-2 isolation SUCCEEDED: EC2 instance " + instanceId);
    }

    @Test
    void handle_phase2DeliveredAgainAfterRelease_leavesTheReleasedInstanceAlone() throws Exception {
        LockdownHandler handler = handler();
        String arn = arn();
        List<String> original = groupsOfEveryInterface().stream()
                .map(groups -> groups.stream().map(GroupIdentifier::groupId).sorted().toList().toString()).toList();
        TestHandler.invoke(handler, TestHandler.originalEvent(arn, TestHandler.EXTERNAL_ID));
        Message queued = receivePhase2();
        TestHandler.invoke(handler, TestHandler.sqsEvent(queued.messageId(), queued.body()));
        JsonNode released = TestHandler.invoke(handler, TestHandler.snsEvent(Map.of("Arn", arn,
                "ExternalId", TestHandler.EXTERNAL_ID, "Operation", "release"), "release " + arn));
        assertThat(released.at("/results/0/event").asText()).as(released.toString()).isEqualTo("succeeded");

        // SQS delivers at least once: the same signed phase-2 message arrives again, after the release
        JsonNode late = TestHandler.invoke(handler, TestHandler.sqsEvent(queued.messageId(), queued.body()));

        assertThat(late.at("/results/0/event").asText()).as(late.toString()).isEqualTo("succeeded");
        assertThat(late.at("/results/0/report/steps/1/detail").asText()).contains("was released at");
        assertThat(late.path("batchItemFailures")).isEmpty();
        assertThat(groupsOfEveryInterface().stream()
                .map(groups -> groups.stream().map(GroupIdentifier::groupId).sorted().toList().toString()).toList())
                .as("the original groups, not the isolation group").isEqualTo(original);
    }

    @Test
    void handle_phase2MessageForAnotherInstance_isRejected() throws Exception {
        String arn = arn();
        String body = Phase2Message.create(arn, WINDOW, java.time.Instant.now(),
                DeploymentSecret.ofNullable(TestHandler.EXTERNAL_ID)).toJson().replace(instanceId, "i-0123456789abcdef0");

        JsonNode response = TestHandler.invoke(fixture.handler(), TestHandler.sqsEvent("m-1", body));

        assertThat(response.at("/results/0/event").asText()).isEqualTo("rejected");
        assertThat(fixture.calls.actions()).containsExactly("sns:Publish");
    }

    private Message receivePhase2() {
        long deadline = System.nanoTime() + Duration.ofSeconds(WINDOW + 20).toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = fixture.sqs().receiveMessage(b -> b.queueUrl(fixture.phase2QueueUrl)
                    .maxNumberOfMessages(1).waitTimeSeconds(1)).messages();
            if (!messages.isEmpty()) {
                return messages.get(0);
            }
        }
        throw new AssertionError("The phase-2 message never became visible");
    }

    private List<List<GroupIdentifier>> groupsOfEveryInterface() {
        return ec2.describeNetworkInterfaces(b -> b.filters(Filter.builder().name("attachment.instance-id")
                .values(instanceId).build()))
                .networkInterfaces().stream().map(eni -> eni.groups()).toList();
    }

    private List<Object> rules(String groupId) {
        SecurityGroup group = ec2.describeSecurityGroups(b -> b.groupIds(groupId)).securityGroups().get(0);
        List<Object> rules = new java.util.ArrayList<>(group.ipPermissions());
        rules.addAll(group.ipPermissionsEgress());
        return rules;
    }
}
