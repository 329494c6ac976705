package io.entitylockdown.core;

import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.testkit.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Builds engines and raw clients against moto for integration tests. Every engine built here shares
 * one {@link CallRecorder}; the actions it saw are written (one surefire JVM per module) to {@code target/observed-aws-actions.txt}
 * at JVM exit, for the least-privilege test that compares them with the member-role template.
 */
public final class TestAws {
    public static final String EXTERNAL_ID = "test-external-id-0123456789";
    public static final String MEMBER_ROLE = "EntityLockdownMemberRole";
    public static final CallRecorder ENGINE_CALLS = new CallRecorder();
    public static final Path OBSERVED = Path.of("target", "observed-aws-actions.txt");
    /** The record key of the test deployment, derived from {@link #EXTERNAL_ID} as the function and CLI derive it. */
    public static final RecordKey RECORD_KEY = RecordKey.fromSecret(EXTERNAL_ID);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestAws::writeObserved, "observed-actions"));
    }

    private TestAws() {
    }

    /**
     * Patient on purpose: on a loaded build machine moto's first call into an account (it loads every AWS
     * managed policy) has taken over 10 s, and a timed-out create that moto did apply came back from
     * the SDK's retry as EntityAlreadyExists. Fault tests set short timeouts where they need them.
     */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(180);

    /** Settings for the engine's own clients: moto endpoint, recorded calls, few retries. */
    public static AwsSettings engineSettings(MotoServer moto) {
        return new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")),
                List.of(ENGINE_CALLS), ATTEMPT_TIMEOUT, CALL_TIMEOUT, 3);
    }

    /** Settings for test set-up and read-back clients: not recorded (they are not the engine's calls). */
    public static AwsSettings setupSettings(MotoServer moto) {
        return new AwsSettings(moto.endpoint(), Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")),
                List.of(), ATTEMPT_TIMEOUT, CALL_TIMEOUT, 3);
    }

    /** An engine that assumes the member role (as the deployed function does). */
    public static LockdownEngine memberRoleEngine(MotoServer moto, Guardrails guardrails) {
        return LockdownEngine.builder()
                .sessions(new AccountSessions(engineSettings(moto), Access.memberRole(MEMBER_ROLE, EXTERNAL_ID)))
                .guardrails(guardrails).recordKey(RECORD_KEY).build();
    }

    public static LockdownEngine memberRoleEngine(MotoServer moto) {
        return memberRoleEngine(moto, Guardrails.minimal(MEMBER_ROLE));
    }

    /** An engine that acts with the caller's own credentials (the CLI's --no-assume-role). */
    public static LockdownEngine callerEngine(MotoServer moto) {
        return LockdownEngine.builder()
                .sessions(new AccountSessions(engineSettings(moto), Access.callerCredentials()))
                .guardrails(Guardrails.minimal(MEMBER_ROLE)).recordKey(RECORD_KEY).build();
    }

    /**
     * Clients acting directly in an account (set-up and read-back), through the member role of that
     * account so that moto files the resources under it.
     */
    public static AccountSessions setupSessions(MotoServer moto) {
        return new AccountSessions(setupSettings(moto), Access.memberRole("SetupRole", null));
    }

    private static void writeObserved() {
        Set<String> actions = new TreeSet<>(ENGINE_CALLS.actions());
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
