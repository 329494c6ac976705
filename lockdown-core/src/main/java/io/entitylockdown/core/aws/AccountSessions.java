package io.entitylockdown.core.aws;

import io.entitylockdown.core.EntityArn;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * Hands out one {@link AccountSession} per account and region, built once and reused: the Lambda keeps
 * this for the life of its container, the CLI for a whole batch.
 *
 * <p>With {@link Access.MemberRole} the member role is assumed <b>once per account</b> (partition and
 * account id), on STS in the home region (or the partition's default region when the home region is in
 * another partition); those credentials serve every region and every entity of that account. They are
 * refreshed five minutes before they expire by the caller that notices, never by a background thread.
 * The role session name is always {@value #ROLE_SESSION_NAME}: one session serves many containments, so
 * it cannot name the entity. CloudTrail entries of a containment are found by the member role's
 * session, the entity and the time span in the containment's report (see docs/deploy.md).
 *
 * <p>Safe for SnapStart: the constructor builds only the HTTP client and resolves no credentials; after
 * a restore, {@link #forgetCredentials()} makes every copy assume afresh.
 */
public final class AccountSessions implements AutoCloseable {
    /** The STS role session name of every member-role session of this tool. */
    public static final String ROLE_SESSION_NAME = "entity-lockdown";
    /** Assumed-role credentials last this long; they are refreshed {@link #PREFETCH} before the end. */
    static final Duration ASSUMED_DURATION = Duration.ofHours(1);
    static final Duration PREFETCH = Duration.ofMinutes(5);
    static final Duration STALE = Duration.ofMinutes(1);
    /** Bounds a long-lived container's memory; far above any one incident's accounts and regions. */
    private static final int MAX_ACCOUNTS = 256;
    private static final int MAX_SESSIONS = 512;

    private final AwsSettings settings;
    private final Access access;
    private final SdkHttpClient httpClient;
    private final RenewableCredentials baseCredentials;
    private final ClientFactory baseFactory;
    private final Map<String, StsClient> stsByRegion = new ConcurrentHashMap<>();
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, AccountSession> sessions = new ConcurrentHashMap<>();

    public AccountSessions(AwsSettings settings, Access access) {
        this(settings, access, UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(settings.attemptTimeout())
                .build());
    }

    /** With another HTTP client (unit tests answer requests without a network); closed with the sessions. */
    public AccountSessions(AwsSettings settings, Access access, SdkHttpClient httpClient) {
        this.settings = settings;
        this.access = access;
        this.httpClient = httpClient;
        AwsCredentialsProvider given = settings.baseCredentials();
        // The default chain caches what it found (container credentials in Lambda); a fresh one after a
        // restore looks again. A provider the caller built is theirs to manage and is kept as it is.
        this.baseCredentials = new RenewableCredentials(given instanceof DefaultCredentialsProvider
                ? () -> DefaultCredentialsProvider.builder().build() : () -> given, "caller credentials");
        this.baseFactory = new ClientFactory(settings, httpClient, baseCredentials);
    }

    public AwsSettings settings() {
        return settings;
    }

    public Access access() {
        return access;
    }

    /** The session that reaches this entity's account in this entity's region (home region for IAM). */
    public AccountSession forEntity(EntityArn entity) {
        return session(entity.partition(), entity.accountId(), regionOf(entity));
    }

    /** A session in any account and region as this tool ({@value #ROLE_SESSION_NAME}). */
    public AccountSession session(String partition, String accountId, String region) {
        return session(partition, accountId, region, ROLE_SESSION_NAME);
    }

    /**
     * A session under another role session name (test set-up, the demo's observers): a name of its own
     * is a member-role session of its own, assumed once per account like the tool's. With caller
     * credentials the name is not used.
     */
    public AccountSession session(String partition, String accountId, String region, String sessionName) {
        String name = access instanceof Access.MemberRole ? sessionName : "";
        String accountKey = partition + "|" + accountId + "|" + name;
        String key = accountKey + "|" + region;
        AccountSession session = sessions.get(key);
        if (session != null) {
            return session;
        }
        bound(sessions, MAX_SESSIONS, key);
        return sessions.computeIfAbsent(key, k -> {
            Account account = account(accountKey, partition, accountId, name);
            return new AccountSession(partition, accountId, region, baseFactory.withCredentials(account.credentials),
                    account::iam);
        });
    }

    private Account account(String key, String partition, String accountId, String sessionName) {
        Account account = accounts.get(key);
        if (account != null) {
            return account;
        }
        bound(accounts, MAX_ACCOUNTS, key);
        return accounts.computeIfAbsent(key, k -> new Account(partition, credentialsFor(partition, accountId, sessionName)));
    }

    /**
     * Evicts one entry when full. Evicted sessions are not closed: another thread may still be using
     * them, and they hold nothing the shared HTTP client does not.
     */
    private static void bound(Map<String, ?> map, int max, String key) {
        if (map.size() >= max && !map.containsKey(key)) {
            map.keySet().stream().findFirst().ifPresent(map::remove);
        }
    }

    /** Clients acting as the caller (no assume), e.g. to publish to the audit topic. */
    public ClientFactoryView caller() {
        return new ClientFactoryView(baseFactory);
    }

    /**
     * Drops every cached credential, the caller's own (when they come from the default chain) and every
     * assumed member-role session, without rebuilding any client: the next call resolves afresh. Call it
     * from the function's SnapStart {@code afterRestore} hook, so that restored copies never share the
     * credentials cached when the snapshot was taken. Makes no request.
     */
    public void forgetCredentials() {
        baseCredentials.forget();
        accounts.values().forEach(account -> account.credentials.forget());
    }

    /** Accounts that have a member-role (or caller) session cached: one AssumeRole each, at most. */
    public int cachedAccounts() {
        return accounts.size();
    }

    private String regionOf(EntityArn entity) {
        return entity.isGlobal() ? Partitions.stsRegion(entity.partition(), settings.homeRegion()) : entity.region();
    }

    private RenewableCredentials credentialsFor(String partition, String accountId, String sessionName) {
        if (!(access instanceof Access.MemberRole member)) {
            return baseCredentials;
        }
        String stsRegion = Partitions.stsRegion(partition, settings.homeRegion());
        AssumeRoleRequest.Builder request = AssumeRoleRequest.builder()
                .roleArn(member.roleArn(partition, accountId))
                .roleSessionName(sessionName)
                .durationSeconds((int) ASSUMED_DURATION.toSeconds());
        if (member.externalId() != null) {
            request.externalId(member.externalId());
        }
        AssumeRoleRequest assume = request.build();
        return new RenewableCredentials(() -> StsAssumeRoleCredentialsProvider.builder()
                .stsClient(stsByRegion.computeIfAbsent(stsRegion, baseFactory::sts))
                .refreshRequest(assume)
                .prefetchTime(PREFETCH)
                .staleTime(STALE)
                .asyncCredentialUpdateEnabled(false)
                .build(), member + " in " + accountId);
    }

    @Override
    public void close() {
        sessions.values().forEach(AccountSession::close);
        sessions.clear();
        accounts.values().forEach(Account::close);
        accounts.clear();
        stsByRegion.values().forEach(StsClient::close);
        stsByRegion.clear();
        baseCredentials.close();
        httpClient.close();
    }

    /** What one account's sessions share: the credentials and the IAM client (IAM is global). */
    private final class Account implements AutoCloseable {
        private final String partition;
        private final RenewableCredentials credentials;
        private IamClient iam;

        Account(String partition, RenewableCredentials credentials) {
            this.partition = partition;
            this.credentials = credentials;
        }

        synchronized IamClient iam() {
            if (iam == null) {
                iam = baseFactory.withCredentials(credentials).iam(partition);
            }
            return iam;
        }

        @Override
        public synchronized void close() {
            if (iam != null) {
                iam.close();
                iam = null;
            }
            if (credentials != baseCredentials) {
                credentials.close();
            }
        }
    }

    /** Builds clients for services the engine itself does not use (SNS, SQS ...) with the shared configuration. */
    public static final class ClientFactoryView {
        private final ClientFactory factory;

        ClientFactoryView(ClientFactory factory) {
            this.factory = factory;
        }

        public <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, ?>
                & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>> B configure(
                B builder, software.amazon.awssdk.regions.Region region) {
            return factory.configure(builder, region);
        }
    }
}
