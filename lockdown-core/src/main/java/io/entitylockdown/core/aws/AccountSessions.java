package io.entitylockdown.core.aws;

import io.entitylockdown.core.EntityArn;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/**
 * Hands out one {@link AccountSession} per account, region and acting identity, built once and
 * reused (the Lambda keeps this for the life of its container).
 *
 * <p>With {@link Access.MemberRole} the session assumes the member role on the regional STS
 * endpoint of the entity's region; the role session name identifies the entity, so CloudTrail shows
 * which containment made each change. Assumed credentials are refreshed by the SDK before they
 * expire.
 */
public final class AccountSessions implements AutoCloseable {
    private static final Pattern SESSION_UNSAFE = Pattern.compile("[^\\w+=,.@-]");
    private static final int MAX_SESSIONS = 64;

    private final AwsSettings settings;
    private final Access access;
    private final SdkHttpClient httpClient;
    private final ClientFactory baseFactory;
    private final Map<String, StsClient> stsByRegion = new ConcurrentHashMap<>();
    private final Map<String, AccountSession> sessions = new ConcurrentHashMap<>();

    public AccountSessions(AwsSettings settings, Access access) {
        this(settings, access, UrlConnectionHttpClient.builder()
                .connectionTimeout(java.time.Duration.ofSeconds(5))
                .socketTimeout(settings.attemptTimeout())
                .build());
    }

    /** With another HTTP client (unit tests answer requests without a network); closed with the sessions. */
    public AccountSessions(AwsSettings settings, Access access, SdkHttpClient httpClient) {
        this.settings = settings;
        this.access = access;
        this.httpClient = httpClient;
        this.baseFactory = new ClientFactory(settings, httpClient, settings.baseCredentials());
    }

    public AwsSettings settings() {
        return settings;
    }

    public Access access() {
        return access;
    }

    /** The session that reaches this entity's account in this entity's region (home region for IAM). */
    public AccountSession forEntity(EntityArn entity) {
        String region = entity.isGlobal() ? Partitions.stsRegion(entity.partition(), settings.homeRegion())
                : entity.region();
        return session(entity.partition(), entity.accountId(), region, sessionName(entity));
    }

    /** A session in any account and region, e.g. the lockdown's own for SNS or SQS. */
    public AccountSession session(String partition, String accountId, String region, String sessionName) {
        String key = partition + "|" + accountId + "|" + region
                + (access instanceof Access.MemberRole ? "|" + sessionName : "");
        if (sessions.size() >= MAX_SESSIONS && !sessions.containsKey(key)) {
            // Bound a long-lived container's memory. Evicted sessions are not closed: another thread
            // may still be using them, and they hold nothing the shared HTTP client does not.
            sessions.keySet().stream().findFirst().ifPresent(sessions::remove);
        }
        return sessions.computeIfAbsent(key, k -> new AccountSession(partition, accountId, region,
                baseFactory.withCredentials(credentialsFor(partition, accountId, region, sessionName))));
    }

    /** Clients acting as the caller (no assume), e.g. to publish to the audit topic. */
    public ClientFactoryView caller() {
        return new ClientFactoryView(baseFactory);
    }

    private AwsCredentialsProvider credentialsFor(String partition, String accountId, String region, String sessionName) {
        if (!(access instanceof Access.MemberRole member)) {
            return settings.baseCredentials();
        }
        StsClient sts = stsByRegion.computeIfAbsent(region, baseFactory::sts);
        AssumeRoleRequest.Builder request = AssumeRoleRequest.builder()
                .roleArn(member.roleArn(partition, accountId))
                .roleSessionName(sessionName)
                .durationSeconds(3600);
        if (member.externalId() != null) {
            request.externalId(member.externalId());
        }
        return StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .refreshRequest(request.build())
                .asyncCredentialUpdateEnabled(false)
                .build();
    }

    /** An STS role session name for this entity: 2-64 characters of [\w+=,.@-]. */
    public static String sessionName(EntityArn entity) {
        String kind = switch (entity.type()) {
            case IAM_USER -> "user";
            case IAM_ROLE -> "role";
            case LAMBDA_FUNCTION -> "fn";
            case EC2_INSTANCE -> "ec2";
            case ROLE_SESSION -> "session";
        };
        String name = SESSION_UNSAFE.matcher(entity.name()).replaceAll("-");
        String session = "lockdown-" + kind + "-" + name;
        return session.length() <= 64 ? session : session.substring(0, 64);
    }

    @Override
    public void close() {
        sessions.values().forEach(AccountSession::close);
        sessions.clear();
        stsByRegion.values().forEach(StsClient::close);
        stsByRegion.clear();
        httpClient.close();
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
