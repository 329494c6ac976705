package io.entitylockdown.lambda.findings;

import java.util.Objects;

/**
 * Which finding a request came from: enough to name it in the audit and, for Security Hub, to
 * update it afterwards ({@code BatchUpdateFindings} identifies a finding by its id and product ARN).
 *
 * @param source     GuardDuty or Security Hub
 * @param id         GuardDuty's finding id, or the ASFF {@code Id}
 * @param productArn the ASFF {@code ProductArn}; empty for GuardDuty events
 * @param type       GuardDuty's finding type, or the first ASFF {@code Types} entry; empty when absent
 * @param severity   for people: GuardDuty's number ("8.0") or the ASFF severity label ("HIGH")
 * @param accountId  the account the finding is about
 * @param region     the region the finding is about
 * @param title      the finding's title, as the detector wrote it
 */
public record FindingRef(FindingSource source, String id, String productArn, String type, String severity,
        String accountId, String region, String title) {

    public FindingRef {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(id, "id");
        productArn = productArn == null ? "" : productArn;
        type = type == null ? "" : type;
        severity = severity == null ? "" : severity;
        accountId = accountId == null ? "" : accountId;
        region = region == null ? "" : region;
        title = title == null ? "" : title;
    }

    /** "GuardDuty finding 16afba5c... (CryptoCurrency:EC2/BitcoinTool.B!DNS, severity 8.0)". */
    public String describe() {
        StringBuilder text = new StringBuilder(source.displayName()).append(" finding ").append(id);
        if (!type.isEmpty() || !severity.isEmpty()) {
            text.append(" (").append(type);
            if (!severity.isEmpty()) {
                text.append(type.isEmpty() ? "" : ", ").append("severity ").append(severity);
            }
            text.append(')');
        }
        return text.toString();
    }

    /** Where findings come from. */
    public enum FindingSource {
        GUARDDUTY("GuardDuty"),
        SECURITY_HUB("Security Hub");

        private final String displayName;

        FindingSource(String displayName) {
            this.displayName = displayName;
        }

        public String displayName() {
            return displayName;
        }
    }
}
