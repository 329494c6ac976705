package io.entitylockdown.lambda;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.StepListener;
import io.entitylockdown.core.report.StepResult;
import java.io.PrintStream;
import java.time.Clock;

/**
 * One JSON object per line: every containment step as it ends, and the handler's own events. Lambda
 * sends each line to CloudWatch Logs, where Logs Insights can query the fields. Nothing secret is
 * ever passed in: no ExternalId, no credentials, no message bodies.
 */
final class StructuredLog implements StepListener {
    private static final int MAX_DETAIL = 1000;
    private final PrintStream out;
    private final Clock clock;
    /**
     * The invocation being handled. Lambda gives a container one invocation at a time, but its work runs on
     * several threads (the engine's parallel steps, the "started" audit), so this is one value for the
     * handler, not one per thread.
     */
    private volatile String requestId = "";

    StructuredLog(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    void beginInvocation(String id) {
        requestId = id == null ? "" : id;
    }

    void endInvocation() {
        requestId = "";
    }

    @Override
    public void stepEnded(EntityArn entity, Operation operation, StepResult step) {
        ObjectNode line = line("INFO", "step");
        line.put("entity", entity.arn());
        line.put("account", entity.accountId());
        line.put("region", entity.region().isEmpty() ? "global" : entity.region());
        line.put("operation", operation.json());
        line.put("step", step.step());
        line.put("call", step.call());
        line.put("status", step.status().json());
        line.put("durationMs", step.durationMs());
        line.put("detail", shorten(step.detail()));
        write(line);
    }

    /** A handler event, e.g. {@code rejected} or {@code audit-failed}; fields must hold no secret. */
    void event(String level, String event, String... keyValues) {
        ObjectNode line = line(level, event);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            line.put(keyValues[i], shorten(keyValues[i + 1]));
        }
        write(line);
    }

    private ObjectNode line(String level, String event) {
        ObjectNode line = Json.mapper().createObjectNode();
        line.put("time", clock.instant().toString());
        line.put("level", level);
        line.put("event", event);
        String id = requestId;
        if (!id.isEmpty()) {
            line.put("requestId", id);
        }
        return line;
    }

    private void write(ObjectNode line) {
        String text = Json.write(line);
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    private static String shorten(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL) + "...";
    }
}
