package io.entitylockdown.core.strategy;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.ReportBuilder;
import java.time.Clock;
import java.time.Instant;

/**
 * Everything a strategy needs for one operation on one entity.
 *
 * @param entity     the validated ARN
 * @param session    clients in the entity's account and region
 * @param options    what the responder asked for
 * @param guardrails to check secondary principals (a function's role, an instance's role) before touching them
 * @param report     where steps, checks, notes and state go
 * @param clock      the time source (tests fix it)
 * @param now        the instant this operation started; "revoke sessions issued before now" uses it
 * @param recordKey  authenticates the records on entities; null when this run has no deployment secret
 * @param parallel   runs independent steps at the same time
 * @param phase2     makes EC2 phase 2 certain before an interface is opened
 * @param scheduledAt EC2 phase 2: when phase 1 scheduled it (a release after that wins); null otherwise
 */
public record EntityContext(
        EntityArn entity,
        AccountSession session,
        ContainmentOptions options,
        Guardrails guardrails,
        ReportBuilder report,
        Clock clock,
        Instant now,
        RecordKey recordKey,
        Parallel parallel,
        Phase2Scheduler phase2,
        Instant scheduledAt) {

    public boolean dryRun() {
        return options.dryRun();
    }

    public boolean canRecord() {
        return recordKey != null;
    }
}
