package io.entitylockdown.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.testkit.Fault;
import io.entitylockdown.testkit.FaultProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The SDK reads FaultProxy's injected errors exactly as it reads AWS's own, for every protocol the
 * engine uses, and retries throttling the configured number of times. Every request is faulted, so
 * nothing reaches the upstream (a closed port): no moto needed.
 */
class InjectedErrorParsingTest {
    private static final EntityArn FUNCTION = EntityArn.parse("arn:aws:lambda:eu-west-1:111111111111:function:fn");
    private FaultProxy proxy;
    private AwsSettings settings;
    private AccountSessions sessions;

    @BeforeEach
    void start() throws IOException {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        proxy = FaultProxy.start(closed);
        settings = AwsSettings.builder().endpoint(proxy.endpoint()).homeRegion(Region.US_EAST_1)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .attemptTimeout(Duration.ofSeconds(5)).callTimeout(Duration.ofSeconds(20)).maxAttempts(2).build();
    }

    @AfterEach
    void stop() {
        if (sessions != null) {
            sessions.close();
        }
        proxy.close();
    }

    private AccountSession session(Access access) {
        sessions = new AccountSessions(settings, access);
        return sessions.forEntity(FUNCTION);
    }

    private static AwsServiceException serviceError(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException service) {
                return service;
            }
        }
        throw new AssertionError("not an AWS service error", thrown);
    }

    @Test
    void throttledAssumeRole_isRetriedAndThenReported_beforeAnyServiceCall() {
        proxy.inject("*", Fault.throttling());
        AccountSession session = session(Access.memberRole("EntityLockdownMemberRole", "ext-id-1"));

        Throwable sts = catchThrowable(session::resolveCredentials);
        Throwable iam = catchThrowable(() -> session.iam().listUsers());
        Throwable lambda = catchThrowable(() -> session.lambda().listFunctions());
        Throwable ec2 = catchThrowable(() -> session.ec2().describeInstances());

        assertThat(serviceError(sts)).isInstanceOf(StsException.class);
        assertThat(AwsErrors.code(sts)).isEqualTo("Throttling");
        assertThat(serviceError(sts).statusCode()).isEqualTo(400);
        assertThat(AwsErrors.isThrottling(sts)).isTrue();
        // each later call tries the assume again (twice) and never goes out without credentials
        for (Throwable later : List.of(iam, lambda, ec2)) {
            assertThat(AwsErrors.code(later)).isEqualTo("Throttling");
        }
        assertThat(proxy.requestCounts()).isEqualTo(java.util.Map.of("sts:AssumeRole", 8));
    }

    @Test
    void throttlingOfIamLambdaAndEc2_isParsedAsEachServicesThrottling() {
        proxy.inject("iam:*", Fault.throttling());
        proxy.inject("lambda:*", Fault.throttling());
        proxy.inject("ec2:*", Fault.throttling());
        AccountSession session = session(Access.callerCredentials());

        AwsServiceException iam = serviceError(catchThrowable(() -> session.iam().listUsers()));
        AwsServiceException lambda = serviceError(catchThrowable(() -> session.lambda().listFunctions()));
        AwsServiceException ec2 = serviceError(catchThrowable(() -> session.ec2().describeInstances()));

        assertThat(iam).isInstanceOf(IamException.class);
        assertThat(AwsErrors.code(iam)).isEqualTo("Throttling");
        assertThat(lambda).isInstanceOf(LambdaException.class);
        assertThat(AwsErrors.code(lambda)).isEqualTo("TooManyRequestsException");
        assertThat(lambda.statusCode()).isEqualTo(429);
        assertThat(ec2).isInstanceOf(Ec2Exception.class);
        assertThat(AwsErrors.code(ec2)).isEqualTo("RequestLimitExceeded");
        assertThat(ec2.statusCode()).isEqualTo(503);
        for (AwsServiceException error : List.of(iam, lambda, ec2)) {
            assertThat(AwsErrors.isThrottling(error)).as(error.toString()).isTrue();
            assertThat(error.numAttempts()).isEqualTo(2);
        }
        assertThat(proxy.requests("iam:ListUsers")).isEqualTo(2);
        assertThat(proxy.requests("lambda:ListFunctions")).isEqualTo(2);
        assertThat(proxy.requests("ec2:DescribeInstances")).isEqualTo(2);
    }

    @Test
    void accessDeniedOfLambdasRestApi_namesTheAction_andIsNotRetried() {
        proxy.inject("lambda:PutFunctionConcurrency", Fault.awsError(403, "AccessDeniedException",
                "User is not authorized to perform: lambda:PutFunctionConcurrency"));
        AccountSession session = session(Access.callerCredentials());

        Throwable put = catchThrowable(() -> session.lambda().putFunctionConcurrency(
                b -> b.functionName("fn").reservedConcurrentExecutions(0)));

        assertThat(AwsErrors.isAccessDenied(put)).isTrue();
        assertThat(AwsErrors.describe(put, "lambda:PutFunctionConcurrency"))
                .isEqualTo("AccessDeniedException: User is not authorized to perform: lambda:PutFunctionConcurrency "
                        + "(the acting role needs lambda:PutFunctionConcurrency; update the member-role stack or the "
                        + "caller's policy)");
        assertThat(proxy.requests("lambda:PutFunctionConcurrency")).isEqualTo(1);
    }
}
