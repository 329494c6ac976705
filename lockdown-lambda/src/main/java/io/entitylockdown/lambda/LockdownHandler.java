package io.entitylockdown.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownConfig;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.aws.Access;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.strategy.Strategies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The lockdown function: one handler for both of its event sources.
 *
 * <ul>
 *   <li>SNS records are lockdown requests (attributes {@code Arn} and {@code ExternalId}, or a JSON
 *       body). Each is authenticated, validated, contained and audited. When a containment fails,
 *       the invocation throws after every record was handled, so Lambda retries the event.</li>
 *   <li>SQS records are EC2 phase-2 messages this function scheduled on its delay queue. Failed
 *       ones are returned as {@code batchItemFailures}, so SQS redelivers only those.</li>
 * </ul>
 *
 * <p>A message that is not an authenticated request for a supported entity is audited as rejected
 * and never retried. Everything reusable is built once per container, in the constructor; nothing
 * there is unique or time-bound (no credentials are fetched, no clock read), so a SnapStart snapshot
 * is safe to restore many times.
 */
public final class LockdownHandler implements RequestStreamHandler {
    /** Lambda's asynchronous payload limit is 256 KB; anything larger is not a lockdown event. */
    static final int MAX_EVENT_BYTES = 1024 * 1024;

    private final HandlerSettings settings;
    private final LockdownConfig config;
    private final LockdownEngine engine;
    private final SnsClient sns;
    private final SqsClient sqs;
    private final AuditTrail audit;
    private final StructuredLog log;
    private final Clock clock;

    /** The deployed function: configuration from the process environment. */
    public LockdownHandler() {
        this(System.getenv());
    }

    /** Configuration from the given variables (tests, {@code lockdown invoke}); logs go to stderr. */
    public LockdownHandler(Map<String, String> env) {
        this(env, null, Clock.systemUTC(), System.err);
    }

    /**
     * For embedding the function's code (the demo): configuration from {@code env}, but acting with
     * these credentials instead of the default chain, and writing the structured log to {@code logStream}.
     */
    public LockdownHandler(Map<String, String> env, software.amazon.awssdk.auth.credentials.AwsCredentialsProvider
            credentials, PrintStream logStream) {
        this(env, LockdownConfig.fromEnvironment(env).aws().withCredentials(credentials), Clock.systemUTC(), logStream);
    }

    /**
     * @param aws replaces the AWS settings read from {@code env} (tests add interceptors), or null
     */
    LockdownHandler(Map<String, String> env, AwsSettings aws, Clock clock, PrintStream logStream) {
        this.settings = HandlerSettings.fromEnvironment(env);
        LockdownConfig fromEnv = LockdownConfig.fromEnvironment(env);
        this.config = aws == null ? fromEnv : fromEnv.withAws(aws);
        this.clock = clock;
        this.log = new StructuredLog(logStream, clock);
        Access access = config.memberRole(settings.secret() == null ? null : settings.secret().value());
        this.engine = config.newEngine(access, log, Strategies.standard(), clock);
        var caller = engine.sessions().caller();
        this.sns = caller.configure(SnsClient.builder(), regionOf(settings.auditTopicArn())).build();
        this.sqs = caller.configure(SqsClient.builder(), config.aws().homeRegion()).build();
        this.audit = new AuditTrail(sns, settings.auditTopicArn(), log);
        SnapStartPriming.register(org.crac.Core.getGlobalContext());
    }

    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {
        String requestId = context == null || context.getAwsRequestId() == null ? "local" : context.getAwsRequestId();
        log.beginInvocation(requestId);
        try {
            Invocation invocation = new Invocation(requestId);
            handle(in.readNBytes(MAX_EVENT_BYTES + 1), invocation);
            out.write(Json.write(invocation.response()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
            if (!invocation.failures.isEmpty()) {
                throw new ContainmentFailedException(invocation.failures.size() + " lockdown request(s) failed and "
                        + "were audited; Lambda will retry the event: " + String.join("; ", invocation.failures));
            }
        } finally {
            log.endInvocation();
        }
    }

    private void handle(byte[] raw, Invocation invocation) {
        if (raw.length > MAX_EVENT_BYTES) {
            reject(invocation, "event", "", "The event is larger than " + MAX_EVENT_BYTES
                    + " bytes; a lockdown event is a few kilobytes");
            return;
        }
        JsonNode event;
        try {
            event = Json.mapper().readTree(raw);
        } catch (IOException e) {
            event = null;
        }
        JsonNode records = event == null ? null : event.path("Records");
        if (records == null || !records.isArray() || records.isEmpty()) {
            reject(invocation, "event", "", "The event is not an SNS or SQS event (no Records); publish to the lockdown "
                    + "topic, or pass an SNS or SQS event to lockdown invoke");
            return;
        }
        for (JsonNode record : records) {
            if ("aws:sns".equals(record.path("EventSource").asText())) {
                handleSns(record.path("Sns"), invocation);
            } else if ("aws:sqs".equals(record.path("eventSource").asText())) {
                handlePhase2(record, invocation);
            } else {
                reject(invocation, "event", "", "A record comes from neither SNS nor SQS (EventSource '"
                        + AuditMessage.untrusted(record.path("EventSource").asText(record.path("eventSource").asText("")))
                        + "')");
            }
        }
    }

    /** A lockdown request from the lockdown topic. */
    private void handleSns(JsonNode sns, Invocation invocation) {
        String source = "SNS message " + sns.path("MessageId").asText("?") + " from "
                + sns.path("TopicArn").asText("?");
        LockdownMessage message;
        EntityArn entity;
        try {
            message = LockdownMessage.fromSns(sns);
            authenticate(message);
            entity = supportedEntity(message.arn());
        } catch (RejectedMessage rejected) {
            reject(invocation, source, rejected.shownEntity(), rejected.reason());
            return;
        }
        ContainmentOptions options = settings.options();
        if (config.guardrails().refusal(entity).isEmpty()) {
            audit.publish(AuditMessage.started(entity, Operation.CONTAIN, source, invocation.requestId, clock.instant()));
        }
        ContainmentReport report = engine.contain(entity.arn(), options);
        List<String> extra = new ArrayList<>();
        String problem = null;
        if (report.nextPhase() != null) {
            Optional<String> scheduleProblem = schedulePhase2(entity, report.nextPhase(), extra);
            problem = scheduleProblem.orElse(null);
        }
        boolean failed = report.outcome() == Outcome.PARTIAL || report.outcome() == Outcome.FAILED || problem != null;
        if (failed) {
            extra.add("Lambda will retry this request (every step is idempotent). If every retry fails, the event is "
                    + "kept on the kept-events queue and the failure topic is told.");
        }
        boolean audited = audit.publish(AuditMessage.finished(report, source, invocation.requestId, extra, problem));
        invocation.result(source, report, failed ? "failed" : eventOf(report));
        if (failed) {
            invocation.failures.add(entity.label() + ": " + (problem != null ? problem : report.summary()));
        } else if (!audited && report.outcome() == Outcome.SUCCEEDED) {
            // People must hear about every containment; a retry re-checks the (now contained) entity and says so again.
            invocation.failures.add(entity.label() + ": contained, but the audit message could not be published");
        }
    }

    /** EC2 phase 2, from the function's own delay queue. */
    private void handlePhase2(JsonNode record, Invocation invocation) {
        String messageId = record.path("messageId").asText("");
        String source = "SQS message " + messageId + " from " + record.path("eventSourceARN").asText("?");
        Phase2Message message;
        EntityArn entity;
        try {
            message = Phase2Message.verified(record.path("body").asText(null), settings.secret(), clock.instant());
            entity = supportedEntity(message.arn());
            if (entity.type() != EntityType.EC2_INSTANCE) {
                throw new RejectedMessage("Only EC2 instances have a second phase", message.arn());
            }
        } catch (RejectedMessage rejected) {
            reject(invocation, source, rejected.shownEntity(), rejected.reason());
            return;
        }
        ContainmentReport report = engine.isolate(entity.arn(), settings.options());
        boolean failed = report.outcome() == Outcome.PARTIAL || report.outcome() == Outcome.FAILED;
        List<String> extra = failed
                ? List.of("SQS will deliver this phase-2 message again; after the last attempt it is kept on the "
                        + "kept-events queue and the failure topic is told.")
                : List.of();
        boolean audited = audit.publish(AuditMessage.finished(report, source, invocation.requestId, extra, null));
        invocation.result(source, report, failed ? "failed" : eventOf(report));
        if (failed || !audited && report.outcome() == Outcome.SUCCEEDED) {
            invocation.batchItemFailures.add(messageId);
        }
    }

    /** Sends the signed phase-2 message with the window as its delay; returns the problem when it could not. */
    private Optional<String> schedulePhase2(EntityArn entity, ContainmentReport.PendingPhase phase, List<String> extra) {
        if (settings.phase2QueueUrl().isEmpty() || settings.secret() == null) {
            return Optional.of("Phase 2 (isolation) could not be scheduled: LOCKDOWN_PHASE2_QUEUE_URL is not set. The "
                    + "instance is in the untracked-connections group until phase 2 runs: run 'lockdown contain "
                    + entity.arn() + " --window 0' now.");
        }
        int delay = Math.max(0, Math.min(phase.windowSeconds(), ContainmentOptions.MAX_WINDOW_SECONDS));
        Phase2Message message = Phase2Message.create(entity.arn(), delay, clock.instant(), settings.secret());
        try {
            String id = sqs.sendMessage(b -> b.queueUrl(settings.phase2QueueUrl()).messageBody(message.toJson())
                    .delaySeconds(delay)).messageId();
            log.event("INFO", "phase2-scheduled", "entity", entity.arn(), "delaySeconds", Integer.toString(delay),
                    "messageId", id);
            extra.add("Phase 2 (isolation group) is scheduled in " + delay + " s, not before " + phase.notBefore()
                    + "; another message will report it.");
            return Optional.empty();
        } catch (RuntimeException e) {
            String why = AwsErrors.describe(e, "sqs:SendMessage");
            log.event("ERROR", "phase2-not-scheduled", "entity", entity.arn(), "error", why);
            return Optional.of("Phase 2 (isolation) could not be scheduled (" + why + "). The instance stays in the "
                    + "untracked-connections group until a retry schedules it, or run 'lockdown contain " + entity.arn()
                    + " --window 0'.");
        }
    }

    private void authenticate(LockdownMessage message) throws RejectedMessage {
        if (settings.secret() == null) {
            throw new RejectedMessage("This deployment has no ExternalId (LOCKDOWN_EXTERNAL_ID is not set), so no "
                    + "request can be authenticated", message.arn());
        }
        if (!settings.secret().matches(message.externalId())) {
            throw new RejectedMessage("The ExternalId does not match this deployment's ExternalId", message.arn());
        }
    }

    private EntityArn supportedEntity(String arn) throws RejectedMessage {
        EntityArn entity;
        try {
            entity = EntityArn.parse(arn);
        } catch (InvalidArnException e) {
            throw new RejectedMessage(e.getMessage(), arn);
        }
        if (engine.strategies().forType(entity.type()).isEmpty()) {
            throw new RejectedMessage(entity.type().displayName() + "s are not supported by this build", arn);
        }
        return entity;
    }

    private void reject(Invocation invocation, String source, String shownEntity, String reason) {
        log.event("WARN", "rejected", "source", source, "entity", AuditMessage.untrusted(shownEntity), "reason", reason);
        audit.publish(AuditMessage.rejected(shownEntity, reason, source, invocation.requestId, clock.instant()));
        invocation.rejected(source, shownEntity, reason);
    }

    private static String eventOf(ContainmentReport report) {
        return switch (report.outcome()) {
            case SUCCEEDED -> "succeeded";
            case PARTIAL, FAILED -> "failed";
            case REFUSED -> "refused";
            case INVALID -> "rejected";
        };
    }

    private Region regionOf(String topicArn) {
        String[] parts = topicArn.split(":");
        return parts.length >= 6 && !parts[3].isEmpty() ? Region.of(parts[3]) : config.aws().homeRegion();
    }

    /** What one invocation did, for its response and for the decision to fail it. */
    private static final class Invocation {
        final String requestId;
        final List<String> failures = new ArrayList<>();
        final List<String> batchItemFailures = new ArrayList<>();
        final ArrayNode results = Json.mapper().createArrayNode();

        Invocation(String requestId) {
            this.requestId = requestId;
        }

        void result(String source, ContainmentReport report, String event) {
            ObjectNode result = results.addObject();
            result.put("source", source);
            result.put("event", event);
            result.put("entity", report.entity());
            result.put("outcome", report.outcome().json());
            result.put("summary", report.summary());
            result.set("report", Json.mapper().valueToTree(report));
        }

        void rejected(String source, String shownEntity, String reason) {
            ObjectNode result = results.addObject();
            result.put("source", source);
            result.put("event", "rejected");
            result.put("entity", AuditMessage.untrusted(shownEntity));
            result.put("outcome", "rejected");
            result.put("summary", "Rejected: " + reason);
        }

        /**
         * {@code batchItemFailures} is what an SQS event source mapping with ReportBatchItemFailures reads; the
         * results are for people running {@code lockdown invoke}.
         */
        ObjectNode response() {
            ObjectNode response = Json.mapper().createObjectNode();
            ArrayNode failed = response.putArray("batchItemFailures");
            batchItemFailures.forEach(id -> failed.addObject().put("itemIdentifier", id));
            response.set("results", results);
            return response;
        }
    }
}
