package io.entitylockdown.testkit;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * The one way an integration test sets up AWS: an estate on a moto server. It reaches any account
 * ({@link #account(String)}), seeds entities there (users with keys, roles, instance profiles, functions,
 * networks with instances launched the ways people launch them, topics and queues) and reads them back
 * for assertions. What it does is never the code under test's doing: its calls are not recorded as the
 * engine's or the handler's (those are wired in each module's test sources, on top of this).
 *
 * <p>{@link MotoExtension} hands a test a fresh estate on the shared, just-reset server (declare a
 * {@code MotoEstate} parameter) and closes it after the test; a test that starts its own server (IAM
 * enforced) uses {@link #on(MotoServer)}.
 *
 * <p>Set-up clients wait long and never retry: on a loaded machine moto's first call into an account has
 * taken over 10 s, and a create that timed out after moto applied it would come back from a retry as
 * EntityAlreadyExists.
 */
public final class MotoEstate implements AutoCloseable {
    /** moto's own account: the credentials "testing" act here. The lockdown's deployment lives in it. */
    public static final String SECURITY_ACCOUNT = "123456789012";
    /** The member account most tests contain entities in. */
    public static final String ACCOUNT = "111111111111";
    /** A second member account. */
    public static final String OTHER_ACCOUNT = "222222222222";
    public static final String HOME_REGION = "us-east-1";
    /** The member role the engine assumes (moto does not check that it exists unless IAM is enforced). */
    public static final String MEMBER_ROLE = "EntityLockdownMemberRole";
    /** The test deployment's ExternalId: the member role's sts:ExternalId, the messages' secret, the record key's seed. */
    public static final String EXTERNAL_ID = "test-external-id-0123456789";
    /** The role set-up clients assume to act in another account (moto files what they make under it). */
    static final String SETUP_ROLE = "SetupRole";

    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(180);

    private final MotoServer moto;
    private final SdkHttpClient http;
    private final Map<String, EstateAccount> accounts = new LinkedHashMap<>();
    private final List<EstateAccount> views = new ArrayList<>();
    private StsClient sts;

    private MotoEstate(MotoServer moto) {
        this.moto = moto;
        this.http = UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(ATTEMPT_TIMEOUT).build();
    }

    /** An estate on this server; close it when done (it holds the clients it built). */
    public static MotoEstate on(MotoServer moto) {
        return new MotoEstate(moto);
    }

    public MotoServer moto() {
        return moto;
    }

    public URI endpoint() {
        return moto.endpoint();
    }

    /** moto's placeholder credentials: they act in {@link #SECURITY_ACCOUNT}, the default account. */
    public static AwsCredentialsProvider testingCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    }

    /** The member account {@link #ACCOUNT}. */
    public EstateAccount account() {
        return account(ACCOUNT);
    }

    /** The security account, acting with {@link #testingCredentials()}: no request is made to reach it. */
    public EstateAccount security() {
        return account(SECURITY_ACCOUNT);
    }

    /**
     * Any account. Reaching one other than {@link #SECURITY_ACCOUNT} costs one sts:AssumeRole, the first
     * time: moto files an assumed role's resources under the role's account.
     */
    public synchronized EstateAccount account(String accountId) {
        EstateAccount account = accounts.get(accountId);
        if (account == null) {
            AwsCredentialsProvider credentials = accountId.equals(SECURITY_ACCOUNT) ? testingCredentials()
                    : assumeSetupRole(accountId);
            account = new EstateAccount(this, accountId, credentials);
            accounts.put(accountId, account);
        }
        return account;
    }

    /**
     * The account as someone else sees it: a responder's key, a stolen key, an assumed role's session.
     * Makes no request until a client is used.
     */
    public EstateAccount as(String accountId, AwsCredentialsProvider credentials) {
        EstateAccount account = new EstateAccount(this, accountId, credentials);
        synchronized (this) {
            views.add(account);
        }
        return account;
    }

    private AwsCredentialsProvider assumeSetupRole(String accountId) {
        if (sts == null) {
            sts = configure(StsClient.builder(), Region.of(HOME_REGION), testingCredentials()).build();
        }
        Credentials credentials = sts.assumeRole(AssumeRoleRequest.builder()
                .roleArn("arn:aws:iam::" + accountId + ":role/" + SETUP_ROLE)
                .roleSessionName("estate-setup")
                .durationSeconds(3600)
                .build()).credentials();
        return StaticCredentialsProvider.create(AwsSessionCredentials.create(credentials.accessKeyId(),
                credentials.secretAccessKey(), credentials.sessionToken()));
    }

    /** Points any service's builder at moto, as these credentials, with the estate's patience and no retries. */
    <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B builder, Region region,
            AwsCredentialsProvider credentials) {
        builder.endpointOverride(moto.endpoint())
                .region(region)
                .credentialsProvider(credentials)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                        .apiCallTimeout(CALL_TIMEOUT)
                        .retryStrategy(AwsRetryStrategy.doNotRetry())
                        .build());
        builder.httpClient(http);
        return builder;
    }

    @Override
    public synchronized void close() {
        accounts.values().forEach(EstateAccount::close);
        accounts.clear();
        views.forEach(EstateAccount::close);
        views.clear();
        if (sts != null) {
            sts.close();
            sts = null;
        }
        http.close();
    }
}
