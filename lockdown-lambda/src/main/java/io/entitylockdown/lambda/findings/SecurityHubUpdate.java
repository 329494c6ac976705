package io.entitylockdown.lambda.findings;

import software.amazon.awssdk.services.securityhub.model.AwsSecurityFindingIdentifier;
import io.entitylockdown.core.report.AwsErrors;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.BatchUpdateFindingsRequest;
import software.amazon.awssdk.services.securityhub.model.BatchUpdateFindingsResponse;
import software.amazon.awssdk.services.securityhub.model.BatchUpdateFindingsUnprocessedFinding;
import software.amazon.awssdk.services.securityhub.model.WorkflowStatus;

/**
 * Tells Security Hub what a custom action did: {@code BatchUpdateFindings} on each finding, workflow
 * status {@code NOTIFIED} and a note naming the outcome of each resource. One request per finding,
 * because the note differs per finding and a request sets one note for all its findings.
 *
 * <p>It is called with the function's own role in the region of the custom action's event: that is
 * the Security Hub administrator account (and, with cross-Region aggregation, the aggregation
 * Region), which may update the findings of its member accounts and linked Regions.
 */
final class SecurityHubUpdate {
    static final String CALL = "securityhub:BatchUpdateFindings";
    private final Function<Region, SecurityHubClient> clientFactory;
    private final Map<Region, SecurityHubClient> clients = new ConcurrentHashMap<>();

    SecurityHubUpdate(Function<Region, SecurityHubClient> clientFactory) {
        this.clientFactory = clientFactory;
    }

    /** The request for one finding; separate so that tests can compare it with what was sent. */
    static BatchUpdateFindingsRequest request(FindingRef finding, String note) {
        return BatchUpdateFindingsRequest.builder()
                .findingIdentifiers(AwsSecurityFindingIdentifier.builder().id(finding.id())
                        .productArn(finding.productArn()).build())
                .workflow(w -> w.status(WorkflowStatus.NOTIFIED))
                .note(n -> n.text(note).updatedBy(SecurityHubNote.UPDATED_BY))
                .build();
    }

    /** Updates the finding; returns what went wrong, or empty when Security Hub processed it. Never throws. */
    Optional<String> markNotified(FindingRef finding, Region region, String note) {
        BatchUpdateFindingsResponse response;
        try {
            response = clients.computeIfAbsent(region, clientFactory).batchUpdateFindings(request(finding, note));
        } catch (RuntimeException e) {
            return Optional.of(AwsErrors.describe(e, CALL));
        }
        if (response.hasUnprocessedFindings() && !response.unprocessedFindings().isEmpty()) {
            BatchUpdateFindingsUnprocessedFinding unprocessed = response.unprocessedFindings().get(0);
            return Optional.of(CALL + " did not process the finding: " + unprocessed.errorCode() + " "
                    + unprocessed.errorMessage());
        }
        return Optional.empty();
    }
}
