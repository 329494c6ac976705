package io.entitylockdown.testkit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One account of a {@link MotoEstate}, as one principal: its clients (built on first use, one per
 * service and region), the entities a test seeds in it, and read-back of what a containment may touch.
 * Thread-safe.
 */
public final class EstateAccount {
    private final MotoEstate estate;
    private final String id;
    private final AwsCredentialsProvider credentials;
    private final Map<String, SdkClient> clients = new HashMap<>();
    private final Map<String, Network> networks = new HashMap<>();

    EstateAccount(MotoEstate estate, String id, AwsCredentialsProvider credentials) {
        this.estate = estate;
        this.id = id;
        this.credentials = credentials;
    }

    public String id() {
        return id;
    }

    /** The credentials this account's clients act with. */
    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    MotoEstate estate() {
        return estate;
    }

    // --- clients -------------------------------------------------------------------------------------

    public IamClient iam() {
        return client("iam", Region.AWS_GLOBAL, IamClient.builder());
    }

    public Ec2Client ec2() {
        return ec2(MotoEstate.HOME_REGION);
    }

    public Ec2Client ec2(String region) {
        return client("ec2", Region.of(region), Ec2Client.builder());
    }

    public LambdaClient lambda() {
        return lambda(MotoEstate.HOME_REGION);
    }

    public LambdaClient lambda(String region) {
        return client("lambda", Region.of(region), LambdaClient.builder());
    }

    public AutoScalingClient autoScaling(String region) {
        return client("autoscaling", Region.of(region), AutoScalingClient.builder());
    }

    public ElasticLoadBalancingV2Client loadBalancing(String region) {
        return client("elbv2", Region.of(region), ElasticLoadBalancingV2Client.builder());
    }

    public SnsClient sns() {
        return client("sns", Region.of(MotoEstate.HOME_REGION), SnsClient.builder());
    }

    public SqsClient sqs() {
        return client("sqs", Region.of(MotoEstate.HOME_REGION), SqsClient.builder());
    }

    /**
     * A client of any other service in this account and region (Secrets Manager, S3, CloudFormation ...),
     * configured like the rest and closed with the estate; {@code adjust} may add what the service needs
     * (S3's path-style addressing).
     */
    public <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends SdkClient> C client(B builder,
            String region, Function<B, B> adjust) {
        C client = adjust.apply(estate.configure(builder, Region.of(region), credentials)).build();
        synchronized (this) {
            clients.put("other|" + clients.size(), client);
        }
        return client;
    }

    private synchronized <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends SdkClient> C client(
            String service, Region region, B builder) {
        String key = service + "|" + region.id();
        @SuppressWarnings("unchecked")
        C client = (C) clients.get(key);
        if (client == null) {
            client = estate.configure(builder, region, credentials).build();
            clients.put(key, client);
        }
        return client;
    }

    // --- seeding -------------------------------------------------------------------------------------

    /** An IAM user to create: {@code user("alice").path("/ops/").activeKey().create()}. */
    public UserSeed user(String name) {
        return new UserSeed(iam(), name);
    }

    /** An IAM role to create: {@code role("deployer").typical().create()}. */
    public RoleSeed role(String name) {
        return new RoleSeed(iam(), name);
    }

    /** A Lambda function to create (in the home region unless told): {@code function("fn").role(arn).create()}. */
    public FunctionSeed function(String name) {
        return new FunctionSeed(this, name);
    }

    /** The network of this account in the home region (made on first use). */
    public Network network() {
        return network(MotoEstate.HOME_REGION);
    }

    /**
     * The network of this account in the region, made on first use: a VPC with IPv6, a subnet, two
     * application security groups; instances are launched into it.
     */
    public synchronized Network network(String region) {
        return networks.computeIfAbsent(region, r -> new Network(this, r));
    }

    /** A queue in the home region; returns its URL. */
    public String queue(String name) {
        return sqs().createQueue(b -> b.queueName(name)).queueUrl();
    }

    public String queueArn(String queueUrl) {
        return sqs().getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    /** Messages on the queue, visible or still delayed (moto counts both at once). */
    public int messagesWaiting(String queueUrl) {
        Map<QueueAttributeName, String> attributes = sqs().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
    }

    /** A topic in the home region with a queue subscribed to it, to read what is published. */
    public TopicReader topicWithReader(String topicName, String queueName) {
        String topicArn = sns().createTopic(b -> b.name(topicName)).topicArn();
        String queueUrl = queue(queueName);
        String queueArn = queueArn(queueUrl);
        sns().subscribe(b -> b.topicArn(topicArn).protocol("sqs").endpoint(queueArn));
        return new TopicReader(topicArn, queueUrl, sqs());
    }

    // --- read-back -----------------------------------------------------------------------------------

    /** Everything about the user that a containment may touch. */
    public IamSnapshot userSnapshot(String name) {
        IamClient iam = iam();
        TreeSet<String> attached = new TreeSet<>();
        iam.listAttachedUserPoliciesPaginator(b -> b.userName(name)).attachedPolicies()
                .forEach(p -> attached.add(p.policyArn()));
        TreeMap<String, String> inline = new TreeMap<>();
        iam.listUserPoliciesPaginator(b -> b.userName(name)).policyNames().forEach(p -> inline.put(p,
                decode(iam.getUserPolicy(b -> b.userName(name).policyName(p)).policyDocument())));
        TreeMap<String, String> keys = new TreeMap<>();
        for (AccessKeyMetadata key : iam.listAccessKeysPaginator(b -> b.userName(name)).accessKeyMetadata()) {
            keys.put(key.accessKeyId(), key.statusAsString());
        }
        TreeMap<String, String> tags = new TreeMap<>();
        iam.listUserTagsPaginator(b -> b.userName(name)).tags().forEach(t -> tags.put(t.key(), t.value()));
        return new IamSnapshot(attached, inline, keys, tags);
    }

    /** Everything about the role that a containment may touch (no keys). */
    public IamSnapshot roleSnapshot(String name) {
        IamClient iam = iam();
        TreeSet<String> attached = new TreeSet<>();
        iam.listAttachedRolePoliciesPaginator(b -> b.roleName(name)).attachedPolicies()
                .forEach(p -> attached.add(p.policyArn()));
        TreeMap<String, String> inline = new TreeMap<>();
        iam.listRolePoliciesPaginator(b -> b.roleName(name)).policyNames().forEach(p -> inline.put(p,
                decode(iam.getRolePolicy(b -> b.roleName(name).policyName(p)).policyDocument())));
        TreeMap<String, String> tags = new TreeMap<>();
        iam.listRoleTagsPaginator(b -> b.roleName(name)).tags().forEach(t -> tags.put(t.key(), t.value()));
        return new IamSnapshot(attached, inline, new TreeMap<>(), tags);
    }

    /** What a containment may touch on a function in the home region. */
    public FunctionSnapshot functionSnapshot(String name) {
        return functionSnapshot(MotoEstate.HOME_REGION, name);
    }

    public FunctionSnapshot functionSnapshot(String region, String name) {
        LambdaClient lambda = lambda(region);
        String arn = lambda.getFunction(b -> b.functionName(name)).configuration().functionArn();
        Integer reserved = lambda.getFunctionConcurrency(b -> b.functionName(name)).reservedConcurrentExecutions();
        String unqualified = String.join(":", List.of(arn.split(":")).subList(0, 7));
        return new FunctionSnapshot(reserved, new TreeMap<>(lambda.listTags(b -> b.resource(unqualified)).tags()));
    }

    /** IAM returns policy documents URL-encoded; moto sometimes does not. */
    static String decode(String document) {
        if (document == null) {
            return "";
        }
        String trimmed = document.strip();
        return trimmed.startsWith("{") ? trimmed : URLDecoder.decode(trimmed, StandardCharsets.UTF_8);
    }

    synchronized void close() {
        List<SdkClient> all = new ArrayList<>(clients.values());
        clients.clear();
        networks.clear();
        all.forEach(SdkClient::close);
    }
}
