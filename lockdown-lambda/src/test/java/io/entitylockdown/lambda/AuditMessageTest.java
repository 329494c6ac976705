package io.entitylockdown.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.ReportBuilder;
import io.entitylockdown.core.report.StepOutcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditMessageTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T21:00:00Z"), ZoneOffset.UTC);
    private static final EntityArn USER = EntityArn.parse("arn:aws:iam::111111111111:user/alice");

    private static ContainmentReport report(boolean failSecondStep) {
        ReportBuilder builder = new ReportBuilder(USER, Operation.CONTAIN, false, CLOCK, null);
        builder.step("attach-deny-all", "iam:AttachUserPolicy", () -> StepOutcome.done("AWSDenyAll attached"));
        builder.step("deactivate-keys", "iam:UpdateAccessKey", () -> {
            if (failSecondStep) {
                throw new IllegalStateException("boom");
            }
            return StepOutcome.done("1 key deactivated");
        });
        builder.check("AWSDenyAll attached", true, "listed on the user");
        builder.releaseCommand("lockdown release " + USER.arn());
        return builder.build();
    }

    @Test
    void finished_succeeded_putsOutcomeEntityAccountFirst_andListsStepsAndRelease() {
        AuditMessage message = AuditMessage.finished(report(false), "SNS message m-1", "req-1", List.of(), null);

        assertThat(message.event()).isEqualTo(AuditEvent.SUCCEEDED);
        assertThat(message.subject()).startsWith("Containment SUCCEEDED: IAM user alice in 111111111111")
                .hasSizeLessThanOrEqualTo(100);
        assertThat(message.body()).startsWith("Entity Lockdown - SUCCEEDED: Containment of IAM user alice")
                .contains("Account:  111111111111", "Region:   global (IAM)", "What was done:",
                        "attach-deny-all (iam:AttachUserPolicy): AWSDenyAll attached", "PASS  AWSDenyAll attached",
                        "lockdown release arn:aws:iam::111111111111:user/alice", "--- full report (JSON) ---",
                        "\"outcome\" : \"succeeded\"");
        assertThat(message.attributes()).containsEntry("event", "succeeded").containsEntry("account", "111111111111");
    }

    @Test
    void subjects_nameTheRegionOnce() {
        EntityArn function = EntityArn.parse("arn:aws:lambda:us-west-2:111111111111:function:billing");
        AuditMessage started = AuditMessage.started(function, Operation.CONTAIN, "SNS", "req-1", CLOCK.instant());
        ContainmentReport report = new ReportBuilder(function, Operation.CONTAIN, false, CLOCK, null).build();
        AuditMessage finished = AuditMessage.finished(report, "SNS", "req-1", List.of(), null);

        assertThat(started.subject()).isEqualTo("Containment STARTED: Lambda function billing in 111111111111/us-west-2");
        assertThat(finished.subject()).isEqualTo("Containment SUCCEEDED: Lambda function billing in 111111111111/us-west-2");
    }

    @Test
    void finished_partial_isAFailureThatSaysWhatWasAndWasNotDone() {
        AuditMessage message = AuditMessage.finished(report(true), "SNS", "req-1", List.of("Lambda will retry."), null);

        assertThat(message.event()).isEqualTo(AuditEvent.FAILED);
        assertThat(message.subject()).startsWith("Containment PARTIALLY FAILED: IAM user alice");
        assertThat(message.body()).contains("What was done:", "What was NOT done:", "deactivate-keys", "boom",
                "Lambda will retry.");
    }

    @Test
    void finished_withHandlerProblem_isAFailure() {
        AuditMessage message = AuditMessage.finished(report(false), "SNS", "req-1", List.of(), "phase 2 not scheduled");

        assertThat(message.event()).isEqualTo(AuditEvent.FAILED);
        assertThat(message.body()).contains("PROBLEM: phase 2 not scheduled");
    }

    @Test
    void rejected_neutralisesUntrustedText_andKeepsSubjectShortAndPrintable() {
        String hostile = "arn:aws:iam::111111111111:user/x\r\nBcc: everyone\u0007" + "y".repeat(500);

        AuditMessage message = AuditMessage.rejected(hostile, "The ARN contains a control character\n" + "z".repeat(200),
                "SNS", "req-1", CLOCK.instant());

        assertThat(message.subject()).hasSizeLessThanOrEqualTo(100).matches("[\\x20-\\x7E]+");
        assertThat(message.body()).doesNotContain("\r\nBcc").contains("Nothing was changed");
        assertThat(message.attributes().get("entity")).hasSizeLessThanOrEqualTo(303).doesNotContain("\n");
    }

    @Test
    void subject_replacesNonAscii() {
        assertThat(AuditMessage.subject("Containment SUCCEEDED: IAM user jos\u00e9")).endsWith("jos?");
    }
}
