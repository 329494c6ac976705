package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iam.model.GetAccessKeyLastUsedRequest;
import software.amazon.awssdk.services.iam.model.IamException;

/** {@code lockdown contain AKIA...} and a role session ARN, end to end on moto. */
@ExtendWith(MotoExtension.class)
class KeyAndSessionIT {
    private static final Map<String, String> EXTERNAL_ID = Map.of("LOCKDOWN_EXTERNAL_ID", "cli-test-external-id");

    @Test
    void containAnAccessKey_namesItsOwnerFirst_thenContainsThatUser(MotoServer moto) throws Exception {
        String arn;
        String key;
        try (Estate estate = new Estate(moto)) {
            arn = estate.iam().createUser(b -> b.path("/contractors/").userName("mallory")).user().arn();
            key = estate.iam().createAccessKey(b -> b.userName("mallory")).accessKey().accessKeyId();
        }

        Cli.Result result = Cli.against(moto, EXTERNAL_ID)
                .run("contain", key, "--account", Estate.ACCOUNT, "--output", "json");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("Access key " + key + " belongs to IAM user " + arn + " (account "
                + Estate.ACCOUNT + "); containing that user.");
        assertThat(result.err().indexOf("belongs to IAM user")).isLessThan(result.err().indexOf("Contain: 1 entity"));
        JsonNode reports = Json.mapper().readTree(result.out());
        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.get("entity").asText()).isEqualTo(arn);
            assertThat(r.get("outcome").asText()).isEqualTo("succeeded");
        });
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.denyInForce("mallory")).isTrue();
            assertThat(estate.keyStatuses("mallory")).containsOnly("Inactive");
        }
    }

    @Test
    void statusOfAnAccessKey_withoutAnAccount_asksStsWhoseKeyItIs(MotoServer moto) {
        String key;
        try (Estate estate = new Estate(moto)) {
            estate.user("mallory");
            key = estate.iam().listAccessKeys(b -> b.userName("mallory")).accessKeyMetadata().get(0).accessKeyId();
        }
        CallRecorder calls = new CallRecorder();

        Cli.Result result = Cli.against(moto, EXTERNAL_ID, calls).run("status", key);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("belongs to IAM user arn:aws:iam::111111111111:user/mallory");
        assertThat(calls.actions()).contains("sts:GetAccessKeyInfo", "iam:GetAccessKeyLastUsed");
    }

    @Test
    void containAnUnknownKey_exits2_andChangesNothing(MotoServer moto) {
        Cli.Result result = Cli.against(moto, EXTERNAL_ID).run("contain", "AKIAIOSFODNN7EXAMPLE", "--account",
                Estate.ACCOUNT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("Rejected argument 1: Access key AKIAIOSFODNN7EXAMPLE is not a key of account "
                + Estate.ACCOUNT);
    }

    @Test
    void containAKey_whenIamDeniesTheLookUp_exits1_andSaysNothingWasDone(MotoServer moto) {
        String key;
        try (Estate estate = new Estate(moto)) {
            estate.user("mallory");
            key = estate.iam().listAccessKeys(b -> b.userName("mallory")).accessKeyMetadata().get(0).accessKeyId();
        }
        ExecutionInterceptor denied = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof GetAccessKeyLastUsedRequest) {
                    throw IamException.builder().statusCode(403).message("not authorized")
                            .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied")
                                    .errorMessage("not authorized to perform: iam:GetAccessKeyLastUsed").build())
                            .build();
                }
            }
        };

        Cli.Result result = Cli.against(moto, EXTERNAL_ID, denied).run("contain", key, "--account", Estate.ACCOUNT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Failed argument 1: The owner of access key " + key, "AccessDenied",
                "Nothing was changed");
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.denyInForce("mallory")).isFalse();
            assertThat(estate.keyStatuses("mallory")).containsOnly("Active");
        }
    }

    @Test
    void containASession_thenRelease(MotoServer moto) {
        try (Estate estate = new Estate(moto)) {
            estate.iam().createRole(b -> b.roleName("ci-deployer").assumeRolePolicyDocument("{\"Version\":\"2012-10-17\","
                    + "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
                    + "\"Action\":\"sts:AssumeRole\"}]}"));
        }
        String session = "arn:aws:sts::" + Estate.ACCOUNT + ":assumed-role/ci-deployer/build-4711";
        Cli cli = Cli.against(moto, EXTERNAL_ID);

        Cli.Result contained = cli.run("contain", session);
        assertThat(contained.exitCode()).as(contained.toString()).isZero();
        assertThat(contained.out()).contains("IAM role session ci-deployer/build-4711", "To undo: lockdown release "
                + session, "lockdown contain arn:aws:iam::111111111111:role/ci-deployer");
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.iam().listRolePolicies(b -> b.roleName("ci-deployer")).policyNames())
                    .containsExactly("EntityLockdownSession-build-4711");
        }

        Cli.Result released = cli.run("release", session);
        assertThat(released.exitCode()).as(released.toString()).isZero();
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.iam().listRolePolicies(b -> b.roleName("ci-deployer")).policyNames()).isEmpty();
        }
    }
}
