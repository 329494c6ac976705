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
 * {@link AwsSettings}. The credentials and the IAM client (IAM is global) belong to the account and
 * are shared by its sessions in every region. Thread-safe.
 */
public final class AccountSession implements AutoCloseable {
    private final String partition;
    private final String accountId;
    private final String region;
    private final ClientFactory factory;
    private final Supplier<IamClient> accountIam;
    private final List<SdkClient> built = new ArrayList<>();
    private Ec2Client ec2;
    private LambdaClient lambda;
    private AutoScalingClient autoScaling;
    private ElasticLoadBalancingV2Client elasticLoadBalancing;

    AccountSession(String partition, String accountId, String region, ClientFactory factory,
            Supplier<IamClient> accountIam) {
        this.partition = partition;
        this.accountId = accountId;
        this.region = region;
        this.factory = factory;
        this.accountIam = accountIam;
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
     * Obtains the credentials of this session now, so that an unreachable account fails once, clearly,
     * before any step runs. For a member role this calls sts:AssumeRole the first time for the account
     * (or when the cached credentials are within five minutes of expiring); otherwise it makes no request.
     */
    public void resolveCredentials() {
        factory.resolveCredentials();
    }

    /** The account's IAM client (the same one for every region's session of this account). */
    public IamClient iam() {
        return accountIam.get();
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
        ec2 = null;
        lambda = null;
        autoScaling = null;
        elasticLoadBalancing = null;
    }
}
