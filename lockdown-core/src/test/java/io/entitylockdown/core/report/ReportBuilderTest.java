package io.entitylockdown.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.iam.model.IamException;

class ReportBuilderTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T21:00:00Z"), ZoneOffset.UTC);
    private static final EntityArn USER = EntityArn.parse("arn:aws:iam::111111111111:user/ops/alice");
    private static final EntityArn FUNCTION = EntityArn.parse("arn:aws:lambda:eu-west-1:111111111111:function:fn:prod");

    private static ReportBuilder builder() {
        return new ReportBuilder(USER, Operation.CONTAIN, false, CLOCK, StepListener.NONE);
    }

    @Test
    void allStepsDoneOrAlready_succeeds() {
        ReportBuilder report = builder();
        report.step("attach-deny-all", "iam:AttachUserPolicy", () -> StepOutcome.done("attached"));
        report.step("deactivate-keys", "iam:UpdateAccessKey", () -> StepOutcome.already("no active key"));
        report.check("AWSDenyAll attached", true, "seen");

        ContainmentReport built = report.build();

        assertThat(built.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(built.outcome().exitCode()).isZero();
        assertThat(built.verified()).isTrue();
        assertThat(built.summary()).isEqualTo("Containment of IAM user ops/alice in 111111111111 succeeded, verified.");
    }

    @Test
    void someStepsFailed_isPartial() {
        ReportBuilder report = builder();
        report.step("attach-deny-all", "iam:AttachUserPolicy", () -> StepOutcome.done("attached"));
        report.step("deactivate-keys", "iam:UpdateAccessKey", () -> StepOutcome.failed("boom"));

        ContainmentReport built = report.build();

        assertThat(built.outcome()).isEqualTo(Outcome.PARTIAL);
        assertThat(built.outcome().exitCode()).isEqualTo(1);
        assertThat(built.summary()).contains("PARTIALLY succeeded", "1 step(s) failed");
    }

    @Test
    void entityNotFoundAfterAssumingMemberRole_isFailed_notPartial() {
        ReportBuilder report = builder();
        report.step(ReportBuilder.MEMBER_ROLE_STEP, "sts:AssumeRole", () -> StepOutcome.done("acting as member role"));
        report.step("find-instance", "ec2:DescribeInstances", () -> StepOutcome.failed("not found"));

        assertThat(report.build().outcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void everyStepFailed_isFailed() {
        ReportBuilder report = builder();
        report.step("attach-deny-all", "iam:AttachUserPolicy", () -> {
            throw new IllegalStateException("first");
        });
        report.step("deactivate-keys", "iam:UpdateAccessKey", () -> StepOutcome.failed("second"));

        ContainmentReport built = report.build();

        assertThat(built.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(built.summary()).contains("FAILED", "2 step(s) failed");
    }

    @Test
    void refusal_isRefused_andOffersNoRelease() {
        ReportBuilder report = builder();
        report.record("guardrail", "", StepOutcome.refused("protected"), 0);
        report.releaseCommand("lockdown release " + USER.arn());

        ContainmentReport built = report.build();

        assertThat(built.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(built.outcome().exitCode()).isEqualTo(3);
        assertThat(built.releaseCommand()).isNull();
        assertThat(built.summary()).contains("REFUSED", "nothing was changed");
    }

    @Test
    void failureBeforeAnyEffect_offersNoRelease() {
        ReportBuilder report = builder();
        report.record("assume-member-role", "sts:AssumeRole", StepOutcome.done("acting as the member role"), 0);
        report.record("find-user", "iam:GetUser", StepOutcome.failed("no AWS credentials"), 0);
        report.releaseCommand("lockdown release " + USER.arn());

        assertThat(report.build().releaseCommand()).isNull();

        report.record("deny", "iam:PutUserPolicy", StepOutcome.done("denied"), 0);
        assertThat(report.build().releaseCommand()).isEqualTo("lockdown release " + USER.arn());
    }

    @Test
    void failedVerification_isPartialEvenWhenEveryStepWasDone() {
        ReportBuilder report = builder();
        report.step("attach-deny-all", "iam:AttachUserPolicy", () -> StepOutcome.done("attached"));
        report.check("AWSDenyAll attached", false, "not in ListAttachedUserPolicies");

        ContainmentReport built = report.build();

        assertThat(built.outcome()).isEqualTo(Outcome.PARTIAL);
        assertThat(built.verified()).isFalse();
        assertThat(built.summary()).contains("verification failed");
    }

    @Test
    void dryRunSkips_succeedWithoutVerification() {
        ReportBuilder report = new ReportBuilder(USER, Operation.CONTAIN, true, CLOCK, StepListener.NONE);
        report.step("attach-deny-all", "iam:AttachUserPolicy", () -> StepOutcome.wouldDo("attach AWSDenyAll"));

        ContainmentReport built = report.build();

        assertThat(built.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(built.dryRun()).isTrue();
        assertThat(built.verified()).isNull();
        assertThat(built.steps().get(0).detail()).isEqualTo("dry run: would attach AWSDenyAll");
        assertThat(built.summary()).startsWith("Dry run of containment for");
    }

    @Test
    void throwingStep_isRecordedAsFailed_andTheNextStepStillRuns() {
        ReportBuilder report = builder();
        List<String> ran = new ArrayList<>();
        report.step("first", "iam:TagUser", () -> {
            ran.add("first");
            throw new IllegalStateException("tagging broke");
        });
        report.step("second", "iam:AttachUserPolicy", () -> {
            ran.add("second");
            return StepOutcome.done("attached");
        });
        report.step("third", "", () -> null);

        ContainmentReport built = report.build();

        assertThat(ran).containsExactly("first", "second");
        assertThat(built.steps()).extracting(StepResult::status)
                .containsExactly(StepStatus.FAILED, StepStatus.DONE, StepStatus.FAILED);
        assertThat(built.steps().get(0).detail()).isEqualTo("IllegalStateException: tagging broke");
        assertThat(built.steps().get(2).detail()).contains("returned no outcome");
    }

    @Test
    void interruptedStep_failsAndKeepsTheInterruptFlag() {
        ReportBuilder report = builder();
        try {
            report.step("wait", "", () -> {
                throw new InterruptedException("stop");
            });

            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(report.steps().get(0).status()).isEqualTo(StepStatus.FAILED);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void accessDenied_detailNamesTheMissingAction() {
        ReportBuilder report = builder();
        IamException denied = (IamException) IamException.builder().statusCode(403)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied")
                        .errorMessage("User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized").build())
                .build();

        StepResult step = report.step("attach-deny-all", "iam:AttachUserPolicy", () -> {
            throw denied;
        });

        assertThat(step.detail()).startsWith("AccessDenied: User: arn:aws:sts::111111111111:assumed-role/x/y")
                .contains("needs iam:AttachUserPolicy", "member-role stack");
    }

    @Test
    void listener_seesEveryStep_andABrokenListenerDoesNotStopTheSteps() {
        List<String> seen = new ArrayList<>();
        ReportBuilder report = new ReportBuilder(USER, Operation.CONTAIN, false, CLOCK, (entity, operation, step) -> {
            seen.add(operation.json() + " " + entity.name() + " " + step.step());
            if (step.step().equals("first")) {
                throw new IllegalStateException("log sink full");
            }
        });

        report.step("first", "", () -> StepOutcome.done("ok"));
        report.step("second", "", () -> StepOutcome.done("ok"));
        ContainmentReport built = report.build();

        assertThat(seen).containsExactly("contain alice first", "contain alice second");
        assertThat(built.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(built.notes()).singleElement().asString().contains("first", "log sink full");
    }

    @Test
    void stepDuration_isMeasured() {
        ReportBuilder report = builder();

        StepResult step = report.step("slow", "", () -> {
            Thread.sleep(30);
            return StepOutcome.done("ok");
        });

        assertThat(step.durationMs()).isGreaterThanOrEqualTo(30);
        assertThat(report.build().durationMs()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void json_hasTheContractFields() throws Exception {
        ReportBuilder report = new ReportBuilder(FUNCTION, Operation.CONTAIN, false, CLOCK, StepListener.NONE);
        report.step("zero-concurrency", "lambda:PutFunctionConcurrency", () -> StepOutcome.done("concurrency 0"));
        report.step("deny-role", "iam:AttachRolePolicy", () -> StepOutcome.failed("AccessDenied: no"));
        report.check("concurrency is 0", true, "GetFunctionConcurrency says 0");
        report.affected("arn:aws:lambda:eu-west-1:111111111111:function:other");
        report.state("concurrency", null);
        report.releaseCommand("lockdown release " + FUNCTION.arn());

        JsonNode json = Json.mapper().readTree(Json.write(report.build()));

        assertThat(json.get("entity").asText()).isEqualTo(FUNCTION.arn());
        assertThat(json.get("account").asText()).isEqualTo("111111111111");
        assertThat(json.get("region").asText()).isEqualTo("eu-west-1");
        assertThat(json.get("operation").asText()).isEqualTo("contain");
        assertThat(json.get("outcome").asText()).isEqualTo("partial");
        assertThat(json.get("steps")).hasSize(2);
        assertThat(json.get("steps").get(0).get("step").asText()).isEqualTo("zero-concurrency");
        assertThat(json.get("steps").get(0).get("call").asText()).isEqualTo("lambda:PutFunctionConcurrency");
        assertThat(json.get("steps").get(0).get("status").asText()).isEqualTo("done");
        assertThat(json.get("steps").get(1).get("status").asText()).isEqualTo("failed");
        assertThat(json.get("steps").get(1).get("detail").asText()).isEqualTo("AccessDenied: no");
        assertThat(json.get("steps").get(0).has("durationMs")).isTrue();
        assertThat(json.get("verification").get(0).get("check").asText()).isEqualTo("concurrency is 0");
        assertThat(json.get("verification").get(0).get("passed").asBoolean()).isTrue();
        assertThat(json.get("verified").asBoolean()).isTrue();
        assertThat(json.get("affected").get(0).asText()).endsWith("function:other");
        assertThat(json.get("state").has("concurrency")).isTrue();
        assertThat(json.get("startedAt").asText()).isEqualTo("2026-11-28T21:00:00Z");
        assertThat(json.get("durationMs").isIntegralNumber()).isTrue();
        assertThat(json.get("releaseCommand").asText()).isEqualTo("lockdown release " + FUNCTION.arn());
        assertThat(json.has("nextPhase")).isFalse();
    }

    @Test
    void json_roundTripsThroughJackson() throws Exception {
        ReportBuilder report = builder();
        report.step("attach-deny-all", "iam:AttachUserPolicy", () -> StepOutcome.already("attached before"));
        ContainmentReport built = report.build();

        ContainmentReport read = Json.mapper().readValue(Json.write(built), ContainmentReport.class);

        assertThat(read).isEqualTo(built);
    }

    @Test
    void invalidInput_reportSaysNothingWasSent() throws Exception {
        ContainmentReport invalid = ReportBuilder.invalid("arn:aws:s3:::bucket", Operation.CONTAIN, "S3 is not supported",
                CLOCK);

        assertThat(invalid.outcome()).isEqualTo(Outcome.INVALID);
        assertThat(invalid.outcome().exitCode()).isEqualTo(2);
        assertThat(invalid.entity()).isEqualTo("arn:aws:s3:::bucket");
        assertThat(invalid.steps()).isEmpty();
        assertThat(Json.mapper().readTree(Json.write(invalid)).get("outcome").asText()).isEqualTo("invalid");
        assertThat(ReportBuilder.invalid(null, Operation.STATUS, "empty", CLOCK).entity()).isEmpty();
    }

    @Test
    void builtReport_isImmutable() {
        ReportBuilder report = builder();
        report.step("a", "", () -> StepOutcome.done("ok"));
        ContainmentReport built = report.build();

        report.step("b", "", () -> StepOutcome.done("ok"));

        assertThat(built.steps()).hasSize(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> built.steps().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
