package io.entitylockdown.lambda;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.aws.Partitions;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.crac.Context;
import org.crac.Resource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Primes the function's SnapStart snapshot. Before Lambda takes it, one request per AWS client the
 * containment uses (STS, IAM, EC2, Lambda, Auto Scaling, ELBv2, SNS, SQS) is built, marshalled and
 * signed through the same client configuration as the engine's, and stopped before it is sent. A
 * restored function then starts its first containment with those classes loaded and initialised
 * instead of loading them while the attacker's key still works.
 *
 * <p>Nothing unique, secret or time-bound is kept in the snapshot: the requests are signed with
 * placeholder credentials (no credentials are resolved, no secret is read), the signed requests and
 * every client are discarded before the checkpoint, and nothing remembers when priming ran. So
 * {@link #afterRestore} has nothing to refresh. The SDK's own {@code SdkWarmUp} is not used because
 * it also makes a real call with the HTTP client.
 */
public final class SnapStartPriming implements Resource {
    /** CRaC contexts hold their resources weakly: this reference keeps the registered priming alive. */
    private static final SnapStartPriming INSTANCE = new SnapStartPriming(System.getenv(), null);
    private static final String PLACEHOLDER_ACCOUNT = "000000000000";
    private static final String PLACEHOLDER_NAME = "snapstart-priming";
    private static final String PLACEHOLDER_INSTANCE = "i-00000000000000000";
    private static Context<Resource> registeredWith;

    private final Map<String, String> env;
    private final URI endpoint;

    /**
     * @param env      the function's environment; only {@code AWS_REGION} is read
     * @param endpoint where the requests would go (tests: a local port that must see no connection), or
     *                 null for AWS's own endpoints, which are never contacted
     */
    SnapStartPriming(Map<String, String> env, URI endpoint) {
        this.env = env;
        this.endpoint = endpoint;
    }

    /** Registers the priming with {@code context} once, however many handlers the container builds. */
    public static synchronized void register(Context<Resource> context) {
        if (registeredWith != context) {
            context.register(INSTANCE);
            registeredWith = context;
        }
    }

    /**
     * The same priming outside any checkpoint, in this JVM, towards AWS's endpoints (never contacted): the
     * command line's class-data training run uses it so that its archive holds the same classes.
     *
     * @param env only {@code AWS_REGION} is read
     */
    public static void primeWithoutCheckpoint(Map<String, String> env) {
        new SnapStartPriming(env, null).prime();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        try {
            prime();
        } catch (RuntimeException | LinkageError e) {
            // A snapshot that is merely cold is still correct: never fail the function's publication over it.
            System.err.println("SnapStart priming skipped: " + e);
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // prime() kept no client, credential, secret or time, so a restored copy has nothing stale to renew.
    }

    /**
     * Builds the clients and marshals and signs one request with each, sending none.
     *
     * @return the requests prepared, as IAM actions, each with whether it was signed
     */
    List<Prepared> prime() {
        Region region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        StopBeforeSending stop = new StopBeforeSending();
        AwsSettings settings = AwsSettings.builder().endpoint(endpoint).homeRegion(region)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming")))
                .addInterceptor(stop).maxAttempts(1).build();
        String partition = Partitions.partitionOf(region.id());
        try (AccountSessions sessions = new AccountSessions(settings, Access.callerCredentials())) {
            AccountSession account = sessions.session(partition, PLACEHOLDER_ACCOUNT, region.id(), PLACEHOLDER_NAME);
            AccountSessions.ClientFactoryView caller = sessions.caller();
            try (StsClient sts = caller.configure(StsClient.builder(), region).build();
                    SnsClient sns = caller.configure(SnsClient.builder(), region).build();
                    SqsClient sqs = caller.configure(SqsClient.builder(), region).build();
                    SecretsManagerClient secrets = caller.configure(SecretsManagerClient.builder(), region).build()) {
                String arnTail = region.id() + ":" + PLACEHOLDER_ACCOUNT + ":" + PLACEHOLDER_NAME;
                stop.expectStopped(() -> sts.assumeRole(b -> b.roleSessionName(PLACEHOLDER_NAME).durationSeconds(900)
                        .roleArn("arn:" + partition + ":iam::" + PLACEHOLDER_ACCOUNT + ":role/" + PLACEHOLDER_NAME)));
                stop.expectStopped(() -> account.iam().getUser(b -> b.userName(PLACEHOLDER_NAME)));
                stop.expectStopped(() -> account.ec2().describeInstances(b -> b.instanceIds(PLACEHOLDER_INSTANCE)));
                stop.expectStopped(() -> account.lambda().getFunctionConcurrency(b -> b.functionName(PLACEHOLDER_NAME)));
                stop.expectStopped(() -> account.autoScaling().describeAutoScalingInstances(b -> b
                        .instanceIds(PLACEHOLDER_INSTANCE)));
                stop.expectStopped(() -> account.elasticLoadBalancing().describeTargetGroups(b -> b.pageSize(1)));
                stop.expectStopped(() -> sns.publish(b -> b.topicArn("arn:" + partition + ":sns:" + arnTail)
                        .subject(PLACEHOLDER_NAME).message(PLACEHOLDER_NAME)));
                stop.expectStopped(() -> sqs.sendMessage(b -> b.messageBody(PLACEHOLDER_NAME)
                        .queueUrl("https://sqs." + region.id() + ".amazonaws.com/" + PLACEHOLDER_ACCOUNT + "/"
                                + PLACEHOLDER_NAME)));
                // the first request of a restored container reads the ExternalId: its classes are in the snapshot
                stop.expectStopped(() -> secrets.getSecretValue(b -> b.secretId("arn:" + partition + ":secretsmanager:"
                        + arnTail)));
            }
        }
        return stop.prepared();
    }

    /** A request the priming prepared: its IAM action, and whether it carried a signature. */
    record Prepared(String action, boolean signed) {
    }

    /** Ends every call just before transmission, after marshalling and signing, and notes what it stopped. */
    private static final class StopBeforeSending implements ExecutionInterceptor {
        private final List<Prepared> prepared = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void beforeTransmission(software.amazon.awssdk.core.interceptor.Context.BeforeTransmission context,
                ExecutionAttributes attributes) {
            prepared.add(new Prepared(CallRecorder.iamAction(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME),
                    attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME)),
                    context.httpRequest().firstMatchingHeader("Authorization").isPresent()));
            throw new Stopped();
        }

        void expectStopped(Runnable call) {
            try {
                call.run();
            } catch (RuntimeException e) {
                for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                    if (cause instanceof Stopped) {
                        return;
                    }
                }
                throw e;
            }
            throw new IllegalStateException("A priming request was not stopped before transmission");
        }

        List<Prepared> prepared() {
            return List.copyOf(prepared);
        }
    }

    /** Thrown by the interceptor to end a priming call; never leaves {@link SnapStartPriming}. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("priming request stopped before transmission", null, false, false);
        }
    }
}
