package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * A Lambda function whose execution role is protected, through the real engine and the handler: the
 * function is throttled to zero, its role is left alone, the outcome is refused, the audit says so, and
 * the invocation does not fail (a refusal is never retried, never kept).
 */
@ExtendWith(MotoExtension.class)
class HandlerRefusalIT {
    private static final String ACCOUNT = MotoEstate.ACCOUNT;
    private static final String REGION = "us-west-2";

    private TestHandler fixture;
    private EstateAccount account;
    private IamClient iam;
    private LambdaClient lambda;

    @BeforeEach
    void estate(MotoEstate estate) {
        fixture = TestHandler.deployOn(estate);
        account = estate.account(ACCOUNT);
        iam = account.iam();
        lambda = account.lambda(REGION);
    }

    @Test
    void functionWithAProtectedRole_isThrottled_itsRoleLeftAlone_auditedRefused_andNotRetried() throws Exception {
        String role = account.role("payments-admin").trustedBy("lambda.amazonaws.com").create();
        String function = account.function("payments").region(REGION).role(role).create();
        Map<String, String> env = new HashMap<>(fixture.environment());
        env.put("LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::" + ACCOUNT + ":role/payments-admin");

        JsonNode response = TestHandler.invoke(fixture.handler(env),
                TestHandler.originalEvent(function, TestHandler.EXTERNAL_ID));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("refused");
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("refused");
        assertThat(response.path("batchItemFailures")).isEmpty();
        assertThat(lambda.getFunctionConcurrency(b -> b.functionName("payments")).reservedConcurrentExecutions())
                .as("the part that was not refused is contained").isZero();
        assertThat(iam.listRolePolicies(b -> b.roleName("payments-admin")).policyNames())
                .as("the protected role is untouched").doesNotContain(ContainmentPolicy.NAME).isEmpty();
        List<TestHandler.Audit> audits = fixture.audits();
        assertThat(audits).extracting(TestHandler.Audit::event).containsExactly("started", "refused");
        assertThat(audits.get(1).body()).contains("REFUSED", "payments-admin").doesNotContain("Lambda will retry");
    }
}
