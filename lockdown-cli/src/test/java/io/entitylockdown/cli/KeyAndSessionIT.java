package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.SeededUser;
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
    void containAnAccessKey_namesItsOwnerFirst_thenContainsThatUser(MotoEstate estate) throws Exception {
        String arn;
        String key;
        SeededUser mallory = estate.account().user("mallory").path("/contractors/").activeKey().create();
        arn = mallory.arn();
        key = mallory.activeKey().id();

        Cli.Result result = Cli.against(estate, EXTERNAL_ID)
                .run("contain", key, "--account", MotoEstate.ACCOUNT, "--output", "json");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("Access key " + key + " belongs to IAM user " + arn + " (account "
                + MotoEstate.ACCOUNT + "); containing that user.");
        assertThat(result.err().indexOf("belongs to IAM user")).isLessThan(result.err().indexOf("Contain: 1 entity"));
        JsonNode reports = Json.mapper().readTree(result.out());
        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.get("entity").asText()).isEqualTo(arn);
            assertThat(r.get("outcome").asText()).isEqualTo("succeeded");
        });
        assertThat(Denial.userDenied(estate.account().iam(), "mallory")).isTrue();
        assertThat(estate.account().userSnapshot("mallory").keys().values()).containsOnly("Inactive");
    }

    @Test
    void statusOfAnAccessKey_withoutAnAccount_asksStsWhoseKeyItIs(MotoEstate estate) {
        String key;
        key = estate.account().user("mallory").activeKey().create().activeKey().id();
        CallRecorder calls = new CallRecorder();

        Cli.Result result = Cli.against(estate, EXTERNAL_ID, calls).run("status", key);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("belongs to IAM user arn:aws:iam::111111111111:user/mallory");
        assertThat(calls.actions()).contains("sts:GetAccessKeyInfo", "iam:GetAccessKeyLastUsed");
    }

    @Test
    void containAnUnknownKey_exits2_andChangesNothing(MotoEstate estate) {
        Cli.Result result = Cli.against(estate, EXTERNAL_ID).run("contain", "AKIAIOSFODNN7EXAMPLE", "--account",
                MotoEstate.ACCOUNT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("Rejected argument 1: Access key AKIAIOSFODNN7EXAMPLE is not a key of account "
                + MotoEstate.ACCOUNT);
    }

    @Test
    void containAKey_whenIamDeniesTheLookUp_exits1_andSaysNothingWasDone(MotoEstate estate) {
        String key;
        key = estate.account().user("mallory").activeKey().create().activeKey().id();
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

        Cli.Result result = Cli.against(estate, EXTERNAL_ID, denied).run("contain", key, "--account", MotoEstate.ACCOUNT);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Failed argument 1: The owner of access key " + key, "AccessDenied",
                "Nothing was changed");
        assertThat(Denial.userDenied(estate.account().iam(), "mallory")).isFalse();
        assertThat(estate.account().userSnapshot("mallory").keys().values()).containsOnly("Active");
    }

    private static final String SESSION = "arn:aws:sts::" + MotoEstate.ACCOUNT + ":assumed-role/ci-deployer/build-4711";

    @Test
    void containASession_deniesThatSessionByItsOwnPolicy_andSaysHowToUndoIt(MotoEstate estate) {
        estate.account().role("ci-deployer").trustedBy("ec2.amazonaws.com").create();

        Cli.Result contained = Cli.against(estate, EXTERNAL_ID).run("contain", SESSION);

        assertThat(contained.exitCode()).as(contained.toString()).isZero();
        assertThat(contained.out()).contains("IAM role session ci-deployer/build-4711", "To undo: lockdown release "
                + SESSION, "lockdown contain arn:aws:iam::111111111111:role/ci-deployer");
        assertThat(estate.account().iam().listRolePolicies(b -> b.roleName("ci-deployer")).policyNames())
                .containsExactly("EntityLockdownSession-build-4711");
    }

    @Test
    void releaseASession_removesItsPolicy(MotoEstate estate) {
        estate.account().role("ci-deployer").trustedBy("ec2.amazonaws.com").create();
        Cli cli = Cli.against(estate, EXTERNAL_ID);
        assertThat(cli.run("contain", SESSION).exitCode()).isZero();

        Cli.Result released = cli.run("release", SESSION);

        assertThat(released.exitCode()).as(released.toString()).isZero();
        assertThat(estate.account().iam().listRolePolicies(b -> b.roleName("ci-deployer")).policyNames()).isEmpty();
    }
}
