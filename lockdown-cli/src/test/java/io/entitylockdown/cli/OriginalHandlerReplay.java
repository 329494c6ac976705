package io.entitylockdown.cli;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * A benchmark stand-in for the original solution's handler (Vectra's SNS-triggered lockdown Lambda,
 * in Python): not its code, but its AWS requests per entity type, in its order, one entity after the
 * other, with the Java SDK, so both run through the same {@code FaultProxy} and the same moto. Per
 * event the original:
 *
 * <ol>
 *   <li>publishes "Started" to its audit topic ({@code sns:Publish}),</li>
 *   <li>assumes the cross-account role in the entity's account ({@code sts:AssumeRole}, a fresh session
 *       every event, no ExternalId),</li>
 *   <li>IAM user: {@code iam:AttachUserPolicy} AWSDenyAll. IAM role: {@code iam:AttachRolePolicy} AWSDenyAll.
 *       Lambda function: {@code lambda:GetFunctionConfiguration} (to learn its role),
 *       {@code iam:AttachRolePolicy} AWSDenyAll on that role, {@code lambda:PutFunctionConcurrency} 0,</li>
 *   <li>publishes "Complete" ({@code sns:Publish}), or "Failed" with the error when a call failed.</li>
 * </ol>
 *
 * <p>It reads nothing back, records no prior state and verifies nothing. Its clients retry like
 * boto3's default (legacy mode, 5 attempts). Like the original, it builds the member account's clients
 * anew for every event; the HTTP connection pool is shared, which favours the stand-in slightly.
 */
final class OriginalHandlerReplay implements AutoCloseable {
    private static final String DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";
    private static final String ROLE = "EntityLockdownMemberRole";

    private final URI endpoint;
    private final String topicArn;
    private final SdkHttpClient http = UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(60)).build();
    private final AwsCredentialsProvider own = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing",
            "testing"));
    private final SnsClient sns;
    private final StsClient sts;

    OriginalHandlerReplay(URI endpoint, Region home, String topicArn) {
        this.endpoint = endpoint;
        this.topicArn = topicArn;
        this.sns = configure(SnsClient.builder(), home, own).build();
        this.sts = configure(StsClient.builder(), home, own).build();
    }

    /** Handles one event for {@code arn}; returns false when the original would have published "Failed". */
    boolean handle(String arn) {
        publish("Started", arn);
        try {
            String[] parts = arn.split(":");
            String service = parts[2];
            String account = parts[4];
            Credentials assumed = sts.assumeRole(b -> b.roleArn("arn:aws:iam::" + account + ":role/" + ROLE)
                    .roleSessionName("cross_acct_lambda")).credentials();
            AwsCredentialsProvider member = StaticCredentialsProvider.create(AwsSessionCredentials.create(
                    assumed.accessKeyId(), assumed.secretAccessKey(), assumed.sessionToken()));
            if (service.equals("lambda")) {
                Region region = Region.of(parts[3]);
                String function = parts[6];
                try (LambdaClient lambda = configure(LambdaClient.builder(), region, member).build();
                        IamClient iam = configure(IamClient.builder(), Region.AWS_GLOBAL, member).build()) {
                    String role = lambda.getFunctionConfiguration(b -> b.functionName(function)).role();
                    iam.attachRolePolicy(b -> b.roleName(role.substring(role.lastIndexOf('/') + 1)).policyArn(DENY_ALL));
                    lambda.putFunctionConcurrency(b -> b.functionName(function).reservedConcurrentExecutions(0));
                }
            } else {
                String[] resource = parts[5].split("/");
                try (IamClient iam = configure(IamClient.builder(), Region.AWS_GLOBAL, member).build()) {
                    if (resource[0].equals("user")) {
                        iam.attachUserPolicy(b -> b.userName(resource[resource.length - 1]).policyArn(DENY_ALL));
                    } else {
                        iam.attachRolePolicy(b -> b.roleName(resource[resource.length - 1]).policyArn(DENY_ALL));
                    }
                }
            }
        } catch (RuntimeException e) {
            publish("Failed", arn + " - with error: " + e.getMessage());
            return false;
        }
        publish("Complete", arn);
        return true;
    }

    private void publish(String status, String detail) {
        sns.publish(b -> b.topicArn(topicArn).subject("Entity Lockdown Notification")
                .message("Entity Lockdown status: " + status + ". Details: " + detail));
    }

    private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, Region region,
            AwsCredentialsProvider credentials) {
        builder.region(region).credentialsProvider(credentials).httpClient(http).endpointOverride(endpoint)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.forRetryMode(RetryMode.LEGACY).toBuilder().maxAttempts(5).build())
                        .build());
        return builder;
    }

    @Override
    public void close() {
        sns.close();
        sts.close();
        http.close();
    }
}
