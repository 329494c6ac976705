package io.entitylockdown.core;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.strategy.ContainmentStrategy;
import io.entitylockdown.core.strategy.StrategyRegistry;
import io.entitylockdown.testkit.MotoEstate;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * The engine of a core test, wired to a {@link MotoEstate} (the one way to set up AWS) or, for unit tests,
 * to any endpoint. By default it acts as the deployed function does: through the estate's member role
 * with its ExternalId, minimal guardrails, the test deployment's record key.
 *
 * <p>Every engine built {@link #on(MotoEstate)} records its calls in {@link #OBSERVED_CALLS}, written at
 * JVM exit to {@link #OBSERVED} for {@code LeastPrivilegeTest}, which holds them against the member-role
 * template. Engines built {@link #at(URI)} (no moto) are not observed.
 */
public final class TestEngine {
    /** Every call an observed engine made in this JVM (one failsafe JVM per module). */
    public static final CallRecorder OBSERVED_CALLS = new CallRecorder();
    public static final Path OBSERVED = Path.of("target", "observed-aws-actions.txt");
    /** The record key of the test deployment, derived from its ExternalId as the function and CLI derive it. */
    public static final RecordKey RECORD_KEY = RecordKey.fromSecret(MotoEstate.EXTERNAL_ID);

    /**
     * Patient on purpose: on a loaded machine moto's first call into an account has taken over 10 s. Fault
     * tests set short timeouts where they need them.
     */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(180);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestEngine::writeObserved, "observed-actions"));
    }

    private TestEngine() {
    }

    /** The default engine on the estate: member role, minimal guardrails, record key, observed. */
    public static LockdownEngine on(MotoEstate estate) {
        return builder(estate).build();
    }

    /** An engine on the estate to adjust before {@link Builder#build()}. */
    public static Builder builder(MotoEstate estate) {
        return new Builder(estate.endpoint(), true);
    }

    /** An engine against any endpoint (a closed port, a fake): not observed, since no AWS model answers it. */
    public static Builder at(URI endpoint) {
        return new Builder(endpoint, false);
    }

    /**
     * Least privilege, per test class: the strategy declares every action its engines were seen calling
     * (STS is the engine's own, granted by the member role's trust, not by its permissions).
     */
    public static void assertDeclared(ContainmentStrategy strategy, CallRecorder calls) {
        Set<String> called = new TreeSet<>(calls.actions());
        called.removeIf(a -> a.startsWith("sts:"));
        org.assertj.core.api.Assertions.assertThat(strategy.permissions()).as("declared by " + strategy.type())
                .containsAll(called);
    }

    /** What a test may change about its engine; everything else is the deployed function's. */
    public static final class Builder {
        private final AwsSettings.Builder settings;
        private final List<ExecutionInterceptor> interceptors = new ArrayList<>();
        private Access access = Access.memberRole(MotoEstate.MEMBER_ROLE, MotoEstate.EXTERNAL_ID);
        private Guardrails guardrails = Guardrails.minimal(MotoEstate.MEMBER_ROLE);
        private StrategyRegistry strategies;
        private Clock clock;
        private StepListener listener;
        private RecordKey recordKey = RECORD_KEY;
        private SdkHttpClient httpClient;

        private Builder(URI endpoint, boolean observed) {
            this.settings = AwsSettings.builder().endpoint(endpoint).homeRegion(Region.US_EAST_1)
                    .credentials(MotoEstate.testingCredentials())
                    .attemptTimeout(ATTEMPT_TIMEOUT).callTimeout(CALL_TIMEOUT).maxAttempts(3);
            if (observed) {
                interceptors.add(OBSERVED_CALLS);
            }
        }

        public Builder guardrails(Guardrails value) {
            this.guardrails = value;
            return this;
        }

        public Builder strategies(StrategyRegistry value) {
            this.strategies = value;
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = value;
            return this;
        }

        public Builder listener(StepListener value) {
            this.listener = value;
            return this;
        }

        /** Sees every call too (a test's own recorder, fault injection, a read of what was sent). */
        public Builder interceptor(ExecutionInterceptor... more) {
            interceptors.addAll(List.of(more));
            return this;
        }

        /** Sends the engine's requests elsewhere (a {@code FaultProxy} in front of moto). */
        public Builder endpoint(URI endpoint) {
            settings.endpoint(endpoint);
            return this;
        }

        public Builder timeouts(Duration attempt, Duration call, int attempts) {
            settings.attemptTimeout(attempt).callTimeout(call).maxAttempts(attempts);
            return this;
        }

        /** The caller's own credentials (a responder's key on a moto that enforces IAM). */
        public Builder credentials(AwsCredentialsProvider credentials) {
            settings.credentials(credentials);
            return this;
        }

        /** Acts with the caller's credentials instead of assuming the member role (the CLI's --no-assume-role). */
        public Builder callerCredentials() {
            this.access = Access.callerCredentials();
            return this;
        }

        /** Assumes the member role with another ExternalId. */
        public Builder memberRole(String roleName, String externalId) {
            this.access = Access.memberRole(roleName, externalId);
            return this;
        }

        /** A run without the deployment secret: records are neither signed nor trusted. */
        public Builder noRecordKey() {
            this.recordKey = null;
            return this;
        }

        /**
         * Leaves this engine's calls out of {@link #OBSERVED}: only for calls the function never makes and
         * its roles must not grant (the CLI's own look-ups), which the test then checks itself.
         */
        public Builder notObserved() {
            interceptors.remove(OBSERVED_CALLS);
            return this;
        }

        /** Answers requests with this HTTP client instead of the network (unit tests). */
        public Builder httpClient(SdkHttpClient client) {
            this.httpClient = client;
            return this;
        }

        public LockdownEngine build() {
            AwsSettings aws = settings.interceptors(interceptors).build();
            AccountSessions sessions = httpClient == null ? new AccountSessions(aws, access)
                    : new AccountSessions(aws, access, httpClient);
            LockdownEngine.Builder engine = LockdownEngine.builder().sessions(sessions).guardrails(guardrails)
                    .recordKey(recordKey);
            if (strategies != null) {
                engine.strategies(strategies);
            }
            if (clock != null) {
                engine.clock(clock);
            }
            if (listener != null) {
                engine.listener(listener);
            }
            return engine.build();
        }
    }

    private static void writeObserved() {
        Set<String> actions = new TreeSet<>(OBSERVED_CALLS.actions());
        if (actions.isEmpty()) {
            return;
        }
        try {
            Files.createDirectories(OBSERVED.getParent());
            Files.write(OBSERVED, actions, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            System.err.println("Could not write " + OBSERVED + ": " + e.getMessage());
        }
    }
}
