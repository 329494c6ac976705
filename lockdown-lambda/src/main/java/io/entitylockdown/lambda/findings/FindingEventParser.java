package io.entitylockdown.lambda.findings;

import static io.entitylockdown.lambda.findings.GuardDutyFindings.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an EventBridge event (top-level {@code source}, {@code detail-type}, {@code detail}) into the
 * findings it carries and what each asks for. Pure: no AWS call, no clock.
 *
 * <ul>
 *   <li>{@code aws.guardduty} / "GuardDuty Finding": one finding; whether it is contained or only
 *       reported is decided by the {@link AutoContainPolicy};</li>
 *   <li>{@code aws.securityhub} / "Security Hub Findings - Custom Action": a person chose the action on
 *       these findings, so every resource of every finding is acted on;</li>
 *   <li>anything else is rejected.</li>
 * </ul>
 */
public final class FindingEventParser {
    public static final String GUARDDUTY_SOURCE = "aws.guardduty";
    public static final String GUARDDUTY_DETAIL_TYPE = "GuardDuty Finding";
    public static final String SECURITY_HUB_SOURCE = "aws.securityhub";
    public static final String CUSTOM_ACTION_DETAIL_TYPE = "Security Hub Findings - Custom Action";

    private final AutoContainPolicy policy;

    public FindingEventParser(AutoContainPolicy policy) {
        this.policy = policy;
    }

    /** True for anything shaped like an EventBridge event; such events are this parser's to accept or reject. */
    public static boolean isEventBridgeEvent(JsonNode event) {
        return event != null && event.isObject() && event.has("detail-type") && event.has("source");
    }

    /**
     * @throws RejectedEvent when the event is not a finding event this function acts on; the reason says
     *     what it is and what is accepted
     */
    public FindingEvent parse(JsonNode event) throws RejectedEvent {
        String source = text(event, "source");
        String detailType = text(event, "detail-type");
        JsonNode detail = event.path("detail");
        String eventId = text(event, "id");
        String account = text(event, "account");
        String region = text(event, "region");
        if (GUARDDUTY_SOURCE.equals(source) && GUARDDUTY_DETAIL_TYPE.equals(detailType)) {
            return new FindingEvent(eventId, FindingRef.FindingSource.GUARDDUTY, account, region, "",
                    List.of(GuardDutyFindings.parse(detail, policy)));
        }
        if (SECURITY_HUB_SOURCE.equals(source) && CUSTOM_ACTION_DETAIL_TYPE.equals(detailType)) {
            return customAction(event, detail, eventId, account, region);
        }
        if (SECURITY_HUB_SOURCE.equals(source)) {
            throw new RejectedEvent("Security Hub '" + CredentialTargets.shown(detailType) + "' events are not acted "
                    + "on: only the custom action 'Contain entity' (detail-type '" + CUSTOM_ACTION_DETAIL_TYPE + "') is a "
                    + "person's decision to contain; automatic response is for GuardDuty findings ("
                    + AutoContainPolicy.TYPES + ")");
        }
        if (GUARDDUTY_SOURCE.equals(source)) {
            throw new RejectedEvent("GuardDuty '" + CredentialTargets.shown(detailType) + "' events are not findings; "
                    + "only '" + GUARDDUTY_DETAIL_TYPE + "' events are acted on");
        }
        throw new RejectedEvent("EventBridge events from '" + CredentialTargets.shown(source) + "' ('"
                + CredentialTargets.shown(detailType) + "') are not lockdown requests; this function acts on '"
                + GUARDDUTY_DETAIL_TYPE + "' (" + GUARDDUTY_SOURCE + ") and '" + CUSTOM_ACTION_DETAIL_TYPE + "' ("
                + SECURITY_HUB_SOURCE + ") events, SNS lockdown requests and its own phase-2 messages");
    }

    private FindingEvent customAction(JsonNode event, JsonNode detail, String eventId, String account, String region)
            throws RejectedEvent {
        JsonNode findings = detail.path("findings");
        if (!findings.isArray() || findings.isEmpty()) {
            throw new RejectedEvent("The Security Hub custom action event carries no findings (detail.findings)");
        }
        String actionArn = event.path("resources").path(0).asText("");
        String actionName = text(detail, "actionName");
        Decision decision = Decision.act("a person chose the Security Hub custom action '"
                + (actionName.isEmpty() ? actionArn : CredentialTargets.shown(actionName)) + "' on this finding");
        List<FindingRequest> requests = new ArrayList<>();
        for (JsonNode finding : findings) {
            requests.addAll(SecurityHubFindings.parse(finding, region, decision));
        }
        return new FindingEvent(eventId, FindingRef.FindingSource.SECURITY_HUB, account, region, actionArn, requests);
    }
}
