package io.entitylockdown.core.strategy;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.aws.AccountSession;
import io.entitylockdown.core.guard.Guardrails;
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
 */
public record EntityContext(
        EntityArn entity,
        AccountSession session,
        ContainmentOptions options,
        Guardrails guardrails,
        ReportBuilder report,
        Clock clock,
        Instant now) {

    public boolean dryRun() {
        return options.dryRun();
    }
}
