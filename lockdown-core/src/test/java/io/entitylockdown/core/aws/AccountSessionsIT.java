package io.entitylockdown.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.testkit.FaultProxy;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/** Member-role sessions on moto, counted at a {@link FaultProxy} in front of it: one AssumeRole per account. */
@ExtendWith(MotoExtension.class)
class AccountSessionsIT {
    private static final Access MEMBER_ROLE = Access.memberRole("EntityLockdownMemberRole", "ext-id-1");
    private static final EntityArn USER = EntityArn.parse("arn:aws:iam::111111111111:user/alice");
    private static final EntityArn ROLE = EntityArn.parse("arn:aws:iam::111111111111:role/app");
    private static final EntityArn FUNCTION_EAST = EntityArn.parse("arn:aws:lambda:us-east-1:111111111111:function:fn");
    private static final EntityArn FUNCTION_WEST = EntityArn.parse("arn:aws:lambda:eu-west-1:111111111111:function:fn");
    private static final EntityArn OTHER_ACCOUNT = EntityArn.parse("arn:aws:iam::222222222222:user/bob");

    private FaultProxy proxy;
    private final List<AssumeRoleRequest> assumed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void proxy(MotoServer moto) {
        proxy = FaultProxy.start(moto.endpoint());
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    private AccountSessions sessions(Access access) {
        ExecutionInterceptor seeAssumes = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof AssumeRoleRequest request) {
                    assumed.add(request);
                }
            }
        };
        return new AccountSessions(AwsSettings.builder()
                .endpoint(proxy.endpoint())
                .homeRegion(Region.US_EAST_1)
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
                .addInterceptor(seeAssumes)
                .attemptTimeout(Duration.ofSeconds(60))
                .callTimeout(Duration.ofSeconds(120))
                .maxAttempts(3)
                .build(), access);
    }

    @Test
    void entitiesOfOneAccount_inEveryRegion_shareOneAssumeRole_andAnotherAccountGetsItsOwn() {
        try (AccountSessions sessions = sessions(MEMBER_ROLE)) {
            for (EntityArn entity : List.of(USER, ROLE, FUNCTION_EAST, FUNCTION_WEST)) {
                sessions.forEntity(entity).resolveCredentials();
            }
            sessions.forEntity(USER).iam().createUser(b -> b.userName("alice"));
            sessions.forEntity(FUNCTION_WEST).lambda().listFunctions();

            assertThat(proxy.requests("sts:AssumeRole")).isEqualTo(1);
            assertThat(sessions.forEntity(FUNCTION_WEST).iam().getUser(b -> b.userName("alice")).user().arn())
                    .as("the eu-west-1 session acts in the same account").isEqualTo(USER.arn());
            assertThat(sessions.forEntity(FUNCTION_WEST).iam()).isSameAs(sessions.forEntity(USER).iam());
            assertThat(sessions.forEntity(FUNCTION_WEST)).isNotSameAs(sessions.forEntity(FUNCTION_EAST));
            assertThat(sessions.forEntity(USER)).isSameAs(sessions.forEntity(ROLE));

            sessions.forEntity(OTHER_ACCOUNT).resolveCredentials();
            sessions.forEntity(OTHER_ACCOUNT).iam().createUser(b -> b.userName("bob"));

            assertThat(proxy.requests("sts:AssumeRole")).isEqualTo(2);
            assertThat(sessions.forEntity(OTHER_ACCOUNT).iam().getUser(b -> b.userName("bob")).user().arn())
                    .isEqualTo(OTHER_ACCOUNT.arn());
            assertThat(assumed).extracting(AssumeRoleRequest::roleArn).containsExactly(
                    "arn:aws:iam::111111111111:role/EntityLockdownMemberRole",
                    "arn:aws:iam::222222222222:role/EntityLockdownMemberRole");
            assertThat(assumed).allSatisfy(request -> {
                assertThat(request.roleSessionName()).isEqualTo(AccountSessions.ROLE_SESSION_NAME);
                assertThat(request.externalId()).isEqualTo("ext-id-1");
                assertThat(request.durationSeconds()).isEqualTo(3600);
            });
        }
    }

    @Test
    void buildingSessionsAndClients_makesNoRequest_andACachedSessionResolvesWithoutOne() {
        try (AccountSessions sessions = sessions(MEMBER_ROLE)) {
            AccountSession session = sessions.forEntity(USER);
            session.iam();
            session.lambda();

            assertThat(proxy.exchanges()).isEmpty();

            session.resolveCredentials();
            proxy.resetCounts();
            sessions.forEntity(ROLE).resolveCredentials();
            sessions.forEntity(FUNCTION_WEST).resolveCredentials();

            assertThat(proxy.exchanges()).as("what the engine's assume step sends with a cached session").isEmpty();
        }
    }

    @Test
    void manyWorkersReachingANewAccountAtOnce_causeOneAssumeRole() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (AccountSessions sessions = sessions(MEMBER_ROLE)) {
            List<Callable<Void>> workers = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                EntityArn entity = i % 2 == 0 ? USER : FUNCTION_WEST;
                workers.add(() -> {
                    sessions.forEntity(entity).resolveCredentials();
                    return null;
                });
            }
            for (Future<Void> done : pool.invokeAll(workers)) {
                done.get();
            }

            assertThat(proxy.requests("sts:AssumeRole")).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forgetCredentials_makesTheNextCallAssumeAfresh_withTheSameClients() {
        try (AccountSessions sessions = sessions(MEMBER_ROLE)) {
            var iam = sessions.forEntity(USER).iam();
            iam.listUsers();
            proxy.resetCounts();

            sessions.forgetCredentials();

            assertThat(proxy.exchanges()).as("forgetting makes no request").isEmpty();
            iam.listUsers();
            sessions.forEntity(FUNCTION_WEST).lambda().listFunctions();
            assertThat(proxy.requestLog()).containsExactly("sts:AssumeRole", "iam:ListUsers", "lambda:ListFunctions");
            assertThat(sessions.forEntity(USER).iam()).isSameAs(iam);
        }
    }

    @Test
    void callerCredentials_neverAssume() {
        try (AccountSessions sessions = sessions(Access.callerCredentials())) {
            sessions.forEntity(USER).resolveCredentials();
            sessions.forEntity(OTHER_ACCOUNT).iam().listUsers();
            sessions.forEntity(FUNCTION_WEST).lambda().listFunctions();

            assertThat(proxy.requests("sts:*")).isZero();
            assertThat(proxy.requestLog()).containsExactly("iam:ListUsers", "lambda:ListFunctions");
        }
    }

    @Test
    void aSessionNameOfItsOwn_isASessionOfItsOwn() {
        try (AccountSessions sessions = sessions(MEMBER_ROLE)) {
            sessions.session("aws", "111111111111", "us-east-1").resolveCredentials();
            sessions.session("aws", "111111111111", "eu-west-1", "test-setup").resolveCredentials();
            sessions.session("aws", "111111111111", "us-east-1", "test-setup").resolveCredentials();

            assertThat(assumed).extracting(AssumeRoleRequest::roleSessionName)
                    .containsExactly(AccountSessions.ROLE_SESSION_NAME, "test-setup");
        }
    }
}
