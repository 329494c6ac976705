package io.entitylockdown.core.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The AWS clients for one account and region, acting as one principal. Clients are built on first
 * use and reused; every call goes through the retries, timeouts, endpoint and interceptors of
 * {@link AwsSettings}. Thread-safe.
 */
public final class AccountSession implements AutoCloseable {
    private final String partition;
    private final String accountId;
    private final String region;
    private final ClientFactory factory;
    private final List<SdkClient> built = new ArrayList<>();
    private IamClient iam;
    private Ec2Client ec2;
    private LambdaClient lambda;
    private AutoScalingClient autoScaling;
    private ElasticLoadBalancingV2Client elasticLoadBalancing;

    AccountSession(String partition, String accountId, String region, ClientFactory factory) {
        this.partition = partition;
        this.accountId = accountId;
        this.region = region;
        this.factory = factory;
    }

    public String partition() {
        return partition;
    }

    public String accountId() {
        return accountId;
    }

    /** The region of regional clients; IAM is always called on its partition's global endpoint. */
    public String region() {
        return region;
    }

    /**
     * Obtains the credentials of this session now (for a member role, calls sts:AssumeRole), so that
     * an unreachable account fails once, clearly, before any step runs.
     */
    public void resolveCredentials() {
        factory.resolveCredentials();
    }

    public synchronized IamClient iam() {
        if (iam == null) {
            iam = keep(() -> factory.iam(partition));
        }
        return iam;
    }

    public synchronized Ec2Client ec2() {
        if (ec2 == null) {
            ec2 = keep(() -> factory.ec2(region));
        }
        return ec2;
    }

    public synchronized LambdaClient lambda() {
        if (lambda == null) {
            lambda = keep(() -> factory.lambda(region));
        }
        return lambda;
    }

    public synchronized AutoScalingClient autoScaling() {
        if (autoScaling == null) {
            autoScaling = keep(() -> factory.autoScaling(region));
        }
        return autoScaling;
    }

    public synchronized ElasticLoadBalancingV2Client elasticLoadBalancing() {
        if (elasticLoadBalancing == null) {
            elasticLoadBalancing = keep(() -> factory.elasticLoadBalancing(region));
        }
        return elasticLoadBalancing;
    }

    private <T extends SdkClient> T keep(Supplier<T> supplier) {
        T client = supplier.get();
        built.add(client);
        return client;
    }

    @Override
    public synchronized void close() {
        built.forEach(SdkClient::close);
        built.clear();
        iam = null;
        ec2 = null;
        lambda = null;
        autoScaling = null;
        elasticLoadBalancing = null;
    }
}
