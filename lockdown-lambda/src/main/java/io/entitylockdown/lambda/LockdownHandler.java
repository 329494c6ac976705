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
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.aws.AwsSettings;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Operation;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.strategy.Strategies;
import io.entitylockdown.core.strategy.StrategyRegistry;
import io.entitylockdown.lambda.findings.AutoContainPolicy;
import io.entitylockdown.lambda.findings.FindingEventHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The lockdown function: one handler for both of its event sources.
 *
 * <ul>
 *   <li>SNS records are lockdown requests (attributes {@code Arn} and {@code ExternalId}, or a JSON
 *       body; an {@code Operation} of contain, release or status). Each is authenticated, validated,
 *       executed and audited. When a containment or release fails, the invocation throws after every
 *       record was handled, so Lambda retries the event; a refusal never does.</li>
 *   <li>SQS records are EC2 phase-2 messages this function scheduled on its delay queue. Failed
 *       ones are returned as {@code batchItemFailures}, so SQS redelivers only those.</li>
 * </ul>
 *
 * <p>A message that is not an authenticated request for a supported entity is audited as rejected
 * and never retried. Everything reusable is built once per container, in the constructor; nothing
 * there is unique, time-bound or secret (no credentials are fetched, no clock read, no secret read),
 * so a SnapStart snapshot is safe to restore many times. The deployment's ExternalId is read from
 * Secrets Manager when the first request needs it ({@link ExternalIdSource}), and the engine, whose
 * member-role sessions present it, is built then.
 */
public final class LockdownHandler implements RequestStreamHandler {
    /** Lambda's asynchronous payload limit is 256 KB; anything larger is not a lockdown event. */
    static final int MAX_EVENT_BYTES = 1024 * 1024;

    private final HandlerSettings settings;
    private final LockdownConfig config;
    private final StrategyRegistry strategies;
    /** The function's own clients (audit topic, phase-2 queue, secret), acting as the execution role. */
    private final AccountSessions own;
    private final SnsClient sns;
    private final SqsClient sqs;
    private final ExternalIdSource externalId;
    private final AuditTrail audit;
    private final StructuredLog log;
    private final Clock clock;
    private final FindingEventHandler findings;
    /** Built at the first request that needs it, with the ExternalId in force then. */
    private LockdownEngine engine;
    private DeploymentSecret engineSecret;

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
     * @param aws replaces the AWS settings read from {@code env} (tests and the demo add interceptors), or null
     */
    public LockdownHandler(Map<String, String> env, AwsSettings aws, Clock clock, PrintStream logStream) {
        this(env, aws, clock, logStream, Strategies.standard());
    }

    /** @param strategies the engine's strategies (tests replace them to produce an outcome on demand) */
    LockdownHandler(Map<String, String> env, AwsSettings aws, Clock clock, PrintStream logStream,
            StrategyRegistry strategies) {
        this.settings = HandlerSettings.fromEnvironment(env);
        LockdownConfig fromEnv = LockdownConfig.fromEnvironment(env);
        this.config = aws == null ? fromEnv : fromEnv.withAws(aws);
        this.strategies = strategies;
        this.clock = clock;
        this.log = new StructuredLog(logStream, clock);
        this.own = new AccountSessions(config.aws(), Access.callerCredentials());
        var caller = own.caller();
        this.sns = caller.configure(SnsClient.builder(), regionOf(settings.auditTopicArn())).build();
        this.sqs = caller.configure(SqsClient.builder(), config.aws().homeRegion()).build();
        Region secretRegion = settings.secretRegion().isEmpty() ? config.aws().homeRegion()
                : Region.of(settings.secretRegion());
        this.externalId = new ExternalIdSource(settings,
                caller.configure(SecretsManagerClient.builder(), secretRegion).build(), clock);
        this.audit = new AuditTrail(sns, settings.auditTopicArn(), log);
        // findings carry no ExternalId: the engine is the one the deployment's secret opens, read when needed
        this.findings = new FindingEventHandler(this::currentEngine, own, config.guardrails(), settings.options(),
                AutoContainPolicy.fromEnvironment(env), new FindingFunctionServices(audit, log, clock, this::schedulePhase2));
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
        route(event, invocation);
    }

    /**
     * Sends each part of the event to the handler of its source: an EventBridge event (a GuardDuty or
     * Security Hub finding) to the findings handler; the records of an SNS or SQS event one by one.
     */
    private void route(JsonNode event, Invocation invocation) {
        if (FindingEventHandler.accepts(event)) {
            FindingEventHandler.Handled handled = findings.handle(event, invocation.requestId);
            handled.results().forEach(invocation.results::add);
            invocation.failures.addAll(handled.failures());
            return;
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

    /** A lockdown request from the lockdown topic: authenticated here, then executed like any other. */
    private void handleSns(JsonNode sns, Invocation invocation) {
        String source = "SNS message " + sns.path("MessageId").asText("?") + " from "
                + sns.path("TopicArn").asText("?");
        LockdownMessage message;
        EntityArn entity;
        DeploymentSecret secret;
        try {
            message = LockdownMessage.fromSns(sns);
            secret = authenticate(message);
            entity = supportedEntity(message.arn());
        } catch (RejectedMessage rejected) {
            reject(invocation, source, rejected.shownEntity(), rejected.reason());
            return;
        } catch (SecretUnavailableException unavailable) {
            notHandled(invocation, source, shownArn(sns), unavailable.getMessage());
            invocation.failures.add(unavailable.getMessage());
            return;
        }
        execute(new LockdownRequest(entity, message.operation(), source), secret, invocation);
    }

    /**
     * An authenticated request for a supported entity, whatever brought it.
     *
     * @param entity    what to act on
     * @param operation {@link Operation#CONTAIN}, {@link Operation#RELEASE} or {@link Operation#STATUS}
     * @param source    where it came from, for people ("SNS message ... from ...")
     */
    record LockdownRequest(EntityArn entity, Operation operation, String source) {
    }

    /**
     * Runs one request and audits it. Containment and release are announced ({@code started}) unless a
     * guardrail refuses the entity outright, and their failure fails the invocation so that Lambda retries
     * it (every step is idempotent). A report whose outcome is {@code refused} is audited as such and never
     * fails the invocation: retrying cannot change a guardrail's answer, and a refusal must not end on the
     * kept-events queue. A status is read-only: its result is audited, and a failed read is not retried.
     */
    private void execute(LockdownRequest request, DeploymentSecret secret, Invocation invocation) {
        EntityArn entity = request.entity();
        Operation operation = request.operation();
        boolean changes = operation != Operation.STATUS;
        LockdownEngine lockdown;
        try {
            lockdown = engine(secret);
        } catch (SecretUnavailableException unavailable) {
            // nothing was sent yet: audited, and failed so that Lambda delivers it again once the secret is fixed
            notHandled(invocation, request.source(), entity.arn(), unavailable.getMessage());
            invocation.failures.add(unavailable.getMessage());
            return;
        }
        // "started" travels while the engine works: the first deny is the first request of the containment
        CompletableFuture<Boolean> started = changes && config.guardrails().refusal(entity).isEmpty()
                ? audit.publishAsync(AuditMessage.started(entity, operation, request.source(), invocation.requestId,
                        clock.instant()))
                : CompletableFuture.completedFuture(true);
        // EC2: phase 2 is on the delay queue before any interface leaves its groups; when it cannot be
        // sent, the engine isolates at once instead of opening the network.
        ContainmentReport report = switch (operation) {
            case CONTAIN -> lockdown.contain(entity.arn(), settings.options(), this::schedulePhase2);
            case RELEASE -> lockdown.release(entity.arn(), ContainmentOptions.defaults());
            case STATUS -> lockdown.status(entity.arn());
            case ISOLATE -> throw new IllegalArgumentException("isolation is only scheduled by the function itself");
        };
        List<String> extra = new ArrayList<>();
        boolean failed = changes && (report.outcome() == Outcome.PARTIAL || report.outcome() == Outcome.FAILED);
        if (failed) {
            extra.add("Lambda will retry this request (every step is idempotent). If every retry fails, the event is "
                    + "kept on the kept-events queue and the failure topic is told.");
        }
        started.join();
        boolean audited = audit.publish(AuditMessage.finished(report, request.source(), invocation.requestId, extra,
                null));
        invocation.result(request.source(), report, failed ? "failed" : eventOf(report));
        if (failed) {
            invocation.failures.add(entity.label() + ": " + report.summary());
        } else if (!audited && changes && report.outcome() == Outcome.SUCCEEDED) {
            // People must hear about every change; a retry re-checks the entity and says so again.
            invocation.failures.add(entity.label() + ": " + operation.json()
                    + " done, but the audit message could not be published");
        }
    }

    /** EC2 phase 2, from the function's own delay queue. */
    private void handlePhase2(JsonNode record, Invocation invocation) {
        String messageId = record.path("messageId").asText("");
        String source = "SQS message " + messageId + " from " + record.path("eventSourceARN").asText("?");
        Phase2Message message;
        EntityArn entity;
        DeploymentSecret secret;
        LockdownEngine lockdown;
        try {
            secret = externalId.current().orElse(null);
            String body = record.path("body").asText(null);
            try {
                message = Phase2Message.verified(body, secret, clock.instant());
            } catch (RejectedMessage rejected) {
                // Signed just before a rotation of the secret: still the function's own message.
                Optional<DeploymentSecret> before = externalId.previous();
                if (before.isEmpty()) {
                    throw rejected;
                }
                message = Phase2Message.verified(body, before.get(), clock.instant());
            }
            entity = supportedEntity(message.arn());
            if (entity.type() != EntityType.EC2_INSTANCE) {
                throw new RejectedMessage("Only EC2 instances have a second phase", message.arn());
            }
            lockdown = engine(secret);
        } catch (RejectedMessage rejected) {
            reject(invocation, source, rejected.shownEntity(), rejected.reason());
            return;
        } catch (SecretUnavailableException unavailable) {
            // Not verified yet, so not rejected either: SQS delivers it again.
            notHandled(invocation, source, "", unavailable.getMessage());
            invocation.batchItemFailures.add(messageId);
            return;
        }
        // the time the message was signed: a release after it leaves a note that makes this phase 2 stand down
        ContainmentReport report = lockdown.isolate(entity.arn(), settings.options(),
                java.time.Instant.parse(message.scheduledAt()));
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

    /**
     * Sends the signed phase-2 message with the window as its delay. Throws when it cannot, so the
     * engine isolates the instance at once rather than opening it without a phase 2.
     */
    private String schedulePhase2(EntityArn entity, java.time.Instant notBefore, int windowSeconds) {
        if (settings.phase2QueueUrl().isEmpty()) {
            throw new IllegalStateException("LOCKDOWN_PHASE2_QUEUE_URL is not set, so phase 2 cannot be scheduled");
        }
        // the secret that authenticated this request (read moments ago, so cached): it signs the message
        DeploymentSecret secret = externalId.current().orElseThrow(() -> new IllegalStateException(
                "this deployment has no ExternalId to sign the phase-2 message with"));
        int delay = Math.max(0, Math.min(windowSeconds, ContainmentOptions.MAX_WINDOW_SECONDS));
        Phase2Message message = Phase2Message.create(entity.arn(), delay, clock.instant(), secret);
        String id;
        try {
            id = sqs.sendMessage(b -> b.queueUrl(settings.phase2QueueUrl()).messageBody(message.toJson())
                    .delaySeconds(delay)).messageId();
        } catch (RuntimeException e) {
            log.event("ERROR", "phase2-not-scheduled", "entity", entity.arn(), "error",
                    AwsErrors.describe(e, "sqs:SendMessage"));
            throw e;
        }
        log.event("INFO", "phase2-scheduled", "entity", entity.arn(), "delaySeconds", Integer.toString(delay),
                "messageId", id);
        return "scheduled on the delay queue (message " + id + ", delay " + delay + " s, not before " + notBefore + ")";
    }

    /** The deployment's ExternalId when the message presents it; the caller's session presents it in turn. */
    private DeploymentSecret authenticate(LockdownMessage message) throws RejectedMessage {
        Optional<DeploymentSecret> secret = externalId.current();
        if (secret.isEmpty()) {
            throw new RejectedMessage("This deployment has no ExternalId (neither " + HandlerSettings.EXTERNAL_ID_SECRET_ARN
                    + " nor " + HandlerSettings.EXTERNAL_ID + " is set), so no request can be authenticated", message.arn());
        }
        if (!secret.get().matches(message.externalId())) {
            throw new RejectedMessage("The ExternalId does not match this deployment's ExternalId", message.arn());
        }
        return secret.get();
    }

    /**
     * The engine whose member-role sessions present this ExternalId. Built at the first request, and again
     * only when the secret's value changed (a rotation).
     */
    private LockdownEngine engine(DeploymentSecret secret) {
        if (engine == null || engineSecret != secret) {
            Access access;
            try {
                access = config.memberRole(secret.value());
            } catch (IllegalArgumentException e) {
                throw new SecretUnavailableException("The deployment's ExternalId from " + externalId.origin()
                        + " is not valid for STS (2-1224 characters of letters, digits and +=,.@:/-); fix the secret", e);
            }
            if (engine != null) {
                engine.close();
            }
            // the records on entities are signed with a key derived from the same secret
            RecordKey recordKey = RecordKey.fromSecret(secret.value());
            engine = config.engineBuilder(access).listener(log).strategies(strategies).clock(clock)
                    .recordKey(recordKey).build();
            engineSecret = secret;
        }
        return engine;
    }

    /** The engine with the deployment's current secret; throws {@link SecretUnavailableException} when it cannot be read. */
    private LockdownEngine currentEngine() {
        return engine(externalId.current().orElseThrow(() -> new SecretUnavailableException("This deployment has no "
                + "ExternalId (neither " + HandlerSettings.EXTERNAL_ID_SECRET_ARN + " nor " + HandlerSettings.EXTERNAL_ID
                + " is set), so the member roles cannot be assumed", null)));
    }

    /** The Arn attribute as sent (it is the only attribute value that may be shown), or empty. */
    private static String shownArn(JsonNode sns) {
        return sns.path("MessageAttributes").path(LockdownMessage.ARN_ATTRIBUTE).path("Value").asText("");
    }

    private EntityArn supportedEntity(String arn) throws RejectedMessage {
        EntityArn entity;
        try {
            entity = EntityArn.parse(arn);
        } catch (InvalidArnException e) {
            throw new RejectedMessage(e.getMessage(), arn);
        }
        if (strategies.forType(entity.type()).isEmpty()) {
            throw new RejectedMessage(entity.type().displayName() + "s are not supported by this build", arn);
        }
        return entity;
    }

    /** Audits a request that was not handled for a reason outside it; the caller makes sure it is retried. */
    private void notHandled(Invocation invocation, String source, String shownEntity, String reason) {
        log.event("ERROR", "not-handled", "source", source, "entity", AuditMessage.untrusted(shownEntity), "reason", reason);
        audit.publish(AuditMessage.notHandled(shownEntity, reason, source, invocation.requestId, clock.instant()));
        invocation.notHandled(source, shownEntity, reason);
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

        void notHandled(String source, String shownEntity, String reason) {
            ObjectNode result = results.addObject();
            result.put("source", source);
            result.put("event", "failed");
            result.put("entity", AuditMessage.untrusted(shownEntity));
            result.put("outcome", "failed");
            result.put("summary", "Not handled: " + reason);
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
