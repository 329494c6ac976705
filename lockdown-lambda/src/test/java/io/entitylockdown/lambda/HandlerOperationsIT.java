package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.report.StepOutcome;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.EntityContext;
import io.entitylockdown.core.strategy.StrategyRegistry;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * A lockdown message may ask for {@code release} or {@code status} as well as {@code contain}; release is
 * audited like containment and retried when it fails; status changes nothing; a refusal, whatever part
 * of the work it stopped, is audited {@code refused} and never fails the invocation.
 */
@ExtendWith(MotoExtension.class)
class HandlerOperationsIT {
    private static final String USER_ARN = "arn:aws:iam::111111111111:user/alice";

    private TestHandler fixture;
    private IamClient memberIam;

    @BeforeEach
    void deployAndSeed(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        memberIam = estate.account().iam();
        memberIam.createUser(b -> b.userName("alice"));
        memberIam.createAccessKey(b -> b.userName("alice"));
    }


    private static String request(String operation) {
        return TestHandler.snsEvent(Map.of("Arn", USER_ARN, "ExternalId", TestHandler.EXTERNAL_ID,
                "Operation", operation), operation + " " + USER_ARN);
    }

    @Test
    void release_throughTheTopic_undoesTheContainment_andIsAuditedLikeIt() throws Exception {
        LockdownHandler handler = fixture.handler();
        TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));
        assertThat(aliceDenied()).isTrue();
        fixture.audits();

        JsonNode response = TestHandler.invoke(handler, request("release"));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("succeeded");
        assertThat(response.at("/results/0/report/operation").asText()).isEqualTo("release");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "succeeded");
        assertThat(audits.get(0).subject()).startsWith("Release STARTED: IAM user alice in 111111111111");
        assertThat(audits.get(1).subject()).startsWith("Release SUCCEEDED: IAM user alice in 111111111111");
        assertThat(aliceDenied()).isFalse();
    }

    @Test
    void status_throughTheTopic_reportsAndChangesNothing() throws Exception {
        LockdownHandler handler = fixture.handler();
        TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));
        fixture.audits();
        fixture.calls.clear();

        JsonNode response = TestHandler.invoke(handler, TestHandler.snsEvent(Map.of(),
                "{\"arn\":\"" + USER_ARN + "\",\"externalId\":\"" + TestHandler.EXTERNAL_ID + "\",\"operation\":\"status\"}"));

        assertThat(response.at("/results/0/report/operation").asText()).as(response.toString()).isEqualTo("status");
        assertThat(response.at("/results/0/event").asText()).isEqualTo("succeeded");
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("succeeded");
        assertThat(audits.get(0).subject()).startsWith("Status SUCCEEDED: IAM user alice");
        assertThat(fixture.calls.actions()).as("read-only, besides the audit").allSatisfy(action -> assertThat(action)
                .matches("sts:AssumeRole|sns:Publish|iam:(Get|List)\\w+"));
        assertThat(aliceDenied()).isTrue();
    }

    @Test
    void release_whenTheMemberRoleCannotBeAssumed_isAuditedFailedAndRetried() throws Exception {
        LockdownHandler handler = fixture.handler(new StsAccessDenied());

        assertThatThrownBy(() -> TestHandler.invoke(handler, request("release")))
                .isInstanceOf(ContainmentFailedException.class).hasMessageContaining("IAM user alice in 111111111111");

        assertThat(fixture.audits()).extracting(TestHandler.Audit::event).containsExactly("started", "failed");
    }

    @Test
    void refusedReport_isAuditedRefused_andNeverFailsTheInvocation() throws Exception {
        LockdownHandler handler = fixture.handler(fixture.environment(), StrategyRegistry.of(new RefusingStrategy()));

        JsonNode response = TestHandler.invoke(handler, TestHandler.originalEvent(USER_ARN, TestHandler.EXTERNAL_ID));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("refused");
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("refused");
        assertThat(response.path("batchItemFailures")).isEmpty();
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "refused");
        assertThat(audits.get(1).body()).contains("REFUSED", "the execution role is protected")
                .doesNotContain("Lambda will retry");
    }

    /** Whether alice carries the lockdown's own containment policy, denying everything. */
    private boolean aliceDenied() {
        if (!memberIam.listUserPolicies(b -> b.userName("alice")).policyNames().contains(ContainmentPolicy.NAME)) {
            return false;
        }
        String document = memberIam.getUserPolicy(b -> b.userName("alice").policyName(ContainmentPolicy.NAME))
                .policyDocument();
        return ContainmentPolicy.parse(document, USER_ARN).map(ContainmentPolicy.Form::denyAll).orElse(false);
    }

    /**
     * Stands in for the engine's verdict on an entity whose dependant is protected (a function whose
     * execution role is on the protected list): its report's outcome is refused.
     */
    private static final class RefusingStrategy implements ContainmentStrategy {
        @Override
        public EntityType type() {
            return EntityType.IAM_USER;
        }

        @Override
        public Set<String> permissions() {
            return Set.of();
        }

        @Override
        public void contain(EntityContext ctx) {
            ctx.report().record("deny-execution-role", "iam:AttachRolePolicy",
                    StepOutcome.refused("the execution role is protected (LOCKDOWN_PROTECTED_PRINCIPALS)"), 0);
        }

        @Override
        public void release(EntityContext ctx) {
            contain(ctx);
        }

        @Override
        public void status(EntityContext ctx) {
            contain(ctx);
        }
    }
}
