package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * A Lambda function whose execution role is protected, through the real engine and the handler: the
 * function is throttled to zero, its role is left alone, the outcome is refused, the audit says so, and
 * the invocation does not fail (a refusal is never retried, never kept).
 */
@ExtendWith(MotoExtension.class)
class HandlerRefusalIT {
    private static final String ACCOUNT = "111111111111";
    private static final String REGION = "us-west-2";

    private HandlerFixture fixture;
    private AccountSessions setup;
    private IamClient iam;
    private LambdaClient lambda;

    @BeforeEach
    void estate(MotoServer moto) {
        fixture = new HandlerFixture(moto);
        setup = new AccountSessions(AwsSettings.builder().endpoint(moto.endpoint()).homeRegion(Region.US_EAST_1)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .build(), Access.memberRole("SetupRole", null));
        var account = setup.session("aws", ACCOUNT, REGION, "setup");
        iam = account.iam();
        lambda = account.lambda();
    }

    @AfterEach
    void close() {
        setup.close();
        fixture.close();
    }

    @Test
    void functionWithAProtectedRole_isThrottled_itsRoleLeftAlone_auditedRefused_andNotRetried() throws Exception {
        String role = iam.createRole(b -> b.roleName("payments-admin").assumeRolePolicyDocument("{\"Version\":"
                + "\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
                + "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}")).role().arn();
        String function = lambda.createFunction(b -> b.functionName("payments").runtime(Runtime.PYTHON3_12).role(role)
                .handler("index.handler").code(c -> c.zipFile(SdkBytes.fromByteArray(zip())))).functionArn();
        Map<String, String> env = new HashMap<>(fixture.environment());
        env.put("LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::" + ACCOUNT + ":role/payments-admin");

        JsonNode response = HandlerFixture.invoke(fixture.handler(env),
                HandlerFixture.originalEvent(function, HandlerFixture.EXTERNAL_ID));

        assertThat(response.at("/results/0/event").asText()).as(response.toString()).isEqualTo("refused");
        assertThat(response.at("/results/0/outcome").asText()).isEqualTo("refused");
        assertThat(response.path("batchItemFailures")).isEmpty();
        assertThat(lambda.getFunctionConcurrency(b -> b.functionName("payments")).reservedConcurrentExecutions())
                .as("the part that was not refused is contained").isZero();
        assertThat(iam.listRolePolicies(b -> b.roleName("payments-admin")).policyNames())
                .as("the protected role is untouched").doesNotContain(ContainmentPolicy.NAME).isEmpty();
        List<HandlerFixture.Audit> audits = fixture.audits();
        assertThat(audits).extracting(HandlerFixture.Audit::event).containsExactly("started", "refused");
        assertThat(audits.get(1).body()).contains("REFUSED", "payments-admin").doesNotContain("Lambda will retry");
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
