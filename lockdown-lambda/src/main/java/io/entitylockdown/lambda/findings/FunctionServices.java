package io.entitylockdown.lambda.findings;

import io.entitylockdown.core.strategy.Phase2Scheduler;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.report.ContainmentReport;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the lockdown function lends the findings handler: its audit topic, its structured log and its
 * phase-2 queue, so that a finding is audited, logged and followed up exactly like an SNS request.
 */
public interface FunctionServices {

    /**
     * Audits that a containment is starting (only when it acts and no guardrail refuses), on another
     * thread: the containment does not wait for it. Join the result before auditing the outcome.
     */
    CompletableFuture<Boolean> auditStarted(EntityArn entity, String source, String requestId);

    /**
     * Audits a containment report, or a dry run ("would contain") when {@code report.dryRun()}.
     *
     * @param extra   sentences to add (why it acted or only reported, phase 2, retries)
     * @param problem what went wrong after the engine (phase 2 not scheduled), or null
     * @return false when the message could not be published (already logged)
     */
    boolean auditFinished(ContainmentReport report, String source, String requestId, List<String> extra,
            String problem);

    /** Audits a notice; returns false when it could not be published (already logged). */
    boolean auditNotice(FindingNotice notice, String requestId);

    /** One structured log line; the values must hold no secret. */
    void log(String level, String event, String... keyValues);

    /**
     * Schedules EC2 phase 2 on the function's delay queue; the engine calls it before an instance's
     * interfaces are opened, and isolates at once when it throws.
     */
    Phase2Scheduler phase2();
}
