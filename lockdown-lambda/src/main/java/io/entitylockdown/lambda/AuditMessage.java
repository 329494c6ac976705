package io.entitylockdown.lambda;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.report.Check;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.StepResult;
import io.entitylockdown.core.report.StepStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message to the audit topic, written for a person reading e-mail at night: the subject names
 * the outcome, the entity, its account and region; the body starts with the same facts, then what
 * was done, what was not, how it was verified and how to undo it, then the full JSON report.
 *
 * @param event      what happened
 * @param subject    at most {@link #MAX_SUBJECT} printable ASCII characters (SNS's e-mail subject rule)
 * @param body       plain text
 * @param attributes SNS message attributes (event, entity, account, region), for subscription filter policies
 */
record AuditMessage(AuditEvent event, String subject, String body, Map<String, String> attributes) {
    static final int MAX_SUBJECT = 99;
    /** SNS allows 256 KB per message; keep room for attributes and encoding. */
    static final int MAX_BODY_BYTES = 200 * 1024;
    private static final int MAX_UNTRUSTED = 300;

    static AuditMessage started(EntityArn entity, Operation operation, String source, String requestId, Instant now) {
        String body = header("STARTED: " + verb(operation) + " of " + entity.label(), entity.arn(), entity.accountId(),
                regionOf(entity.region()), "started", now, requestId, source)
                + "\nEntity Lockdown is acting now. A second message will say whether it succeeded.\n";
        return new AuditMessage(AuditEvent.STARTED,
                subject(verb(operation) + " STARTED: " + entity.label()), body,
                attributes(AuditEvent.STARTED, entity.arn(), entity.accountId(), entity.region()));
    }

    /**
     * The result of an operation.
     *
     * @param extra   sentences the handler adds (phase 2 scheduled, retry to come)
     * @param problem what went wrong in the handler after the engine succeeded (phase 2 not scheduled), or null;
     *                it makes the message a failure
     */
    static AuditMessage finished(ContainmentReport report, String source, String requestId, List<String> extra,
            String problem) {
        AuditEvent event = switch (report.outcome()) {
            case SUCCEEDED -> AuditEvent.SUCCEEDED;
            case PARTIAL, FAILED -> AuditEvent.FAILED;
            case REFUSED -> AuditEvent.REFUSED;
            case INVALID -> AuditEvent.REJECTED;
        };
        if (event == AuditEvent.SUCCEEDED && problem != null) {
            event = AuditEvent.FAILED;
        }
        String label = label(report);
        String outcomeWord = switch (report.outcome()) {
            case SUCCEEDED -> event == AuditEvent.FAILED ? "FAILED" : "SUCCEEDED";
            case PARTIAL -> "PARTIALLY FAILED";
            case FAILED -> "FAILED";
            case REFUSED -> "REFUSED";
            case INVALID -> "REJECTED";
        };
        StringBuilder body = new StringBuilder(header(outcomeWord + ": " + verb(report.operation()) + " of " + label,
                untrusted(report.entity()), report.account(), regionOf(report.region()), report.outcome().json(),
                Instant.parse(report.startedAt()), requestId, source));
        body.append('\n').append(report.summary()).append('\n');
        if (problem != null) {
            body.append("PROBLEM: ").append(problem).append('\n');
        }
        extra.forEach(line -> body.append(line).append('\n'));
        appendSteps(body, "What was done", report.steps(), List.of(StepStatus.DONE, StepStatus.ALREADY));
        appendSteps(body, "What was NOT done", report.steps(), List.of(StepStatus.FAILED, StepStatus.REFUSED));
        appendSteps(body, "Skipped", report.steps(), List.of(StepStatus.SKIPPED));
        if (!report.verification().isEmpty()) {
            body.append("\nVerification (read back after acting): ")
                    .append(Boolean.TRUE.equals(report.verified()) ? "all passed" : "NOT all passed").append('\n');
            for (Check check : report.verification()) {
                body.append("  ").append(check.passed() ? "PASS  " : "FAIL  ").append(check.check());
                if (!check.detail().isEmpty()) {
                    body.append(" - ").append(check.detail());
                }
                body.append('\n');
            }
        }
        if (!report.affected().isEmpty()) {
            body.append("\nAlso affected:\n");
            report.affected().forEach(a -> body.append("  ").append(a).append('\n'));
        }
        if (!report.notes().isEmpty()) {
            body.append("\nNotes:\n");
            report.notes().forEach(n -> body.append("  - ").append(n).append('\n'));
        }
        if (report.nextPhase() != null) {
            body.append("\nStill to come: phase ").append(report.nextPhase().phase()).append(" at ")
                    .append(report.nextPhase().notBefore()).append('\n');
        }
        if (report.releaseCommand() != null) {
            body.append("\nHow to release (when the investigation allows it):\n  ").append(report.releaseCommand())
                    .append('\n');
        }
        String json = Json.writePretty(report);
        body.append("\n--- full report (JSON) ---\n");
        if (body.toString().getBytes(StandardCharsets.UTF_8).length + json.getBytes(StandardCharsets.UTF_8).length
                > MAX_BODY_BYTES) {
            body.append("(too large for one message; it is in the function's log under request ").append(requestId)
                    .append(")\n");
        } else {
            body.append(json).append('\n');
        }
        // The label already names the account and the region: "... in 111122223333/us-west-2".
        String subject = subject(verb(report.operation()) + " " + outcomeWord + ": " + label);
        return new AuditMessage(event, subject, body.toString(),
                attributes(event, untrusted(report.entity()), report.account(), report.region()));
    }

    /** A message that was not an authenticated request for a supported entity. Holds no secret. */
    static AuditMessage rejected(String shownEntity, String reason, String source, String requestId, Instant now) {
        String shown = shownEntity == null || shownEntity.isEmpty() ? "(none given)" : untrusted(shownEntity);
        String body = header("REJECTED: a lockdown request was refused before anything was done", shown, "", "",
                "rejected", now, requestId, source)
                + "\nReason: " + untrusted(reason) + "\n\n"
                + "Nothing was changed and the message will not be retried. If you sent it, fix it and publish again.\n"
                + "If nobody you know sent it, someone who may publish to the lockdown topic is sending bad requests:\n"
                + "check the topic policy and CloudTrail (sns:Publish) for the sender.\n";
        return new AuditMessage(AuditEvent.REJECTED, subject("Lockdown request REJECTED: " + untrusted(reason)), body,
                attributes(AuditEvent.REJECTED, shown, "", ""));
    }

    /**
     * A request that could not be handled now for a reason outside it (the deployment's ExternalId could not be
     * read): nothing was done, and the request is retried.
     */
    static AuditMessage notHandled(String shownEntity, String reason, String source, String requestId, Instant now) {
        String shown = shownEntity == null || shownEntity.isEmpty() ? "(not read yet)" : untrusted(shownEntity);
        String body = header("FAILED: a lockdown request could not be handled", shown, "", "", "failed", now,
                requestId, source)
                + "\nReason: " + untrusted(reason) + "\n\n"
                + "Nothing was changed. Lambda retries the request; if every retry fails, it is kept on the kept-events\n"
                + "queue and the failure topic is told (lockdown replay re-submits it once the cause is fixed).\n";
        return new AuditMessage(AuditEvent.FAILED, subject("Lockdown request FAILED: " + shown), body,
                attributes(AuditEvent.FAILED, shown, "", ""));
    }

    static String header(String title, String arn, String account, String region, String outcome, Instant at,
            String requestId, String source) {
        StringBuilder text = new StringBuilder();
        text.append("Entity Lockdown - ").append(title).append("\n\n");
        text.append("Entity:   ").append(arn).append('\n');
        text.append("Account:  ").append(account.isEmpty() ? "(unknown)" : account).append('\n');
        text.append("Region:   ").append(region.isEmpty() ? "(unknown)" : region).append('\n');
        text.append("Outcome:  ").append(outcome).append('\n');
        text.append("Time:     ").append(at).append('\n');
        text.append("Source:   ").append(untrusted(source)).append('\n');
        text.append("Request:  ").append(requestId).append(" (function log)\n");
        return text.toString();
    }

    private static void appendSteps(StringBuilder body, String title, List<StepResult> steps, List<StepStatus> statuses) {
        List<StepResult> matching = steps.stream().filter(s -> statuses.contains(s.status())).toList();
        if (matching.isEmpty()) {
            return;
        }
        body.append('\n').append(title).append(":\n");
        for (StepResult step : matching) {
            body.append("  ").append(String.format("%-8s", step.status().json().toUpperCase(java.util.Locale.ROOT)))
                    .append(step.step());
            if (!step.call().isEmpty()) {
                body.append(" (").append(step.call()).append(')');
            }
            if (!step.detail().isEmpty()) {
                body.append(": ").append(step.detail());
            }
            body.append('\n');
        }
    }

    private static String label(ContainmentReport report) {
        try {
            return EntityArn.parse(report.entity()).label();
        } catch (RuntimeException e) {
            return untrusted(report.entity());
        }
    }

    private static String verb(Operation operation) {
        return switch (operation) {
            case CONTAIN -> "Containment";
            case ISOLATE -> "Phase-2 isolation";
            case RELEASE -> "Release";
            case STATUS -> "Status";
        };
    }

    private static String regionOf(String region) {
        return region == null || region.isEmpty() ? "global (IAM)" : region;
    }

    private static Map<String, String> attributes(AuditEvent event, String entity, String account, String region) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("event", event.attribute());
        if (!entity.isEmpty()) {
            attributes.put("entity", entity);
        }
        if (!account.isEmpty()) {
            attributes.put("account", account);
        }
        attributes.put("region", regionOf(region));
        return Map.copyOf(attributes);
    }

    /** SNS subjects: printable ASCII, no line breaks, under 100 characters. */
    static String subject(String text) {
        StringBuilder clean = new StringBuilder();
        for (char c : text.toCharArray()) {
            clean.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        String subject = clean.toString().strip();
        return subject.length() <= MAX_SUBJECT ? subject : subject.substring(0, MAX_SUBJECT - 3) + "...";
    }

    /** Text from a message's sender, shown to people: control characters removed, length bounded. */
    static String untrusted(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder clean = new StringBuilder();
        text.codePoints().limit(MAX_UNTRUSTED).forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > MAX_UNTRUSTED ? clean + "..." : clean.toString();
    }
}
