package io.entitylockdown.lambda.findings;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An EventBridge event that carries findings, parsed.
 *
 * @param eventId     EventBridge's event id (for the audit and the log)
 * @param source      GuardDuty or Security Hub
 * @param account     the account whose event bus delivered the event (the administrator account)
 * @param region      the region of that event bus; Security Hub findings are updated there
 * @param actionArn   the Security Hub custom action that sent the event; empty for GuardDuty
 * @param requests    every resource of every finding, in the order of the event
 */
public record FindingEvent(String eventId, FindingRef.FindingSource source, String account, String region,
        String actionArn, List<FindingRequest> requests) {

    public FindingEvent {
        Objects.requireNonNull(source, "source");
        eventId = eventId == null ? "" : eventId;
        account = account == null ? "" : account;
        region = region == null ? "" : region;
        actionArn = actionArn == null ? "" : actionArn;
        requests = List.copyOf(requests);
    }

    /** The findings of this event, each once, in order. */
    public List<FindingRef> findings() {
        List<FindingRef> findings = new ArrayList<>();
        for (FindingRequest request : requests) {
            if (!findings.contains(request.finding())) {
                findings.add(request.finding());
            }
        }
        return findings;
    }

    /** For the audit's "Source:" line. */
    public String describeSource() {
        return switch (source) {
            case GUARDDUTY -> "GuardDuty finding event " + eventId + " (EventBridge, " + account + "/" + region + ")";
            case SECURITY_HUB -> "Security Hub custom action " + (actionArn.isEmpty() ? "(no action ARN)" : actionArn)
                    + ", EventBridge event " + eventId;
        };
    }
}
