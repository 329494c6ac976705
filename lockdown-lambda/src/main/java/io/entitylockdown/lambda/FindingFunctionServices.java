package io.entitylockdown.lambda;

import io.entitylockdown.core.strategy.Phase2Scheduler;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.lambda.findings.FindingNotice;
import io.entitylockdown.lambda.findings.FunctionServices;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The function's audit topic, structured log and phase-2 queue, lent to the findings handler
 * ({@link io.entitylockdown.lambda.findings.FindingEventHandler}) so that findings are audited in the
 * same messages, with the same attributes, as SNS requests.
 */
final class FindingFunctionServices implements FunctionServices {
    private final AuditTrail audit;
    private final StructuredLog log;
    private final Clock clock;
    private final Phase2Scheduler phase2;

    /** @param phase2 the handler's own phase-2 scheduling (SQS delay queue, signed message) */
    FindingFunctionServices(AuditTrail audit, StructuredLog log, Clock clock, Phase2Scheduler phase2) {
        this.audit = audit;
        this.log = log;
        this.clock = clock;
        this.phase2 = phase2;
    }

    @Override
    public CompletableFuture<Boolean> auditStarted(EntityArn entity, String source,
            String requestId) {
        return audit.publishAsync(AuditMessage.started(entity, Operation.CONTAIN, source, requestId, clock.instant()));
    }

    @Override
    public boolean auditFinished(ContainmentReport report, String source, String requestId, List<String> extra,
            String problem) {
        AuditMessage message = AuditMessage.finished(report, source, requestId, extra, problem);
        if (report.dryRun() && message.event() == AuditEvent.SUCCEEDED) {
            Map<String, String> attributes = new LinkedHashMap<>(message.attributes());
            attributes.put("event", AuditEvent.WOULD_CONTAIN.attribute());
            message = new AuditMessage(AuditEvent.WOULD_CONTAIN,
                    AuditMessage.subject("WOULD CONTAIN (dry run): " + label(report)),
                    "WOULD CONTAIN - a dry run: nothing was changed. The report below says what containment would do.\n\n"
                            + message.body(), Map.copyOf(attributes));
        }
        return audit.publish(message);
    }

    private static final java.util.regex.Pattern ACCOUNT = java.util.regex.Pattern.compile("\\d{12}");
    private static final java.util.regex.Pattern REGION = java.util.regex.Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

    @Override
    public boolean auditNotice(FindingNotice notice, String requestId) {
        AuditEvent event = switch (notice.kind()) {
            case REFUSED -> AuditEvent.REFUSED;
            case REJECTED -> AuditEvent.REJECTED;
            case FAILED -> AuditEvent.FAILED;
        };
        String entity = AuditMessage.untrusted(notice.entity());
        // a rejected event's account and region are whatever the caller wrote: shown only when well formed, so
        // that an oversized or hostile value cannot make the publish fail (a rejection is not retried)
        String account = ACCOUNT.matcher(notice.account()).matches() ? notice.account() : "";
        String region = REGION.matcher(notice.region()).matches() ? notice.region() : "";
        String body = AuditMessage.header(AuditMessage.untrusted(notice.title()), entity.isEmpty() ? "(none given)" : entity,
                account, region, event.attribute(), clock.instant(), requestId, AuditMessage.untrusted(notice.source()))
                + "\n" + notice.text();
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("event", event.attribute());
        if (!entity.isEmpty()) {
            attributes.put("entity", entity);
        }
        if (!account.isEmpty()) {
            attributes.put("account", account);
        }
        attributes.put("region", region.isEmpty() ? "unknown" : region);
        return audit.publish(new AuditMessage(event, AuditMessage.subject(notice.title()), body, Map.copyOf(attributes)));
    }

    @Override
    public void log(String level, String event, String... keyValues) {
        log.event(level, event, keyValues);
    }

    @Override
    public Phase2Scheduler phase2() {
        return phase2;
    }

    private static String label(ContainmentReport report) {
        try {
            return EntityArn.parse(report.entity()).label();
        } catch (RuntimeException e) {
            return AuditMessage.untrusted(report.entity());
        }
    }
}
