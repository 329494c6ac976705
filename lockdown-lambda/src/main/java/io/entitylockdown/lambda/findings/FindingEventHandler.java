package io.entitylockdown.lambda.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.Shell;
import io.entitylockdown.core.UnknownEntityException;
import io.entitylockdown.core.aws.AccountSessions;
import io.entitylockdown.core.guard.Guardrails;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;

/**
 * EventBridge events into containment: GuardDuty findings (contained when the {@link AutoContainPolicy}
 * says so, otherwise a dry run audited as "would contain") and the Security Hub custom action
 * "Contain entity" (a person's decision: contained at once, then every finding is marked
 * {@code NOTIFIED} with a note naming each resource's outcome).
 *
 * <p>There is no ExternalId on these events: the trust boundary is who may invoke the function, which
 * the stack limits to its own EventBridge rules (docs/findings.md). A failed containment makes the
 * invocation fail so that Lambda retries the event (every step is idempotent); refusals, unsupported
 * resources, dry runs and a failed Security Hub update are audited and never retried.
 */
public final class FindingEventHandler {
    private static final Pattern REGION = Pattern.compile("[a-z]{2,4}(-[a-z]{2,10}){1,3}-[0-9]{1,2}");

    private final Supplier<LockdownEngine> engine;
    private final Guardrails guardrails;
    private final ContainmentOptions options;
    private final FindingEventParser parser;
    private final FunctionServices services;
    private final SecurityHubUpdate securityHub;

    /**
     * @param engine     the function's engine (member-role access, its guardrails, its step log), built with
     *                   the deployment's secret when first needed; it throws a {@link LockdownException} when
     *                   that secret cannot be read
     * @param own        the function's own sessions (its execution role), for Security Hub
     * @param guardrails the same guardrails, to audit "started" only for what the engine will act on
     * @param options    window and snapshot of the function ({@code LOCKDOWN_WINDOW_SECONDS}, {@code LOCKDOWN_SNAPSHOT})
     * @param policy     which GuardDuty findings are contained automatically
     * @param services   audit topic, log and phase-2 queue of the function
     */
    public FindingEventHandler(Supplier<LockdownEngine> engine, AccountSessions own, Guardrails guardrails,
            ContainmentOptions options, AutoContainPolicy policy, FunctionServices services) {
        this(engine, guardrails, options, policy, services, securityHubClients(own));
    }

    FindingEventHandler(Supplier<LockdownEngine> engine, Guardrails guardrails, ContainmentOptions options,
            AutoContainPolicy policy, FunctionServices services, Function<Region, SecurityHubClient> securityHub) {
        this.engine = engine;
        this.guardrails = guardrails;
        this.options = options;
        this.parser = new FindingEventParser(policy);
        this.services = services;
        this.securityHub = new SecurityHubUpdate(securityHub);
    }

    /**
     * Security Hub clients with the function's shared settings (its own role, retries, timeouts,
     * interceptors, endpoint), on {@link JdkHttpClient} because BatchUpdateFindings is a PATCH.
     */
    private static Function<Region, SecurityHubClient> securityHubClients(AccountSessions own) {
        JdkHttpClient http = new JdkHttpClient(Duration.ofSeconds(5), own.settings().attemptTimeout());
        return region -> own.caller().configure(SecurityHubClient.builder(), region).httpClient(http).build();
    }

    /** True for EventBridge events (top-level source and detail-type): this handler accepts or rejects them. */
    public static boolean accepts(JsonNode event) {
        return FindingEventParser.isEventBridgeEvent(event);
    }

    /**
     * What one event did.
     *
     * @param results  one entry per resource (or one for a rejected event), in the shape of the
     *                 function's other results: source, event, entity, outcome, summary, report
     * @param failures containments that failed; when not empty the invocation must fail so Lambda retries
     */
    public record Handled(List<ObjectNode> results, List<String> failures) {
        public Handled {
            results = List.copyOf(results);
            failures = List.copyOf(failures);
        }
    }

    /** Handles the event; never throws for anything the event or AWS does. */
    public Handled handle(JsonNode event, String requestId) {
        FindingEvent parsed;
        try {
            parsed = parser.parse(event);
        } catch (RejectedEvent rejected) {
            return rejectEvent(event, rejected.reason(), requestId);
        }
        services.log("INFO", "finding-event", "source", parsed.describeSource(),
                "findings", Integer.toString(parsed.findings().size()),
                "resources", Integer.toString(parsed.requests().size()));
        List<ObjectNode> results = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Map<FindingRef, List<SecurityHubNote.ResourceOutcome>> notes = new LinkedHashMap<>();
        Map<FindingRef, List<ObjectNode>> resultsByFinding = new LinkedHashMap<>();
        for (FindingRequest request : parsed.requests()) {
            String source = request.finding().describe() + "; " + parsed.describeSource();
            Handling handling = handle(request, source, requestId);
            handling.failure().ifPresent(failures::add);
            ObjectNode result = handling.result();
            ObjectNode finding = result.putObject("finding");
            finding.put("source", request.finding().source().displayName());
            finding.put("id", request.finding().id());
            if (!request.finding().productArn().isEmpty()) {
                finding.put("productArn", request.finding().productArn());
            }
            finding.put("type", request.finding().type());
            result.put("decision", request.decision().act() ? "act" : "report");
            result.put("decisionReason", request.decision().reason());
            results.add(result);
            notes.computeIfAbsent(request.finding(), f -> new ArrayList<>()).add(handling.note());
            resultsByFinding.computeIfAbsent(request.finding(), f -> new ArrayList<>()).add(result);
        }
        if (parsed.source() == FindingRef.FindingSource.SECURITY_HUB) {
            notes.forEach((finding, outcomes) -> updateSecurityHub(parsed, finding, outcomes,
                    resultsByFinding.get(finding), requestId));
        }
        return new Handled(results, failures);
    }

    /** What one resource led to: the result entry, the line for the Security Hub note, and a failure to retry. */
    private record Handling(ObjectNode result, SecurityHubNote.ResourceOutcome note, Optional<String> failure) {
    }

    private Handling handle(FindingRequest request, String source, String requestId) {
        FindingTarget target = request.target();
        if (target instanceof FindingTarget.Entity entity) {
            return contain(EntityArn.parse(entity.arn()), request.decision(), source, requestId, List.of());
        }
        if (target instanceof FindingTarget.Refused refused) {
            return refuse(refused, request, source, requestId);
        }
        if (target instanceof FindingTarget.Unsupported unsupported) {
            return notActed(unsupported, "not supported", unsupported.reason(), request, source, requestId);
        }
        return containCredentials(target, request, source, requestId);
    }

    /**
     * A finding that names credentials: the user behind a name or an access key (read-only look-ups in the
     * finding's account, also for a dry run), a role session, or an instance's credentials (the session
     * EC2 names after the instance). A look-up that finds nothing is audited and never retried; one that
     * AWS could not answer fails like a containment, so that Lambda retries it.
     */
    private Handling containCredentials(FindingTarget target, FindingRequest request, String source, String requestId) {
        List<String> context = new ArrayList<>();
        EntityArn entity;
        try {
            entity = credentialEntity(target, context);
        } catch (UnknownEntityException e) {
            return notActed(target, "not found", withoutFullStop(e.getMessage()), request, source, requestId);
        } catch (InvalidArnException e) {
            return notActed(target, "not supported", e.reason(), request, source, requestId);
        } catch (RuntimeException e) {
            return lookupFailed(target, e, request, source, requestId);
        }
        return contain(entity, request.decision(), source, requestId, context);
    }

    private EntityArn credentialEntity(FindingTarget target, List<String> context) {
        if (target instanceof FindingTarget.IamUserByName user) {
            EntityArn arn = engine.get().resolveUser(user.accountId(), user.userName());
            context.add("The finding names IAM user '" + user.userName() + "' without its path; IAM says it is "
                    + arn.arn() + " (iam:GetUser).");
            return arn;
        }
        if (target instanceof FindingTarget.AccessKeyId key) {
            EntityArn arn = engine.get().resolveAccessKey(key.accessKeyId(), key.accountId());
            context.add("The finding names access key " + key.accessKeyId() + "; it belongs to IAM user " + arn.arn()
                    + " (iam:GetAccessKeyLastUsed), which is contained.");
            return arn;
        }
        if (target instanceof FindingTarget.RoleSession session) {
            EntityArn arn = EntityArn.parse(session.sessionArn());
            context.add("Only session '" + session.sessionName() + "' of role " + session.roleName() + " is denied; "
                    + "other sessions of the role keep working. To cut off every session: lockdown contain "
                    + session.roleArnWithoutPath() + " (with the role's path, if it has one).");
            return arn;
        }
        if (target instanceof FindingTarget.InstanceCredentials credentials) {
            if (credentials.roleName().isEmpty()) {
                throw new UnknownEntityException("the finding does not name the role of instance "
                        + credentials.instanceId() + "'s credentials, so they cannot be denied alone; to deny them with "
                        + "the instance's network cut off too: lockdown contain " + Shell.quote(credentials.instanceArn()));
            }
            EntityArn arn = EntityArn.parse("arn:" + credentials.partition() + ":sts::" + credentials.accountId()
                    + ":assumed-role/" + credentials.roleName() + "/" + credentials.instanceId());
            context.add("These are the instance-profile credentials of EC2 instance " + credentials.instanceId()
                    + " (session " + credentials.instanceId() + " of role " + credentials.roleName() + "): only they are "
                    + "denied, wherever they are used. The instance and its network are NOT touched: the finding says "
                    + "its credentials were used elsewhere, not that the instance runs the attacker's code. To isolate "
                    + "the instance as well: lockdown contain " + Shell.quote(credentials.instanceArn()));
            return arn;
        }
        throw new IllegalStateException("not a credentials target: " + target.describe());
    }

    /** AWS could not answer a look-up (the member role, throttling ...): audited as failed; Lambda retries when acting. */
    private Handling lookupFailed(FindingTarget target, RuntimeException error, FindingRequest request, String source,
            String requestId) {
        boolean act = request.decision().act();
        String problem = error instanceof LockdownException ? withoutFullStop(error.getMessage())
                : "internal error (" + error.getClass().getSimpleName() + ": " + error.getMessage() + ")";
        services.log("ERROR", "finding-lookup-failed", "source", source, "entity", target.describe(), "error", problem);
        services.auditNotice(new FindingNotice(FindingNotice.Kind.FAILED, "Finding NOT acted on (look-up failed): "
                + target.describe(), target.describe(), target.accountId(), request.finding().region(), source,
                "What the finding names could not be looked up: " + problem + ".\n\nNothing was changed. "
                        + (act ? "Lambda will retry this event; if every retry fails, the event is kept by the "
                                + "function's failure destination and the failure topic is told.\n"
                                : "This was only a dry run (" + request.decision().reason() + "); it is not retried.\n")),
                requestId);
        ObjectNode result = result(source, "failed", target.describe(), "failed", "Not acted on: " + problem);
        return new Handling(result, new SecurityHubNote.ResourceOutcome(act ? "NOT contained (failed; Lambda retries)"
                : "dry run failed", target.describe()), act ? Optional.of(target.describe() + ": " + problem)
                : Optional.empty());
    }

    private static String withoutFullStop(String message) {
        return message != null && message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    private Handling contain(EntityArn entity, Decision decision, String source, String requestId, List<String> context) {
        boolean act = decision.act();
        // "started" travels while the engine works; it is joined before the outcome is audited
        CompletableFuture<Boolean> started = act && guardrails.refusal(entity).isEmpty()
                ? services.auditStarted(entity, source, requestId)
                : CompletableFuture.completedFuture(true);
        ContainmentReport report;
        try {
            report = engine.get().contain(entity.arn(), options.withDryRun(!act), services.phase2());
        } catch (LockdownException unavailable) {
            // the deployment's secret could not be read: nothing was done; Lambda retries the event
            started.join();
            services.log("ERROR", "not-handled", "source", source, "entity", entity.arn(), "reason",
                    unavailable.getMessage());
            services.auditNotice(new FindingNotice(FindingNotice.Kind.FAILED, "Finding NOT handled: " + entity.label(),
                    entity.arn(), entity.accountId(), entity.region(), source, "Reason: " + unavailable.getMessage()
                            + "\n\nNothing was changed. Lambda retries the event.\n"), requestId);
            ObjectNode result = result(source, "failed", entity.arn(), "failed", "Not handled: "
                    + unavailable.getMessage());
            return new Handling(result, new SecurityHubNote.ResourceOutcome("not handled, retried", entity.label()),
                    Optional.of(entity.label() + ": " + unavailable.getMessage()));
        }
        started.join();
        List<String> extra = new ArrayList<>(context);
        extra.add((act ? "Acting on this finding because " : "Only a dry run (nothing was changed) because ")
                + decision.reason() + ".");
        String problem = null;
        boolean failed = report.outcome() == Outcome.PARTIAL || report.outcome() == Outcome.FAILED;
        if (act && failed) {
            extra.add("Lambda will retry this event (every step is idempotent). If every retry fails, the event is kept "
                    + "by the function's failure destination and the failure topic is told.");
        }
        if (!act) {
            extra.add("To contain it now: lockdown contain " + Shell.quote(entity.arn()) + " (or choose 'Contain entity' on the "
                    + "finding in Security Hub). To contain findings like it automatically, add its type to "
                    + AutoContainPolicy.TYPES + " (and check " + AutoContainPolicy.MIN_SEVERITY + ").");
        }
        boolean audited = services.auditFinished(report, source, requestId, extra, problem);
        String event = failed ? "failed" : !act && report.outcome() == Outcome.SUCCEEDED ? "would_contain"
                : eventOf(report);
        ObjectNode result = result(source, event, report.entity(), report.outcome().json(), report.summary());
        result.set("report", Json.mapper().valueToTree(report));
        Optional<String> failure = Optional.empty();
        if (act && failed) {
            failure = Optional.of(entity.label() + ": " + (problem != null ? problem : report.summary()));
        } else if (act && !audited && report.outcome() == Outcome.SUCCEEDED) {
            // People must hear about every containment; a retry re-checks the (now contained) entity and says so again.
            failure = Optional.of(entity.label() + ": contained, but the audit message could not be published");
        }
        return new Handling(result, new SecurityHubNote.ResourceOutcome(noteWord(report, act, failed), entity.label()),
                failure);
    }

    private Handling refuse(FindingTarget.Refused refused, FindingRequest request, String source, String requestId) {
        String text = "Reason: " + refused.reason() + ".\n\nWhat a person must do now:\n" + refused.whatAHumanMustDo()
                + "\n\nNothing was changed by Entity Lockdown, and this finding will not be retried.\n";
        services.log("WARN", "finding-refused", "source", source, "entity", refused.named(), "reason", refused.reason());
        services.auditNotice(new FindingNotice(FindingNotice.Kind.REFUSED, "Finding needs a person: " + refused.named(),
                refused.named(), refused.accountId(), request.finding().region(), source, text), requestId);
        ObjectNode result = result(source, "refused", refused.named(), "refused", "Refused: " + refused.reason()
                + ". " + refused.whatAHumanMustDo());
        return new Handling(result, new SecurityHubNote.ResourceOutcome("refused, a person must act", refused.named()),
                Optional.empty());
    }

    private Handling notActed(FindingTarget target, String word, String reason, FindingRequest request, String source,
            String requestId) {
        String text = "Reason: " + reason + ".\n\nNothing was changed, and this finding will not be retried. Respond to "
                + "it by hand, or contain the entity behind it with 'lockdown contain'.\n";
        services.log("WARN", "finding-not-acted", "source", source, "entity", target.describe(), "reason", reason);
        services.auditNotice(new FindingNotice(FindingNotice.Kind.REJECTED, "Finding " + word + ": " + target.describe(),
                target.describe(), target.accountId(), request.finding().region(), source, text), requestId);
        ObjectNode result = result(source, "rejected", target.describe(), "rejected", "Not acted on: " + reason);
        return new Handling(result, new SecurityHubNote.ResourceOutcome(word, target.describe()), Optional.empty());
    }

    private Handled rejectEvent(JsonNode event, String reason, String requestId) {
        String source = "EventBridge event " + GuardDutyFindings.text(event, "id") + " ("
                + GuardDutyFindings.text(event, "source") + ", '" + GuardDutyFindings.text(event, "detail-type") + "')";
        services.log("WARN", "rejected", "source", source, "reason", reason);
        services.auditNotice(new FindingNotice(FindingNotice.Kind.REJECTED, "EventBridge event REJECTED: " + reason, "",
                GuardDutyFindings.text(event, "account"), GuardDutyFindings.text(event, "region"), source,
                "Reason: " + reason + "\n\nNothing was changed and the event will not be retried. Only the stack's "
                        + "EventBridge rules may invoke the function (docs/findings.md): if this event did not come from "
                        + "them, find who called lambda:InvokeFunction on the function in CloudTrail.\n"), requestId);
        return new Handled(List.of(result(source, "rejected", "", "rejected", "Rejected: " + reason)), List.of());
    }

    private void updateSecurityHub(FindingEvent event, FindingRef finding, List<SecurityHubNote.ResourceOutcome> outcomes,
            List<ObjectNode> results, String requestId) {
        String note = SecurityHubNote.text(outcomes, requestId);
        Optional<String> problem = REGION.matcher(event.region()).matches()
                ? securityHub.markNotified(finding, Region.of(event.region()), note)
                : Optional.of("the event names no valid region ('" + CredentialTargets.shown(event.region())
                        + "'), so Security Hub cannot be called");
        for (ObjectNode result : results) {
            ObjectNode update = result.putObject("securityHubUpdate");
            update.put("updated", problem.isEmpty());
            if (problem.isPresent()) {
                update.put("problem", problem.get());
            } else {
                update.put("workflowStatus", "NOTIFIED");
                update.put("note", note);
            }
        }
        if (problem.isEmpty()) {
            services.log("INFO", "securityhub-updated", "finding", finding.id(), "workflowStatus", "NOTIFIED");
            return;
        }
        services.log("ERROR", "securityhub-update-failed", "finding", finding.id(), "error", problem.get());
        services.auditNotice(new FindingNotice(FindingNotice.Kind.FAILED, "Security Hub finding NOT updated: "
                + finding.id(), finding.id(), finding.accountId(), event.region(), event.describeSource(),
                "What happened to its resources (already done, and audited separately):\n  "
                        + String.join("\n  ", outcomes.stream().map(SecurityHubNote.ResourceOutcome::text).toList())
                        + "\n\nBut the finding could not be marked NOTIFIED with that note: " + problem.get()
                        + "\nThe containment stands; this is not retried. The function's execution role needs "
                        + SecurityHubUpdate.CALL + " in the Security Hub administrator account (docs/findings.md). "
                        + "Set the finding's workflow status and note by hand, with the note:\n" + note + "\n"),
                requestId);
    }

    private static ObjectNode result(String source, String event, String entity, String outcome, String summary) {
        ObjectNode result = Json.mapper().createObjectNode();
        result.put("source", source);
        result.put("event", event);
        result.put("entity", entity);
        result.put("outcome", outcome);
        result.put("summary", summary);
        return result;
    }

    private static String noteWord(ContainmentReport report, boolean act, boolean failed) {
        return switch (report.outcome()) {
            case SUCCEEDED -> !act ? "would contain (dry run)"
                    : failed ? "contained, phase 2 NOT scheduled (Lambda retries)" : "contained";
            case PARTIAL -> act ? "PARTIALLY contained (Lambda retries)" : "dry run failed";
            case FAILED -> act ? "NOT contained (failed; Lambda retries)" : "dry run failed";
            case REFUSED -> "refused by a guardrail";
            case INVALID -> "rejected";
        };
    }

    private static String eventOf(ContainmentReport report) {
        return switch (report.outcome()) {
            case SUCCEEDED -> "succeeded";
            case PARTIAL, FAILED -> "failed";
            case REFUSED -> "refused";
            case INVALID -> "rejected";
        };
    }
}
