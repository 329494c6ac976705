package io.entitylockdown.core.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sts.StsClient;

/** Builds SDK clients that all share one HTTP client, one retry policy and one set of interceptors. */
final class ClientFactory {
    static {
        HttpConnectionPool.configure();
    }

    private final AwsSettings settings;
    private final SdkHttpClient httpClient;
    private final AwsCredentialsProvider credentials;

    ClientFactory(AwsSettings settings, SdkHttpClient httpClient, AwsCredentialsProvider credentials) {
        this.settings = settings;
        this.httpClient = httpClient;
        this.credentials = credentials;
    }

    ClientFactory withCredentials(AwsCredentialsProvider other) {
        return new ClientFactory(settings, httpClient, other);
    }

    /** Resolves (for a member role: assumes) the credentials now, so that a failure is reported up front. */
    void resolveCredentials() {
        credentials.resolveCredentials();
    }

    IamClient iam(String partition) {
        return configure(IamClient.builder(), Partitions.iamRegion(partition)).build();
    }

    StsClient sts(String region) {
        return configure(StsClient.builder(), Region.of(region)).build();
    }

    Ec2Client ec2(String region) {
        return configure(Ec2Client.builder(), Region.of(region)).build();
    }

    LambdaClient lambda(String region) {
        return configure(LambdaClient.builder(), Region.of(region)).build();
    }

    AutoScalingClient autoScaling(String region) {
        return configure(AutoScalingClient.builder(), Region.of(region)).build();
    }

    ElasticLoadBalancingV2Client elasticLoadBalancing(String region) {
        return configure(ElasticLoadBalancingV2Client.builder(), Region.of(region)).build();
    }

    /** Applies the shared configuration to any service builder (also used for SNS, SQS, S3 ...). */
    <B extends AwsClientBuilder<B, ?> & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>>
            B configure(B builder, Region region) {
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder()
                .retryStrategy(retryStrategy(settings))
                .apiCallAttemptTimeout(settings.attemptTimeout())
                .apiCallTimeout(settings.callTimeout());
        settings.interceptors().forEach(override::addExecutionInterceptor);
        // last: a request another one waits for is released only when everything else saw it leave
        override.addExecutionInterceptor(SendSignal.INTERCEPTOR);
        builder.region(region)
                .credentialsProvider(credentials)
                .httpClient(httpClient)
                .overrideConfiguration(override.build());
        if (settings.endpointOverride() != null) {
            builder.endpointOverride(settings.endpointOverride());
        }
        return builder;
    }

    /**
     * The settings' retry mode with the settings' attempts: standard by default (full-jitter back-off,
     * from a 1 s base after throttling), adaptive on request (see {@link AwsSettings#retryMode()}). Every
     * client gets its own strategy, so one account's retry budget or pace never slows another account.
     * Naming only the mode would keep the SDK's default of 3 attempts and silently ignore
     * {@link AwsSettings#maxAttempts()}.
     */
    static RetryStrategy retryStrategy(AwsSettings settings) {
        return AwsRetryStrategy.forRetryMode(settings.retryMode()).toBuilder()
                .maxAttempts(settings.maxAttempts())
                .build();
    }
}
