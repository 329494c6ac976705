package io.entitylockdown.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.sts.model.StsException;

class AwsErrorsTest {

    private static AwsServiceException error(AwsServiceException.Builder builder, int status, String code, String message,
            int attempts) {
        return builder.statusCode(status).numAttempts(attempts)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
                .build();
    }

    @Test
    void accessDenied_namesTheAction_evenWhenWrappedByACredentialsProvider() {
        AwsServiceException denied = error(StsException.builder(), 403, "AccessDenied",
                "not authorized to perform: sts:AssumeRole", 1);
        SdkClientException wrapped = SdkClientException.create("Unable to load credentials", denied);

        assertThat(AwsErrors.code(wrapped)).isEqualTo("AccessDenied");
        assertThat(AwsErrors.isAccessDenied(wrapped)).isTrue();
        assertThat(AwsErrors.describe(wrapped, "sts:AssumeRole"))
                .isEqualTo("AccessDenied: not authorized to perform: sts:AssumeRole (the acting role needs "
                        + "sts:AssumeRole; update the member-role stack or the caller's policy)");
    }

    @Test
    void noCredentialsAtAll_saysHowToProvideThem_insteadOfTheProviderChainDump() {
        SdkClientException none = SdkClientException.create("Unable to load credentials from any of the providers in the "
                + "chain AwsCredentialsProviderChain(credentialsProviders=[...]) : [...]");

        assertThat(AwsErrors.isMissingCredentials(none)).isTrue();
        assertThat(AwsErrors.describe(none, "sts:AssumeRole"))
                .startsWith("no AWS credentials to call sts:AssumeRole with: set AWS_PROFILE")
                .doesNotContain("AwsCredentialsProviderChain");
        AwsServiceException denied = error(StsException.builder(), 403, "AccessDenied", "no", 1);
        assertThat(AwsErrors.isMissingCredentials(SdkClientException.create(
                "Unable to load credentials from any of the providers in the chain", denied))).isFalse();
    }

    @Test
    void accessDeniedCodes_ofEveryService() {
        assertThat(AwsErrors.isAccessDenied(error(Ec2Exception.builder(), 403, "UnauthorizedOperation", "no", 1))).isTrue();
        assertThat(AwsErrors.isAccessDenied(error(LambdaException.builder(), 403, "AccessDeniedException", "no", 1))).isTrue();
        assertThat(AwsErrors.isAccessDenied(error(Ec2Exception.builder(), 401, "AuthFailure", "no", 1))).isTrue();
        assertThat(AwsErrors.isAccessDenied(error(Ec2Exception.builder(), 400, "InvalidParameterValue", "no", 1))).isFalse();
    }

    @Test
    void notFoundCodes() {
        assertThat(AwsErrors.isNotFound(error(StsException.builder(), 404, "NoSuchEntity", "", 1))).isTrue();
        assertThat(AwsErrors.isNotFound(error(LambdaException.builder(), 404, "ResourceNotFoundException", "", 1))).isTrue();
        assertThat(AwsErrors.isNotFound(error(Ec2Exception.builder(), 400, "InvalidInstanceID.NotFound", "", 1))).isTrue();
        assertThat(AwsErrors.isNotFound(error(Ec2Exception.builder(), 400, "InvalidInstanceID.Malformed", "", 1))).isTrue();
        assertThat(AwsErrors.isNotFound(error(Ec2Exception.builder(), 400, "InvalidGroupId.Malformed", "", 1))).isFalse();
    }

    @Test
    void throttling_saysItWasRetriedAndToWait() {
        AwsServiceException throttled = error(LambdaException.builder(), 429, "TooManyRequestsException", "Rate exceeded", 5);

        assertThat(AwsErrors.isThrottling(throttled)).isTrue();
        assertThat(AwsErrors.describe(throttled, "lambda:PutFunctionConcurrency"))
                .isEqualTo("TooManyRequestsException: Rate exceeded (AWS kept throttling lambda:PutFunctionConcurrency "
                        + "after 5 attempts; wait a minute and run the command again, it is idempotent)");
        assertThat(AwsErrors.isThrottling(error(StsException.builder(), 400, "Throttling", "Rate exceeded", 1))).isTrue();
        assertThat(AwsErrors.isThrottling(error(Ec2Exception.builder(), 503, "RequestLimitExceeded", "slow", 1))).isTrue();
    }

    @Test
    void serverError_saysToRunAgain() {
        AwsServiceException failed = error(StsException.builder(), 503, "ServiceUnavailable", "try later", 3);

        assertThat(AwsErrors.describe(failed, "iam:TagUser"))
                .isEqualTo("ServiceUnavailable: try later (AWS failed iam:TagUser after 3 attempts; run the command "
                        + "again, it is idempotent)");
    }

    @Test
    void timeouts_ofEveryKind_sayTheOutcomeIsUnknown() {
        SdkClientException socket = SdkClientException.create("Unable to execute HTTP request: Read timed out",
                new SocketTimeoutException("Read timed out"));

        for (Throwable timeout : new Throwable[] {ApiCallTimeoutException.create(1000),
                ApiCallAttemptTimeoutException.create(300), socket}) {
            assertThat(AwsErrors.isTimeout(timeout)).as(timeout.toString()).isTrue();
            assertThat(AwsErrors.describe(timeout, "iam:TagUser"))
                    .startsWith("timed out: AWS did not answer iam:TagUser in time")
                    .contains("may or may not have been made", "run the command again");
        }
        assertThat(AwsErrors.isTimeout(SdkClientException.create("Connection refused"))).isFalse();
    }

    @Test
    void unreachable_andUnexpectedErrors() {
        assertThat(AwsErrors.describe(SdkClientException.create("Connection refused"), "iam:GetUser"))
                .isEqualTo("could not reach AWS for iam:GetUser: Connection refused");
        assertThat(AwsErrors.describe(new IllegalStateException("bug"), "")).isEqualTo("IllegalStateException: bug");
    }
}
