package io.entitylockdown.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input and guardrail refusals must be decided before any AWS request: the engine here points at
 * a closed loopback port and records every SDK call it starts, so a request would be seen (and fail).
 */
class LockdownEngineInputTest {
    private final CallRecorder recorder = new CallRecorder();
    private LockdownEngine engine;

    @BeforeEach
    void engine() throws IOException {
        engine = engineWith(Guardrails.of(List.of("arn:aws:iam::*:user/break-glass"), List.of("111111111111",
                "222222222222"), List.of("arn:aws:iam::999999999999:role/lockdown-execution"), "EntityLockdownMemberRole"));
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private LockdownEngine engineWith(Guardrails guardrails) throws IOException {
        return TestEngine.at(closedPort()).interceptor(recorder).timeouts(Duration.ofSeconds(2), Duration.ofSeconds(4), 1)
                .memberRole("EntityLockdownMemberRole", "ext-id-1").guardrails(guardrails)
                .strategies(ProbeStrategy.everyType()).noRecordKey().build();
    }

    private static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    static List<Function<LockdownEngine, Function<String, ContainmentReport>>> operations() {
        return List.of(
                e -> arn -> e.contain(arn, ContainmentOptions.defaults()),
                e -> arn -> e.release(arn, ContainmentOptions.defaults()),
                e -> arn -> e.status(arn),
                e -> arn -> e.isolate(arn, ContainmentOptions.defaults()));
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> refusedInputs() {
        return EntityArnTest.refusedInputs();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("refusedInputs")
    void malformedArn_isInvalid_withoutAnyAwsRequest(String input, String reason) {
        for (var operation : operations()) {
            ContainmentReport report = operation.apply(engine).apply(input);

            assertThat(report.outcome()).isEqualTo(Outcome.INVALID);
            assertThat(report.outcome().exitCode()).isEqualTo(2);
            assertThat(report.summary()).contains(reason).contains("Supported:");
            assertThat(report.steps()).isEmpty();
        }
        assertThat(recorder.actions()).isEmpty();
    }

    @Test
    void guardrailRefusal_isRefused_withoutAnyAwsRequest() {
        for (String arn : List.of(
                "arn:aws:iam::111111111111:user/break-glass",
                "arn:aws:iam::333333333333:user/alice",
                "arn:aws:iam::222222222222:role/EntityLockdownMemberRole",
                "arn:aws:iam::999999999999:role/lockdown-execution",
                "arn:aws:iam::111111111111:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")) {
            for (var operation : operations()) {
                ContainmentReport report = operation.apply(engine).apply(arn);

                assertThat(report.outcome()).as(arn).isEqualTo(Outcome.REFUSED);
                assertThat(report.outcome().exitCode()).isEqualTo(3);
                assertThat(report.steps()).singleElement()
                        .satisfies(step -> assertThat(step.status()).isEqualTo(StepStatus.REFUSED));
                assertThat(report.releaseCommand()).isNull();
            }
        }
        assertThat(recorder.actions()).isEmpty();
    }

    @Test
    void validArn_doesReachAws_soTheRecorderWouldSeeARequest() {
        ContainmentReport report = engine.contain("arn:aws:iam::111111111111:user/alice", ContainmentOptions.defaults());

        assertThat(recorder.actions()).containsExactly("sts:AssumeRole");
        assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(report.step("assume-member-role")).hasValueSatisfying(step -> {
            assertThat(step.status()).isEqualTo(StepStatus.FAILED);
            assertThat(step.detail()).startsWith("could not reach AWS for sts:AssumeRole");
        });
        assertThat(report.step("probe")).isEmpty();
    }
}
