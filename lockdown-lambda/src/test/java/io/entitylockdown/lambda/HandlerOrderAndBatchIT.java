package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.GetUserRequest;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/**
 * The handler's own order (the "started" audit never delays the first deny) and an SNS event of several
 * records with a poisoned one in the middle: the others are contained, the poisoned one is audited failed.
 */
@ExtendWith(MotoExtension.class)
class HandlerOrderAndBatchIT {
    private static final String ACCOUNT = MotoEstate.ACCOUNT;

    private TestHandler fixture;
    private EstateAccount account;
    private IamClient memberIam;

    @BeforeEach
    void deploy(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        account = estate.account(ACCOUNT);
        memberIam = account.iam();
    }

    private static String arn(String user) {
        return "arn:aws:iam::" + ACCOUNT + ":user/" + user;
    }

    private void user(String name) {
        account.user(name).activeKey().create();
    }

    private boolean denied(String name) {
        try {
            String document = memberIam.getUserPolicy(b -> b.userName(name).policyName(ContainmentPolicy.NAME))
                    .policyDocument();
            return ContainmentPolicy.parse(document, arn(name)).map(ContainmentPolicy.Form::denyAll).orElse(false);
        } catch (NoSuchEntityException e) {
            return false;
        }
    }

    @Test
    void theStartedAudit_doesNotDelayTheFirstDeny() throws Exception {
        user("alice");
        // sns:Publish of "started" is held until the deny has been sent; a handler that published first and
        // waited for the answer would hold the deny back until the latch gives up
        CountDownLatch denySent = new CountDownLatch(1);
        AtomicBoolean publishWaitedForTheDeny = new AtomicBoolean();
        ExecutionInterceptor order = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
                if ("PutUserPolicy".equals(operation)) {
                    denySent.countDown();
                } else if ("Publish".equals(operation) && denySent.getCount() > 0) {
                    try {
                        publishWaitedForTheDeny.set(denySent.await(10, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };

        JsonNode response = TestHandler.invoke(fixture.handler(order),
                TestHandler.originalEvent(arn("alice"), TestHandler.EXTERNAL_ID));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(publishWaitedForTheDeny).as("the deny went out while 'started' was held").isTrue();
        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(denied("alice")).isTrue();
    }

    @Test
    void aPoisonedEntityInTheMiddleOfAnEvent_failsAlone_andTheOthersAreContained() throws Exception {
        for (String name : List.of("first", "poisoned", "last")) {
            user(name);
        }
        // anything at all can go wrong for one entity: here a bug-like exception in the middle of its run
        ExecutionInterceptor poison = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof GetUserRequest get && "poisoned".equals(get.userName())) {
                    throw new IllegalStateException("injected: a poisoned entity");
                }
            }
        };
        List<String> records = new ArrayList<>();
        for (String name : List.of("first", "poisoned", "last")) {
            records.add(TestHandler.originalEvent(arn(name), TestHandler.EXTERNAL_ID));
        }
        String event = combined(records);

        assertThatThrownBy(() -> TestHandler.invoke(fixture.handler(poison), event))
                .isInstanceOf(ContainmentFailedException.class).hasMessageContaining("IAM user poisoned")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("IAM user first", "IAM user last"));

        assertThat(denied("first")).isTrue();
        assertThat(denied("last")).isTrue();
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).filteredOn(a -> a.subject().contains("poisoned")).extracting(TestHandler.Audit::event)
                .containsExactly("started", "failed");
        assertThat(audits).filteredOn(a -> a.event().equals("succeeded")).hasSize(2);
    }

    /** One SNS event whose Records are those of the given single-record events, in order. */
    private static String combined(List<String> events) throws Exception {
        var root = Json.mapper().createObjectNode();
        var all = root.putArray("Records");
        for (String event : events) {
            Json.mapper().readTree(event).path("Records").forEach(all::add);
        }
        return Json.write(root);
    }
}
